"""The ``image.openshift.io/v1`` types, field for field as openshift/api ``image/v1/types.go``.

Wire rules (see ``api.meta`` for the mechanism): a Go field without ``omitempty`` is always
written, e.g. ``status.dockerImageRepository``, ``lookupPolicy.local``, ``TagReference.annotations``
and ``.generation`` (``null``), ``NamedTagEventList.items`` (``null`` when absent, ``[]`` when
empty), every ``TagEvent`` field, ``ImageStreamTag.tag`` and ``ImageTag.spec/status/image``.
Non-pointer structs (``importPolicy``, ``referencePolicy``, ``spec``, ``status``, ``image``) are
always written too, because Go's ``omitempty`` never drops a struct.

``spec.tags``/``status.tags`` are lists here, as on the wire; upstream keys them by name (last
duplicate wins) and writes them sorted by name. ``Image.dockerImageMetadata`` is kept as the raw
decoded JSON object so that fields we do not model survive a round trip.
"""

from __future__ import annotations

from typing import Any

import msgspec

from imagestreams.api.meta import (
    ApiList,
    ApiObject,
    LocalObjectReference,
    ObjectReference,
    Status,
    Time,
    WireStruct,
    always_bool,
    always_int,
    always_null,
    always_str,
)

__all__ = [
    "ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER",
    "ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK",
    "ANNOTATION_EXCLUDE_IMAGE_SECRET",
    "ANNOTATION_IMAGE_MANAGED",
    "ANNOTATION_INSECURE_REPOSITORY",
    "ANNOTATION_MANIFEST_BLOB_STORED",
    "ANNOTATION_PREFER_ARCH",
    "ANNOTATION_PREFER_OS",
    "API_VERSION",
    "DEFAULT_IMAGE_TAG",
    "GROUP",
    "IMAGE_SIGNATURE_TYPE_ATOMIC_V1",
    "IMPORT_MODE_LEGACY",
    "IMPORT_MODE_PRESERVE_ORIGINAL",
    "IMPORT_SUCCESS",
    "REFERENCE_POLICY_LOCAL",
    "REFERENCE_POLICY_SOURCE",
    "VERSION",
    "Image",
    "ImageBlobReferences",
    "ImageImportSpec",
    "ImageImportStatus",
    "ImageLayer",
    "ImageLayerData",
    "ImageList",
    "ImageLookupPolicy",
    "ImageManifest",
    "ImageSignature",
    "ImageStream",
    "ImageStreamImage",
    "ImageStreamImport",
    "ImageStreamImportSpec",
    "ImageStreamImportStatus",
    "ImageStreamLayers",
    "ImageStreamList",
    "ImageStreamMapping",
    "ImageStreamSpec",
    "ImageStreamStatus",
    "ImageStreamTag",
    "ImageStreamTagList",
    "ImageTag",
    "ImageTagList",
    "NamedTagEventList",
    "RepositoryImportSpec",
    "RepositoryImportStatus",
    "SignatureCondition",
    "SignatureIssuer",
    "SignatureSubject",
    "TagEvent",
    "TagEventCondition",
    "TagImportPolicy",
    "TagReference",
    "TagReferencePolicy",
]

GROUP = "image.openshift.io"
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"

DEFAULT_IMAGE_TAG = "latest"
IMPORT_MODE_LEGACY = "Legacy"
IMPORT_MODE_PRESERVE_ORIGINAL = "PreserveOriginal"
REFERENCE_POLICY_SOURCE = "Source"
REFERENCE_POLICY_LOCAL = "Local"
IMPORT_SUCCESS = "ImportSuccess"
IMAGE_SIGNATURE_TYPE_ATOMIC_V1 = "AtomicImageV1"

ANNOTATION_IMAGE_MANAGED = "openshift.io/image.managed"
ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK = "openshift.io/image.dockerRepositoryCheck"
ANNOTATION_INSECURE_REPOSITORY = "openshift.io/image.insecureRepository"
ANNOTATION_EXCLUDE_IMAGE_SECRET = "openshift.io/image.excludeSecret"
ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER = "image.openshift.io/dockerLayersOrder"
ANNOTATION_MANIFEST_BLOB_STORED = "image.openshift.io/manifestBlobStored"
ANNOTATION_PREFER_ARCH = "importer.image.openshift.io/prefer-arch"
ANNOTATION_PREFER_OS = "importer.image.openshift.io/prefer-os"


def _empty_list() -> list[Any]:
    # A factory that is not ``list`` itself: msgspec then writes ``[]`` instead of omitting it.
    return []


# -- Image ------------------------------------------------------------------------------------


class ImageLayer(WireStruct):
    name: str = always_str()
    size: int = always_int()
    media_type: str = always_str()


class ImageManifest(WireStruct):
    """One sub-manifest of a manifest list; ``digest`` names a regular Image."""

    digest: str = always_str()
    media_type: str = always_str()
    manifest_size: int = always_int()
    architecture: str = always_str()
    os: str = always_str()
    variant: str = ""


class SignatureCondition(WireStruct):
    type: str = always_str()
    status: str = always_str()
    last_probe_time: Time | None = always_null()
    last_transition_time: Time | None = always_null()
    reason: str = ""
    message: str = ""


class SignatureIssuer(WireStruct):
    organization: str = ""
    common_name: str = ""


class SignatureSubject(WireStruct):
    organization: str = ""
    common_name: str = ""
    public_key_id: str = msgspec.field(default_factory=str, name="publicKeyID")


class ImageSignature(ApiObject):
    """A signature of an image, named ``<imageName>@<signatureName>``."""

    type: str = always_str()
    content: bytes | None = always_null()
    conditions: list[SignatureCondition] = msgspec.field(default_factory=list)
    image_identity: str = ""
    signed_claims: dict[str, str] = msgspec.field(default_factory=dict)
    created: Time | None = None
    issued_by: SignatureIssuer | None = None
    issued_to: SignatureSubject | None = None


class Image(ApiObject):
    """An immutable container image (cluster-scoped)."""

    docker_image_reference: str = ""
    docker_image_metadata: dict[str, Any] | None = None
    docker_image_metadata_version: str = ""
    docker_image_manifest: str = ""
    docker_image_layers: list[ImageLayer] = msgspec.field(default_factory=list)
    signatures: list[ImageSignature] = msgspec.field(default_factory=list)
    docker_image_signatures: list[bytes] = msgspec.field(default_factory=list)
    docker_image_manifest_media_type: str = ""
    docker_image_config: str = ""
    docker_image_manifests: list[ImageManifest] = msgspec.field(default_factory=list)


class ImageList(ApiList):
    items: list[Image] = msgspec.field(default_factory=_empty_list)


# -- ImageStream ------------------------------------------------------------------------------


class ImageLookupPolicy(WireStruct):
    local: bool = always_bool()


class TagImportPolicy(WireStruct):
    insecure: bool = False
    scheduled: bool = False
    import_mode: str = ""


class TagReferencePolicy(WireStruct):
    type: str = always_str()


class TagReference(WireStruct):
    """A spec tag. ``generation`` ``None`` means "keep the stored value"; ``0`` asks for import."""

    name: str = always_str()
    annotations: dict[str, str] | None = always_null()
    from_: ObjectReference | None = msgspec.field(default=None, name="from")
    reference: bool = False
    generation: int | None = always_null()
    import_policy: TagImportPolicy = msgspec.field(default_factory=TagImportPolicy)
    reference_policy: TagReferencePolicy = msgspec.field(default_factory=TagReferencePolicy)


class TagEvent(WireStruct):
    """One history entry; ``image`` is ``""`` for reference-only events."""

    created: Time | None = always_null()
    docker_image_reference: str = always_str()
    image: str = always_str()
    generation: int = always_int()


class TagEventCondition(WireStruct):
    type: str = always_str()
    status: str = always_str()
    last_transition_time: Time | None = always_null()
    reason: str = ""
    message: str = ""
    generation: int = always_int()


class NamedTagEventList(WireStruct):
    """The history of one tag, newest first. ``items`` ``None`` is written as ``null``."""

    tag: str = always_str()
    items: list[TagEvent] | None = always_null()
    conditions: list[TagEventCondition] = msgspec.field(default_factory=list)


class ImageStreamSpec(WireStruct):
    lookup_policy: ImageLookupPolicy = msgspec.field(default_factory=ImageLookupPolicy)
    docker_image_repository: str = ""
    tags: list[TagReference] = msgspec.field(default_factory=list)


class ImageStreamStatus(WireStruct):
    docker_image_repository: str = always_str()
    public_docker_image_repository: str = ""
    tags: list[NamedTagEventList] = msgspec.field(default_factory=list)


class ImageStream(ApiObject):
    spec: ImageStreamSpec = msgspec.field(default_factory=ImageStreamSpec)
    status: ImageStreamStatus = msgspec.field(default_factory=ImageStreamStatus)


class ImageStreamList(ApiList):
    items: list[ImageStream] = msgspec.field(default_factory=_empty_list)


# -- Virtual views of a stream ----------------------------------------------------------------


class ImageStreamMapping(ApiObject):
    """Registry push: put ``image`` into ``status.tags[tag]`` of stream ``metadata.name``."""

    image: Image = msgspec.field(default_factory=Image)
    tag: str = always_str()


class ImageStreamTag(ApiObject):
    tag: TagReference | None = always_null()
    generation: int = always_int()
    lookup_policy: ImageLookupPolicy = msgspec.field(default_factory=ImageLookupPolicy)
    conditions: list[TagEventCondition] = msgspec.field(default_factory=list)
    image: Image = msgspec.field(default_factory=Image)


class ImageStreamTagList(ApiList):
    items: list[ImageStreamTag] = msgspec.field(default_factory=_empty_list)


class ImageTag(ApiObject):
    spec: TagReference | None = always_null()
    status: NamedTagEventList | None = always_null()
    image: Image | None = always_null()


class ImageTagList(ApiList):
    items: list[ImageTag] = msgspec.field(default_factory=_empty_list)


class ImageStreamImage(ApiObject):
    image: Image = msgspec.field(default_factory=Image)


class ImageLayerData(WireStruct):
    size: int | None = always_null()
    media_type: str = always_str()


class ImageBlobReferences(WireStruct):
    image_missing: bool = always_bool()
    layers: list[str] | None = always_null()
    config: str | None = always_null()
    manifests: list[str] = msgspec.field(default_factory=list)


class ImageStreamLayers(ApiObject):
    blobs: dict[str, ImageLayerData] | None = always_null()
    images: dict[str, ImageBlobReferences] | None = always_null()


# -- ImageStreamImport ------------------------------------------------------------------------


class ImageImportSpec(WireStruct):
    from_: ObjectReference = msgspec.field(default_factory=ObjectReference, name="from")
    to: LocalObjectReference | None = None
    import_policy: TagImportPolicy = msgspec.field(default_factory=TagImportPolicy)
    reference_policy: TagReferencePolicy = msgspec.field(default_factory=TagReferencePolicy)
    include_manifest: bool = False


class RepositoryImportSpec(WireStruct):
    from_: ObjectReference = msgspec.field(default_factory=ObjectReference, name="from")
    import_policy: TagImportPolicy = msgspec.field(default_factory=TagImportPolicy)
    reference_policy: TagReferencePolicy = msgspec.field(default_factory=TagReferencePolicy)
    include_manifest: bool = False


class ImageImportStatus(WireStruct):
    status: Status = msgspec.field(default_factory=Status)
    image: Image | None = None
    tag: str = ""
    manifests: list[Image] = msgspec.field(default_factory=list)


class RepositoryImportStatus(WireStruct):
    status: Status = msgspec.field(default_factory=Status)
    images: list[ImageImportStatus] = msgspec.field(default_factory=list)
    additional_tags: list[str] = msgspec.field(default_factory=list)


class ImageStreamImportSpec(WireStruct):
    import_: bool = msgspec.field(default_factory=bool, name="import")
    repository: RepositoryImportSpec | None = None
    images: list[ImageImportSpec] = msgspec.field(default_factory=list)


class ImageStreamImportStatus(WireStruct):
    import_: ImageStream | None = msgspec.field(default=None, name="import")
    repository: RepositoryImportStatus | None = None
    images: list[ImageImportStatus] = msgspec.field(default_factory=list)


class ImageStreamImport(ApiObject):
    spec: ImageStreamImportSpec = msgspec.field(default_factory=ImageStreamImportSpec)
    status: ImageStreamImportStatus = msgspec.field(default_factory=ImageStreamImportStatus)
