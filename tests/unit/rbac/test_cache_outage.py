"""The RBAC watch caches live through a storage outage (etcd down for a moment): they retry
instead of freezing the policy at the moment of the outage. The outage is injected around a
real SQLite store, since a dropped etcd connection is what it stands for."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator
from typing import Any

from imagestreams.rbac import cache as cache_module
from imagestreams.rbac.cache import WatchCache
from imagestreams.storage import interface as st
from imagestreams.storage.sqlite import SQLiteStorage


class FlakyWatch:
    """A store whose first ``failures`` watches fail as an unreachable etcd does."""

    def __init__(self, inner: SQLiteStorage, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[st.Event]:
        if self.failures > 0:
            self.failures -= 1
            raise st.Unavailable("no etcd endpoint answered: connection refused")
        async for event in self.inner.watch(prefix, start_revision=start_revision):
            yield event


async def test_watch_cache_recovers_after_an_outage(
    tmp_path: pathlib.Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(cache_module, "_RETRY_SECONDS", 0.01)
    async with SQLiteStorage(tmp_path / "s.db") as storage:
        await storage.create("/p/a", b'{"metadata":{"name":"a"}}')
        cache = WatchCache(FlakyWatch(storage, failures=3), "/p/")  # type: ignore[arg-type]
        await cache.start()
        try:
            created = await storage.create("/p/b", b'{"metadata":{"name":"b"}}')
            assert await cache.wait_for(created.mod_revision, timeout=5)
            assert set(cache.items) == {"/p/a", "/p/b"}
        finally:
            await cache.stop()


async def test_watch_cache_stops_when_the_store_closes(tmp_path: pathlib.Path) -> None:
    storage = SQLiteStorage(tmp_path / "s.db")
    await storage.open()
    cache = WatchCache(storage, "/p/")
    await cache.start()
    await storage.close()
    assert cache._task is not None
    await asyncio.wait_for(cache._task, 5)  # ends by itself, no retry loop
