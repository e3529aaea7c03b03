"""Tag history: the one algorithm that adds tag events, used by every writer of a stream.

Upstream (openshift-apiserver ``internal/imageutil/helpers.go``) keeps ``status.tags`` as a map
of tag name to a newest-first event list. Events are only ever prepended, or the head is
rewritten in place when the new event names the same image or the same pull spec (spec 5.2):
history never re-sorts and ``created`` of a collapsed head is kept. Any change clears the tag's
conditions. Tracking tags (spec 5.4) follow the head of the tag they point at in the same stream.

Everything here is pure and works on the typed ``ImageStream`` (tags looked up by name; the
caller normalises the lists afterwards).
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP, ImageStream, NamedTagEventList, TagEvent
from imagestreams.api.reference import digest_or_image_match

__all__ = [
    "add_tag_event",
    "find_status_tag",
    "latest_event",
    "resolve_image_id",
    "tag_event_changed",
    "update_tracking_tags",
]


def find_status_tag(stream: ImageStream, tag: str) -> NamedTagEventList | None:
    """The status history of ``tag`` (the last one, should a decoded list hold duplicates)."""
    found = None
    for entry in stream.status.tags:
        if entry.tag == tag:
            found = entry
    return found


def latest_event(stream: ImageStream, tag: str) -> TagEvent | None:
    """The head event of ``tag``, or ``None`` when the tag has no history."""
    entry = find_status_tag(stream, tag)
    if entry is None or not entry.items:
        return None
    return entry.items[0]


def add_tag_event(stream: ImageStream, tag: str, event: TagEvent) -> bool:
    """Add ``event`` to ``tag``'s history (spec 5.2); returns whether anything changed.

    Same pull spec, image and generation -> no change. Same pull spec and image -> the head's
    generation is updated. Same pull spec or same image -> the head is rewritten (image or pull
    spec, and generation). Otherwise the event is prepended.
    """
    event = msgspec.structs.replace(event)
    entry = find_status_tag(stream, tag)
    if entry is None:
        stream.status.tags.append(NamedTagEventList(tag=tag, items=[event]))
        return True
    if not entry.items:
        entry.items = [event]
        entry.conditions = []
        return True
    head = entry.items[0]
    same_ref = head.docker_image_reference == event.docker_image_reference
    same_image = head.image == event.image
    if same_ref and same_image:
        if head.generation == event.generation:
            return False
        head.generation = event.generation
    elif same_ref:
        head.image = event.image
        head.generation = event.generation
    elif same_image:
        head.docker_image_reference = event.docker_image_reference
        head.generation = event.generation
    else:
        entry.items.insert(0, event)
    entry.conditions = []
    return True


def tag_event_changed(old: TagEvent, new: TagEvent) -> bool:
    """Upstream ``tagEventChanged``: a different image or pull spec, or an older generation."""
    return (
        old.image != new.image
        or old.docker_image_reference != new.docker_image_reference
        or old.generation > new.generation
    )


def _tracks(stream: ImageStream, from_namespace: str, from_name: str, tag: str) -> bool:
    if from_namespace and from_namespace != stream.metadata.namespace:
        return False
    return from_name in (tag, f"{stream.metadata.name}:{tag}")


def update_tracking_tags(stream: ImageStream, updated_tag: str, head: TagEvent) -> int:
    """Give ``head`` to every spec tag of ``stream`` that tracks ``updated_tag`` in the same
    stream (``from: ImageStreamTag`` named ``<tag>`` or ``<stream>:<tag>``). Returns how many
    histories changed. A tag never tracks itself."""
    changed = 0
    for spec_tag in stream.spec.tags:
        source = spec_tag.from_
        if spec_tag.name == updated_tag or source is None or source.kind != "ImageStreamTag":
            continue
        if not _tracks(stream, source.namespace, source.name, updated_tag):
            continue
        if add_tag_event(stream, spec_tag.name, head):
            changed += 1
    return changed


def resolve_image_id(stream: ImageStream, image_id: str) -> tuple[str, str]:
    """``(image, pull spec)`` of the unique image in ``stream``'s whole history matching
    ``image_id`` by prefix (5.6); the pull spec is that of its newest event (tags in name order).

    Raises NotFound ``imagestreamimage.image.openshift.io "<id>" not found`` or Conflict
    ``multiple images match the prefix "<id>": <sorted names>``.
    """
    matches: dict[str, str] = {}
    for entry in sorted(stream.status.tags, key=lambda e: e.tag):
        for event in entry.items or ():
            if event.image and digest_or_image_match(event.image, image_id):
                matches.setdefault(event.image, event.docker_image_reference)
    if len(matches) == 1:
        return next(iter(matches.items()))
    if not matches:
        raise errors.NotFound.for_resource("imagestreamimage", GROUP, image_id)
    raise errors.Conflict(
        f'multiple images match the prefix "{image_id}": {", ".join(sorted(matches))}',
        name=image_id,
        group=GROUP,
        kind="imagestreamimage",
    )
