"""Namespaces: their lifecycle (Active -> Terminating -> gone) and the admission rule that
objects may only be created in a namespace that exists and is not terminating.

Deleting a namespace marks it ``Terminating`` and returns at once (as kube-apiserver does); a
background task then removes everything in it and finally the namespace itself, so
``kubectl delete ns x`` sees it disappear shortly after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from imagestreams import errors
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj
from imagestreams.rest.store import GenericStore, now_rfc3339
from imagestreams.storage import interface as st

__all__ = ["NamespaceStore"]

log = logging.getLogger(__name__)


class NamespaceStore(GenericStore):
    """GenericStore for ``namespaces`` with namespace finalization."""

    contents: Sequence[GenericStore] = ()
    """Stores of every namespaced resource; set by the composition root."""

    _tasks: set[asyncio.Task[None]]

    def start_finalizers(self) -> None:
        self._tasks = set()

    async def check(self, ctx: RequestContext, namespace: str, obj: Obj) -> None:
        """Namespace admission for creates of namespaced objects."""
        try:
            kv = await self.storage.get(self.key("", namespace))
        except st.KeyNotFound:
            raise errors.NotFound.for_resource("namespaces", "", namespace) from None
        ns = self.decode(kv, decorate=False)
        if (ns.get("status") or {}).get("phase") == "Terminating":
            plural = ""
            kind = obj.get("kind", "")
            for store in self.contents:
                if store.info.kind == kind:
                    plural = store.info.plural
                    group = store.info.group
                    break
            else:
                group = ""
            raise errors.Forbidden.for_resource(
                plural or kind.lower(),
                group,
                obj.get("metadata", {}).get("name", ""),
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
            )

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        key = self.key("", name)
        for _ in range(20):
            try:
                current = await self.storage.get(key)
            except st.KeyNotFound:
                raise errors.NotFound.for_resource("namespaces", "", name) from None
            obj = self.with_type(self.decode(current))
            self._check_preconditions(name, obj, options)
            if ctx.dry_run:
                return obj, True
            obj["metadata"].setdefault("deletionTimestamp", now_rfc3339())
            obj.setdefault("status", {})["phase"] = "Terminating"
            try:
                kv = await self.storage.update(
                    key, self.encode(obj), expected_revision=current.mod_revision
                )
            except st.RevisionConflict:
                continue
            self._finalize_soon(name)
            return self.with_type(self.decode(kv)), True
        raise errors.Conflict.for_resource("namespaces", "", name, "too many concurrent updates")

    def _finalize_soon(self, name: str) -> None:
        if not hasattr(self, "_tasks"):
            self._tasks = set()
        finalizing: set[str] = self.__dict__.setdefault("_finalizing", set())
        if name in finalizing:
            return
        finalizing.add(name)
        task = asyncio.create_task(self.finalize(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: finalizing.discard(name))

    async def finalize(self, name: str) -> None:
        """Delete the namespace's contents, then the namespace."""
        try:
            for store in self.contents:
                await store.delete_all_in_namespace(name)
            await self.storage.delete(self.key("", name))
        except st.KeyNotFound:
            pass
        except Exception:  # pragma: no cover - logged, retried on next start
            log.exception("finalizing namespace %s failed", name)

    async def resume_finalizers(self) -> None:
        """Finish namespaces left Terminating by a previous process."""
        page = await self.storage.list(self.prefix)
        for kv in page.items:
            obj = self.decode(kv, decorate=False)
            if (obj.get("status") or {}).get("phase") == "Terminating":
                self._finalize_soon(obj["metadata"]["name"])

    async def sweep(self, interval: float) -> None:
        """Every ``interval`` seconds, finish Terminating namespaces nobody here is finishing:
        with several servers on etcd, the one that took the DELETE may have died mid-way."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.resume_finalizers()
            except st.StorageError as exc:
                log.warning("namespace sweep skipped: %s", exc)

    async def close(self) -> None:
        tasks = list(getattr(self, "_tasks", ()))
        if tasks:
            await asyncio.wait(tasks, timeout=10)
