"""Defaulting of decoded image-group objects (openshift-apiserver ``apis/image/v1/defaults.go``).

Upstream applies these to every decoded object, including objects read back from storage, so a
stored tag without ``referencePolicy`` is served with ``Source``. Every tag reference gets
``referencePolicy.type: Source`` and ``importPolicy.importMode: <cluster default>`` when empty;
an ``ImageStreamImport`` image without ``to`` gets ``to.name`` = the tag of its ``from.name``.

The cluster default import mode is ``Legacy`` unless the server is configured with
``PreserveOriginal`` (multi-arch clusters); callers pass it as ``import_mode``. All functions
mutate in place and return their argument for chaining.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imagestreams.api.image_v1 import (
    IMPORT_MODE_LEGACY,
    REFERENCE_POLICY_SOURCE,
    ImageImportSpec,
    ImageStream,
    ImageStreamImport,
    ImageStreamList,
    ImageStreamTag,
    ImageStreamTagList,
    ImageTag,
    ImageTagList,
    TagImportPolicy,
    TagReferencePolicy,
)
from imagestreams.api.meta import LocalObjectReference
from imagestreams.api.reference import DockerImageReference, InvalidReference

__all__ = [
    "DEFAULTERS",
    "default_image_import_spec",
    "default_image_stream",
    "default_image_stream_import",
    "default_image_stream_list",
    "default_image_stream_tag",
    "default_image_stream_tag_list",
    "default_image_tag",
    "default_image_tag_list",
    "default_import_policy",
    "default_reference_policy",
]


def default_import_policy(
    policy: TagImportPolicy, import_mode: str = IMPORT_MODE_LEGACY
) -> TagImportPolicy:
    if not policy.import_mode:
        policy.import_mode = import_mode
    return policy


def default_reference_policy(policy: TagReferencePolicy) -> TagReferencePolicy:
    if not policy.type:
        policy.type = REFERENCE_POLICY_SOURCE
    return policy


def default_image_import_spec(
    spec: ImageImportSpec, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageImportSpec:
    """``to`` from the tag of ``from.name`` (no tag, e.g. a digest: ``to`` stays empty)."""
    if spec.to is None:
        try:
            ref = DockerImageReference.parse(spec.from_.name)
        except InvalidReference:
            ref = None
        if ref is not None and ref.tag:
            spec.to = LocalObjectReference(name=ref.tag)
    default_import_policy(spec.import_policy, import_mode)
    default_reference_policy(spec.reference_policy)
    return spec


def default_image_stream(stream: ImageStream, import_mode: str = IMPORT_MODE_LEGACY) -> ImageStream:
    for tag in stream.spec.tags:
        default_import_policy(tag.import_policy, import_mode)
        default_reference_policy(tag.reference_policy)
    return stream


def default_image_stream_tag(
    istag: ImageStreamTag, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageStreamTag:
    if istag.tag is not None:
        default_import_policy(istag.tag.import_policy, import_mode)
        default_reference_policy(istag.tag.reference_policy)
    return istag


def default_image_tag(itag: ImageTag, import_mode: str = IMPORT_MODE_LEGACY) -> ImageTag:
    if itag.spec is not None:
        default_import_policy(itag.spec.import_policy, import_mode)
        default_reference_policy(itag.spec.reference_policy)
    return itag


def default_image_stream_import(
    isi: ImageStreamImport, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageStreamImport:
    repository = isi.spec.repository
    if repository is not None:
        default_import_policy(repository.import_policy, import_mode)
        default_reference_policy(repository.reference_policy)
    for spec in isi.spec.images:
        default_image_import_spec(spec, import_mode)
    if isi.status.import_ is not None:
        default_image_stream(isi.status.import_, import_mode)
    return isi


def default_image_stream_list(
    items: ImageStreamList, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageStreamList:
    for stream in items.items:
        default_image_stream(stream, import_mode)
    return items


def default_image_stream_tag_list(
    items: ImageStreamTagList, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageStreamTagList:
    for istag in items.items:
        default_image_stream_tag(istag, import_mode)
    return items


def default_image_tag_list(
    items: ImageTagList, import_mode: str = IMPORT_MODE_LEGACY
) -> ImageTagList:
    for itag in items.items:
        default_image_tag(itag, import_mode)
    return items


DEFAULTERS: dict[str, tuple[type[Any], Callable[[Any, str], Any]]] = {
    "ImageStream": (ImageStream, default_image_stream),
    "ImageStreamList": (ImageStreamList, default_image_stream_list),
    "ImageStreamTag": (ImageStreamTag, default_image_stream_tag),
    "ImageStreamTagList": (ImageStreamTagList, default_image_stream_tag_list),
    "ImageTag": (ImageTag, default_image_tag),
    "ImageTagList": (ImageTagList, default_image_tag_list),
    "ImageStreamImport": (ImageStreamImport, default_image_stream_import),
}
"""Kind -> (Struct type, defaulter) for the kinds upstream registers defaulters for."""
