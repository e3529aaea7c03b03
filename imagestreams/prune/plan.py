"""What pruning deletes, decided without side effects (upstream ``imageprune``'s algorithm).

Stage 1, per image stream (skipped whole when the stream is younger than the cutoff), walks every
status tag's history, newest first (revision 0 is the tag's current image). An item stays when
it is younger than the cutoff (except in over-size mode); when it is revision 0 and the
ImageStreamTag is in use; it is dropped silently when its Image no longer exists; it stays in
over-size mode unless the image exceeds an ``openshift.io/Image`` ``max.storage`` LimitRange of
the stream's namespace, otherwise while its revision is below ``--keep-tag-revisions``; it stays
when the ImageStreamImage is in use; otherwise it is removed. Removing decrements the stream's
per-repository reference counts: a manifest whose count reaches 0 loses its manifest link in
the registry repository, a layer or config reaching 0 its layer link. Tags left empty vanish.

Stage 2 (only when not limited to a namespace) deletes every Image no remaining history item
references, which is not a child of a kept manifest list, and which is managed by the registry
(unless ``--all``, the default) and old enough (except in over-size mode). Each such image
decrements global counts over all images; blobs reaching 0 are deleted from the registry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from imagestreams.api.image_v1 import ANNOTATION_IMAGE_MANAGED
from imagestreams.prune.graph import (
    ZERO_TIME,
    ImageRef,
    Obj,
    TagRef,
    Usage,
    created,
    image_blobs,
    parse_time,
)
from imagestreams.resources.image.limits import LIMIT_TYPE_IMAGE, parse_quantity

__all__ = [
    "DEFAULT_KEEP_TAG_REVISIONS",
    "DEFAULT_KEEP_YOUNGER_THAN",
    "Algorithm",
    "Counts",
    "ImagePlan",
    "RemovedItem",
    "Stats",
    "StreamPlan",
    "exceeds_limits",
    "global_counts",
    "plan_image",
    "plan_images",
    "plan_stream",
    "repository_counts",
    "stream_is_young",
    "used_images",
]

DEFAULT_KEEP_YOUNGER_THAN: Final = timedelta(minutes=60)
DEFAULT_KEEP_TAG_REVISIONS: Final = 3


@dataclass(frozen=True, slots=True)
class Algorithm:
    """The settings of one run. ``None`` keep values are upstream's unset flags (over-size mode
    unsets the keep flags it was not combined with): a zero cutoff, zero revisions kept."""

    keep_younger_than: timedelta | None = DEFAULT_KEEP_YOUNGER_THAN
    keep_tag_revisions: int | None = DEFAULT_KEEP_TAG_REVISIONS
    prune_over_size_limit: bool = False
    all_images: bool = True
    prune_registry: bool = True
    namespace: str = ""
    now: datetime = ZERO_TIME

    @property
    def cutoff(self) -> datetime:
        """Objects created after this are "young"."""
        if self.keep_younger_than is None:
            return ZERO_TIME
        return self.now - self.keep_younger_than

    @property
    def revisions(self) -> int:
        return self.keep_tag_revisions or 0


class Counts:
    """Reference counts of manifests and blobs (per repository or global)."""

    def __init__(self) -> None:
        self.blobs: dict[str, int] = {}
        self.manifests: dict[str, int] = {}

    @staticmethod
    def add(table: dict[str, int], key: str, delta: int) -> int:
        table[key] = table.get(key, 0) + delta
        return table[key]


@dataclass(frozen=True, slots=True)
class RemovedItem:
    tag: str
    revision: int
    """1-based, as upstream logs it."""
    image: str


@dataclass
class StreamPlan:
    """Stage 1 for one stream: ``stream`` is the updated copy to write when ``removed``."""

    namespace: str
    name: str
    stream: Obj
    removed: list[RemovedItem] = field(default_factory=list)
    layer_links: list[str] = field(default_factory=list)
    manifest_links: list[str] = field(default_factory=list)
    warning: str = ""

    @property
    def repository(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class ImagePlan:
    """Stage 2 for one image: delete ``blobs`` (the manifest blob last when it is among them),
    then the Image; ``error`` set = keep it (its metadata could not be read)."""

    name: str
    image: Obj
    blobs: list[str] = field(default_factory=list)
    manifest_blob: bool = False
    error: str = ""


@dataclass
class Stats:
    deleted_images: int = 0
    deleted_items: int = 0
    updated_streams: int = 0
    deleted_layer_links: int = 0
    deleted_manifest_links: int = 0
    deleted_blobs: int = 0

    def add(self, other: Stats) -> None:
        self.deleted_images += other.deleted_images
        self.deleted_items += other.deleted_items
        self.updated_streams += other.updated_streams
        self.deleted_layer_links += other.deleted_layer_links
        self.deleted_manifest_links += other.deleted_manifest_links
        self.deleted_blobs += other.deleted_blobs

    def __str__(self) -> str:
        parts = [
            text.format(n)
            for n, text in (
                (self.deleted_images, "deleted {} image object(s)"),
                (self.deleted_items, "deleted {} image stream tag item(s)"),
                (self.updated_streams, "updated {} image stream(s)"),
                (self.deleted_layer_links, "deleted {} layer link(s)"),
                (self.deleted_manifest_links, "deleted {} manifest link(s)"),
                (self.deleted_blobs, "deleted {} blob(s)"),
            )
            if n
        ]
        return ", ".join(parts) if parts else "deleted 0 objects"


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _image_size(image: Obj) -> int:
    size = (image.get("dockerImageMetadata") or {}).get("Size")
    return size if isinstance(size, int) and not isinstance(size, bool) else 0


def exceeds_limits(namespace: str, image: Obj, limit_ranges: dict[str, list[Obj]]) -> bool:
    """Is the image larger than some ``openshift.io/Image`` ``max.storage`` in ``namespace``?"""
    if not isinstance(image.get("dockerImageMetadata"), dict):
        return False
    size = _image_size(image)
    for limit_range in limit_ranges.get(namespace) or ():
        for item in (limit_range.get("spec") or {}).get("limits") or ():
            if not isinstance(item, dict) or item.get("type") != LIMIT_TYPE_IMAGE:
                continue
            limit = parse_quantity((item.get("max") or {}).get("storage"))
            if limit is not None and limit < size:
                return True
    return False


def _tags(stream: Obj) -> list[Obj]:
    return [t for t in (stream.get("status") or {}).get("tags") or () if isinstance(t, dict)]


def repository_counts(stream: Obj, images: dict[str, Obj]) -> Counts:
    """Manifest and blob references of the stream's whole history (absent images skipped);
    raises ``ValueError`` for an image whose blobs cannot be read."""
    counts = Counts()
    for entry in _tags(stream):
        for item in entry.get("items") or ():
            image = images.get(str(item.get("image") or ""))
            if image is None:
                continue
            Counts.add(counts.manifests, _name(image), 1)
            try:
                blobs = image_blobs(image)
            except ValueError as exc:
                raise ValueError(
                    f"tag {entry.get('tag', '')}: image {_name(image)}: {exc}"
                ) from None
            for blob in blobs:
                Counts.add(counts.blobs, blob, 1)
    return counts


def plan_stream(
    stream: Obj,
    images: dict[str, Obj],
    usage: Usage,
    limit_ranges: dict[str, list[Obj]],
    algo: Algorithm,
) -> StreamPlan:
    """Stage 1 for ``stream`` (not modified; the plan holds an updated deep copy)."""
    meta = stream.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    plan = StreamPlan(namespace, name, copy.deepcopy(stream))
    try:
        counts = repository_counts(stream, images)
    except ValueError as exc:
        plan.warning = f"imagestream {namespace}/{name}: {exc}"
        return plan
    kept_tags: list[Obj] = []
    for entry in _tags(plan.stream):
        tag = str(entry.get("tag") or "")
        kept: list[Obj] = []
        for rev, item in enumerate(entry.get("items") or ()):
            if _keep_item(namespace, name, tag, rev, item, images, usage, limit_ranges, algo):
                kept.append(item)
                continue
            image_name = str(item.get("image") or "")
            plan.removed.append(RemovedItem(tag, rev + 1, image_name))
            image = images.get(image_name)
            if image is None or not algo.prune_registry:
                continue
            if Counts.add(counts.manifests, image_name, -1) == 0:
                plan.manifest_links.append(image_name)
            try:
                blobs = image_blobs(image)
            except ValueError:
                blobs = []
            for blob in blobs:
                if Counts.add(counts.blobs, blob, -1) == 0 and blob not in plan.layer_links:
                    plan.layer_links.append(blob)
        entry["items"] = kept
        if kept:
            kept_tags.append(entry)
    if plan.removed:
        plan.stream.setdefault("status", {})["tags"] = kept_tags
    return plan


def _keep_item(
    namespace: str,
    name: str,
    tag: str,
    rev: int,
    item: Obj,
    images: dict[str, Obj],
    usage: Usage,
    limit_ranges: dict[str, list[Obj]],
    algo: Algorithm,
) -> bool:
    if not algo.prune_over_size_limit and parse_time(item.get("created")) > algo.cutoff:
        return True
    if rev == 0 and usage.tags.get(TagRef(namespace, name, tag)):
        return True
    image = images.get(str(item.get("image") or ""))
    if image is None:
        return False
    if algo.prune_over_size_limit:
        if not exceeds_limits(namespace, image, limit_ranges):
            return True
    elif rev < algo.revisions:
        return True
    return bool(usage.images.get(ImageRef(namespace, name, str(item.get("image") or ""))))


def stream_is_young(stream: Obj, algo: Algorithm) -> bool:
    return not algo.prune_over_size_limit and created(stream) > algo.cutoff


def used_images(streams: dict[str, Obj], images: dict[str, Obj]) -> dict[str, str]:
    """Image name -> why it is kept: named by a history item, or a child of such a list."""
    used: dict[str, str] = {}
    for stream in streams.values():
        meta = stream.get("metadata") or {}
        where = f"imagestream {meta.get('namespace', '')}/{meta.get('name', '')}"
        for entry in _tags(stream):
            for item in entry.get("items") or ():
                used[str(item.get("image") or "")] = f"{where}:{entry.get('tag', '')}"
    for name in sorted(images):
        if name not in used:
            continue
        for child in images[name].get("dockerImageManifests") or ():
            used[str(child.get("digest") or "")] = f"image {name}"
    return used


def plan_image(
    image: Obj, used: dict[str, str], counts: Counts, algo: Algorithm
) -> ImagePlan | None:
    """Stage 2 for one image: ``None`` = kept; decrements ``counts`` for a deleted image."""
    name = _name(image)
    if name in used:
        return None
    annotations = (image.get("metadata") or {}).get("annotations") or {}
    if not algo.all_images and annotations.get(ANNOTATION_IMAGE_MANAGED) != "true":
        return None
    if not algo.prune_over_size_limit and created(image) > algo.cutoff:
        return None
    plan = ImagePlan(name, image)
    if not algo.prune_registry:
        return plan
    try:
        blobs = image_blobs(image)
    except ValueError as exc:
        plan.error = str(exc)
        return plan
    for blob in blobs:
        if Counts.add(counts.blobs, blob, -1) == 0:
            plan.blobs.append(blob)
    if Counts.add(counts.blobs, name, -1) == 0:
        plan.blobs.append(name)
        plan.manifest_blob = True
    return plan


def global_counts(images: dict[str, Obj]) -> Counts:
    """Every image's manifest and blobs, counted once per image; ``ValueError`` (stage 2 then
    stops, as upstream's) for an image whose blobs cannot be read."""
    counts = Counts()
    for name, image in images.items():
        Counts.add(counts.manifests, name, 1)
        Counts.add(counts.blobs, name, 1)
        try:
            blobs = image_blobs(image)
        except ValueError as exc:
            raise ValueError(f"image {name}: {exc}") from None
        for blob in blobs:
            Counts.add(counts.blobs, blob, 1)
    return counts


def plan_images(
    images: dict[str, Obj], streams: dict[str, Obj], algo: Algorithm
) -> list[ImagePlan]:
    """Stage 2: the images to delete (in name order) given the streams after stage 1; raises
    ``ValueError`` as :func:`global_counts`."""
    if algo.namespace:
        return []
    used = used_images(streams, images)
    counts = global_counts(images)
    plans = []
    for name in sorted(images):
        plan = plan_image(images[name], used, counts, algo)
        if plan is not None:
            plans.append(plan)
    return plans
