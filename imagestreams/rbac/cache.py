"""An in-memory copy of one storage prefix, kept current by a watch (a small informer).

The authorizer answers every request, so it must never list storage per request. Each
``WatchCache`` lists its prefix once, then applies the storage watch from the list's revision; when
the watch is compacted away or overflows it re-lists. ``revision`` is the last storage revision
applied, so a writer that knows the revision of its own write can ``wait_for`` it and get
read-your-writes inside this process (a role binding works on the very next request). Across
processes (several API servers on etcd) the cache is eventually consistent, as kube's informers are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from imagestreams.storage import interface as st

__all__ = ["Listener", "WatchCache"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Listener = Callable[[str, Obj | None], None]
"""``(key, object or None when deleted)``, called for every applied change."""

_decoder = msgspec.json.Decoder()
_RETRY_SECONDS = 0.5
_MAX_RETRY_SECONDS = 10.0


class WatchCache:
    """Objects under ``prefix`` by storage key, with listeners for changes."""

    def __init__(self, storage: st.Storage, prefix: str) -> None:
        self.storage = storage
        self.prefix = prefix
        self.items: dict[str, Obj] = {}
        self.revision = 0
        self._listeners: list[Listener] = []
        self._advanced = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _decode(self, kv: st.KeyValue) -> Obj | None:
        try:
            obj = _decoder.decode(kv.value)
        except msgspec.DecodeError:
            log.warning("undecodable object at %s ignored", kv.key)
            return None
        if not isinstance(obj, dict):
            return None
        md = obj.setdefault("metadata", {})
        if isinstance(md, dict):
            md["resourceVersion"] = str(kv.mod_revision)
        return obj

    def _set(self, key: str, obj: Obj | None) -> None:
        if obj is None:
            if self.items.pop(key, None) is None:
                return
        else:
            self.items[key] = obj
        for listener in self._listeners:
            listener(key, obj)

    async def _relist(self) -> None:
        fresh: dict[str, Obj] = {}
        start_after = ""
        revision = 0
        while True:
            page = await self.storage.list(
                self.prefix, start_after=start_after, limit=500, revision=revision
            )
            revision = page.revision
            for kv in page.items:
                obj = self._decode(kv)
                if obj is not None:
                    fresh[kv.key] = obj
            if not page.more or not page.items:
                break
            start_after = page.items[-1].key
        for key in [k for k in self.items if k not in fresh]:
            self._set(key, None)
        for key, obj in fresh.items():
            self._set(key, obj)
        await self._advance(revision)

    async def _advance(self, revision: int) -> None:
        async with self._advanced:
            self.revision = max(self.revision, revision)
            self._advanced.notify_all()

    async def start(self) -> None:
        """List once (so the cache is complete when this returns), then watch in the background."""
        await self._relist()
        self._task = asyncio.create_task(self._run(), name=f"watch-cache {self.prefix}")

    async def _run(self) -> None:
        backoff = _RETRY_SECONDS
        while True:
            try:
                async for event in self.storage.watch(self.prefix, start_revision=self.revision):
                    kv = event.kv
                    if event.type is st.EventType.DELETE:
                        self._set(kv.key, None)
                    else:
                        self._set(kv.key, self._decode(kv))
                    await self._advance(kv.mod_revision)
                    backoff = _RETRY_SECONDS
                return  # the storage closed
            except (st.Compacted, st.WatchOverflow):
                pass
            except st.StorageClosed:
                return
            except st.Unavailable as exc:
                # An outage (etcd down): keep trying, or RBAC would freeze at this moment.
                log.warning("watch of %s lost (%s); retrying in %.1fs", self.prefix, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(_MAX_RETRY_SECONDS, backoff * 2)
            except Exception:
                log.exception("watch of %s failed; re-listing", self.prefix)
                await asyncio.sleep(_RETRY_SECONDS)
            try:
                await self._relist()
            except st.StorageClosed:
                return
            except st.Unavailable as exc:
                log.warning("re-list of %s failed (%s); retrying", self.prefix, exc)
                await asyncio.sleep(backoff)
                backoff = min(_MAX_RETRY_SECONDS, backoff * 2)
            except Exception:
                log.exception("re-list of %s failed", self.prefix)
                await asyncio.sleep(_RETRY_SECONDS)

    async def wait_for(self, revision: int, timeout: float = 5.0) -> bool:
        """Wait until the cache has applied ``revision``; False on timeout."""
        if self.revision >= revision:
            return True
        async with self._advanced:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._advanced.wait_for(lambda: self.revision >= revision), timeout
                )
        return self.revision >= revision

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
