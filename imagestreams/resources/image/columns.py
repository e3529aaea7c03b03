"""``kubectl get`` columns of the image group (openshift-apiserver ``printers/internalversion``).

Ages here are docker's ``units.HumanDuration`` ("5 minutes ago", "About an hour ago"), which is
what ``oc get is`` prints, not apimachinery's short form. ImageStream tags are listed newest head
first within a 40-character budget, always at least one, with ``+ N more...`` for the rest.
Server-side tables are rendered wide; kubectl hides priority-1 columns unless ``-o wide``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from imagestreams.rest.table import NAME_DESCRIPTION, Column, current_time, parse_time

__all__ = [
    "IMAGE_COLUMNS",
    "IMAGE_STREAM_COLUMNS",
    "IMAGE_STREAM_IMAGE_COLUMNS",
    "IMAGE_STREAM_TAG_COLUMNS",
    "IMAGE_TAG_COLUMNS",
    "docker_human_duration",
    "tags_up_to_width",
]

Obj = dict[str, Any]

_REFERENCE_DOC = "dockerImageReference is the string that can be used to pull this image."
_REPOSITORY_DOC = (
    "dockerImageRepository represents the effective location this stream may be accessed at. "
    "May be empty until the server determines where the repository is located"
)
_UPDATED_DOC = "Last update time."


def docker_human_duration(d: timedelta) -> str:
    """``github.com/docker/go-units.HumanDuration`` (also ``oc describe``'s ages).

    Hours round half up, as Go's ``math.Round`` does (Python's ``round`` would round half to even).
    """
    total = d.total_seconds()
    seconds = int(total)
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = int(total / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(total / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(total / 3600) // 24 // 365} years"


def _ago(when: datetime | None) -> str:
    if when is None:
        return ""
    return f"{docker_human_duration(current_time() - when)} ago"


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _name(obj: Obj) -> str:
    return str(_dict(obj.get("metadata")).get("name", ""))


def tags_up_to_width(status_tags: list[Obj], preferred_width: int = 40) -> str:
    """Upstream ``printTagsUpToWidth`` over ``status.tags``."""
    epoch = datetime.min.replace(tzinfo=current_time().tzinfo)

    def head_time(entry: Obj) -> datetime:
        items = _list(entry.get("items"))
        created = parse_time(_dict(items[0]).get("created")) if items else None
        return created or epoch

    ordered = sorted(status_tags, key=lambda e: str(e.get("tag", "")))
    ordered.sort(key=head_time, reverse=True)
    tags = [str(entry.get("tag", "")) for entry in ordered]
    shown = tags
    remaining = preferred_width
    for i, tag in enumerate(tags):
        remaining -= len(tag) + 1
        if remaining >= 0:
            continue
        if i == 0:
            shown = tags[:1]
            break
        margin = preferred_width // 4
        if margin < remaining + len(tag) and margin >= -remaining:
            continue
        shown = tags[:i]
        break
    hidden = len(tags) - len(shown)
    if hidden > 0:
        return f"{','.join(shown)} + {hidden} more..."
    return ",".join(shown)


def _stream_repository(obj: Obj) -> str:
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    repo = spec.get("dockerImageRepository") or status.get("dockerImageRepository", "")
    return str(status.get("publicDockerImageRepository") or repo)


def _stream_updated(obj: Obj) -> str:
    latest: datetime | None = None
    for entry in _list(_dict(obj.get("status")).get("tags")):
        items = _list(_dict(entry).get("items"))
        if items:
            created = parse_time(_dict(items[0]).get("created"))
            if created is not None and (latest is None or created > latest):
                latest = created
    return _ago(latest)


def _image(obj: Obj) -> Obj:
    return _dict(obj.get("image"))


def _created_ago(obj: Obj) -> str:
    return _ago(parse_time(_dict(obj.get("metadata")).get("creationTimestamp")))


def _name_column() -> Column:
    return Column("Name", "string", "name", NAME_DESCRIPTION, getter=_name)


IMAGE_COLUMNS = [
    _name_column(),
    Column(
        "Image Reference",
        description=_REFERENCE_DOC,
        getter=lambda o: o.get("dockerImageReference", ""),
    ),
]

IMAGE_STREAM_COLUMNS = [
    _name_column(),
    Column("Image Repository", description=_REPOSITORY_DOC, getter=_stream_repository),
    Column(
        "Tags",
        description="Human readable list of tags.",
        getter=lambda o: tags_up_to_width(
            [_dict(e) for e in _list(_dict(o.get("status")).get("tags"))]
        ),
    ),
    Column("Updated", description=_UPDATED_DOC, getter=_stream_updated),
]

IMAGE_STREAM_TAG_COLUMNS = [
    _name_column(),
    Column(
        "Image Reference",
        description=_REFERENCE_DOC,
        getter=lambda o: _image(o).get("dockerImageReference", ""),
    ),
    Column("Updated", description=_UPDATED_DOC, getter=_created_ago),
    Column(
        "Image Name",
        priority=1,
        description="image associated with the ImageStream and tag.",
        getter=lambda o: _name(_image(o)),
    ),
]

IMAGE_STREAM_IMAGE_COLUMNS = [
    _name_column(),
    Column("Updated", description=_UPDATED_DOC, getter=_created_ago),
    Column(
        "Image Reference",
        priority=1,
        description=_REFERENCE_DOC,
        getter=lambda o: _image(o).get("dockerImageReference", ""),
    ),
    Column(
        "Image Name",
        priority=1,
        description="image associated with the ImageStream and image name.",
        getter=lambda o: _name(_image(o)),
    ),
]


def _image_tag_cells(obj: Obj) -> tuple[str, str, int | None, str]:
    """Upstream ``printImageTag``: (spec, status, history count, updated)."""
    spec_tag = obj.get("spec") if isinstance(obj.get("spec"), dict) else None
    generation, source, status, spec = 0, "", "", ""
    if spec_tag is not None:
        spec = "Tag"
        if spec_tag.get("reference"):
            spec = "Ref"
        if _dict(spec_tag.get("importPolicy")).get("scheduled"):
            spec = "Scheduled"
        generation = int(spec_tag.get("generation") or 0)
        source_ref = spec_tag.get("from")
        if isinstance(source_ref, dict):
            kind, name = source_ref.get("kind", ""), str(source_ref.get("name", ""))
            if kind == "DockerImage":
                source = name
            elif kind == "ImageStreamImage":
                _, at, image_id = name.partition("@")
                if at:
                    source = f"image/{image_id}"
                else:
                    status = "InvalidRefName"
            elif kind == "ImageStreamTag":
                ns = source_ref.get("namespace", "")
                source = f"istag {ns}/{name}" if ns else f"istag/{name}"
                if ":" not in name:
                    spec = "Track"
            else:
                status = "InvalidRefKind"
        else:
            spec = ""
    count: int | None = None
    updated = ""
    tag_status = obj.get("status")
    if isinstance(tag_status, dict):
        items = _list(tag_status.get("items"))
        last: datetime | None = None
        if items:
            count = len(items)
            event = _dict(items[0])
            last = parse_time(event.get("created"))
            event_generation = int(event.get("generation") or 0)
            if generation > 0 and 0 < event_generation < generation:
                status = "Importing"
            elif event.get("image"):
                source = f"image/{event['image']}"
            elif event.get("dockerImageReference"):
                source = str(event["dockerImageReference"])
            newer = spec != "Track" and generation > 0 and event_generation > generation
            if (source and not spec) or newer:
                spec = "Push"
        for condition in _list(tag_status.get("conditions")):
            condition = _dict(condition)
            if condition.get("type") == "ImportSuccess" and condition.get("status") == "False":
                status = f"ImportFailed ({condition.get('reason', '')})"
            changed = parse_time(condition.get("lastTransitionTime"))
            if changed is not None and (last is None or changed > last):
                last = changed
        updated = _ago(last)
    return spec, status or source, count, updated


IMAGE_TAG_COLUMNS = [
    _name_column(),
    Column(
        "Spec",
        description="spec is the spec tag associated with this image stream tag, and it may be "
        "null if only pushes have occurred to this image stream.",
        getter=lambda o: _image_tag_cells(o)[0],
    ),
    Column(
        "Status",
        description="status is the status tag details associated with this image stream tag, "
        "and it may be null if no push or import has been performed.",
        getter=lambda o: _image_tag_cells(o)[1],
    ),
    Column(
        "History",
        "number",
        description="Number of history entries",
        getter=lambda o: _image_tag_cells(o)[2],
    ),
    Column(
        "Updated",
        description="Last updated at",
        getter=lambda o: _image_tag_cells(o)[3],
    ),
]
