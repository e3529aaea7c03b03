"""The importer: registry manifests and configs -> Image objects for ImageStreamImport (spec 13).

``importer.Importer`` runs one import request; ``fetch`` gets single references within a request
budget; ``pool`` shares clients, caches and back-off between requests; ``images`` and ``status``
are the pure translations to upstream's objects and messages.
"""

__all__: list[str] = []
