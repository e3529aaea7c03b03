"""The bounded per-watcher event buffer shared by the storage backends.

A watcher's producer (the SQLite writer's fan-out, or the task reading an etcd watch stream) must
never block on a slow consumer, and memory must not grow without bound. So each watcher gets a
buffer of at most ``limit`` events. What happens when it is full depends on the phase:

* while the watcher is still replaying history (``replaying``), the log on disk holds every event,
  so the buffer is emptied and ``lost`` is set: the watcher reads history again;
* once it is live, overflow is terminal: the consumer gets the events already buffered, then the
  watch ends and the backend raises ``WatchOverflow`` (as the k8s cacher drops slow watchers).

Not thread-safe: producers call it from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import collections

from imagestreams.storage.interface import Event

__all__ = ["WatchBuffer"]


class WatchBuffer:
    __slots__ = (
        "_wakeup",
        "done",
        "error",
        "events",
        "limit",
        "lost",
        "overflowed",
        "prefix",
        "replaying",
    )

    def __init__(self, limit: int, prefix: str = "", *, replaying: bool = False) -> None:
        self.limit = limit
        self.prefix = prefix
        self.replaying = replaying
        self.events: collections.deque[Event] = collections.deque()
        self.lost = False
        self.overflowed = False
        self.done = False
        self.error: BaseException | None = None
        self._wakeup = asyncio.Event()

    def push(self, event: Event) -> bool:
        """Buffer ``event``; False once the buffer has ended (overflow or finish)."""
        if self.done:
            return False
        if len(self.events) < self.limit:
            self.events.append(event)
        elif self.replaying:
            self.events.clear()
            self.lost = True
        else:
            self.overflowed = True
            self.finish()
            return False
        self._wakeup.set()
        return True

    def finish(self, error: BaseException | None = None) -> None:
        """No more events; the consumer gets the buffered ones, then ``error`` or the end."""
        if not self.done:
            self.done, self.error = True, error
        self._wakeup.set()

    def finish_with(self, task: asyncio.Task[None]) -> None:
        """A done-callback for the producer task: its exception, if any, ends the buffer."""
        self.finish(None if task.cancelled() else task.exception())

    async def next(self) -> Event | None:
        """The next event; None at the end (check ``overflowed``); raises the producer's error
        once the buffer is drained."""
        while not self.events:
            if self.done:
                if self.error is not None:
                    raise self.error
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        return self.events.popleft()
