"""SQL for the SQLite backend: schema, read queries and the write transaction.

Kept apart from ``sqlite.py`` (threads, group commit, watch fan-out) so the data model can be read
on its own. Everything here is synchronous and runs on a worker thread with a connection it has
to itself for the call; nothing here touches the event loop.

The model (after kine): ``log`` holds one row per revision, ``(revision, key, value,
create_revision, prev_revision, deleted)``. A delete appends a tombstone that repeats the last
value, so a replayed DELETE event can carry it. ``live`` maps each live key to its newest row, so
latest-revision reads never scan history. ``meta`` holds the current and compacted revisions.
"""

from __future__ import annotations

import pathlib
import sqlite3
from typing import Any

from imagestreams.storage.interface import (
    Compacted,
    Event,
    EventType,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    KeyValue,
    ListResult,
    RevisionConflict,
    StorageError,
    prefix_end,
)

__all__ = [
    "WriteTxn",
    "connect_reader",
    "connect_writer",
    "count",
    "get",
    "history",
    "list_range",
    "read_meta",
    "read_revision",
]

_SCHEMA = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS log (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compacted', 0);
COMMIT;
"""

_LATEST = (
    "SELECT revision, value, create_revision, deleted FROM log"
    " WHERE key = ? ORDER BY revision DESC LIMIT 1"
)

# Rows superseded at or before :rev. Only keys written since the previous compaction (:old) can
# have any: after a compaction each key keeps at most its one live row at or below it.
_COMPACT = """
DELETE FROM log WHERE revision <= :rev
  AND key IN (SELECT key FROM log WHERE revision > :old AND revision <= :rev)
  AND (deleted = 1 OR revision < (
      SELECT max(m.revision) FROM log AS m WHERE m.key = log.key AND m.revision <= :rev))
"""


def connect_writer(path: pathlib.Path) -> sqlite3.Connection:
    """The one write connection: WAL, fsync on every commit, schema created if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise StorageError(f"{path}: cannot use WAL journal mode (got {mode!r})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: pathlib.Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=check_same_thread)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def read_meta(conn: sqlite3.Connection) -> tuple[int, int]:
    """``(current revision, compacted revision)``."""
    meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    return int(meta["revision"]), int(meta["compacted"])


def read_revision(conn: sqlite3.Connection) -> int:
    return read_meta(conn)[0]


def _check_revision(revision: int, current: int, compacted: int) -> None:
    if revision > current:
        raise FutureRevision(revision, current)
    if revision < compacted:
        raise Compacted(revision, compacted)


def _key_range(column: str, prefix: str, start_after: str = "") -> tuple[str, list[Any]]:
    """A WHERE clause for keys under ``prefix`` and after ``start_after`` (index-friendly)."""
    clause, params = f"{column} >= ?", [prefix]
    if start_after:
        clause += f" AND {column} > ?"
        params.append(start_after)
    if prefix:
        clause += f" AND {column} < ?"
        params.append(prefix_end(prefix))
    return clause, params


_GET_LATEST = (
    "SELECT l.value, l.create_revision, l.revision, l.deleted FROM live AS v"
    " JOIN log AS l ON l.revision = v.revision WHERE v.key = ?"
)


def get_latest(conn: sqlite3.Connection, key: str) -> KeyValue:
    """The live value of ``key``; a single statement, so safe outside a transaction."""
    row = conn.execute(_GET_LATEST, (key,)).fetchone()
    if row is None or row[3]:
        raise KeyNotFound(key)
    return KeyValue(key, row[0], row[1], row[2])


def get(conn: sqlite3.Connection, key: str, revision: int) -> KeyValue:
    if revision == 0:
        return get_latest(conn, key)
    else:
        _check_revision(revision, *read_meta(conn))
        row = conn.execute(
            "SELECT value, create_revision, revision, deleted FROM log"
            " WHERE key = ? AND revision <= ? ORDER BY revision DESC LIMIT 1",
            (key, revision),
        ).fetchone()
    if row is None or row[3]:
        raise KeyNotFound(key)
    return KeyValue(key, row[0], row[1], row[2])


def list_range(
    conn: sqlite3.Connection, prefix: str, start_after: str, limit: int, revision: int
) -> ListResult:
    current, compacted = read_meta(conn)
    clause, params = _key_range("l.key", prefix, start_after)
    select = "SELECT l.key, l.value, l.create_revision, l.revision"
    if revision == 0:
        query = (
            f"{select} FROM live AS v JOIN log AS l ON l.revision = v.revision"
            f" WHERE {clause.replace('l.key', 'v.key')} ORDER BY v.key"
        )
    else:
        _check_revision(revision, current, compacted)
        query = (
            f"{select} FROM log AS l WHERE {clause} AND l.deleted = 0 AND l.revision = ("
            "SELECT max(m.revision) FROM log AS m WHERE m.key = l.key AND m.revision <= ?)"
            " ORDER BY l.key"
        )
        params.append(revision)
    if limit > 0:
        query += " LIMIT ?"
        params.append(limit + 1)
    rows = conn.execute(query, params).fetchall()
    more = 0 < limit < len(rows)
    items = [KeyValue(*row) for row in (rows[:limit] if more else rows)]
    return ListResult(items=items, revision=revision or current, more=more)


def count(conn: sqlite3.Connection, prefix: str) -> int:
    clause, params = _key_range("key", prefix)
    return int(conn.execute(f"SELECT count(*) FROM live WHERE {clause}", params).fetchone()[0])


def history(conn: sqlite3.Connection, prefix: str, after: int, limit: int) -> list[Event]:
    """Up to ``limit`` events under ``prefix`` with revision > ``after``, oldest first."""
    compacted = read_meta(conn)[1]
    if after < compacted:
        raise Compacted(after, compacted)
    clause, params = _key_range("l.key", prefix)
    rows = conn.execute(
        "SELECT l.key, l.value, l.create_revision, l.revision, l.deleted,"
        " p.value, p.create_revision, p.revision, p.deleted"
        " FROM log AS l LEFT JOIN log AS p ON p.revision = l.prev_revision"
        f" WHERE l.revision > ? AND {clause} ORDER BY l.revision LIMIT ?",
        [after, *params, limit],
    ).fetchall()
    events = []
    for key, value, created, rev, deleted, p_value, p_created, p_rev, p_deleted in rows:
        prev = None if p_rev is None or p_deleted else KeyValue(key, p_value, p_created, p_rev)
        kind = EventType.DELETE if deleted else EventType.PUT
        events.append(Event(kind, KeyValue(key, value, created, rev), prev))
    return events


class WriteTxn:
    """One group-commit transaction on the writer thread. Each operation appends one ``log``
    row at the next revision and records the event the watchers will get."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.revision = 0
        self.compacted = 0
        self.events: list[Event] = []
        self._start = 0

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.revision, self.compacted = read_meta(self.conn)
        self._start = self.revision

    def commit(self) -> None:
        if self.revision != self._start:
            self.conn.execute("UPDATE meta SET value = ? WHERE name = 'revision'", (self.revision,))
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.revision = self._start
        self.events.clear()
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:  # the connection is beyond use; the next BEGIN reports it
            pass

    def _live(self, key: str) -> KeyValue:
        row = self.conn.execute(_LATEST, (key,)).fetchone()
        if row is None or row[3]:
            raise KeyNotFound(key)
        return KeyValue(key, row[1], row[2], row[0])

    def _append(self, key: str, value: bytes, created: int, prev: int, deleted: bool) -> int:
        self.revision += 1
        self.conn.execute(
            "INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.revision, key, value, created or self.revision, prev, int(deleted)),
        )
        return self.revision

    def create(self, key: str, value: bytes) -> KeyValue:
        row = self.conn.execute(_LATEST, (key,)).fetchone()
        if row is not None and not row[3]:
            raise KeyExists(key)
        rev = self._append(key, value, 0, row[0] if row else 0, deleted=False)
        self.conn.execute("INSERT OR REPLACE INTO live (key, revision) VALUES (?, ?)", (key, rev))
        kv = KeyValue(key, value, rev, rev)
        self.events.append(Event(EventType.PUT, kv))
        return kv

    def _check(self, key: str, expected: int) -> KeyValue:
        current = self._live(key)
        if expected and current.mod_revision != expected:
            raise RevisionConflict(key, current)
        return current

    def update(self, key: str, value: bytes, expected: int) -> KeyValue:
        current = self._check(key, expected)
        rev = self._append(key, value, current.create_revision, current.mod_revision, False)
        self.conn.execute("UPDATE live SET revision = ? WHERE key = ?", (rev, key))
        kv = KeyValue(key, value, current.create_revision, rev)
        self.events.append(Event(EventType.PUT, kv, current))
        return kv

    def delete(self, key: str, expected: int) -> KeyValue:
        current = self._check(key, expected)
        value, created = current.value, current.create_revision
        rev = self._append(key, value, created, current.mod_revision, deleted=True)
        self.conn.execute("DELETE FROM live WHERE key = ?", (key,))
        kv = KeyValue(key, value, created, rev)
        self.events.append(Event(EventType.DELETE, kv, current))
        return kv

    def compact(self, revision: int) -> None:
        if revision > self.revision:
            raise FutureRevision(revision, self.revision)
        if revision <= self.compacted:
            return
        self.conn.execute(_COMPACT, {"old": self.compacted, "rev": revision})
        self.conn.execute("UPDATE meta SET value = ? WHERE name = 'compacted'", (revision,))
        self.compacted = revision
