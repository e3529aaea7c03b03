"""Server-side printing: the ``meta.k8s.io/v1`` ``Table`` that ``kubectl get`` asks for.

kubectl sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`` and prints whatever
columns the server returns, so the columns (and their cell text) are the server's job, exactly as
in kube-apiserver's ``printers`` package. This module holds the generic part: the ``Column``
type, the ``Table`` builder, the Accept check, and the age formatting of apimachinery's
``duration.HumanDuration`` (which kubectl users read in every AGE column).

Getters take only the object. Age cells need "now", so ``build_table`` publishes its clock in a
context variable that ``translate_timestamp_since`` reads; tests pass a fixed ``now``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

__all__ = [
    "CREATED_DESCRIPTION",
    "NAME_DESCRIPTION",
    "Column",
    "IncludeObject",
    "age_column",
    "build_table",
    "current_time",
    "default_columns",
    "human_duration",
    "name_column",
    "parse_time",
    "short_human_duration",
    "table_version",
    "translate_timestamp_since",
    "wants_table",
]

Obj = dict[str, Any]
IncludeObject = Literal["None", "Metadata", "Object"]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("table_now", default=None)


def _no_cell(obj: Obj) -> Any:
    return ""


@dataclass(frozen=True, slots=True)
class Column:
    """One ``TableColumnDefinition`` plus how to compute its cell from a stored object."""

    name: str
    type: str = "string"
    """``string``, ``integer``, ``number``, ``boolean`` or ``date`` (the OpenAPI type names)."""
    format: str = ""
    """``name`` marks the column kubectl uses for ``-o name`` style output."""
    description: str = ""
    priority: int = 0
    """0 is always shown; 1 and above only with ``-o wide``."""
    getter: Callable[[Obj], Any] = _no_cell

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


# --- time ---------------------------------------------------------------------------------


def current_time() -> datetime:
    """The clock of the table being built (real time outside ``build_table``)."""
    return _NOW.get() or datetime.now(UTC)


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 (``metav1.Time``/``MicroTime``) to an aware datetime; None for absent/garbage."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _nanos(d: timedelta) -> int:
    return (d.days * 86_400 + d.seconds) * 1_000_000_000 + d.microseconds * 1_000


def _trunc_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


_SECOND = 1_000_000_000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE


def human_duration(d: timedelta) -> str:
    """apimachinery ``duration.HumanDuration``: about 2-3 significant figures."""
    ns = _nanos(d)
    seconds = _trunc_div(ns, _SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // _MINUTE
    if minutes < 10:
        s = (ns // _SECOND) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(d: timedelta) -> str:
    """apimachinery ``duration.ShortHumanDuration`` (one unit only)."""
    ns = _nanos(d)
    seconds = _trunc_div(ns, _SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    if (minutes := ns // _MINUTE) < 60:
        return f"{minutes}m"
    if (hours := ns // _HOUR) < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def translate_timestamp_since(value: Any) -> str:
    """The printers' ``translateTimestampSince``: ``<unknown>`` when unset, else the age."""
    when = parse_time(value)
    if when is None:
        return "<unknown>"
    return human_duration(current_time() - when)


def _rfc3339_utc(value: Any) -> str:
    when = parse_time(value)
    if when is None:
        return "0001-01-01T00:00:00Z"  # Go's zero time, as metav1.Time formats it
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- columns ------------------------------------------------------------------------------


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def name_column() -> Column:
    return Column(
        "Name", "string", "name", NAME_DESCRIPTION, getter=lambda o: _meta(o).get("name", "")
    )


def age_column(name: str = "Age") -> Column:
    return Column(
        name,
        "string",
        description=CREATED_DESCRIPTION,
        getter=lambda o: translate_timestamp_since(_meta(o).get("creationTimestamp")),
    )


def default_columns() -> list[Column]:
    """``rest.NewDefaultTableConvertor``: Name and an RFC 3339 "Created At" date column."""
    return [
        name_column(),
        Column(
            "Created At",
            "date",
            description=CREATED_DESCRIPTION,
            getter=lambda o: _rfc3339_utc(_meta(o).get("creationTimestamp")),
        ),
    ]


# --- negotiation --------------------------------------------------------------------------


def _clauses(accept: str) -> Iterator[tuple[str, dict[str, str]]]:
    parsed: list[tuple[float, int, str, dict[str, str]]] = []
    for index, part in enumerate(accept.split(",")):
        media, *raw_params = part.split(";")
        params: dict[str, str] = {}
        for raw in raw_params:
            key, _, value = raw.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            parsed.append((-q, index, media.strip().lower(), params))
    for _, _, media, params in sorted(parsed):
        yield media, params


_TABLE_VERSIONS = ("v1", "v1beta1")


def table_version(accept: str) -> str | None:
    """``v1``/``v1beta1`` when the preferred acceptable clause asks for a Table, else None.

    Clauses are tried by q-value, then in order, as kube-apiserver's negotiation does: a plain
    JSON clause that comes first wins over a later Table clause.
    """
    for media, params in _clauses(accept):
        if media not in ("application/json", "application/yaml", "*/*", "application/*"):
            continue
        wanted = params.get("as")
        if wanted is None:
            return None
        version = params.get("v", "")
        if wanted == "Table" and params.get("g") == "meta.k8s.io" and version in _TABLE_VERSIONS:
            return version
    return None


def wants_table(accept: str) -> bool:
    # Cheap pre-check: almost every request is plain JSON.
    return "Table" in accept and table_version(accept) is not None


# --- building -----------------------------------------------------------------------------


def _row_object(obj: Obj, include_object: IncludeObject, version: str) -> Obj | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": f"meta.k8s.io/{version}",
        "metadata": dict(_meta(obj)),
    }


def build_table(
    objects: list[Obj],
    columns: list[Column],
    *,
    list_meta: Mapping[str, Any],
    include_object: IncludeObject = "Metadata",
    no_headers: bool = False,
    version: str = "v1",
    now: datetime | None = None,
) -> Obj:
    """A ``Table`` for ``objects`` (one object for a GET, the items for a LIST or watch event).

    ``list_meta`` supplies ``resourceVersion``/``continue``/``remainingItemCount``; the row
    ``object`` is a ``PartialObjectMetadata`` by default, like kube-apiserver when the client
    sends no ``includeObject``.
    """
    token = _NOW.set(now or datetime.now(UTC))
    try:
        rows = [
            {
                "cells": [column.getter(obj) for column in columns],
                "object": _row_object(obj, include_object, version),
            }
            for obj in objects
        ]
    finally:
        _NOW.reset(token)
    metadata = {
        key: list_meta[key]
        for key in ("resourceVersion", "continue", "remainingItemCount")
        if list_meta.get(key) not in (None, "")
    }
    table: Obj = {"kind": "Table", "apiVersion": f"meta.k8s.io/{version}", "metadata": metadata}
    # kube sends ``null`` definitions when the client asked for no headers (later watch events)
    table["columnDefinitions"] = None if no_headers else [c.definition() for c in columns]
    table["rows"] = rows
    return table
