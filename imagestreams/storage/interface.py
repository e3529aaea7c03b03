"""The storage contract: an etcd-shaped key/value store with one global revision.

Everything above this layer speaks only this Protocol, so the embedded SQLite backend and the etcd
backend are interchangeable. The contract follows etcd v3 (and k8s ``storage.Interface``):

* every successful write (create, update, delete) bumps the store-wide revision by exactly one and
  stamps the key with it (``mod_revision``); ``create_revision`` is the revision of the create;
* reads may ask for an old revision until it is compacted (then ``Compacted``);
* ``watch(prefix, start_revision=R)`` yields, in revision order, every change with revision > R,
  first from history and then live, never skipping and never repeating one;
* values are opaque bytes; the layers above store JSON without ``resourceVersion`` and set it from
  ``mod_revision`` when decoding.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "Compacted",
    "Event",
    "EventType",
    "FutureRevision",
    "KeyExists",
    "KeyNotFound",
    "KeyValue",
    "ListResult",
    "RevisionConflict",
    "Storage",
    "StorageClosed",
    "StorageError",
    "Unavailable",
    "WatchOverflow",
    "prefix_end",
]


class StorageError(Exception):
    """Base of storage failures; the REST store translates these once."""


class KeyNotFound(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class KeyExists(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key exists: {key}")
        self.key = key


class RevisionConflict(StorageError):
    """An update or delete whose ``expected_revision`` is not the key's ``mod_revision``."""

    def __init__(self, key: str, current: KeyValue | None) -> None:
        super().__init__(f"revision conflict on {key}")
        self.key = key
        self.current = current


class Compacted(StorageError):
    """The requested revision is older than the compaction point."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(
            f"required revision {requested} has been compacted (compacted revision {compacted})"
        )
        self.requested = requested
        self.compacted = compacted


class FutureRevision(StorageError):
    """A read asked for a revision the store has not reached yet."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(
            f"required revision {requested} is a future revision (current revision {current})"
        )
        self.requested = requested
        self.current = current


class Unavailable(StorageError):
    """The backend cannot be reached or is closed."""


class StorageClosed(Unavailable):
    """The storage was closed by its owner (shutting down), as opposed to an outage that
    watchers should wait out."""


class WatchOverflow(StorageError):
    """A watcher fell too far behind; the events it got are gapless up to ``last_revision``, and
    the consumer should start a new watch from there (the k8s cacher terminates slow watchers
    the same way instead of buffering without bound)."""

    def __init__(self, prefix: str, last_revision: int, limit: int) -> None:
        super().__init__(
            f"watch on {prefix!r} fell more than {limit} events behind after revision "
            f"{last_revision}; restart it from that revision"
        )
        self.prefix = prefix
        self.last_revision = last_revision
        self.limit = limit


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int


class EventType(enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class Event:
    """One change. For ``DELETE``, ``kv.value`` is the value that was deleted and
    ``kv.mod_revision`` the revision of the delete; ``prev`` is the value before a ``PUT``
    (``None`` on create)."""

    type: EventType
    kv: KeyValue
    prev: KeyValue | None = None


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]
    revision: int
    """The store revision the list reflects (use it to start a watch)."""
    more: bool
    """True when ``limit`` cut the result short; continue after ``items[-1].key``."""


def prefix_end(prefix: str) -> str:
    """The first key after every key starting with ``prefix`` (etcd's range_end)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Storage(Protocol):
    """Byte-level MVCC store. All methods are coroutine-safe."""

    async def get(self, key: str, *, revision: int = 0) -> KeyValue:
        """The key at ``revision`` (0 = latest). Raises KeyNotFound, Compacted."""
        ...

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        """Keys under ``prefix`` in key order, strictly after ``start_after``, at most ``limit``
        (0 = all), as of ``revision`` (0 = latest). Raises Compacted."""
        ...

    async def count(self, prefix: str) -> int:
        """How many live keys start with ``prefix``."""
        ...

    async def create(self, key: str, value: bytes) -> KeyValue:
        """Store a new key. Raises KeyExists."""
        ...

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        """Replace the value if the key's mod_revision is ``expected_revision`` (0 = any).
        Raises KeyNotFound, RevisionConflict (carrying the current value)."""
        ...

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        """Remove the key; returns the deleted value stamped with the delete's revision.
        Raises KeyNotFound, RevisionConflict."""
        ...

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        """Changes under ``prefix`` with revision > ``start_revision``, forever, until the
        iterator is closed. Raises Compacted (on first iteration) if the start is compacted."""
        ...

    async def current_revision(self) -> int: ...

    async def compacted_revision(self) -> int: ...

    async def compact(self, revision: int) -> None:
        """Forget history at and before ``revision`` (latest values of live keys are kept)."""
        ...

    async def close(self) -> None: ...
