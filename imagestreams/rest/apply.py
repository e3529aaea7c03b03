"""Server-side apply: ``PATCH`` with ``Content-Type: application/apply-patch+yaml``.

kube-apiserver's ``applyPatcher`` and ``FieldManager.Apply`` over structured-merge-diff's
``Updater.Apply``, on our JSON objects (``rest.fieldset`` gives the shapes, ``rest.managedfields``
the ownership bookkeeping):

1. the body is a YAML (or JSON) object of the store's apiVersion and kind, without
   ``metadata.managedFields``;
2. it is merged into the live object (maps by field, associative lists by key, atomic lists
   replaced); fields this manager applied last time and omits now are removed unless another
   applier owns them (``prune``);
3. every field the merge changed or added that another manager owns is a conflict: 409 listing
   them all, unless ``force=true``, which takes them over;
4. the manager's ``Apply`` entry becomes exactly the applied fields; its time moves only when the
   object changed.

The merged object then goes through the store's normal update path (admission, strategy,
validation), or its create path when the object does not exist yet (201), so image streams get
their tag processing and status stays the status endpoint's: fields a store resets (``status``
on a main resource, everything but status on ``/status``) are left out of the configuration,
as upstream leaves a strategy's reset fields out of the applier's set.

compat: explicit ``null`` values in a configuration are dropped (upstream owns the field and the
typed decode then drops the value); unknown top-level fields follow ``fieldValidation`` as on
other writes (upstream refuses them in the typed conversion whatever the directive).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import yaml

from imagestreams import errors
from imagestreams.rest import fieldset, managedfields
from imagestreams.rest.context import RequestContext
from imagestreams.rest.fieldpath import Path
from imagestreams.rest.fieldset import Schema
from imagestreams.rest.managedfields import STRIPPED, Entry, Managed
from imagestreams.rest.patch import PatchInternalError
from imagestreams.rest.resource import Obj
from imagestreams.rest.store import GenericStore, now_rfc3339
from imagestreams.validation import field

__all__ = [
    "APPLY_PATCH",
    "LAST_APPLIED",
    "apply_config",
    "check_config",
    "decode_config",
    "parse_force",
    "reset_fields",
    "server_side_apply",
    "validate_patch_options",
]

APPLY_PATCH = "application/apply-patch+yaml"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_FIELD_MANAGER_MAX_LENGTH = 128
_TYPE_META = ("apiVersion", "kind", "metadata")


class _Loader(yaml.SafeLoader):
    """YAML as sigs.k8s.io/yaml reads it into JSON: timestamps stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# -- request options ------------------------------------------------------------------------------
def parse_force(value: str | None) -> bool:
    """A query bool as the parameter codec reads it: ``0`` and ``false`` are false."""
    return value is not None and value != "0" and value.lower() != "false"


def validate_patch_options(*, apply: bool, field_manager: str, force_given: bool) -> None:
    """``ValidatePatchOptions``: apply needs a field manager, other patches take no ``force``;
    refused as a 422 of kind ``PatchOptions``."""
    errs: list[field.FieldError] = []
    if not apply and force_given:
        errs.append(field.forbidden("force", "may not be specified for non-apply patch"))
    if apply and not field_manager:
        errs.append(field.required("fieldManager", "is required for apply patch"))
    if len(field_manager.encode()) > _FIELD_MANAGER_MAX_LENGTH:
        errs.append(field.too_long("fieldManager", "", _FIELD_MANAGER_MAX_LENGTH))
    for ch in field_manager:
        if not (ch.isprintable() or ch == " "):
            errs.append(
                field.invalid("fieldManager", field_manager, f"invalid character U+{ord(ch):04X}")
            )
    if errs:
        raise errors.Invalid("PatchOptions", "meta.k8s.io", "", errs)


# -- the configuration ----------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    """YAML mapping keys as JSON strings, ``null`` members dropped."""
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def decode_config(body: bytes) -> Obj:
    """The applied object; 400 ``error decoding YAML`` when it is not a YAML/JSON object."""
    try:
        doc = yaml.load(body.decode("utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise errors.BadRequest(f"error decoding YAML: {exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        kind = "array" if isinstance(doc, list) else "string"
        raise errors.BadRequest(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot "
            f"unmarshal {kind} into Go value of type map[string]interface {{}}"
        )
    md = doc.get("metadata")
    if isinstance(md, dict) and md.get("managedFields") is not None:
        raise errors.BadRequest("metadata.managedFields must be nil")
    config: Obj = _json_value(doc)
    return config


def _gvk_string(config: Obj) -> str:
    """``GroupVersionKind.String()`` of the object's type (empty when apiVersion is bad)."""
    api_version, kind = str(config.get("apiVersion") or ""), str(config.get("kind") or "")
    parts = api_version.split("/") if api_version else []
    if len(parts) > 2:
        return "/, Kind="
    group, version = (parts[0], parts[1]) if len(parts) == 2 else ("", api_version)
    return f"{group}/{version}, Kind={kind}"


def check_config(config: Obj, api_version: str, kind: str) -> None:
    """The applied object must be of the endpoint's version and kind (``versionCheckManager``)."""
    if config.get("apiVersion") != api_version or config.get("kind") != kind:
        raise errors.BadRequest(f"invalid object type: {_gvk_string(config)}")


def reset_fields(store: GenericStore) -> frozenset[str]:
    """Top-level fields the store's strategy resets, so no applier owns them."""
    if store.info.subresource == "status":
        return frozenset({"*"})
    return frozenset({"status"}) if store.strategy.has_status else frozenset()


def _without_reset(config: Obj, reset: frozenset[str]) -> Obj:
    if "*" in reset:
        return {k: v for k, v in config.items() if k in _TYPE_META or k == "status"}
    return {k: v for k, v in config.items() if k not in reset}


# -- the merge ------------------------------------------------------------------------------------
def _prune(merged: Obj, managed: Managed, last: Entry | None, schema: Schema) -> Obj:
    """``merged`` without what was applied last time and no applier (the current one with its
    new configuration included) applies now."""
    if last is None or not last.fields:
        return merged
    applied: set[Path] = set()
    for entry in managed.values():
        if entry.applied:
            applied |= entry.fields
    pruned: Obj = fieldset.remove_items(merged, last.fields - applied, schema)
    return pruned


def _sync_last_applied(obj: Obj, config: Obj) -> None:
    """kubectl's own applies keep an existing client-side last-applied annotation current
    (``lastAppliedUpdater``): the configuration, sorted JSON, without the annotation."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if not annotations.get(LAST_APPLIED):
        return
    doc = json.loads(json.dumps(config))
    (doc.get("metadata") or {}).get("annotations", {}).pop(LAST_APPLIED, None)
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True) + "\n"
    obj["metadata"]["annotations"] = {**annotations, LAST_APPLIED: text}


def apply_config(
    live: Obj,
    config: Obj,
    *,
    manager: str,
    api_version: str,
    schema: Schema,
    force: bool,
    subresource: str = "",
    now: str = "",
) -> Obj:
    """The object ``config`` applied by ``manager`` makes of ``live`` (``{}`` when it does not
    exist), with its managedFields. Raises the 409 of a conflict, 400/500 like upstream for
    configurations that cannot be addressed."""
    md = live.get("metadata") or {}
    try:
        managed = managedfields.decode(md.get("managedFields"))
    except ValueError as exc:
        raise PatchInternalError(f"failed to decode managed fields: {exc}") from None
    ident = managedfields.identity(manager, "Apply", api_version, subresource)
    try:
        applied = fieldset.field_set(config, schema, strict=True) - STRIPPED
    except fieldset.ConfigError as exc:
        where = f"{md.get('namespace', '')}/{(config.get('metadata') or {}).get('name', '')}"
        raise PatchInternalError(
            f"failed to create typed patch object ({where}; {_gvk_string(config)}): {exc}"
        ) from None
    plain = managedfields.without_managed_fields(live)
    merged: Obj = fieldset.merge(plain, config, schema)
    last = managed.get(ident)
    managed[ident] = Entry(applied, api_version, True, last.time if last else None)
    merged = _prune(merged, managed, last, schema)
    diff = fieldset.compare(plain, merged, schema)
    changed = diff.modified | diff.added
    conflicts = {
        key: entry.fields & changed
        for key, entry in managed.items()
        if key != ident and entry.fields & changed
    }
    if conflicts and not force:
        raise managedfields.conflict_error(conflicts)
    result: Managed = {}
    for key, entry in managed.items():
        fields = entry.fields if key == ident else entry.fields - changed - diff.removed
        if fields:
            result[key] = Entry(fields, entry.api_version, entry.applied, entry.time)
    if not fieldset.equal(plain, merged) and ident in result:
        result[ident].time = now or now_rfc3339()
    merged_md = merged["metadata"] = dict(merged.get("metadata") or {})
    if manager == "kubectl":
        _sync_last_applied(merged, config)
    if result:
        merged_md["managedFields"] = managedfields.encode(result)
    else:
        merged_md.pop("managedFields", None)
    return merged


# -- the request ----------------------------------------------------------------------------------
async def server_side_apply(
    store: GenericStore,
    ctx: RequestContext,
    name: str,
    config: Obj,
    *,
    force: bool,
    check_create: Callable[[], Awaitable[None]],
) -> tuple[Obj, bool]:
    """Apply ``config`` (decoded and checked) to object ``name``: ``(stored object, created)``.
    ``check_create`` raises when the caller may not create the object (apply creates need the
    ``create`` verb besides ``patch``)."""
    info = store.info
    schema = Schema((info.api_version, info.kind))
    config = _without_reset(config, reset_fields(store))
    ctx.applying = True

    def apply(live: Obj) -> Obj:
        return apply_config(
            live,
            config,
            manager=ctx.field_manager,
            api_version=info.api_version,
            schema=schema,
            force=force,
            subresource=info.subresource,
        )

    for _ in range(3):
        try:
            return await store.patch(ctx, name, apply), False
        except errors.NotFound as exc:
            if exc.name != name or exc.kind != info.plural or info.subresource:
                raise  # another object, or a subresource (those never create)
        config_md = config.get("metadata") or {}
        if config_md.get("name", "") != name:
            raise errors.BadRequest(
                f"the name of the object ({config_md.get('name', '')}) does not match the name "
                f"on the URL ({name})"
            )
        if config_md.get("uid"):
            raise errors.Conflict.for_resource(
                info.plural,
                info.group,
                name,
                f"uid mismatch: the provided object specified uid {config_md['uid']}, and no "
                "existing object was found",
            )
        await check_create()
        new = apply({})
        try:
            return await store.create(ctx, new), True
        except errors.AlreadyExists:
            continue  # created meanwhile: apply to it
    raise errors.Conflict.for_resource(
        info.plural,
        info.group,
        name,
        "the object has been modified; please apply your changes to the latest version and try "
        "again",
    )
