"""SQLite backend: the shared conformance suite plus what only an embedded file store has
(revisions from a fresh file, reopening, group commit, watch buffering, speed)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import pathlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from imagestreams.storage import conformance, sqlite as sqlite_module
from imagestreams.storage.interface import (
    Event,
    EventType,
    KeyNotFound,
    KeyValue,
    Storage,
    StorageError,
    Unavailable,
    WatchOverflow,
)
from imagestreams.storage.sqlite import SQLiteStorage
from tests.storage_conformance import test_conformance

__all__ = ["test_conformance"]


@pytest.fixture
def new_storage(tmp_path: pathlib.Path) -> conformance.StorageFactory:
    counter = itertools.count()

    @contextlib.asynccontextmanager
    async def factory() -> AsyncIterator[Storage]:
        async with SQLiteStorage(tmp_path / f"store-{next(counter)}.db") as storage:
            yield storage

    return factory


async def test_fresh_store_starts_at_revision_one_like_etcd(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db") as s:
        before = (await s.current_revision(), await s.compacted_revision())
        kv = await s.create("/a", b"v")
    assert before == (1, 0)
    assert kv == KeyValue("/a", b"v", 2, 2)


async def test_reopen_keeps_values_history_and_revisions(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nested" / "s.db"
    async with SQLiteStorage(path) as s:
        a1 = await s.create("/a", b"1")
        a2 = await s.update("/a", b"2", expected_revision=a1.mod_revision)
        gone = await s.create("/b", b"b")
        await s.delete("/b")
        await s.compact(a2.mod_revision)
    async with SQLiteStorage(path) as s:
        state = (
            await s.get("/a"),
            await s.current_revision(),
            await s.compacted_revision(),
            await s.create("/b", b"again"),
        )
        replay = [e async for e in _take(s.watch("/", start_revision=a2.mod_revision), 2)]
    assert state == (a2, 5, 3, KeyValue("/b", b"again", 6, 6))
    assert [(e.type, e.kv.key, e.kv.mod_revision) for e in replay] == [
        (EventType.PUT, "/b", gone.mod_revision),
        (EventType.DELETE, "/b", 5),
    ]


async def _take(events: AsyncIterator[Event], n: int) -> AsyncIterator[Event]:
    for _ in range(n):
        yield await asyncio.wait_for(anext(events), 5)


@pytest.mark.parametrize(
    ("compact_at", "rows_left"),
    [
        pytest.param(0, 6, id="nothing-compacted"),
        pytest.param(3, 5, id="superseded-create-removed"),
        pytest.param(5, 3, id="tombstone-and-its-history-removed"),
        pytest.param(7, 2, id="everything-but-live-rows"),
    ],
)
async def test_compaction_removes_superseded_rows(
    tmp_path: pathlib.Path, compact_at: int, rows_left: int
) -> None:
    path = tmp_path / "s.db"
    async with SQLiteStorage(path) as s:
        await s.create("/a", b"1")  # 2
        await s.update("/a", b"2", expected_revision=0)  # 3
        await s.create("/b", b"1")  # 4
        await s.delete("/b")  # 5
        await s.create("/c", b"1")  # 6
        await s.update("/c", b"2", expected_revision=0)  # 7
        if compact_at:
            await s.compact(compact_at)
        live = [kv.key for kv in (await s.list("/")).items]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT count(*) FROM log").fetchone()[0]
    assert (rows, live) == (rows_left, ["/a", "/c"])


async def test_concurrent_writes_are_group_committed_in_revision_order(
    tmp_path: pathlib.Path,
) -> None:
    async with SQLiteStorage(tmp_path / "s.db") as s:
        watch = s.watch("/g/", start_revision=1)
        created = await asyncio.gather(*(s.create(f"/g/{n:03}", b"x") for n in range(200)))
        events = [e async for e in _take(watch, 200)]
    assert sorted(kv.mod_revision for kv in created) == list(range(2, 202))
    assert [e.kv for e in events] == sorted(created, key=lambda kv: kv.mod_revision)


async def test_watch_zero_starts_after_the_last_acknowledged_write(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db") as s:
        await s.create("/z/old", b"")
        watch = s.watch("/z/", start_revision=0)
        new = await s.create("/z/new", b"")
        first = await asyncio.wait_for(anext(watch), 5)
    assert first == Event(EventType.PUT, new)


async def test_slow_watcher_gets_its_events_then_overflow(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db", watch_buffer=3) as s:
        watch = s.watch("/o/", start_revision=0)
        pending = asyncio.ensure_future(anext(watch))
        await asyncio.sleep(0.05)  # let the watch finish its (empty) replay and go live
        first = await s.create("/o/0", b"")
        assert await asyncio.wait_for(pending, 5) == Event(EventType.PUT, first)
        for n in range(1, 6):
            await s.create(f"/o/{n}", b"")
        got = [(await anext(watch)).kv.key for _ in range(3)]
        with pytest.raises(WatchOverflow) as info:
            await anext(watch)
    assert got == ["/o/1", "/o/2", "/o/3"]
    assert (info.value.last_revision, info.value.limit) == (5, 3)


async def test_replay_longer_than_the_buffer_is_not_an_overflow(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db", watch_buffer=4) as s:
        for n in range(1200):
            await s.create(f"/r/{n:04}", b"")
        watch = s.watch("/r/", start_revision=1)
        seen = []
        async for event in watch:
            seen.append(event.kv.mod_revision)
            if len(seen) == 100:  # mid-replay: ten live events overflow the buffer of four
                for n in range(10):
                    await s.create(f"/r/live-{n}", b"")
            if len(seen) == 1210:
                break
    assert seen == list(range(2, 1212))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.get("/a"), id="get"),
        pytest.param(lambda s: s.create("/a", b""), id="create"),
        pytest.param(lambda s: s.list("/"), id="list"),
    ],
)
async def test_closed_storage_is_unavailable(
    tmp_path: pathlib.Path, call: Callable[[SQLiteStorage], Awaitable[object]]
) -> None:
    s = SQLiteStorage(tmp_path / "s.db")
    await s.open()
    await s.close()
    await s.close()
    with pytest.raises(Unavailable):
        await call(s)


async def test_get_is_sub_millisecond_and_list_of_10000_is_fast(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db") as s:
        await asyncio.gather(*(s.create(f"/p/{n:05}", b"x" * 200) for n in range(10_000)))
        started = time.perf_counter()
        for n in range(500):
            await s.get(f"/p/{n * 7:05}")
        per_get = (time.perf_counter() - started) / 500
        started = time.perf_counter()
        listed = await s.list("/p/")
        list_seconds = time.perf_counter() - started
    assert len(listed.items) == 10_000
    assert per_get < 0.001, per_get
    assert list_seconds < 0.5, list_seconds


# -- the point-read cache and the single-process lock ---------------------------------------


async def test_cached_reads_follow_every_write(tmp_path: pathlib.Path) -> None:
    async with SQLiteStorage(tmp_path / "s.db") as s:
        created = await s.create("/a", b"1")
        first = await s.get("/a")  # now cached
        updated = await s.update("/a", b"2", expected_revision=created.mod_revision)
        second = await s.get("/a")
        await s.delete("/a")
        with pytest.raises(KeyNotFound):
            await s.get("/a")
        again = await s.create("/a", b"3")
        third = await s.get("/a")
    assert (first, second, third) == (created, updated, again)


async def test_cache_never_moves_a_key_back_in_revision(tmp_path: pathlib.Path) -> None:
    """A value read from the file after a later commit can be newer than an event still on its
    way to the loop; delivering that older event must not bring the old value back."""
    async with SQLiteStorage(tmp_path / "s.db") as s:
        old = await s.create("/a", b"old")
        new = await s.update("/a", b"new", expected_revision=old.mod_revision)
        assert await s.get("/a") == new
        s._deliver([], [Event(EventType.PUT, old)], old.mod_revision)
        s._deliver([], [Event(EventType.DELETE, KeyValue("/a", b"old", 2, 2))], 2)
        assert await s.get("/a") == new


async def test_cache_stays_within_its_byte_budget(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "_CACHE_BYTES", 64 * 1024)
    async with SQLiteStorage(tmp_path / "s.db") as s:
        for i in range(40):
            await s.create(f"/k{i:02d}", bytes([i]) * 3000)
        values = [(await s.get(f"/k{i:02d}")).value for i in range(40)]
        assert s._latest_bytes <= 64 * 1024
        assert len(s._latest) < 40
        assert values == [bytes([i]) * 3000 for i in range(40)]  # evicted keys read from disk


async def test_a_second_process_cannot_open_the_same_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "s.db"
    async with SQLiteStorage(path) as s:
        await s.create("/a", b"1")
        with pytest.raises(StorageError, match="in use by another process"):
            await SQLiteStorage(path).open()
    async with SQLiteStorage(path) as again:  # released on close
        assert (await again.get("/a")).value == b"1"
