"""Garbage collection of dependents, the part of kube-controller-manager's garbage collector
clients notice: deleting an owner with ``propagationPolicy`` ``Background`` (the default) or
``Foreground`` deletes the objects whose ``ownerReferences`` name its uid; ``Orphan`` removes the
reference instead.

It runs in a background task after the owner is gone, as Kubernetes' collector does, and only
looks in the owner's namespace (owners of namespaced objects must be in the same namespace or
cluster-scoped; for cluster-scoped owners every namespace is searched).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from imagestreams import errors
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj
from imagestreams.rest.store import GenericStore
from imagestreams.storage import interface as st

__all__ = ["GarbageCollector"]

log = logging.getLogger(__name__)


class GarbageCollector:
    def __init__(self, stores: Sequence[GenericStore]) -> None:
        self.stores = list(stores)
        self._tasks: set[asyncio.Task[None]] = set()

    def on_deleted(self, store: GenericStore, obj: Obj, options: Obj) -> None:
        md = obj.get("metadata") or {}
        uid = md.get("uid")
        if not uid or store.info.plural == "namespaces":
            return
        policy = options.get("propagationPolicy") or "Background"
        if options.get("orphanDependents") is True:
            policy = "Orphan"
        namespace = md.get("namespace", "") if store.info.namespaced else ""
        task = asyncio.create_task(self.collect(uid, namespace, policy))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def collect(self, uid: str, namespace: str, policy: str) -> None:
        try:
            for store in self.stores:
                if not store.info.namespaced and namespace:
                    continue
                page = await store.storage.list(store.list_prefix(namespace))
                for kv in page.items:
                    obj = store.decode(kv, decorate=False)
                    refs = obj.get("metadata", {}).get("ownerReferences") or []
                    if any(r.get("uid") == uid for r in refs):
                        await self._handle(store, obj, uid, policy)
        except Exception:  # pragma: no cover - logged; a later delete retries
            log.exception("garbage collection of dependents of %s failed", uid)

    async def _handle(self, store: GenericStore, obj: Obj, uid: str, policy: str) -> None:
        md = obj["metadata"]
        ctx = RequestContext(namespace=md.get("namespace", ""))
        try:
            if policy == "Orphan":

                def drop(current: Obj) -> Obj:
                    refs = current["metadata"].get("ownerReferences") or []
                    kept = [r for r in refs if r.get("uid") != uid]
                    if kept:
                        current["metadata"]["ownerReferences"] = kept
                    else:
                        current["metadata"].pop("ownerReferences", None)
                    return current

                await store.guaranteed_update(ctx, md["name"], drop)
            else:
                await store.delete(ctx, md["name"], {"propagationPolicy": policy})
        except (errors.NotFound, st.KeyNotFound):
            pass

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
