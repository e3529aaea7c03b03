"""Backend-neutral conformance checks for ``Storage`` implementations.

The k8s way (``pkg/storage/testing/store_tests.go``, run by both the etcd3 store and the watch
cache): one set of behavioural checks, written once, run against every backend, so SQLite and etcd
cannot drift apart. It ships inside the package (no pytest import) so a third backend can reuse it.

Each check is a plain coroutine taking a ``StorageFactory``: a callable returning an async context
manager that yields a fresh, open ``Storage`` and closes it on exit. "Fresh" need not mean empty:
an etcd shared by a test session already has revisions, so every expectation is relative to the
revision read at the start, and the factory keeps checks apart (a new file, a new key prefix).
Checks raise ``AssertionError`` with the value seen and the value wanted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from imagestreams.storage.interface import (
    Compacted,
    Event,
    EventType,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    KeyValue,
    RevisionConflict,
    Storage,
)

__all__ = [
    "ALL_CHECKS",
    "StorageFactory",
    "check_compaction",
    "check_concurrent_updates",
    "check_count",
    "check_create_and_get",
    "check_delete",
    "check_list_paging",
    "check_read_at_old_revision",
    "check_revision_per_write",
    "check_update_cas",
    "check_watch_compacted",
    "check_watch_ends_on_close",
    "check_watch_prefix",
    "check_watch_replays_then_follows",
]

StorageFactory = Callable[[], contextlib.AbstractAsyncContextManager[Storage]]
_E = TypeVar("_E", bound=BaseException)
_T = TypeVar("_T")
_TIMEOUT = 5.0


def _eq(got: _T, want: _T, what: str) -> None:
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


async def _raises(kind: type[_E], call: Awaitable[object], what: str) -> _E:
    try:
        result = await call
    except kind as exc:
        return exc
    raise AssertionError(f"{what}: want {kind.__name__}, got {result!r}")


async def _next(events: AsyncIterator[Event]) -> Event:
    return await asyncio.wait_for(anext(events), _TIMEOUT)


async def _close(events: AsyncIterator[Event]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()


async def _take(events: AsyncIterator[Event], n: int) -> list[Event]:
    return [await _next(events) for _ in range(n)]


async def check_create_and_get(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        base = await s.current_revision()
        kv = await s.create("/pods/ns/a", b"one")
        _eq(kv, KeyValue("/pods/ns/a", b"one", base + 1, base + 1), "created")
        _eq(await s.get("/pods/ns/a"), kv, "get after create")
        err = await _raises(KeyExists, s.create("/pods/ns/a", b"two"), "second create")
        _eq(err.key, "/pods/ns/a", "KeyExists.key")
        _eq(await s.get("/pods/ns/a"), kv, "value after failed create")
        missing = await _raises(KeyNotFound, s.get("/pods/ns/b"), "get missing")
        _eq(missing.key, "/pods/ns/b", "KeyNotFound.key")
        empty = await s.create("/pods/ns/empty", b"")
        _eq((await s.get("/pods/ns/empty")).value, b"", "empty value")
        _eq(empty.mod_revision, base + 2, "failed create does not use a revision")


async def check_update_cas(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        one = await s.create("/k", b"1")
        two = await s.update("/k", b"2", expected_revision=one.mod_revision)
        _eq(two, KeyValue("/k", b"2", one.create_revision, one.mod_revision + 1), "update")
        stale = s.update("/k", b"x", expected_revision=one.mod_revision)
        err = await _raises(RevisionConflict, stale, "stale update")
        _eq((err.key, err.current), ("/k", two), "conflict carries the current value")
        three = await s.update("/k", b"3", expected_revision=0)
        _eq(three, KeyValue("/k", b"3", one.create_revision, two.mod_revision + 1), "any")
        await _raises(KeyNotFound, s.update("/nope", b"", expected_revision=0), "update missing")
        await _raises(KeyNotFound, s.update("/nope", b"", expected_revision=3), "update missing")
        _eq(await s.get("/k"), three, "get after updates")


async def check_delete(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        one = await s.create("/d", b"1")
        two = await s.update("/d", b"2", expected_revision=one.mod_revision)
        err = await _raises(
            RevisionConflict, s.delete("/d", expected_revision=one.mod_revision), "stale delete"
        )
        _eq(err.current, two, "conflict carries the current value")
        _eq(await s.get("/d"), two, "still there after a failed delete")
        gone = await s.delete("/d", expected_revision=two.mod_revision)
        _eq(gone, KeyValue("/d", b"2", one.create_revision, two.mod_revision + 1), "deleted")
        await _raises(KeyNotFound, s.get("/d"), "get deleted")
        await _raises(KeyNotFound, s.delete("/d"), "delete deleted")
        again = await s.create("/d", b"3")
        _eq(again.create_revision, gone.mod_revision + 1, "re-created key is new")
        _eq((await s.delete("/d")).mod_revision, again.mod_revision + 1, "unconditional delete")


async def check_list_paging(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        for key in ("/items/a", "/items/b", "/items/c", "/items/d", "/items/e", "/items/f"):
            await s.create(key, key.encode())
        for key in ("/item", "/itemsx/z"):
            await s.create(key, b"")
        await s.delete("/items/c")
        current = await s.current_revision()
        full = await s.list("/items/")
        _eq([kv.key for kv in full.items], [f"/items/{c}" for c in "abdef"], "list keys")
        _eq((full.items[0].value, full.revision, full.more), (b"/items/a", current, False), "list")
        pages, after = [], ""
        while True:
            page = await s.list("/items/", start_after=after, limit=2)
            pages.append(([kv.key[-1] for kv in page.items], page.more))
            if not page.more:
                break
            after = page.items[-1].key
        _eq(pages, [(["a", "b"], True), (["d", "e"], True), (["f"], False)], "pages")
        exact = await s.list("/items/", start_after="/items/d", limit=2)
        _eq(([kv.key for kv in exact.items], exact.more), (["/items/e", "/items/f"], False), "full")
        _eq((await s.list("/none/")).items, [], "empty prefix")
        everything = [kv.key for kv in (await s.list("")).items]
        _eq(everything, ["/item", *(f"/items/{c}" for c in "abdef"), "/itemsx/z"], "all keys")


async def check_read_at_old_revision(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        a1 = await s.create("/o/a", b"a1")
        a2 = await s.update("/o/a", b"a2", expected_revision=0)
        b1 = await s.create("/o/b", b"b1")
        await s.delete("/o/a")
        _eq(await s.get("/o/a", revision=a1.mod_revision), a1, "get at create")
        _eq(await s.get("/o/a", revision=b1.mod_revision), a2, "get before delete")
        await _raises(KeyNotFound, s.get("/o/b", revision=a2.mod_revision), "not yet created")
        await _raises(KeyNotFound, s.get("/o/a"), "deleted now")
        old = await s.list("/o/", revision=a1.mod_revision)
        _eq((old.items, old.revision, old.more), ([a1], a1.mod_revision, False), "list at a1")
        _eq((await s.list("/o/", revision=b1.mod_revision)).items, [a2, b1], "list at b1")
        paged = await s.list("/o/", revision=b1.mod_revision, limit=1)
        _eq((paged.items, paged.more), ([a2], True), "paged list at b1")
        current = await s.current_revision()
        err = await _raises(FutureRevision, s.get("/o/b", revision=current + 10), "future")
        _eq((err.requested, err.current), (current + 10, current), "FutureRevision fields")


async def check_compaction(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        base = await s.current_revision()
        await s.create("/c/a", b"a1")
        a2 = await s.update("/c/a", b"a2", expected_revision=0)
        await s.create("/c/b", b"b1")
        await s.delete("/c/b")
        c1 = await s.create("/c/c", b"c1")
        await s.compact(base + 4)
        _eq(await s.compacted_revision(), base + 4, "compacted revision")
        err = await _raises(Compacted, s.get("/c/a", revision=base + 3), "get below compaction")
        _eq((err.requested, err.compacted), (base + 3, base + 4), "Compacted fields")
        await _raises(Compacted, s.list("/c/", revision=base + 1), "list below compaction")
        _eq(await s.get("/c/a", revision=base + 4), a2, "get at the compacted revision")
        _eq((await s.list("/c/", revision=base + 4)).items, [a2], "list at compaction")
        _eq((await s.list("/c/")).items, [a2, c1], "latest survives compaction")
        await _raises(KeyNotFound, s.get("/c/b"), "deleted stays deleted")
        _eq(await s.current_revision(), base + 5, "compaction is not a write")
        await s.compact(base + 2)
        _eq(await s.compacted_revision(), base + 4, "an older compaction is a no-op")
        await _raises(FutureRevision, s.compact(base + 50), "compact the future")


async def check_revision_per_write(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        rev = await s.current_revision()
        writes: list[Callable[[], Awaitable[KeyValue]]] = [
            lambda: s.create("/r/a", b"1"),
            lambda: s.create("/r/b", b"1"),
            lambda: s.update("/r/a", b"2", expected_revision=0),
            lambda: s.delete("/r/b"),
            lambda: s.create("/r/b", b"again"),
        ]
        for write in writes:
            kv = await write()
            _eq((kv.mod_revision, await s.current_revision()), (rev + 1, rev + 1), "+1")
            rev += 1
        await _raises(KeyExists, s.create("/r/a", b""), "create existing")
        await _raises(RevisionConflict, s.update("/r/a", b"", expected_revision=1), "conflict")
        await _raises(KeyNotFound, s.delete("/r/none"), "delete missing")
        _eq(await s.current_revision(), rev, "failed writes do not bump the revision")


async def check_watch_replays_then_follows(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        base = await s.current_revision()
        a1 = await s.create("/w/a", b"a1")
        a2 = await s.update("/w/a", b"a2", expected_revision=0)
        b1 = await s.create("/w/b", b"b1")
        gone = await s.delete("/w/a")
        watch = s.watch("/w/", start_revision=base)
        history = [
            Event(EventType.PUT, a1),
            Event(EventType.PUT, a2, a1),
            Event(EventType.PUT, b1),
            Event(EventType.DELETE, KeyValue("/w/a", b"a2", a1.create_revision, base + 4), a2),
        ]
        _eq(await _take(watch, 4), history, "replayed history")
        _eq(gone, history[3].kv, "delete result equals the delete event")
        c1 = await s.create("/w/c", b"c1")
        b2 = await s.update("/w/b", b"b2", expected_revision=b1.mod_revision)
        _eq(await _take(watch, 2), [Event(EventType.PUT, c1), Event(EventType.PUT, b2, b1)], "live")
        await _close(watch)
        middle = s.watch("/w/", start_revision=a2.mod_revision)
        got = [e.kv.mod_revision for e in await _take(middle, 4)]
        _eq(got, [b1.mod_revision, gone.mod_revision, c1.mod_revision, b2.mod_revision], "resume")
        await _close(middle)


async def check_watch_prefix(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        watch = s.watch("/x/", start_revision=await s.current_revision())
        await s.create("/y/1", b"")
        await s.create("/x1", b"")
        x1 = await s.create("/x/1", b"in")
        await s.create("/y/2", b"")
        gone = await s.delete("/x/1")
        got = await _take(watch, 2)
        _eq(got, [Event(EventType.PUT, x1), Event(EventType.DELETE, gone, x1)], "prefix events")
        _eq(got[1].kv.value, b"in", "a DELETE event carries the last value")
        await _close(watch)


async def check_watch_compacted(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        base = await s.current_revision()
        for n in range(3):
            await s.create(f"/wc/{n}", b"")
        await s.compact(base + 2)
        err = await _raises(Compacted, _next(s.watch("/wc/", start_revision=base + 1)), "watch")
        _eq((err.requested, err.compacted), (base + 1, base + 2), "Compacted fields")
        watch = s.watch("/wc/", start_revision=base + 2)
        _eq((await _next(watch)).kv.key, "/wc/2", "watch from the compacted revision")
        await _close(watch)


async def check_watch_ends_on_close(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        watch = s.watch("/e/", start_revision=await s.current_revision())
        put = await s.create("/e/1", b"")
        _eq(await _next(watch), Event(EventType.PUT, put), "event before close")
        pending = asyncio.ensure_future(_next(watch))
        await asyncio.sleep(0.05)
        await s.close()
        await _raises(StopAsyncIteration, pending, "watch after close")


async def check_concurrent_updates(new_storage: StorageFactory) -> None:
    """50 read-modify-write loops racing on one key: none of the increments may be lost."""
    async with new_storage() as s:
        start = await s.create("/counter", b"0")

        async def increment() -> int:
            attempts = 0
            while True:
                attempts += 1
                kv = await s.get("/counter")
                value = str(int(kv.value) + 1).encode()
                try:
                    await s.update("/counter", value, expected_revision=kv.mod_revision)
                    return attempts
                except RevisionConflict:
                    continue

        attempts = await asyncio.gather(*(increment() for _ in range(50)))
        final = await s.get("/counter")
        _eq((final.value, final.mod_revision), (b"50", start.mod_revision + 50), "counter")
        _eq(len(attempts), 50, "every writer finished")


async def check_count(new_storage: StorageFactory) -> None:
    async with new_storage() as s:
        for key in ("/n/a", "/n/b", "/n/c", "/nn/a"):
            await s.create(key, b"")
        await s.delete("/n/b")
        counts = [await s.count(p) for p in ("/n/", "/nn/", "/none/", "/n")]
        _eq(counts, [2, 1, 0, 3], "counts")


ALL_CHECKS: tuple[Callable[[StorageFactory], Awaitable[None]], ...] = (
    check_create_and_get,
    check_update_cas,
    check_delete,
    check_list_paging,
    check_read_at_old_revision,
    check_compaction,
    check_revision_per_write,
    check_watch_replays_then_follows,
    check_watch_prefix,
    check_watch_compacted,
    check_watch_ends_on_close,
    check_concurrent_updates,
    check_count,
)
"""Every check, for ``pytest.mark.parametrize``."""
