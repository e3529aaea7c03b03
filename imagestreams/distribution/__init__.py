"""The integrated container registry (OpenShift's ``image-registry``), served beside the API.

``app.build(...)`` makes the ASGI application for ``/v2/...`` and ``/openshift/token``;
``app.mount(registry, api)`` puts it in front of the API application on the same listener.
This package sits beside ``imagestreams.server`` (neither imports the other): it reaches the
image API through the in-process ``rest.Resource`` objects and authorizes with the ``can``
callable of the RBAC authorizer.
"""

__all__: list[str] = []
