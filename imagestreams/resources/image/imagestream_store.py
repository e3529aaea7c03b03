"""The ImageStream store: ``GenericStore`` plus the lookups its strategies need.

Every write runs inside ``lookups.resolve`` so that tag processing can read other streams, the
cross-namespace check can ask the authorizer, and limit enforcement can read LimitRanges (see
``lookups`` for why this is a re-run loop). The stores for the main endpoint, ``/status`` and the
internal writer are three instances of this class over the same keys.

Each attempt works on a private copy of the request body, because strategies normalise in place.
The main endpoint ignores the request's status, so it is dropped before copying: a PUT of a
stream with a long history does not pay for copying it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.api.image_v1 import GROUP
from imagestreams.resources.image.lookups import Fetcher, LookupKey, resolve
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj, PatchFn
from imagestreams.rest.store import GenericStore, NamespaceCheck, StorageObserver
from imagestreams.rest.strategy import Strategy
from imagestreams.storage import interface as st

__all__ = ["ImageStreamStore", "LimitSource", "retry_conflicts"]

LimitSource = Callable[[str], Awaitable[list[Obj]]]
"""``namespace -> LimitRange objects`` of that namespace."""
_MAX_RETRIES = 10
_SEPARATORS = {"ImageStreamTag": ":", "ImageStreamImage": "@"}


async def _no_limits(namespace: str) -> list[Obj]:
    return []


async def retry_conflicts(update: Callable[[PatchFn], Awaitable[Obj]], fn: PatchFn) -> Obj:
    """Run a read-modify-write again when the write lost a race (409 from the store).

    ``GenericStore.guaranteed_update`` keeps the read ``resourceVersion`` (metadata validation
    requires one) and then gives up on the first conflict; a conflict raised by ``fn`` itself
    (a failed precondition) is final.
    """
    for _ in range(_MAX_RETRIES):
        raised_by_fn = False

        def wrapped(obj: Obj) -> Obj:
            nonlocal raised_by_fn
            try:
                return fn(obj)
            except errors.ApiError:
                raised_by_fn = True
                raise

        try:
            return await update(wrapped)
        except errors.Conflict:
            if raised_by_fn:
                raise
            await asyncio.sleep(0)
    return await update(fn)


class ImageStreamStore(GenericStore):
    def __init__(
        self,
        info: scheme.ResourceInfo,
        strategy: Strategy,
        storage: st.Storage,
        *,
        limit_source: LimitSource = _no_limits,
        drop_request_status: bool = False,
        namespace_check: NamespaceCheck | None = None,
        observe: StorageObserver | None = None,
    ) -> None:
        super().__init__(info, strategy, storage, namespace_check=namespace_check, observe=observe)
        self.limit_source = limit_source
        self.drop_request_status = drop_request_status

    # -- lookups ------------------------------------------------------------------------
    def fetcher(self, ctx: RequestContext) -> Fetcher:
        async def fetch(key: LookupKey) -> Any:
            kind, namespace, name = key
            if kind == "stream":
                try:
                    kv = await self.storage.get(self.key(namespace, name))
                except st.KeyNotFound:
                    return None
                return self.decode(kv, decorate=False)
            if kind == "access":
                return await ctx.can(
                    ctx.user, "get", GROUP, "imagestreams", "layers", namespace, name
                )
            return await self.limit_source(namespace)

        return fetch

    def prefetch(self, ctx: RequestContext, obj: Obj | None) -> tuple[LookupKey, ...]:
        """The other streams named by ``obj``'s spec tags, and the namespace's limits."""
        md = (obj or {}).get("metadata")
        md = md if isinstance(md, dict) else {}
        namespace = md.get("namespace") or ctx.namespace
        keys: list[LookupKey] = [("limits", namespace, "")]
        spec = (obj or {}).get("spec")
        tags = spec.get("tags") if isinstance(spec, dict) else None
        # A body of the wrong shape is refused by the typed decode that follows.
        for tag in tags if isinstance(tags, list) else ():
            source = tag.get("from") if isinstance(tag, dict) else None
            if not isinstance(source, dict):
                continue
            separator = _SEPARATORS.get(str(source.get("kind", "")))
            parts = str(source.get("name", "")).split(separator) if separator else []
            if len(parts) == 2:
                keys.append(("stream", source.get("namespace") or namespace, parts[0]))
        return tuple(keys)

    async def _run(
        self, ctx: RequestContext, obj: Obj | None, attempt: Callable[[], Awaitable[Any]]
    ) -> Any:
        return await resolve(self.fetcher(ctx), attempt, self.prefetch(ctx, obj))

    def _body(self, obj: Obj) -> Obj:
        if self.drop_request_status:
            obj = {k: v for k, v in obj.items() if k != "status"}
        return obj

    # -- verbs --------------------------------------------------------------------------
    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        body = self._body(obj)

        async def attempt() -> Obj:
            return await GenericStore.create(self, ctx, copy.deepcopy(body))

        result: Obj = await self._run(ctx, body, attempt)
        return result

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        body = self._body(obj)

        async def attempt() -> tuple[Obj, bool]:
            return await GenericStore.update(self, ctx, name, copy.deepcopy(body))

        result: tuple[Obj, bool] = await self._run(ctx, body, attempt)
        return result

    async def _read_modify_write(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        """``GenericStore.guaranteed_update`` for one attempt (``retry_conflicts`` retries)."""
        key = self.key(ctx.namespace, name)
        new, old, revision = await self._read_and_apply(ctx, name, key, fn)
        return await self._write_update(ctx, name, key, new, old, revision)

    async def guaranteed_update(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        async def update(wrapped: PatchFn) -> Obj:
            async def attempt() -> Obj:
                return await self._read_modify_write(ctx, name, wrapped)

            result: Obj = await self._run(ctx, None, attempt)
            return result

        return await retry_conflicts(update, fn)

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        return await self.guaranteed_update(ctx, name, fn)

    async def read(self, ctx: RequestContext, namespace: str, name: str) -> Obj | None:
        """The decorated stream ``namespace/name``, or ``None`` when it does not exist."""
        try:
            kv = await self.storage.get(self.key(namespace, name))
        except st.KeyNotFound:
            return None
        return self.with_type(self.decode(kv))
