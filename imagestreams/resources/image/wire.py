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
    """Convert a JSON dict to a Struct, failing as Go's decoder does (400 BadRequest)."""
    try:
        return msgspec.convert(obj, kind)
    except msgspec.ValidationError as exc:
        raise errors.BadRequest(
            f'{kind_name} in version "v1" cannot be handled as a {kind_name}: {exc}'
        ) from None


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
