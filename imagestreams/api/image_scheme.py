"""Discovery entries of ``image.openshift.io/v1``, registered into ``api.scheme`` on import.

Verbs are what upstream discovery reports for each storage (openshift-apiserver
``pkg/image/apiserver/apiserver.go`` and the REST types behind it): the stored kinds have every
verb, the virtual ones only the verbs their REST objects implement. Verbs are listed sorted, as
discovery sends them, and resources are in path order as upstream's installer registers them.
Short names, categories and singular names come from the REST types'
``ShortNames``/``Categories``/``GetSingularName``.
"""

from __future__ import annotations

from imagestreams.api import scheme
from imagestreams.api.image_v1 import GROUP, VERSION
from imagestreams.api.scheme import ALL_VERBS, ResourceInfo

__all__ = ["IMAGE_RESOURCES"]


def _image(kind: str, plural: str, **kw: object) -> ResourceInfo:
    return ResourceInfo(group=GROUP, version=VERSION, kind=kind, plural=plural, **kw)  # type: ignore[arg-type]


_VIRTUAL_TAG_VERBS = ("create", "delete", "get", "list", "patch", "update")

IMAGE_RESOURCES: tuple[ResourceInfo, ...] = (
    _image("Image", "images", namespaced=False, verbs=ALL_VERBS, singular="image"),
    _image(
        "ImageSignature",
        "imagesignatures",
        namespaced=False,
        verbs=("create", "delete"),
        singular="imagesignature",
    ),
    _image(
        "ImageStreamImage",
        "imagestreamimages",
        verbs=("get",),
        short_names=("isimage",),
        singular="imagestreamimage",
    ),
    _image(
        "ImageStreamImport", "imagestreamimports", verbs=("create",), singular="imagestreamimport"
    ),
    _image(
        "ImageStreamMapping",
        "imagestreammappings",
        verbs=("create",),
        singular="imagestreammapping",
    ),
    _image(
        "ImageStream",
        "imagestreams",
        verbs=ALL_VERBS,
        short_names=("is",),
        categories=("all",),
        singular="imagestream",
    ),
    _image(
        "ImageStream",
        "imagestreams",
        subresource="layers",
        verbs=("get",),
        response_kind="ImageStreamLayers",
    ),
    _image(
        "ImageStream",
        "imagestreams",
        subresource="secrets",
        verbs=("get",),
        singular="imagesecret",
        response_kind="SecretList",
    ),
    _image("ImageStream", "imagestreams", subresource="status", verbs=("get", "patch", "update")),
    _image(
        "ImageStreamTag",
        "imagestreamtags",
        verbs=_VIRTUAL_TAG_VERBS,
        short_names=("istag",),
        singular="imagestreamtag",
    ),
    _image(
        "ImageTag",
        "imagetags",
        verbs=_VIRTUAL_TAG_VERBS,
        short_names=("itag",),
        singular="imagetag",
    ),
)

scheme.register(*IMAGE_RESOURCES)
