"""Spec-tag semantics of image stream writes: generations, tag processing, tracking, access.

* Generations (spec 4.3-4.6): a create stamps generation 1 everywhere; an update keeps stored tag
  generations except a literal ``0`` (the "import again" signal), bumps ``metadata.generation``
  when the spec changed, and stamps new, changed, nil and zero tags with the new value; a
  ``/status`` update fills zero head generations.
* Tag processing (5.3): new or changed spec tags that can be resolved now (``reference: true``
  DockerImage tags, ImageStreamTag and ImageStreamImage sources) get a history event; then every
  tag tracking a tag whose head moved follows it (5.4; upstream's intended behaviour, without its
  aliasing bug, repeated until nothing moves so that chains settle).
* Cross-namespace sources (4.8) need ``get imagestreams/layers`` on the source stream.

Other streams and authorizer answers come from ``lookups.Lookups`` (which may interrupt the
write to fetch them). Errors are field errors; the strategy wraps them as upstream does.
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream, TagEvent, TagReference
from imagestreams.api.meta import ObjectReference, now
from imagestreams.resources.image import history, pullspec, wire
from imagestreams.resources.image.config import ImageConfig
from imagestreams.resources.image.lookups import Lookups
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath

__all__ = [
    "FROM_FORM",
    "needs_processing",
    "parse_from_reference",
    "prepare_create_generations",
    "prepare_status_generations",
    "prepare_update_generations",
    "process_tags",
    "propagate_tracking",
    "tag_ref_changed",
    "verify_tag_sources",
]

FROM_FORM = "must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>"
_SEPARATORS = {"ImageStreamTag": ":", "ImageStreamImage": "@"}


def tag_ref_changed(old: TagReference, new: TagReference, namespace: str) -> bool:
    """Upstream ``tagRefChanged`` (4.5): only a different source or import behaviour counts."""
    source = new.from_
    if source is None or (not source.kind and not source.name):
        return False
    old_source = old.from_ or ObjectReference()
    if (old_source.namespace or namespace) != (source.namespace or namespace):
        return True
    if old_source.name != source.name:
        return True
    if old.reference != new.reference:
        return True
    if old.import_policy.import_mode != new.import_policy.import_mode:
        return True
    return (
        old.generation is not None
        and new.generation is not None
        and old.generation != new.generation
        and new.generation == 0
    )


def parse_from_reference(stream: ImageStream, source: ObjectReference) -> tuple[str, str, str]:
    """``(namespace, stream, tag-or-id)`` of an ImageStreamTag/ImageStreamImage source; a bare
    ``<tag>``/``<id>`` names the stream itself. Raises ``ValueError`` for anything else."""
    separator = _SEPARATORS.get(source.kind)
    if separator is None:
        raise ValueError(f"invalid from.kind {source.kind!r}")
    namespace = source.namespace or stream.metadata.namespace
    parts = source.name.split(separator)
    if len(parts) == 1:
        return namespace, stream.metadata.name, parts[0]
    if len(parts) == 2:
        return namespace, parts[0], parts[1]
    raise ValueError(f"invalid reference: {source.name}")


# -- generations -------------------------------------------------------------------------------


def prepare_create_generations(stream: ImageStream) -> None:
    stream.metadata.generation = 1
    for tag in stream.spec.tags:
        tag.generation = 1


def prepare_update_generations(new: ImageStream, old: ImageStream) -> None:
    """Steps 2-4 of 4.4; ``new.metadata.generation`` must hold the stored value on entry."""
    old_tags = {tag.name: tag for tag in old.spec.tags}
    for tag in new.spec.tags:
        if tag.generation == 0:
            continue
        if tag.name in old_tags:
            tag.generation = old_tags[tag.name].generation
    stored = old.metadata.generation
    if new.spec != old.spec or stored == 0:
        new.metadata.generation = stored + 1
    namespace = new.metadata.namespace
    for tag in new.spec.tags:
        previous = old_tags.get(tag.name)
        if previous is None or tag_ref_changed(previous, tag, namespace):
            tag.generation = None
        if not tag.generation:
            tag.generation = new.metadata.generation


def prepare_status_generations(new: ImageStream, old: ImageStream) -> None:
    """4.6: a head event written with generation 0 gets the generation it answers."""
    old_heads = {entry.tag: entry.items[0] for entry in old.status.tags if entry.items}
    spec_generations = {tag.name: tag.generation for tag in new.spec.tags}
    for entry in new.status.tags:
        if not entry.items or entry.items[0].generation != 0:
            continue
        head = entry.items[0]
        previous = old_heads.get(entry.tag)
        if previous is None or not history.tag_event_changed(previous, head):
            head.generation = new.metadata.generation
            continue
        spec_generation = spec_generations.get(entry.tag)
        head.generation = (
            spec_generation if spec_generation is not None else new.metadata.generation
        )


# -- tag processing ----------------------------------------------------------------------------


def needs_processing(old: TagReference | None, new: TagReference, namespace: str) -> bool:
    """A spec tag is (re)processed when it is new, changed (4.5), or was re-stamped with the new
    stream generation by ``prepare_update_generations`` (which is how a ``generation: 0``
    request looks once generations are set: unchanged tags keep their stored generation)."""
    if new.from_ is None:
        return False
    if old is None:
        return True
    return tag_ref_changed(old, new, namespace) or old.generation != new.generation


def _changed_tags(new: ImageStream, old: ImageStream | None) -> list[TagReference]:
    old_tags = {tag.name: tag for tag in old.spec.tags} if old is not None else {}
    namespace = new.metadata.namespace
    return [
        tag for tag in new.spec.tags if needs_processing(old_tags.get(tag.name), tag, namespace)
    ]


def _event_for(source_stream: ImageStream, tag: TagReference, tag_or_id: str) -> TagEvent | None:
    assert tag.from_ is not None
    if tag.from_.kind == "ImageStreamImage":
        image, pull_spec = history.resolve_image_id(source_stream, tag_or_id)
        event = TagEvent(created=now(), docker_image_reference=pull_spec, image=image)
    else:
        head = history.latest_event(source_stream, tag_or_id)
        if head is None:
            return None
        event = msgspec.structs.replace(head)
    if tag.generation is not None:
        event.generation = tag.generation
    return event


def process_tags(
    new: ImageStream, old: ImageStream | None, lookups: Lookups, config: ImageConfig
) -> list[FieldError]:
    """Give new/changed spec tags their immediate history events, then settle tracking tags."""
    errs: list[FieldError] = []
    me = (new.metadata.namespace, new.metadata.name)
    for tag in _changed_tags(new, old):
        source = tag.from_
        assert source is not None
        name_path = FieldPath.root("spec", "tags").key(tag.name).child("from", "name")
        if source.kind == "DockerImage" and source.name:
            if tag.reference:
                history.add_tag_event(
                    new,
                    tag.name,
                    TagEvent(
                        created=now(),
                        docker_image_reference=source.name,
                        generation=tag.generation or 0,
                    ),
                )
            continue
        try:
            namespace, stream_name, tag_or_id = parse_from_reference(new, source)
        except ValueError:
            errs.append(field.invalid(name_path, source.name, FROM_FORM))
            continue
        source_stream = new
        if (namespace, stream_name) != me:
            raw = lookups.stream(namespace, stream_name)
            if raw is None:
                errs.append(field.not_found(name_path, source.name))
                continue
            source_stream = wire.decode_stream(raw)
        try:
            event = _event_for(source_stream, tag, tag_or_id)
        except errors.ApiError as exc:
            errs.append(field.invalid(name_path, source.name, f"error generating tag event: {exc}"))
            continue
        if event is None:
            continue
        if not tag.reference:
            event.docker_image_reference = pullspec.rewrite_internal_reference(
                event.docker_image_reference,
                event.image,
                config.registry_hostname,
                (namespace, stream_name),
                me,
            )
        history.add_tag_event(new, tag.name, event)
    propagate_tracking(new, old)
    return errs


def propagate_tracking(new: ImageStream, old: ImageStream | None) -> None:
    """Every tag whose head differs from ``old``'s passes it on to the tags tracking it."""
    old_heads = (
        {entry.tag: entry.items[0] for entry in old.status.tags if entry.items}
        if old is not None
        else {}
    )
    settled: dict[str, TagEvent] = dict(old_heads)
    for _ in range(len(new.spec.tags) + 1):
        moved = False
        for entry in list(new.status.tags):
            if not entry.items:
                continue
            head = entry.items[0]
            if settled.get(entry.tag) == head:
                continue
            settled[entry.tag] = msgspec.structs.replace(head)
            if history.update_tracking_tags(new, entry.tag, head):
                moved = True
        if not moved:
            return


# -- cross-namespace access --------------------------------------------------------------------


def verify_tag_sources(
    new: ImageStream, old: ImageStream | None, lookups: Lookups
) -> list[FieldError]:
    """4.8: one authorizer question per foreign source stream of a new or changed tag."""
    errs: list[FieldError] = []
    old_tags = {tag.name: tag for tag in old.spec.tags} if old is not None else {}
    namespace = new.metadata.namespace
    for tag in new.spec.tags:
        source = tag.from_
        if source is None or not source.namespace or source.namespace == namespace:
            continue
        if not needs_processing(old_tags.get(tag.name), tag, namespace):
            continue
        from_path = FieldPath.root("spec", "tags").key(tag.name).child("from")
        try:
            _, stream_name, _ = parse_from_reference(new, source)
        except ValueError:
            errs.append(field.invalid(from_path.child("name"), source.name, FROM_FORM))
            continue
        if not lookups.can_read_layers(source.namespace, stream_name):
            errs.append(field.forbidden(from_path, f'{source.namespace}/{stream_name}: "" ""'))
    return errs
