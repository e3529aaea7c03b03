"""A work queue with client-go's guarantees, for asyncio.

Controllers must never process one key in two workers at once, must coalesce bursts of events
for a key into one run, and must back off on failures without blocking other keys. This is
client-go's ``workqueue`` contract:

* ``add(key)``: queued once however often it is added; a key added while it is being processed
  is queued again when ``done`` is called (so the latest state is always looked at);
* ``add_after(key, delay)``: queued later (timers on the event loop);
* ``add_rate_limited(key)``: queued after a per-key exponential delay (``base * 2**failures``,
  capped), reset by ``forget(key)``;
* ``get()`` waits for a key; ``shutdown()`` wakes every waiter with ``None``.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["WorkQueue", "process"]

_K = TypeVar("_K", bound=Hashable)


class WorkQueue(Generic[_K]):
    def __init__(self, *, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._queue: collections.deque[_K] = collections.deque()
        self._dirty: set[_K] = set()
        self._processing: set[_K] = set()
        self._failures: collections.Counter[_K] = collections.Counter()
        self._timers: set[asyncio.TimerHandle] = set()
        self._ready = asyncio.Condition()
        self._shutdown = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: _K) -> None:
        if self._shutdown or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._ready:
            self._ready.notify()

    def add_after(self, key: _K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            if handle is not None:
                self._timers.discard(handle)
            self.add(key)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def num_requeues(self, key: _K) -> int:
        return self._failures[key]

    def add_rate_limited(self, key: _K) -> None:
        failures = self._failures[key]
        self._failures[key] += 1
        self.add_after(key, min(self.max_delay, self.base_delay * 2**failures))

    def forget(self, key: _K) -> None:
        self._failures.pop(key, None)

    async def get(self) -> _K | None:
        async with self._ready:
            while not self._queue and not self._shutdown:
                await self._ready.wait()
            if self._shutdown:
                return None
            key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: _K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            asyncio.get_running_loop().create_task(self._notify())

    async def shutdown(self) -> None:
        self._shutdown = True
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        async with self._ready:
            self._ready.notify_all()


async def process(
    queue: WorkQueue[_K],
    sync: Callable[[_K], Awaitable[object]],
    failed: Callable[[_K, Exception], bool],
) -> None:
    """One worker: take keys until the queue shuts down, ``sync`` each. When ``sync`` raises,
    ``failed(key, error)`` says whether to retry it with back-off (True) or drop it."""
    while True:
        key = await queue.get()
        if key is None:
            return
        try:
            await sync(key)
        except Exception as exc:
            if failed(key, exc):
                queue.add_rate_limited(key)
            else:
                queue.forget(key)
        else:
            queue.forget(key)
        finally:
            queue.done(key)
