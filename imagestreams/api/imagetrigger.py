"""The ``image.openshift.io/triggers`` annotation: its entries and their ``fieldPath``s.

A workload (Deployment, StatefulSet, DaemonSet, CronJob, ...) carries a JSON array of
``{"from": {"kind": "ImageStreamTag", "name": "stream:tag", "namespace": ...},
"fieldPath": "spec.template.spec.containers[?(@.name==\\"web\\")].image", "paused": false}``;
the image trigger controller keeps each named container's image at what the tag resolves to.

The field path is parsed the way library-go's ``pkg/image/trigger`` does, by prefixes rather than
as JSONPath: ``<pod spec path>.containers[<index>]`` or ``...[?(@.name=="<name>")]`` (or
``initContainers``), then ``.image``. A name selector looks in the init containers first, then
the containers, whichever list the path names. Error texts are upstream's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "POD_SPEC_PATHS",
    "TRIGGER_ANNOTATION",
    "ObjectFieldTrigger",
    "TriggerError",
    "container_for_field_path",
    "parse_triggers",
    "split_stream_tag",
]

TRIGGER_ANNOTATION = "image.openshift.io/triggers"

POD_SPEC_PATHS: dict[str, str] = {
    "Pod": "spec",
    "PodTemplate": "template.spec",
    "Deployment": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "Job": "spec.template.spec",
    "ReplicationController": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
}
"""Where each kind keeps its pod spec, as a dotted path (library-go's ``GetPodSpecV1``)."""

_NAME_SELECTOR = ('?(@.name=="', '")')


class TriggerError(ValueError):
    """The annotation or one of its field paths cannot be used; the message is upstream's."""


@dataclass(frozen=True, slots=True)
class ObjectFieldTrigger:
    """One entry of the annotation."""

    kind: str
    name: str
    field_path: str
    namespace: str = ""
    api_version: str = ""
    paused: bool = False


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TriggerError(f"{what} must be a string")
    return value


def parse_triggers(value: str) -> list[ObjectFieldTrigger]:
    """The entries of an annotation value; ``TriggerError`` for bad JSON or duplicate paths."""
    try:
        raw = json.loads(value)
    except ValueError as exc:
        raise TriggerError(f"invalid {TRIGGER_ANNOTATION} annotation: {exc}") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TriggerError(f"invalid {TRIGGER_ANNOTATION} annotation: expected a JSON array")
    triggers: list[ObjectFieldTrigger] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, dict):
            raise TriggerError(f"invalid {TRIGGER_ANNOTATION} annotation: expected objects")
        source = entry.get("from") or {}
        if not isinstance(source, dict):
            raise TriggerError(f"invalid {TRIGGER_ANNOTATION} annotation: from must be an object")
        trigger = ObjectFieldTrigger(
            kind=_text(source.get("kind"), "from.kind"),
            name=_text(source.get("name"), "from.name"),
            namespace=_text(source.get("namespace"), "from.namespace"),
            api_version=_text(source.get("apiVersion"), "from.apiVersion"),
            field_path=_text(entry.get("fieldPath"), "fieldPath"),
            paused=entry.get("paused") is True,
        )
        if trigger.field_path in seen:
            raise TriggerError("duplicate triggers are not allowed")
        seen.add(trigger.field_path)
        triggers.append(trigger)
    return triggers


def split_stream_tag(name: str) -> tuple[str, str] | None:
    """``stream:tag`` → ``(stream, tag)`` (an empty tag is ``latest``); None without a colon."""
    stream, sep, tag = name.partition(":")
    if not sep or not stream or ":" in tag:
        return None
    return stream, tag or "latest"


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def container_for_field_path(obj: dict[str, Any], kind: str, field_path: str) -> dict[str, Any]:
    """The container dict that ``field_path`` names in ``obj`` (a ``kind``), to be changed in
    place. ``LookupError`` when the path is not under this kind's pod spec (the trigger does
    not apply to this object); ``TriggerError`` for a bad path or a missing container."""
    prefix = POD_SPEC_PATHS.get(kind)
    if prefix is None or not field_path.startswith(prefix + "."):
        raise LookupError(field_path)
    rest = field_path[len(prefix) + 1 :]
    for list_name in ("containers", "initContainers"):
        if rest.startswith(list_name + "["):
            rest = rest[len(list_name) + 1 :]
            break
    else:
        raise TriggerError(f"field path is not valid: {field_path}")
    selector, closed, remainder = rest.partition("]")
    if not closed or remainder.removeprefix(".") != "image":
        raise TriggerError(f"field path is not valid: {field_path}")
    pod_spec = _dig(obj, prefix)
    if not isinstance(pod_spec, dict):
        raise TriggerError(f"no such container: {field_path}")
    if selector.startswith(_NAME_SELECTOR[0]) and selector.endswith(_NAME_SELECTOR[1]):
        wanted = selector[len(_NAME_SELECTOR[0]) : -len(_NAME_SELECTOR[1])]
        for candidates in (pod_spec.get("initContainers"), pod_spec.get("containers")):
            for container in candidates if isinstance(candidates, list) else ():
                if isinstance(container, dict) and container.get("name") == wanted:
                    return container
        raise TriggerError(f"no such container: {field_path}")
    try:
        index = int(selector)
    except ValueError:
        raise TriggerError(f"field path is not valid: {field_path}") from None
    containers = pod_spec.get(list_name)
    if not isinstance(containers, list) or not 0 <= index < len(containers):
        raise TriggerError(f"no such container: {field_path}")
    container = containers[index]
    if not isinstance(container, dict):
        raise TriggerError(f"no such container: {field_path}")
    return container
