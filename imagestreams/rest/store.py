"""The generic store: every verb of a stored kind, configured by a ``Strategy``.

This is k8s.io/apiserver's ``registry/generic/registry.Store`` in small. It owns the key layout,
the JSON codec (``resourceVersion`` is never stored; it is the key's ``mod_revision``), metadata
bookkeeping (uid, creationTimestamp, generation, generateName), optimistic concurrency, finalizers,
dry-run, and the one translation of storage errors into API errors.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec

from imagestreams import errors
from imagestreams._util.lru import Lru
from imagestreams.api import scheme
from imagestreams.rest import fieldset, listing, managedfields
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Obj, PatchFn, Resource, WatchEvent
from imagestreams.rest.strategy import StatusStrategy, Strategy
from imagestreams.storage import interface as st
from imagestreams.validation import field

__all__ = [
    "Admission",
    "DeleteHook",
    "GenericStore",
    "NamespaceCheck",
    "StorageObserver",
    "now_rfc3339",
]

NamespaceCheck = Callable[[RequestContext, str, Obj], Awaitable[None]]
"""Raises when objects may not be created in the namespace (missing or terminating)."""
StorageObserver = Callable[[str, str, float], None]
DeleteHook = Callable[["GenericStore", Obj, Obj], None]
"""``(store, deleted object, delete options)``: runs after a delete finished (garbage
collection of dependents); must not block."""
"""``(operation, resource, seconds)``: storage latency hook for ``/metrics``."""
Admission = Callable[[RequestContext, scheme.ResourceInfo, Obj, Obj | None], Awaitable[None]]
"""A mutating admission step, as kube-apiserver's ``admission.MutationInterface``: ``(ctx, the
store's resource, new object, stored object or None on create)``. The store awaits each of its
``admission`` steps in order on create, update and patch of the main resource (never on
subresource views), after the body is decoded and before ``prepare_for_create``/``_update`` and
validation. A step may change the new object in place or raise an ``ApiError`` to refuse."""

_MAX_UPDATE_RETRIES = 20
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _meta(obj: Obj) -> dict[str, Any]:
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = {}
        obj["metadata"] = md
    return md


def _written_meta(obj: Obj) -> dict[str, Any]:
    """The metadata of a body being written, without ``null`` members: every ObjectMeta field
    is ``omitempty``, and Go decodes ``null`` as absent (``labels: null`` is no labels)."""
    md = _meta(obj)
    for key in [k for k, v in md.items() if v is None]:
        del md[key]
    return md


_META_TYPES: dict[str, tuple[str, Any]] = {
    "name": ("string", str), "generateName": ("string", str), "namespace": ("string", str),
    "uid": ("string", str), "resourceVersion": ("string", str),
    "creationTimestamp": ("string", str), "deletionTimestamp": ("string", str),
    "generation": ("int64", int), "deletionGracePeriodSeconds": ("int64", int),
    "labels": ("map[string]string", dict), "annotations": ("map[string]string", dict),
    "finalizers": ("[]string", list), "ownerReferences": ("[]v1.OwnerReference", list),
    "managedFields": ("[]v1.ManagedFieldsEntry", list),
}  # fmt: skip
"""ObjectMeta's Go types, for the decode error a wrongly typed member gets."""


def _go_json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def meta_type_error(md: dict[str, Any]) -> str:
    """Go's decode error for the first wrongly typed ObjectMeta member, or ``""``: typed
    kinds refuse such bodies with 400 before anything is stored."""
    for key, (go_type, py_type) in _META_TYPES.items():
        value = md.get(key)
        if value is None:
            continue
        if not isinstance(value, py_type) or (py_type is int and isinstance(value, bool)):
            return (
                f"json: cannot unmarshal {_go_json_kind(value)} into Go struct field "
                f"ObjectMeta.metadata.{key} of type {go_type}"
            )
        inner: type | None = {
            "map[string]string": str,
            "[]string": str,
            "[]v1.OwnerReference": dict,
            "[]v1.ManagedFieldsEntry": dict,
        }.get(go_type)
        if inner is not None:
            items = list(value.values()) if isinstance(value, dict) else list(value)
            for item in items:
                if not isinstance(item, inner):
                    element = "string" if inner is str else go_type.removeprefix("[]")
                    return (
                        f"json: cannot unmarshal {_go_json_kind(item)} into Go struct field "
                        f"ObjectMeta.metadata.{key} of type {element}"
                    )
    return ""


def _spec_part(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


class GenericStore(Resource):
    """All verbs of one stored resource over a ``storage.Storage``."""

    def __init__(
        self,
        info: scheme.ResourceInfo,
        strategy: Strategy,
        storage: st.Storage,
        *,
        namespace_check: NamespaceCheck | None = None,
        observe: StorageObserver | None = None,
    ) -> None:
        super().__init__(info)
        self.strategy = strategy
        self.storage = storage
        self.columns = strategy.columns
        self.namespace_check = namespace_check
        self._observe = observe
        self.after_delete: DeleteHook | None = None
        self.admission: list[Admission] = []
        """Mutating admission steps (see ``Admission``); extensions append to it."""
        self._shared: Lru[tuple[str, int], Obj] = Lru(512)
        group = info.group or "core"
        self.prefix = f"/registry/{group}/{info.plural}/"

    def unknown_fields(self, obj: Obj) -> list[str]:
        return self.strategy.unknown_fields(obj)

    # -- keys and codec -----------------------------------------------------------------
    def key(self, namespace: str, name: str) -> str:
        if self.info.namespaced:
            return f"{self.prefix}{namespace}/{name}"
        return f"{self.prefix}{name}"

    def list_prefix(self, namespace: str) -> str:
        if self.info.namespaced and namespace:
            return f"{self.prefix}{namespace}/"
        return self.prefix

    def encode(self, obj: Obj) -> bytes:
        md = obj.get("metadata", {})
        rv = md.pop("resourceVersion", None)
        try:
            return _encoder.encode(obj)
        finally:
            if rv is not None:
                md["resourceVersion"] = rv

    def decode(self, kv: st.KeyValue, *, decorate: bool = True) -> Obj:
        obj: Obj = _decoder.decode(kv.value)
        _meta(obj)["resourceVersion"] = str(kv.mod_revision)
        if decorate:
            self.strategy.decorate(obj)
        return obj

    def decode_shared(self, kv: st.KeyValue) -> Obj:
        """The decoded, typed object for one stored revision, shared by every watcher that
        delivers it (decoded once, not once per watcher). Callers must not mutate it."""
        return self._shared.get_or_make(
            (kv.key, kv.mod_revision), lambda: self.with_type(self.decode(kv))
        )

    def status_view(self) -> GenericStore:
        """The same storage seen through the ``/status`` strategy."""
        info = scheme.find(self.info.group, self.info.version, self.info.plural, "status")
        view = GenericStore(
            info or self.info,
            StatusStrategy(self.strategy),
            self.storage,
            observe=self._observe,
        )
        return view

    async def _timed(self, op: str, coro: Awaitable[Any]) -> Any:
        start = time.perf_counter()
        try:
            return await coro
        finally:
            if self._observe is not None:
                self._observe(op, self.info.plural, time.perf_counter() - start)

    # -- error translation (the one place) ----------------------------------------------
    def _not_found(self, name: str) -> errors.NotFound:
        return errors.NotFound.for_resource(self.info.plural, self.info.group, name)

    def _conflict(self, name: str) -> errors.Conflict:
        return errors.Conflict.for_resource(
            self.info.plural,
            self.info.group,
            name,
            "the object has been modified; please apply your changes to the latest version "
            "and try again",
        )

    def _invalid(self, obj: Obj, errs: list[Any]) -> errors.Invalid:
        return errors.Invalid(self.info.kind, self.info.group, _meta(obj).get("name", ""), errs)

    # -- get / list / watch -------------------------------------------------------------
    async def get(self, ctx: RequestContext, name: str) -> Obj:
        start = time.perf_counter()  # timed inline: the hottest read, no wrapper coroutine
        try:
            kv = await self.storage.get(self.key(ctx.namespace, name))
        except st.KeyNotFound:
            raise self._not_found(name) from None
        finally:
            if self._observe is not None:
                self._observe("get", self.info.plural, time.perf_counter() - start)
        return self.with_type(self.decode(kv))

    def with_type(self, obj: Obj) -> Obj:
        obj["kind"] = self.info.kind
        obj["apiVersion"] = self.info.api_version
        return obj

    async def list(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        listed: Obj = await self._timed("list", listing.list_objects(self, ctx, opts))
        return listed

    def watch(self, ctx: RequestContext, opts: ListOptions) -> AsyncIterator[WatchEvent]:
        return listing.watch_objects(self, ctx, opts)

    # -- create -------------------------------------------------------------------------
    def _check_meta_types(self, md: dict[str, Any]) -> None:
        problem = meta_type_error(md)
        if problem:
            kind = self.info.kind
            raise errors.BadRequest(
                f'{kind} in version "{self.info.version}" cannot be handled as a {kind}: {problem}'
            )

    def _before_create(self, ctx: RequestContext, obj: Obj) -> None:
        md = _written_meta(obj)
        self._check_meta_types(md)
        if self.info.namespaced:
            ns = md.get("namespace") or ctx.namespace
            if ctx.namespace and ns != ctx.namespace:
                raise errors.BadRequest(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        if not md.get("name") and md.get("generateName"):
            md["name"] = f"{md['generateName']}{uuid.uuid4().hex[:5]}"
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now_rfc3339()
        for drop in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            md.pop(drop, None)
        if md.get("resourceVersion"):
            raise errors.InternalError("resourceVersion should not be set on objects to be created")
        md.pop("resourceVersion", None)
        self.strategy.prepare_for_create(ctx, obj)
        self._track_fields(ctx, None, obj)
        if self.strategy.tracks_generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        errs = self.strategy.validate_metadata(obj) + self.strategy.validate(ctx, obj)
        if errs:
            raise self._invalid(obj, errs)

    def _track_fields(self, ctx: RequestContext, old: Obj | None, new: Obj) -> None:
        """Field ownership of a non-apply write, after the strategy normalised ``new`` (so
        only real changes count); see ``rest.managedfields`` for which objects are tracked."""
        if ctx.applying:
            return
        managedfields.track_update(
            old,
            new,
            manager=managedfields.manager_name(ctx.field_manager, ctx.user_agent),
            api_version=self.info.api_version,
            subresource=self.info.subresource,
            schema=fieldset.Schema((self.info.api_version, self.info.kind)),
            now=now_rfc3339(),
        )

    async def _admit(self, ctx: RequestContext, obj: Obj, old: Obj | None) -> None:
        for step in self.admission:
            await step(ctx, self.info, obj, old)

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        obj = self.with_type(obj)
        await self._admit(ctx, obj, None)
        self._before_create(ctx, obj)
        md = obj["metadata"]
        if self.info.namespaced and self.namespace_check is not None:
            await self.namespace_check(ctx, md["namespace"], obj)
        key = self.key(md.get("namespace", ""), md["name"])
        if ctx.dry_run:
            try:
                await self.storage.get(key)
            except st.KeyNotFound:
                self.strategy.decorate(obj)
                return obj
            raise errors.AlreadyExists.for_resource(self.info.plural, self.info.group, md["name"])
        try:
            kv = await self._timed("create", self.storage.create(key, self.encode(obj)))
        except st.KeyExists:
            raise errors.AlreadyExists.for_resource(
                self.info.plural, self.info.group, md["name"]
            ) from None
        return self.with_type(self.decode(kv))

    # -- update -------------------------------------------------------------------------
    def _check_identity(self, ctx: RequestContext, name: str, obj: Obj) -> None:
        md = _meta(obj)
        if md.get("name", "") != name:
            raise errors.BadRequest(
                f"the name of the object ({md.get('name', '')}) does not match the name on "
                f"the URL ({name})"
            )
        if self.info.namespaced:
            ns = md.get("namespace") or ctx.namespace
            if ns != ctx.namespace:
                raise errors.BadRequest(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            md["namespace"] = ns

    def _prepare_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        new_md, old_md = _written_meta(new), _meta(old)
        self._check_meta_types(new_md)
        for keep in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if keep in old_md and keep not in new_md:
                new_md[keep] = old_md[keep]
        if "generation" in old_md:
            new_md["generation"] = old_md["generation"]
        self.strategy.prepare_for_update(ctx, new, old)
        self._track_fields(ctx, old, new)
        if self.strategy.tracks_generation and _spec_part(new) != _spec_part(old):
            new_md["generation"] = int(old_md.get("generation", 0)) + 1
        errs = (
            self.strategy.validate_metadata(new)
            + self.strategy.validate_metadata_update(new, old)
            + self.strategy.validate_update(ctx, new, old)
        )
        if errs:
            raise self._invalid(new, errs)

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        obj = self.with_type(obj)
        self._check_identity(ctx, name, obj)
        key = self.key(ctx.namespace, name)
        rv_text = _meta(obj).get("resourceVersion") or ""
        try:
            expected = int(rv_text) if rv_text else 0
        except ValueError:
            raise self._invalid(
                obj,
                [field.invalid("metadata.resourceVersion", rv_text, "must be an integer")],
            ) from None
        try:
            current = await self.storage.get(key)
        except st.KeyNotFound:
            if not self.strategy.allow_create_on_update:
                raise self._not_found(name) from None
            obj["metadata"].pop("resourceVersion", None)
            return await self.create(ctx, obj), True
        if expected == 0 and not self.strategy.allow_unconditional_update:
            raise self._invalid(
                obj,
                [
                    field.invalid(
                        "metadata.resourceVersion",
                        field.Raw("0x0"),
                        "must be specified for an update",
                    )
                ],
            )
        if expected and expected != current.mod_revision:
            raise self._conflict(name)
        old = self.decode(current, decorate=False)
        stored = await self._write_update(ctx, name, key, obj, old, current.mod_revision)
        return stored, False

    async def _write_update(
        self, ctx: RequestContext, name: str, key: str, new: Obj, old: Obj, revision: int
    ) -> Obj:
        await self._admit(ctx, new, old)
        self._prepare_update(ctx, new, old)
        if ctx.dry_run:
            self.strategy.decorate(new)
            return new
        md = _meta(new)
        if md.get("deletionTimestamp") and not md.get("finalizers"):
            kv = await self._timed("delete", self.storage.delete(key, expected_revision=revision))
            return self.with_type(self.decode(kv))
        if self.encode(new) == self.encode(old):
            # No-op updates do not bump the revision, as in Kubernetes.
            new["metadata"]["resourceVersion"] = str(revision)
            self.strategy.decorate(new)
            return new
        try:
            kv = await self._timed(
                "update", self.storage.update(key, self.encode(new), expected_revision=revision)
            )
        except st.RevisionConflict:
            raise self._conflict(name) from None
        except st.KeyNotFound:
            raise self._not_found(name) from None
        return self.with_type(self.decode(kv))

    async def _read_and_apply(
        self, ctx: RequestContext, name: str, key: str, fn: PatchFn
    ) -> tuple[Obj, Obj, int]:
        """One read of ``guaranteed_update``: ``(fn's new object, the stored one, the revision
        read)``. Errors here (not found, a bad identity, a pinned stale resourceVersion, anything
        ``fn`` raises) are final, not retried."""
        try:
            current = await self.storage.get(key)
        except st.KeyNotFound:
            raise self._not_found(name) from None
        old = self.with_type(self.decode(current, decorate=False))
        # A second decode is a deep copy at msgspec speed (copy.deepcopy of a stream with
        # 10,000 tag events costs a quarter of a second).
        new = self.with_type(fn(self.with_type(self.decode(current, decorate=False))))
        self._check_identity(ctx, name, new)
        new_rv = _meta(new).get("resourceVersion")
        if new_rv and new_rv != str(current.mod_revision):
            # The caller pinned a resourceVersion that is not the current one.
            raise self._conflict(name)
        return new, old, current.mod_revision

    async def guaranteed_update(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        """Read, apply ``fn`` to a copy, write with the read revision; retry on conflicts.
        ``fn`` may raise an ApiError to abort; it must be free of side effects."""
        key = self.key(ctx.namespace, name)
        for _ in range(_MAX_UPDATE_RETRIES):
            new, old, revision = await self._read_and_apply(ctx, name, key, fn)
            try:
                return await self._write_update(ctx, name, key, new, old, revision)
            except errors.Conflict:
                # Someone wrote in between: re-read and re-apply (a pinned, now stale
                # resourceVersion fails the check above on the next round).
                await asyncio.sleep(0)
        raise self._conflict(name)

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        return await self.guaranteed_update(ctx, name, fn)

    # -- delete -------------------------------------------------------------------------
    def _check_preconditions(self, name: str, obj: Obj, options: Obj) -> None:
        pre = options.get("preconditions") or {}
        md = _meta(obj)
        uid, rv = pre.get("uid"), pre.get("resourceVersion")
        if uid and uid != md.get("uid"):
            raise errors.Conflict.for_resource(
                self.info.plural,
                self.info.group,
                name,
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                f"{md.get('uid', '')}",
            )
        if rv and rv != md.get("resourceVersion"):
            raise errors.Conflict.for_resource(
                self.info.plural,
                self.info.group,
                name,
                f"Precondition failed: ResourceVersion in precondition: {rv}, "
                f"ResourceVersion in object meta: {md.get('resourceVersion', '')}",
            )

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        key = self.key(ctx.namespace, name)
        for _ in range(_MAX_UPDATE_RETRIES):
            try:
                current = await self.storage.get(key)
            except st.KeyNotFound:
                raise self._not_found(name) from None
            obj = self.with_type(self.decode(current))
            self._check_preconditions(name, obj, options)
            md = _meta(obj)
            if ctx.dry_run:
                return obj, True
            if md.get("finalizers"):
                if md.get("deletionTimestamp"):
                    return obj, False
                md["deletionTimestamp"] = now_rfc3339()
                md["deletionGracePeriodSeconds"] = 0
                try:
                    kv = await self.storage.update(
                        key, self.encode(obj), expected_revision=current.mod_revision
                    )
                except st.RevisionConflict:
                    continue
                return self.with_type(self.decode(kv)), False
            try:
                kv = await self._timed(
                    "delete", self.storage.delete(key, expected_revision=current.mod_revision)
                )
            except st.RevisionConflict:
                continue
            except st.KeyNotFound:
                raise self._not_found(name) from None
            deleted = self.with_type(self.decode(kv))
            if self.after_delete is not None:
                self.after_delete(self, deleted, options)
            return deleted, True
        raise self._conflict(name)

    async def delete_collection(self, ctx: RequestContext, opts: ListOptions, options: Obj) -> Obj:
        listed = await self.list(
            ctx,
            ListOptions(
                label_selector=opts.label_selector,
                field_selector=opts.field_selector,
            ),
        )
        deleted = []
        for item in listed["items"]:
            md = item["metadata"]
            sub = RequestContext(
                namespace=md.get("namespace", ""),
                user=ctx.user,
                dry_run=ctx.dry_run,
                can=ctx.can,
            )
            try:
                obj, _ = await self.delete(sub, md["name"], options)
            except errors.NotFound:
                continue
            deleted.append(obj)
        listed["items"] = deleted
        return listed

    async def delete_all_in_namespace(self, namespace: str) -> int:
        """Remove every object of this resource in ``namespace`` (namespace finalization)."""
        count = 0
        while True:
            page = await self.storage.list(self.list_prefix(namespace), limit=500)
            for kv in page.items:
                try:
                    await self.storage.delete(kv.key)
                    count += 1
                except st.KeyNotFound:
                    pass
            if not page.more:
                return count
