"""The ``image.openshift.io/v1`` API group: image streams and their virtual views.

``install.image_extension(...)`` is the entry point the composition root passes to
``resources.install.build``. The modules are split by resource; the tag-history algorithm
(``history``), tag processing (``tagging``) and pull-spec resolution (``pullspec``) are pure and
shared by every writer of a stream (main endpoint, ``/status``, ImageStreamTag, ImageTag,
ImageStreamMapping, ImageStreamImport).
"""

__all__: list[str] = []
