"""Image pruning (``imagestreams adm prune images``, upstream ``oc adm prune images``).

Three layers, so the decisions can be tested without a server: :mod:`.graph` reads the cluster
(what pods, controllers and builds use; which blobs an image is made of), :mod:`.plan` decides
purely what goes (history items, Image objects, registry links and blobs), and :mod:`.apply`
carries it out through the API and the integrated registry (:mod:`.registry`), printing oc's
lines as it goes.
"""

__all__: list[str] = []
