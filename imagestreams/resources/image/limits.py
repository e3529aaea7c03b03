"""LimitRange enforcement for image streams and images (spec 4.9).

``openshift.io/ImageStream`` limits cap, per stream, the number of distinct spec references
(``openshift.io/image-tags``) and of distinct images in the history (``openshift.io/images``).
They are checked on every write of a stream, but a write whose reference sets are subsets of the
stored ones passes, so shrinking or re-tagging is always possible. ``openshift.io/Image`` limits
cap the ``storage`` (image size) of images pushed through ImageStreamMapping.

LimitRange objects are the generic ``limitranges`` kind; quantities use Kubernetes' suffixes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from imagestreams.api.image_v1 import ImageStream
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.validation import quantity

__all__ = [
    "LIMIT_TYPE_IMAGE",
    "LIMIT_TYPE_IMAGE_STREAM",
    "RESOURCE_IMAGES",
    "RESOURCE_IMAGE_TAGS",
    "image_size_violation",
    "image_usage",
    "parse_quantity",
    "reference_usage",
    "stream_limit_violations",
]

LIMIT_TYPE_IMAGE_STREAM = "openshift.io/ImageStream"
LIMIT_TYPE_IMAGE = "openshift.io/Image"
RESOURCE_IMAGE_TAGS = "openshift.io/image-tags"
RESOURCE_IMAGES = "openshift.io/images"
RESOURCE_STORAGE = "storage"

Obj = dict[str, Any]


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity's exact value (compared as ``Quantity.Cmp`` does), or ``None``
    when it does not parse."""
    try:
        return quantity.parse_quantity(value)
    except quantity.QuantityError:
        return None


def _max_limits(limit_ranges: Iterable[Obj], limit_type: str) -> dict[str, tuple[Decimal, str]]:
    """Resource -> (smallest max, as written) over all items of ``limit_type``."""
    found: dict[str, tuple[Decimal, str]] = {}
    for limit_range in limit_ranges:
        for item in (limit_range.get("spec") or {}).get("limits") or ():
            if not isinstance(item, dict) or item.get("type") != limit_type:
                continue
            for resource, raw in (item.get("max") or {}).items():
                parsed = parse_quantity(raw)
                if parsed is None:
                    continue
                if resource not in found or parsed < found[resource][0]:
                    found[resource] = (parsed, str(raw))
    return found


def reference_usage(stream: ImageStream) -> set[str]:
    """Distinct spec references (``openshift.io/image-tags``), upstream's normal forms."""
    refs: set[str] = set()
    for tag in stream.spec.tags:
        source = tag.from_
        if source is None:
            continue
        namespace = source.namespace or stream.metadata.namespace
        separator = {"ImageStreamImage": "@", "ImageStreamTag": ":"}.get(source.kind)
        if separator is not None and source.name.count(separator) == 1:
            refs.add(f"{namespace}/{source.name}")
        elif source.kind == "DockerImage":
            try:
                refs.add(DockerImageReference.parse(source.name).docker_client_defaults().exact())
            except InvalidReference:
                refs.add(source.name)
    return refs


def image_usage(stream: ImageStream) -> set[str]:
    """Distinct images of the history (``openshift.io/images``)."""
    return {
        event.image for entry in stream.status.tags for event in entry.items or () if event.image
    }


def stream_limit_violations(
    new: ImageStream, old: ImageStream | None, limit_ranges: Iterable[Obj]
) -> list[str]:
    """Messages for every exceeded ``openshift.io/ImageStream`` max (empty = admitted)."""
    limits = _max_limits(limit_ranges, LIMIT_TYPE_IMAGE_STREAM)
    if not limits:
        return []
    refs, images = reference_usage(new), image_usage(new)
    if old is not None and refs <= reference_usage(old) and images <= image_usage(old):
        return []
    messages = []
    for resource, used in ((RESOURCE_IMAGE_TAGS, len(refs)), (RESOURCE_IMAGES, len(images))):
        if resource in limits and used > limits[resource][0]:
            messages.append(
                f"requested usage of {resource} exceeds the maximum limit per "
                f"{LIMIT_TYPE_IMAGE_STREAM} ({used} > {limits[resource][1]})"
            )
    return messages


_BINARY_UNITS = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20),
                 ("Ki", 2**10))  # fmt: skip


def _binary_si(value: int) -> str:
    for suffix, unit in _BINARY_UNITS:
        if value and value % unit == 0:
            return f"{value // unit}{suffix}"
    return str(value)


def image_size_violation(size: int, limit_ranges: Iterable[Obj]) -> str | None:
    """The ``openshift.io/Image`` ``max.storage`` message for an image of ``size`` bytes."""
    limit = _max_limits(limit_ranges, LIMIT_TYPE_IMAGE).get(RESOURCE_STORAGE)
    if limit is None or size <= limit[0]:
        return None
    return (
        f"requested usage of {RESOURCE_STORAGE} exceeds the maximum limit per "
        f"{LIMIT_TYPE_IMAGE} ({_binary_si(size)} > {limit[1]})"
    )
