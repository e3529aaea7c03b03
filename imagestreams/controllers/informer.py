"""List-then-watch cache of one resource (a client-go reflector + informer, small).

Controllers read image streams from this cache instead of asking the API per event, and get
``(event, old, new)`` callbacks for adds, updates and deletes. The informer lists, then watches
from the list's ``resourceVersion``; when the watch ends it resumes from the last version seen,
and when the server answers 410 Expired (history compacted) or the connection fails it lists
again and reports the difference (objects gone meanwhile become deletes), after a short pause
that grows on repeated failures. ``synced`` is set after the first list.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from imagestreams import errors
from imagestreams.client.protocol import ApiClient, GroupVersionResource, Obj

__all__ = ["Handler", "Informer", "object_key"]

log = logging.getLogger(__name__)

Handler = Callable[[str, Obj | None, Obj | None], None]
"""``(event, old, new)``: ``ADDED`` (old None), ``MODIFIED``, ``DELETED`` (new None)."""


def object_key(obj: Obj) -> str:
    md = obj.get("metadata") or {}
    namespace, name = md.get("namespace", ""), md.get("name", "")
    return f"{namespace}/{name}" if namespace else str(name)


class Informer:
    def __init__(
        self,
        client: ApiClient,
        resource: GroupVersionResource,
        *,
        namespace: str = "",
        max_backoff: float = 30.0,
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.max_backoff = max_backoff
        self.cache: dict[str, Obj] = {}
        self.handlers: list[Handler] = []
        self.synced = asyncio.Event()
        self._rv = ""

    def get(self, key: str) -> Obj | None:
        return self.cache.get(key)

    def _emit(self, event: str, old: Obj | None, new: Obj | None) -> None:
        for handler in self.handlers:
            try:
                handler(event, old, new)
            except Exception:
                log.exception("informer handler failed for %s", event)

    async def _relist(self) -> None:
        listed = await self.client.list(self.resource, self.namespace)
        fresh = {object_key(item): item for item in listed.get("items") or ()}
        for key in list(self.cache):
            if key not in fresh:
                self._emit("DELETED", self.cache.pop(key), None)
        for key, item in fresh.items():
            old = self.cache.get(key)
            self.cache[key] = item
            if old is None:
                self._emit("ADDED", None, item)
            elif (old.get("metadata") or {}).get("resourceVersion") != (
                item.get("metadata") or {}
            ).get("resourceVersion"):
                self._emit("MODIFIED", old, item)
        self._rv = str((listed.get("metadata") or {}).get("resourceVersion", ""))
        self.synced.set()

    def _apply(self, event: str, obj: Obj) -> None:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self._rv = str(rv)
        if event == "BOOKMARK":
            return
        key = object_key(obj)
        old = self.cache.get(key)
        if event == "DELETED":
            self.cache.pop(key, None)
            self._emit("DELETED", old, None)
            return
        self.cache[key] = obj
        self._emit("ADDED" if old is None else "MODIFIED", old, obj)

    async def run(self) -> None:
        """List and watch until cancelled."""
        backoff = 0.5
        need_list = True
        while True:
            try:
                if need_list:
                    await self._relist()
                    need_list = False
                async for event, obj in self.client.watch(self.resource, self.namespace, self._rv):
                    if event == "ERROR":
                        if obj.get("code") == 410:
                            need_list = True
                            break
                        raise errors.InternalError(str(obj.get("message", "watch error")))
                    self._apply(event, obj)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("watch of %s failed: %s", self.resource[2], exc)
                need_list = True
                await asyncio.sleep(backoff)
                backoff = min(self.max_backoff, backoff * 2)
