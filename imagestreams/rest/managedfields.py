"""``metadata.managedFields``: who owns which fields, and how ordinary writes move ownership.

This is k8s.io/apimachinery's ``util/managedfields`` in small: entries decode into a map from a
manager identity (``manager``, ``operation``, the ``apiVersion`` of Update entries,
``subresource``) to a field set (``rest.fieldset``); writes re-encode them sorted by operation,
time, manager, apiVersion and subresource. Server-side apply itself is ``rest.apply``.

Non-apply writes (create, update, patch, ``/status``) are recorded as ``operation: Update``
entries of the request's field manager (``?fieldManager=`` or the User-Agent up to the first
``/``): the fields the write added or changed become that manager's and are taken from every
other manager, fields it removed are dropped from everyone (``Updater.Update``).

Deliberate deviation: kube-apiserver records Update entries on every write from creation on. We
record them only on objects that are already tracked (they carry managedFields, normally after
their first server-side apply) or whose request body brings managedFields. Recording always would
change every stored object (existing clients and tests compare objects exactly) and cost a full
object comparison on every write, image stream status updates with long tag histories included.
The consequence: a field set by a plain write before the first apply has no owner, so applying
a different value to it is not a conflict.

Not implemented: the cap of ten Update entries (``capManagersManager``) and the client-side apply
migration (``lastAppliedManager``, conflicts forgiven when the last-applied annotation matches).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from imagestreams import errors
from imagestreams.rest import fieldpath, fieldset
from imagestreams.rest.fieldpath import Path
from imagestreams.rest.fieldset import Schema

__all__ = [
    "STRIPPED",
    "Entry",
    "Identity",
    "Managed",
    "conflict_error",
    "decode",
    "encode",
    "identity",
    "manager_name",
    "track_update",
    "update_managed",
    "without_managed_fields",
]

Identity = tuple[str, str, str, str]
"""``(manager, operation, apiVersion (Update only), subresource)``: one entry per identity."""

STRIPPED: frozenset[Path] = frozenset(
    {
        ("f:apiVersion",),
        ("f:kind",),
        ("f:metadata",),
        *(
            ("f:metadata", f"f:{name}")
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)
"""Fields never owned by anyone (``stripMetaManager``)."""


@dataclass
class Entry:
    fields: set[Path]
    api_version: str
    applied: bool
    time: str | None = None


Managed = dict[Identity, Entry]


def identity(manager: str, operation: str, api_version: str, subresource: str) -> Identity:
    return (
        manager or "unknown",
        operation,
        api_version if operation == "Update" else "",
        subresource,
    )


def manager_name(field_manager: str, user_agent: str) -> str:
    """``managerOrUserAgent``: the ``fieldManager`` parameter, else the User-Agent up to its
    first ``/`` (``kubectl/v1.32.0 (linux/amd64)`` is ``kubectl``), else ``unknown``."""
    return field_manager or user_agent.split("/", 1)[0] or "unknown"


# -- wire form ------------------------------------------------------------------------------------
def decode(entries: Any) -> Managed:
    """Entries as stored; ``ValueError`` for anything ``DecodeManagedFields`` refuses."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    managed: Managed = {}
    for i, raw in enumerate(entries):
        if not isinstance(raw, dict):
            raise ValueError(f"managed fields entry {i} is not an object")
        operation = raw.get("operation")
        if operation not in ("Apply", "Update"):
            raise ValueError("operation must be `Apply` or `Update`")
        api_version = raw.get("apiVersion")
        if not isinstance(api_version, str) or not api_version:
            raise ValueError("apiVersion must not be empty")
        fields_type = raw.get("fieldsType") or ""
        if fields_type != "FieldsV1":
            if not fields_type:
                raise ValueError(f"missing fieldsType in managed fields entry {i}")
            raise ValueError(f"invalid fieldsType {fields_type!r} in managed fields entry {i}")
        manager, subresource = raw.get("manager") or "", raw.get("subresource") or ""
        if not isinstance(manager, str) or not isinstance(subresource, str):
            raise ValueError(f"invalid manager in managed fields entry {i}")
        fields = fieldpath.from_fields_v1(raw.get("fieldsV1") or {})
        key = (manager, operation, api_version if operation == "Update" else "", subresource)
        time = raw.get("time")
        managed[key] = Entry(
            fields, api_version, operation == "Apply", time if isinstance(time, str) else None
        )
    return managed


def encode(managed: Managed) -> list[dict[str, Any]]:
    """Entries in upstream's order (operation, time, manager, apiVersion, subresource)."""
    out: list[dict[str, Any]] = []
    for (manager, _, _, subresource), entry in managed.items():
        item: dict[str, Any] = {
            "manager": manager,
            "operation": "Apply" if entry.applied else "Update",
            "apiVersion": entry.api_version,
        }
        if entry.time is not None:
            item["time"] = entry.time
        item["fieldsType"] = "FieldsV1"
        item["fieldsV1"] = fieldpath.to_fields_v1(entry.fields)
        if subresource:
            item["subresource"] = subresource
        out.append(item)
    out.sort(
        key=lambda e: (
            e["operation"],
            e.get("time") or "",
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return out


# -- conflicts ------------------------------------------------------------------------------------
def _identity_json(ident: Identity) -> str:
    """``BuildManagerIdentifier``: the entry's JSON without fields and time."""
    manager, operation, api_version, subresource = ident
    doc: dict[str, str] = {"manager": manager, "operation": operation}
    if api_version:
        doc["apiVersion"] = api_version
    if subresource:
        doc["subresource"] = subresource
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _print_manager(ident: Identity) -> str:
    """``printManager``: ``"name"``, `` with subresource "status"``, `` using <apiVersion>``."""
    manager, operation, api_version, subresource = ident
    text = json.dumps(manager, ensure_ascii=False)
    if subresource:
        text += f" with subresource {json.dumps(subresource, ensure_ascii=False)}"
    if operation == "Update":
        text += f" using {api_version}"
    return text


def _iteration_order(paths: Iterable[Path]) -> list[Path]:
    """``Set.Iterate``: at each level the members first, then each child's subtree, sorted."""
    return sorted(paths, key=lambda p: [(1, e) for e in p[:-1]] + [(0, p[-1])])


def conflict_error(conflicts: dict[Identity, set[Path]]) -> errors.Conflict:
    """The 409 of a refused apply (``NewConflictError``): one ``FieldManagerConflict`` cause per
    field, managers sorted by their identifier."""
    ordered = sorted(conflicts.items(), key=lambda item: _identity_json(item[0]))
    flat = [(ident, p) for ident, paths in ordered for p in _iteration_order(paths)]
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_print_manager(ident)}",
            "field": fieldpath.path_string(p),
        }
        for ident, p in flat
    ]
    if len(flat) == 1:
        ident, p = flat[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {_print_manager(ident)}: "
            f"{fieldpath.path_string(p)}"
        )
    else:
        lines: list[str] = []
        for ident, paths in ordered:
            lines.append(f"conflicts with {_print_manager(ident)}:")
            lines.extend(f"- {fieldpath.path_string(p)}" for p in _iteration_order(paths))
        message = f"Apply failed with {len(flat)} conflicts: " + "\n".join(lines)
    return errors.Conflict(message, causes=causes)


# -- Update ---------------------------------------------------------------------------------------
def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``obj`` whose metadata lacks ``managedFields`` (for comparisons)."""
    md = obj.get("metadata")
    if not isinstance(md, dict) or "managedFields" not in md:
        return obj
    return {**obj, "metadata": {k: v for k, v in md.items() if k != "managedFields"}}


def update_managed(
    managed: Managed,
    live: dict[str, Any],
    new: dict[str, Any],
    schema: Schema,
    ident: Identity,
    api_version: str,
    now: str,
) -> Managed:
    """``Updater.Update`` behind the strip-meta and timestamp managers: the write's changed and
    added fields become ``ident``'s (taken from everyone else), removed fields leave everyone.
    The entry's time moves only when the write changed a field it now owns."""
    diff = fieldset.compare(without_managed_fields(live), without_managed_fields(new), schema)
    taken = diff.modified | diff.added | diff.removed
    out: Managed = {}
    for key, entry in managed.items():
        left = entry.fields - taken
        if left:
            out[key] = Entry(left, entry.api_version, entry.applied, entry.time)
    owned = (diff.modified | diff.added) - diff.removed - STRIPPED
    if owned:
        previous = out.get(ident)
        fields = owned | (previous.fields if previous else set())
        out[ident] = Entry(fields, api_version, False, now)
    return out


def _is_reset(entries: Any) -> bool:
    """``[]`` or ``[{}]`` in a request body: forget all ownership (``isResetManagedFields``)."""
    return isinstance(entries, list) and (entries == [] or entries == [{}])


def track_update(
    live: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    subresource: str,
    schema: Schema,
    now: str,
) -> None:
    """Record a non-apply write of ``new`` over ``live`` (``None`` on create) in ``new``'s
    managedFields, in place. Objects that are not tracked (see the module docstring) are left
    exactly as they are."""
    md = new.get("metadata")
    if not isinstance(md, dict):
        return
    live_entries = ((live or {}).get("metadata") or {}).get("managedFields")
    body_entries = md.get("managedFields")
    base: Managed | None = None
    if subresource:
        # a subresource never sets managedFields from its body
        body_entries = None
    elif _is_reset(body_entries):
        if not live_entries:
            return
        base = {}
    elif body_entries:
        try:
            base = decode(body_entries) or None
        except ValueError:
            base = None
    if base is None:
        if not live_entries:
            return
        try:
            base = decode(live_entries)
        except ValueError:
            base = {}
    ident = identity(manager, "Update", api_version, subresource)
    result = update_managed(base, live or {}, new, schema, ident, api_version, now)
    if result:
        md["managedFields"] = encode(result)
    else:
        md.pop("managedFields", None)
