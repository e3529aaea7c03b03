"""The text of ``oc describe`` for image streams and images, from the JSON objects.

Mirrors oc's ``DescribeImageStream``/``formatImageStreamTags`` and ``DescribeImage``
(``pkg/helpers/describe``) line for line, including the tab-padded layout, the tag order, the
hiding of tags that merely alias another tag (shown as ``latest (stable)``), the import status
lines and the history with ``*`` on the current item. The clock is a parameter so tests can fix
it. Pure functions over ``dict`` objects; the command lives in :mod:`imagestreams.cli.describe`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.cli.textfmt import parse_time, tabwrite
from imagestreams.importer.tags import prioritize_tags
from imagestreams.resources.image.columns import docker_human_duration

__all__ = [
    "describe_image_stream",
    "follow_tag_reference",
    "format_annotations",
    "format_map",
    "format_meta",
    "format_string",
    "since",
]

Obj = dict[str, Any]
_GO_MAX_DURATION = timedelta(microseconds=(2**63 - 1) // 1000)


def since(now: datetime, value: object) -> str:
    """``units.HumanDuration(now - t)``; a missing time is Go's zero time (a capped age)."""
    when = parse_time(value)
    return docker_human_duration(now - when if when is not None else _GO_MAX_DURATION)


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    return text or "<none>"


def format_string(out: list[str], label: str, value: object) -> None:
    """oc's ``formatString``: ``label:\\tvalue`` with continuation lines indented."""
    lines = _text(value).split("\n")
    out.append(f"{label}:" + "".join(f"\t{line}\n" for line in lines))


def format_map(out: list[str], label: str, items: dict[str, Any] | None) -> None:
    """oc's ``formatMapStringString``: sorted ``k=v`` lines, ``<none>`` when empty."""
    keys = sorted(items or {})
    if not keys:
        format_string(out, label, "")
        return
    assert items is not None
    format_string(out, label, f"{keys[0]}={items[keys[0]]}")
    out.extend(f"\t{key}={items[key]}\n" for key in keys[1:])


def format_annotations(out: list[str], annotations: dict[str, Any] | None) -> None:
    remaining = dict(annotations or {})
    description = remaining.pop("description", "")
    if description:
        format_string(out, "Description", description)
    format_map(out, "Annotations", remaining)


def format_meta(out: list[str], meta: Obj, now: datetime) -> None:
    format_string(out, "Name", meta.get("name", ""))
    if meta.get("namespace"):
        format_string(out, "Namespace", meta["namespace"])
    if meta.get("creationTimestamp"):
        out.append(f"Created:\t{since(now, meta['creationTimestamp'])} ago\n")
    format_map(out, "Labels", meta.get("labels"))
    format_annotations(out, meta.get("annotations"))


def _spec_tag(stream: Obj, name: str) -> Obj | None:
    for spec_tag in (stream.get("spec") or {}).get("tags") or ():
        if spec_tag.get("name") == name:
            return dict(spec_tag)
    return None


def _status_tag(stream: Obj, name: str) -> Obj | None:
    for status_tag in (stream.get("status") or {}).get("tags") or ():
        if status_tag.get("tag") == name:
            return dict(status_tag)
    return None


def follow_tag_reference(stream: Obj, tag: str) -> tuple[str, bool, bool]:
    """oc's ``FollowTagReference``: (final tag, followed at least one reference, valid)."""
    md = stream.get("metadata") or {}
    multiple, seen = False, set()
    while True:
        if tag in seen:
            return tag, multiple, False
        seen.add(tag)
        ref = _spec_tag(stream, tag)
        if ref is None:
            return tag, multiple, False
        source = ref.get("from") or None
        if source is None or source.get("kind") != "ImageStreamTag":
            return tag, multiple, True
        if source.get("namespace") and source["namespace"] != md.get("namespace"):
            return tag, multiple, False
        name = str(source.get("name", ""))
        if ":" in name:
            stream_name, _, next_tag = name.partition(":")
            if stream_name != md.get("name"):
                return tag, multiple, False
            tag = next_tag or "latest"
        else:
            tag = name
        multiple = True


def _latest_observed_generation(status_tag: Obj | None) -> int:
    if status_tag is None:
        return 0
    generation = 0
    items = status_tag.get("items") or ()
    if items:
        generation = max(generation, int(items[0].get("generation") or 0))
    for condition in status_tag.get("conditions") or ():
        if condition.get("type") != "ImportSuccess":
            continue
        generation = max(generation, int(condition.get("generation") or 0))
        break
    return generation


def _unique_images(stream: Obj) -> int:
    # oc keys reference-only events by their (empty) image: they all count as one.
    images: set[str] = set()
    for status_tag in (stream.get("status") or {}).get("tags") or ():
        for item in status_tag.get("items") or ():
            if item.get("image"):
                images.add(str(item["image"]))
            elif item.get("dockerImageReference"):
                images.add("")
    return len(images)


def _source_line(spec: Obj | None, name: str) -> str:
    if spec is None:
        return "  no spec tag\n"
    source = spec.get("from")
    if not source:
        return "  tag without source image\n"
    kind, reference = source.get("kind", ""), bool(spec.get("reference"))
    scheduled = bool((spec.get("importPolicy") or {}).get("scheduled"))
    if kind == "ImageStreamTag":
        if reference:
            return f"  reference to {name}\n"
        return f"  updates automatically from {name}\n" if scheduled else f"  tagged from {name}\n"
    if kind == "DockerImage":
        if reference:
            return f"  reference to registry {name}\n"
        if scheduled:
            return f"  updates automatically from registry {name}\n"
        return f"  tagged from {name}\n"
    if kind == "ImageStreamImage":
        return f"  reference to image {name}\n" if reference else f"  tagged from {name}\n"
    if reference:
        return f"  reference to {kind} {name}\n"
    return f"  updates from {kind} {name}\n"


def _format_tag(out: list[str], stream: Obj, tag: str, aliases: list[str], now: datetime) -> None:
    status_tag = _status_tag(stream, tag)
    spec = _spec_tag(stream, tag)
    namespace = (stream.get("metadata") or {}).get("namespace", "")
    name, insecure, importing = "", False, False
    if spec is not None and spec.get("from"):
        source = spec["from"]
        name = str(source.get("name", ""))
        if source.get("namespace") and source["namespace"] != namespace:
            name = f"{source['namespace']}/{name}"
        insecure = bool((spec.get("importPolicy") or {}).get("insecure"))
        generation = spec.get("generation")
        importing = (
            not spec.get("reference")
            and generation is not None
            and int(generation) > _latest_observed_generation(status_tag)
        )
    out.append(f"{tag} ({', '.join(prioritize_tags(aliases))})\n" if aliases else f"{tag}\n")
    out.append(_source_line(spec, name))
    if insecure:
        out.append("    will use insecure HTTPS or HTTP connections\n")
    if ((spec or {}).get("referencePolicy") or {}).get("type") == "Local":
        out.append("    prefer registry pullthrough when referencing this tag\n")
    out.append("\n")
    annotations = (spec or {}).get("annotations") or {}
    extra = []
    if annotations.get("description"):
        extra.append(f"  {annotations['description']}\n")
    if annotations.get("tags"):
        extra.append(f"  Tags: {', '.join(annotations['tags'].split(','))}\n")
    if annotations.get("supports"):
        extra.append(f"  Supports: {', '.join(annotations['supports'].split(','))}\n")
    if annotations.get("sampleRepo"):
        extra.append(f"  Example Repo: {annotations['sampleRepo']}\n")
    if extra:
        out.extend([*extra, "\n"])
    if importing:
        out.append("  ~ importing latest image ...\n")
    for condition in (status_tag or {}).get("conditions") or ():
        if condition.get("type") == "ImportSuccess" and condition.get("status") == "False":
            out.append(
                f"  ! error: Import failed ({condition.get('reason', '')}):"
                f" {condition.get('message', '')}\n"
                f"      {since(now, condition.get('lastTransitionTime'))} ago\n"
            )
    for i, event in enumerate((status_tag or {}).get("items") or ()):
        pull_spec = str(event.get("dockerImageReference", ""))
        out.append(f"  * {pull_spec}\n" if i == 0 else f"    {pull_spec}\n")
        age = since(now, event.get("created"))
        image = str(event.get("image") or "")
        try:
            parsed_id: str | None = DockerImageReference.parse(pull_spec).id
        except InvalidReference:
            parsed_id = None
        if image and parsed_id is not None and parsed_id != image:
            out.append(f"      {age} ago\t{image}\n")
        else:
            out.append(f"      {age} ago\n")


def _format_tags(out: list[str], stream: Obj, now: datetime) -> None:
    status_tags = (stream.get("status") or {}).get("tags") or []
    spec_tags = (stream.get("spec") or {}).get("tags") or []
    if not status_tags and not spec_tags:
        out.append("Tags:\t<none>\n")
        return
    names = [str(t.get("tag", "")) for t in status_tags]
    hidden: set[str] = set()
    aliases: dict[str, list[str]] = {}
    for spec in spec_tags:
        spec_name = str(spec.get("name", ""))
        target, multiple, valid = follow_tag_reference(stream, spec_name)
        if valid and multiple:
            hidden.add(spec_name)
            if spec_name not in aliases.setdefault(target, []):
                aliases[target].append(spec_name)
        if _status_tag(stream, spec_name) is None:
            names.append(spec_name)
    out.append(f"Unique Images:\t{_unique_images(stream)}\nTags:\t{len(names)}\n\n")
    first = True
    for tag in prioritize_tags(names):
        if tag in hidden:
            continue
        if not first:
            out.append("\n")
        first = False
        _format_tag(out, stream, tag, aliases.get(tag, []), now)


def describe_image_stream(stream: Obj, now: datetime) -> str:
    """``oc describe is`` for ``stream`` as of ``now`` (timezone-aware)."""
    out: list[str] = []
    format_meta(out, stream.get("metadata") or {}, now)
    status = stream.get("status") or {}
    repository = status.get("publicDockerImageRepository") or status.get(
        "dockerImageRepository", ""
    )
    format_string(out, "Image Repository", repository)
    local = bool(((stream.get("spec") or {}).get("lookupPolicy") or {}).get("local"))
    format_string(out, "Image Lookup", f"local={'true' if local else 'false'}")
    _format_tags(out, stream, now)
    return tabwrite("".join(out))
