"""Embedded storage: an MVCC key/value log in one SQLite file (the default backend).

Like kine (k3s's etcd shim), every write appends one row to a ``log`` table that keeps every
revision of every key, so a read at an old revision and a watch that resumes from one are plain
range queries, and compaction is a ``DELETE`` of superseded rows. A small ``live`` table points at
the newest row of each live key, so the hot path (get/list at the latest revision) costs an index
lookup however long the history is.

Durability: WAL with ``synchronous=FULL``; a write is acknowledged only after its commit is on
disk. One dedicated writer thread owns the only write connection. It takes every write waiting
in its queue, applies them in one transaction (group commit: one fsync for many writers), then
hands results and events back to the event loop in revision order, so the loop never waits for
an fsync. Reads run on a few reader threads with their own connections; WAL readers never wait
for the writer.

Point reads at the latest revision are answered from a bounded cache of recently read values
(``_latest``) when possible. It is exact, not eventually consistent: the one writer is in this
process, and ``_deliver`` updates cached keys on the loop before any caller or watcher learns of
a write, only ever moving a key forward in revision. An exclusive lock on ``<file>.lock`` keeps a
second process from writing the same file behind its back.

Watch is in-process fan-out (see ``_watch``). Each watcher has a bounded buffer; a consumer that
falls behind gets ``WatchOverflow`` after the events it already has, never unbounded memory.

Revisions follow etcd: a fresh store is at revision 1 and its first write gets 2, so 0 never
names a state and means "latest" for reads and "from now on" for ``watch``.

Not done: several processes sharing one file (refused by the lock), TTLs and leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pathlib
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from imagestreams.storage import _sqlite_sql as sql
from imagestreams.storage._watchbuffer import WatchBuffer
from imagestreams.storage.interface import (
    Event,
    EventType,
    KeyValue,
    ListResult,
    StorageClosed,
    StorageError,
    WatchOverflow,
)

__all__ = ["SQLiteStorage"]

_T = TypeVar("_T")
_MAX_BATCH = 256
"""Most writes committed by one transaction (one fsync)."""
_REPLAY_BATCH = 500
"""History rows read per query while a watcher catches up."""
_CACHE_BYTES = 32 * 1024 * 1024
"""Most value bytes the point-read cache holds; the oldest entries go first."""


def _lock(path: pathlib.Path) -> int:
    """Take the exclusive lock on ``<path>.lock`` (held until the descriptor is closed, or the
    process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StorageError(
            f"sqlite storage {path} is in use by another process (lock {lock_path})"
        ) from None
    return fd


class _Op:
    __slots__ = ("apply", "future")

    def __init__(self, apply: Callable[[sql.WriteTxn], Any], future: asyncio.Future[Any]) -> None:
        self.apply = apply
        self.future = future


_Outcomes = list[tuple[_Op, Any, BaseException | None]]
"""Per operation of a batch: the result, or the error to raise to its caller."""


def _read_txn(conn: sqlite3.Connection, fn: Callable[..., _T], args: tuple[Any, ...]) -> _T:
    """``fn(conn, *args)`` in one read transaction (one snapshot); sqlite errors as StorageError."""
    try:
        conn.execute("BEGIN")
        try:
            return fn(conn, *args)
        finally:
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StorageError(f"sqlite read failed: {exc}") from exc


class SQLiteStorage:
    """The ``Storage`` Protocol over one SQLite file. Call ``await open()`` (or use
    ``async with``) before anything else and ``await close()`` at the end."""

    def __init__(
        self, path: str | pathlib.Path, *, watch_buffer: int = 1000, readers: int = 4
    ) -> None:
        self.path = pathlib.Path(path)
        self.watch_buffer = watch_buffer
        self._reader_count = readers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ops: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._reader_conns: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._subs: set[WatchBuffer] = set()
        self._published = 0
        self._closed = False
        self._loop_conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._latest: dict[str, KeyValue] = {}
        self._latest_bytes = 0

    async def open(self) -> None:
        """Create or open the database and start the writer and reader threads."""
        if self._loop is not None or self._closed:
            raise StorageError(f"sqlite storage {self.path} was already opened")
        self._lock_fd = _lock(self.path)
        writer = await asyncio.to_thread(sql.connect_writer, self.path)
        for _ in range(self._reader_count):
            self._reader_conns.put(await asyncio.to_thread(sql.connect_reader, self.path))
        self._loop_conn = sql.connect_reader(self.path, check_same_thread=True)
        self._published = await asyncio.to_thread(sql.read_revision, writer)
        self._readers = ThreadPoolExecutor(self._reader_count, thread_name_prefix="sqlite-read")
        self._loop = asyncio.get_running_loop()
        self._writer = threading.Thread(
            target=self._write_loop, args=(writer,), name="sqlite-writer", daemon=True
        )
        self._writer.start()

    async def __aenter__(self) -> SQLiteStorage:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Finish queued writes, end every watch iterator, and close the database."""
        if self._closed or self._loop is None:
            self._closed = True
            return
        self._closed = True
        for sub in self._subs:
            sub.finish()
        self._ops.put(None)
        if self._writer is not None:
            await asyncio.to_thread(self._writer.join)
        if self._readers is not None:
            await asyncio.to_thread(self._readers.shutdown)
        while not self._reader_conns.empty():
            self._reader_conns.get().close()
        if self._loop_conn is not None:
            self._loop_conn.close()
            self._loop_conn = None
        self._latest.clear()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    # reads

    async def get(self, key: str, *, revision: int = 0) -> KeyValue:
        # A point read by primary key takes microseconds: it runs on the loop's own reader
        # connection instead of paying a thread hand-off (WAL readers never wait for writers).
        if revision == 0:
            cached = self._latest.get(key)
            if cached is not None and not self._closed:
                return cached
            # One SELECT is its own snapshot: no BEGIN/COMMIT round trip.
            conn = self._loop_conn
            if self._closed or conn is None:
                raise StorageClosed(f"sqlite storage {self.path} is not open")
            try:
                kv = sql.get_latest(conn, key)
            except sqlite3.Error as exc:
                raise StorageError(f"sqlite read failed: {exc}") from exc
            self._remember(kv)
            return kv
        return self._read_here(sql.get, key, revision)

    def _remember(self, kv: KeyValue) -> None:
        size = len(kv.value)
        if size > _CACHE_BYTES // 16:
            return  # a few huge objects would flush everything else
        old = self._latest.pop(kv.key, None)
        if old is not None:
            self._latest_bytes -= len(old.value)
        self._latest[kv.key] = kv
        self._latest_bytes += size
        while self._latest_bytes > _CACHE_BYTES:
            evicted = self._latest.pop(next(iter(self._latest)))
            self._latest_bytes -= len(evicted.value)

    def _refresh(self, event: Event) -> None:
        """Move a cached key to the revision of ``event`` (never backwards: a value read from
        the file after a later commit may already be newer than this event)."""
        cached = self._latest.get(event.kv.key)
        if cached is None or cached.mod_revision >= event.kv.mod_revision:
            return
        if event.type is EventType.PUT:
            self._latest[event.kv.key] = event.kv
            self._latest_bytes += len(event.kv.value) - len(cached.value)
        else:
            del self._latest[event.kv.key]
            self._latest_bytes -= len(cached.value)

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        return await self._read(sql.list_range, prefix, start_after, limit, revision)

    async def count(self, prefix: str) -> int:
        return await self._read(sql.count, prefix)

    async def current_revision(self) -> int:
        return self._read_here(sql.read_meta)[0]

    async def compacted_revision(self) -> int:
        return self._read_here(sql.read_meta)[1]

    def _read_here(self, fn: Callable[..., _T], *args: Any) -> _T:
        conn = self._loop_conn
        if self._closed or conn is None:
            raise StorageClosed(f"sqlite storage {self.path} is not open")
        return _read_txn(conn, fn, args)

    async def _read(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._closed or self._loop is None or self._readers is None:
            raise StorageClosed(f"sqlite storage {self.path} is not open")
        return await self._loop.run_in_executor(self._readers, self._in_reader, fn, args)

    def _in_reader(self, fn: Callable[..., _T], args: tuple[Any, ...]) -> _T:
        conn = self._reader_conns.get()
        try:
            return _read_txn(conn, fn, args)
        finally:
            self._reader_conns.put(conn)

    # writes

    async def create(self, key: str, value: bytes) -> KeyValue:
        result: KeyValue = await self._write(lambda txn: txn.create(key, value))
        return result

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        result: KeyValue = await self._write(lambda txn: txn.update(key, value, expected_revision))
        return result

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        result: KeyValue = await self._write(lambda txn: txn.delete(key, expected_revision))
        return result

    async def compact(self, revision: int) -> None:
        """Forget history at and before ``revision``; a no-op if already compacted that far.
        Raises FutureRevision past the current revision."""
        await self._write(lambda txn: txn.compact(revision))

    async def _write(self, apply: Callable[[sql.WriteTxn], Any]) -> Any:
        if self._closed or self._loop is None:
            raise StorageClosed(f"sqlite storage {self.path} is not open")
        future = self._loop.create_future()
        self._ops.put(_Op(apply, future))
        return await future

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        """The writer thread: group-commit whatever is queued, until the ``None`` sentinel."""
        stop = False
        try:
            while not stop:
                first = self._ops.get()
                if first is None:
                    break
                batch = [first]
                while len(batch) < _MAX_BATCH and not self._ops.empty():
                    op = self._ops.get()
                    if op is None:
                        stop = True
                        break
                    batch.append(op)
                self._commit(conn, batch)
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, batch: Sequence[_Op]) -> None:
        outcomes: _Outcomes = []
        txn = sql.WriteTxn(conn)
        try:
            txn.begin()
            for op in batch:
                try:
                    outcomes.append((op, op.apply(txn), None))
                except StorageError as exc:
                    outcomes.append((op, None, exc))
            txn.commit()
        except Exception as exc:  # a failed commit (disk full, I/O error) fails the whole batch
            txn.rollback()
            failure = StorageError(f"sqlite write failed: {exc}")
            failure.__cause__ = exc
            outcomes = [(op, None, failure) for op in batch]
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            self._loop.call_soon_threadsafe(self._deliver, outcomes, txn.events, txn.revision)

    def _deliver(self, outcomes: _Outcomes, events: Sequence[Event], rev: int) -> None:
        """On the loop: fan events out before acknowledging, so a caller that saw its write
        acknowledged knows every watcher has been handed it."""
        for event in events:
            self._refresh(event)
            for sub in self._subs:
                if event.kv.key.startswith(sub.prefix):
                    sub.push(event)
        self._published = max(self._published, rev)
        for op, result, error in outcomes:
            if op.future.done():
                continue
            if error is None:
                op.future.set_result(result)
            else:
                op.future.set_exception(error)

    # watch

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        """Changes under ``prefix`` after ``start_revision``; 0 means after the last write
        acknowledged when ``watch`` is called. Raises Compacted if ``start_revision`` is below
        the compacted revision, WatchOverflow if the consumer falls ``watch_buffer`` events
        behind. The iterator ends when the storage closes."""
        start = start_revision if start_revision > 0 else self._published
        return self._watch(prefix, start)

    async def _watch(self, prefix: str, start: int) -> AsyncIterator[Event]:
        if self._closed:
            raise StorageClosed(f"sqlite storage {self.path} is not open")
        sub = WatchBuffer(self.watch_buffer, prefix, replaying=True)
        self._subs.add(sub)
        last = start
        try:
            # Replay: everything committed before a history read is in the read; everything
            # committed after it is published after the buffer was subscribed, so it is in the
            # buffer, unless the buffer overflowed (then ``lost``), which means: read again.
            while True:
                sub.lost = False
                if sub.done:
                    return
                history = await self._read(sql.history, prefix, last, _REPLAY_BATCH)
                for event in history:
                    yield event
                    last = event.kv.mod_revision
                if len(history) < _REPLAY_BATCH and not sub.lost:
                    break
            sub.replaying = False
            while (live := await sub.next()) is not None:
                if live.kv.mod_revision > last:
                    yield live
                    last = live.kv.mod_revision
            if sub.overflowed:
                raise WatchOverflow(prefix, last, sub.limit)
        finally:
            self._subs.discard(sub)
