"""Kubernetes ``meta/v1`` and ``core/v1`` shapes shared by every kind of the image group.

The REST layer moves objects around as JSON dicts; typed code converts them with
``msgspec.convert(obj, T)`` and back with ``msgspec.to_builtins(obj)``. These Structs reproduce
Go's ``encoding/json`` output of the upstream types, field order included:

* ``omitempty`` fields default to their zero value and are dropped by ``omit_defaults``;
* fields *without* ``omitempty`` (and non-pointer structs, which Go never omits) use a
  ``default_factory`` that is not an empty-container type, so msgspec always writes them
  (``always_str()`` -> ``""``, ``always_null()`` -> ``null``, ``msgspec.field(default_factory=S)``).

Unknown JSON fields are ignored on decode (msgspec's default), as Go's decoder does.

Times (``metav1.Time``) stay RFC 3339 strings on the typed objects, so a stored value round-trips
byte for byte; ``format_time``/``parse_time``/``now`` convert, always at second precision with a
``Z`` suffix as ``metav1.Time.MarshalJSON`` writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

__all__ = [
    "ApiList",
    "ApiObject",
    "ListMeta",
    "LocalObjectReference",
    "ObjectMeta",
    "ObjectReference",
    "OwnerReference",
    "Status",
    "StatusCause",
    "StatusDetails",
    "Time",
    "WireStruct",
    "always_bool",
    "always_int",
    "always_null",
    "always_str",
    "format_time",
    "now",
    "parse_time",
]

Time = str
"""A ``metav1.Time`` on the wire: ``2024-05-01T10:00:00Z``."""


def _null() -> None:
    return None


def always_null() -> Any:
    """A field that defaults to ``None`` but is still written (as ``null``): Go pointer, map or
    slice fields without ``omitempty``, and zero ``metav1.Time`` values."""
    return msgspec.field(default_factory=_null)


def always_str() -> str:
    """A string field without ``omitempty``: ``""`` is written."""
    return msgspec.field(default_factory=str)


def always_int() -> int:
    """An integer field without ``omitempty``: ``0`` is written."""
    return msgspec.field(default_factory=int)


def always_bool() -> bool:
    """A bool field without ``omitempty``: ``false`` is written."""
    return msgspec.field(default_factory=bool)


def format_time(value: datetime) -> Time:
    """Render like ``metav1.Time``: UTC, whole seconds, ``Z`` (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Time) -> datetime:
    """Parse an RFC 3339 time (fractions and offsets accepted, as Go's ``time.Parse``)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def now() -> Time:
    """The current time as a ``metav1.Time`` string."""
    return format_time(datetime.now(UTC))


class WireStruct(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """Base of every API Struct: camelCase JSON names, ``omitempty`` by default."""


class OwnerReference(WireStruct):
    api_version: str = always_str()
    kind: str = always_str()
    name: str = always_str()
    uid: str = always_str()
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(WireStruct):
    """``metav1.ObjectMeta``. ``creationTimestamp`` is written as ``null`` when unset, as Go does
    (``metav1.Time`` is a struct, so ``omitempty`` never drops it)."""

    name: str = ""
    generate_name: str = ""
    namespace: str = ""
    self_link: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    creation_timestamp: Time | None = always_null()
    deletion_timestamp: Time | None = None
    deletion_grace_period_seconds: int | None = None
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    owner_references: list[OwnerReference] = msgspec.field(default_factory=list)
    finalizers: list[str] = msgspec.field(default_factory=list)
    managed_fields: list[dict[str, Any]] = msgspec.field(default_factory=list)


class ListMeta(WireStruct):
    self_link: str = ""
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remaining_item_count: int | None = None


class ObjectReference(WireStruct):
    """``core/v1.ObjectReference``: the ``from`` of tags and imports (all fields omitempty)."""

    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    api_version: str = ""
    resource_version: str = ""
    field_path: str = ""


class LocalObjectReference(WireStruct):
    name: str = ""


class StatusCause(WireStruct):
    """One cause; Go names the ``type`` field ``reason`` on the wire."""

    type: str = msgspec.field(default="", name="reason")
    message: str = ""
    field: str = ""


class StatusDetails(WireStruct):
    name: str = ""
    group: str = ""
    kind: str = ""
    uid: str = ""
    causes: list[StatusCause] = msgspec.field(default_factory=list)
    retry_after_seconds: int = 0


class Status(WireStruct):
    """``metav1.Status`` as embedded in import results (``{"metadata":{},"status":"Success"}``)."""

    kind: str = ""
    api_version: str = ""
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    status: str = ""
    message: str = ""
    reason: str = ""
    details: StatusDetails | None = None
    code: int = 0


class ApiObject(WireStruct):
    """A top-level object: ``kind``/``apiVersion`` first, then ``metadata`` (always written).

    ``kind``/``apiVersion`` default to empty and are omitted: like Go, nested objects (the
    ``image`` of an ImageStreamTag) carry none; the REST layer sets them on top-level objects.
    """

    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)


class ApiList(WireStruct):
    """A top-level list: ``kind``/``apiVersion``, then ``metadata`` as ``ListMeta``."""

    kind: str = ""
    api_version: str = ""
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
