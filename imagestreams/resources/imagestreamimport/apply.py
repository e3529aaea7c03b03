"""Writing import results into an image stream (spec §13.3, §13.4): pure functions.

An ``import: true`` request turns each result into a change of the typed ``ImageStream``:

* success for tag T (``record_success``): a tag event ``{created: now, dockerImageReference:
  <repo>@<digest>, image: <digest>, generation: G+1}`` is added with the one tag-history
  algorithm (spec 5.2) *if the tag changed* (new image or pull spec, no history, or a spec tag
  generation newer than the head's); then the spec tag is reset to ``from: DockerImage <name>``
  with generation 0 (the store turns 0 into the new stream generation), the request's import
  policy, and its reference policy only where the tag had none. The import policy is always
  refreshed and the tag's conditions cleared;
* failure for tag T (``record_failure``): an ``ImportSuccess=False`` condition with the status's
  reason and message and generation G+1, unless an equal one (type/status/reason/message) is
  already there, in which case nothing changes at all; a newly set condition also re-stamps
  the spec tag generation to 0.

Because unchanged successes and repeated failures leave the stream untouched, the REST layer
can skip the write, and the import controller is not woken up again: no import loops.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import (
    IMPORT_SUCCESS,
    Image,
    ImageStream,
    NamedTagEventList,
    TagEvent,
    TagEventCondition,
    TagImportPolicy,
    TagReference,
    TagReferencePolicy,
)
from imagestreams.api.meta import ObjectReference, Status
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.resources.image import history

__all__ = [
    "ensure_spec_tag",
    "find_spec_tag",
    "has_tag_changed",
    "most_accurate_pull_spec",
    "record_failure",
    "record_success",
]

_UNKNOWN_ERROR = "unknown error prevented import"


def find_spec_tag(stream: ImageStream, tag: str) -> TagReference | None:
    found = None
    for ref in stream.spec.tags:
        if ref.name == tag:
            found = ref
    return found


def _status_tag(stream: ImageStream, tag: str) -> NamedTagEventList:
    entry = history.find_status_tag(stream, tag)
    if entry is None:
        entry = NamedTagEventList(tag=tag, items=None)
        stream.status.tags.append(entry)
    return entry


def most_accurate_pull_spec(pull_spec: str, image_id: str) -> str:
    """``<repository>@<image>`` as upstream's ``mostAccuratePullSpec`` (unparsable: as given)."""
    try:
        ref = DockerImageReference.parse(pull_spec)
    except InvalidReference:
        return pull_spec
    if image_id:
        ref = DockerImageReference(
            registry=ref.registry, namespace=ref.namespace, name=ref.name, tag=ref.tag, id=image_id
        )
    return ref.most_specific().exact()


def has_tag_changed(stream: ImageStream, tag: str, event: TagEvent) -> bool:
    """Upstream ``hasTagChanged``: does writing ``event`` into ``tag`` change anything?"""
    head = history.latest_event(stream, tag)
    if head is None:
        return True
    spec = find_spec_tag(stream, tag)
    if spec is None or spec.generation is None:
        return True
    return (
        head.docker_image_reference != event.docker_image_reference
        or head.image != event.image
        or spec.generation > head.generation
    )


def ensure_spec_tag(
    stream: ImageStream,
    tag: str,
    from_name: str,
    import_policy: TagImportPolicy,
    reference_policy: TagReferencePolicy,
    *,
    reset: bool,
) -> TagReference:
    """The spec tag ``tag``, (re)pointed at ``from_name`` when missing or ``reset``."""
    spec = find_spec_tag(stream, tag)
    if spec is not None and not reset:
        return spec
    if spec is None:
        spec = TagReference(name=tag)
        stream.spec.tags.append(spec)
    spec.from_ = ObjectReference(kind="DockerImage", name=from_name)
    spec.generation = 0
    spec.import_policy = TagImportPolicy(
        insecure=import_policy.insecure,
        scheduled=import_policy.scheduled,
        import_mode=import_policy.import_mode,
    )
    if not spec.reference_policy.type:
        spec.reference_policy = TagReferencePolicy(type=reference_policy.type)
    return spec


def record_success(
    stream: ImageStream,
    tag: str,
    image: Image,
    from_name: str,
    next_generation: int,
    now: str,
    import_policy: TagImportPolicy,
    reference_policy: TagReferencePolicy,
) -> None:
    """Upstream ``importSuccessful`` minus image creation (the caller creates the Images)."""
    event = TagEvent(
        created=now,
        docker_image_reference=most_accurate_pull_spec(
            image.docker_image_reference, image.metadata.name
        ),
        image=image.metadata.name,
        generation=next_generation,
    )
    if has_tag_changed(stream, tag, event):
        ensure_spec_tag(stream, tag, from_name, import_policy, reference_policy, reset=True)
        history.add_tag_event(stream, tag, event)
    spec = find_spec_tag(stream, tag)
    if spec is not None:
        spec.import_policy = TagImportPolicy(
            insecure=import_policy.insecure,
            scheduled=import_policy.scheduled,
            import_mode=import_policy.import_mode,
        )
    entry = history.find_status_tag(stream, tag)
    if entry is not None:
        entry.conditions = []


def record_failure(
    stream: ImageStream, status: Status, tag: str, next_generation: int, now: str
) -> bool:
    """Upstream ``setFailureCondition``; returns whether the stream changed."""
    condition = TagEventCondition(
        type=IMPORT_SUCCESS,
        status="False",
        last_transition_time=now,
        reason=status.reason,
        message=status.message or _UNKNOWN_ERROR,
        generation=next_generation,
    )
    entry = history.find_status_tag(stream, tag)
    for existing in entry.conditions if entry is not None else ():
        if (existing.type, existing.status, existing.reason, existing.message) == (
            condition.type,
            condition.status,
            condition.reason,
            condition.message,
        ):
            return False
    _status_tag(stream, tag).conditions = [condition]
    spec = find_spec_tag(stream, tag)
    if spec is not None:
        spec.generation = 0
    return True
