"""ImageStream wire format: typed conversion, list/map normalisation, defaulting, read decoration.

Upstream keeps spec and status tags as maps; v1 serialises them as lists. So an incoming list is
collapsed by name (last duplicate wins) and every list we write is sorted by name (spec 2.1).
Defaulting (``referencePolicy.type: Source``, ``importPolicy.importMode``) applies on every
decode, including reads from storage (2.2). ``status.dockerImageRepository`` and
``publicDockerImageRepository`` are computed from the server configuration on every read (4.2)
and are never stored, so a configuration change shows up immediately and stored JSON holds only
what clients cannot derive.

The write path converts to the typed ``ImageStream``; the read path (``decorate``) stays on the
JSON dict, because it runs for every GET/LIST/WATCH and a stream may carry thousands of events.
"""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import (
    REFERENCE_POLICY_SOURCE,
    ImageStream,
    NamedTagEventList,
    TagReference,
)
from imagestreams.resources.image.config import ImageConfig

__all__ = [
    "COMPUTED_STATUS_FIELDS",
    "Obj",
    "decode_as",
    "decode_stream",
    "decorate_stream",
    "normalize_stream",
    "stream_to_storage",
]

Obj = dict[str, Any]
T = TypeVar("T")
COMPUTED_STATUS_FIELDS = ("dockerImageRepository", "publicDockerImageRepository")


def decode_as(obj: Obj, kind: type[T], kind_name: str) -> T:
    """Convert a JSON dict to a Struct, failing as Go's decoder does (400 BadRequest).

    Go decodes ``null`` as the field's zero value (a nil pointer, map or slice, ``""``,
    ``false``), exactly as if the field were absent; hand-written YAML with an empty key
    (``dockerImageReference:``) relies on it. So a body the typed conversion refuses is tried
    once more without its ``null`` members (the common case pays nothing)."""
    try:
        return msgspec.convert(obj, kind)
    except msgspec.ValidationError as exc:
        stripped = _without_nulls(obj)
        if stripped is not obj:
            with contextlib.suppress(msgspec.ValidationError):
                return msgspec.convert(stripped, kind)
        raise errors.BadRequest(
            f'{kind_name} in version "v1" cannot be handled as a {kind_name}: {exc}'
        ) from None


def _without_nulls(value: Any) -> Any:
    """``value`` with every ``null`` object member removed (a copy where anything changed)."""
    if isinstance(value, dict):
        out = {k: _without_nulls(v) for k, v in value.items() if v is not None}
        if len(out) == len(value) and all(out[k] is value[k] for k in out):
            return value
        return out
    if isinstance(value, list):
        items = [_without_nulls(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items
    return value


def decode_stream(obj: Obj) -> ImageStream:
    return decode_as(obj, ImageStream, "ImageStream")


def _default_tag(tag: TagReference, import_mode: str) -> None:
    if not tag.reference_policy.type:
        tag.reference_policy.type = REFERENCE_POLICY_SOURCE
    if not tag.import_policy.import_mode:
        tag.import_policy.import_mode = import_mode


def normalize_stream(stream: ImageStream, import_mode: str) -> ImageStream:
    """Collapse duplicate tags (last wins), sort spec and status tags by name, apply defaults."""
    spec_tags: dict[str, TagReference] = {}
    for tag in stream.spec.tags:
        _default_tag(tag, import_mode)
        spec_tags[tag.name] = tag
    stream.spec.tags = [spec_tags[name] for name in sorted(spec_tags)]
    status_tags: dict[str, NamedTagEventList] = {}
    for entry in stream.status.tags:
        status_tags[entry.tag] = entry
    stream.status.tags = [status_tags[name] for name in sorted(status_tags)]
    return stream


def stream_to_storage(obj: Obj, stream: ImageStream) -> None:
    """Write ``stream``'s spec and status back into the JSON ``obj`` (metadata is the store's),
    without the computed status fields."""
    obj["spec"] = msgspec.to_builtins(stream.spec)
    status = msgspec.to_builtins(stream.status)
    for name in COMPUTED_STATUS_FIELDS:
        status.pop(name, None)
    obj["status"] = status


def decorate_stream(obj: Obj, config: ImageConfig) -> None:
    """Defaults and computed status fields on a stream read back from storage (in place)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    spec.setdefault("lookupPolicy", {"local": False})
    for tag in spec.get("tags") or ():
        policy = tag.get("referencePolicy")
        if not isinstance(policy, dict):
            policy = tag["referencePolicy"] = {}
        if not policy.get("type"):
            policy["type"] = REFERENCE_POLICY_SOURCE
        imports = tag.get("importPolicy")
        if not isinstance(imports, dict):
            imports = tag["importPolicy"] = {}
        if not imports.get("importMode"):
            imports["importMode"] = config.import_mode
    md = obj.get("metadata") or {}
    namespace, name = md.get("namespace", ""), md.get("name", "")
    stored = obj.get("status")
    status: Obj = {
        "dockerImageRepository": config.repository(
            namespace, name, spec.get("dockerImageRepository", "")
        )
    }
    public = config.public_repository(namespace, name)
    if public:
        status["publicDockerImageRepository"] = public
    if isinstance(stored, dict):
        for key, value in stored.items():
            if key not in COMPUTED_STATUS_FIELDS:
                status[key] = value
    obj["status"] = status
