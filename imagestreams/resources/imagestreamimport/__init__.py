"""``image.openshift.io/v1 imagestreamimports``: importing images from registries (spec 13).

``rest`` is the resource, ``apply`` records results in a stream, ``install.import_extension``
registers it with ``resources.install.build``.
"""

__all__: list[str] = []
