"""The scheduled import controller: re-check ``importPolicy.scheduled`` tags (spec §14.2).

Every stream with a scheduled tag (``decisions.needs_scheduling``) is re-imported once per
``interval`` (``--scheduled-import-interval``, default 900 s):

* streams are spread over the interval: a newly seen stream is first due at a uniformly random
  point of it, and every following due time carries +-10 % jitter, so thousands of streams
  created together do not hit their registries together;
* a global token bucket (``--max-scheduled-image-imports-per-minute``, default 60, burst twice
  that, as upstream) limits imports; a due stream without a token stays due;
* when a stream's registry is rate limiting us (a 429 with ``Retry-After`` seen by the shared
  importer, ``throttled(host)`` > 0), the stream is postponed until then without spending a
  token (in-process only; over HTTP the server's importer waits instead);
* a stream just imported by the spec-tag controller is pushed back one interval (``delay``);
* digest-pinned tags drop out once imported (they cannot change); deleted or unscheduled
  streams leave the schedule.

The check itself is the spec-tag controller's POST for a copy of the stream whose scheduled
tags claim the next generation. An unchanged upstream tag costs the server one ``HEAD`` and
writes nothing; a moved tag gets a new history entry; a failure writes its condition once.

Time is injected (``clock``, ``rng``) so tests drive :meth:`tick` by hand.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from collections.abc import Callable

import msgspec

from imagestreams.api.image_v1 import ImageStream
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.client.protocol import ApiClient, Obj
from imagestreams.controllers.decisions import (
    needs_scheduling,
    reset_scheduled_tags,
    scheduled_tags,
)
from imagestreams.controllers.informer import Informer, object_key
from imagestreams.controllers.specimport import post_import

__all__ = ["ScheduledImportController", "TokenBucket"]

log = logging.getLogger(__name__)


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up; starts full."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()

    def try_accept(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


def _hosts(stream: ImageStream) -> set[str]:
    hosts = set()
    for tag in scheduled_tags(stream):
        assert tag.from_ is not None
        try:
            hosts.add(DockerImageReference.parse(tag.from_.name).registry or "docker.io")
        except InvalidReference:
            continue
    return hosts


class ScheduledImportController:
    def __init__(
        self,
        client: ApiClient,
        informer: Informer,
        *,
        interval: float = 900.0,
        per_minute: int = 60,
        jitter: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        throttled: Callable[[str], float] | None = None,
    ) -> None:
        self.client = client
        self.informer = informer
        self.interval = interval
        self.jitter = jitter
        self.clock = clock
        self.rng = rng or random.Random()
        self.throttled = throttled
        self.bucket = TokenBucket(per_minute / 60.0, per_minute * 2, clock)
        self.due: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self.imports = 0
        self.failures = 0
        informer.handlers.append(self.handle)

    # -- schedule -----------------------------------------------------------------------------

    def _set(self, key: str, when: float) -> None:
        self.due[key] = when
        heapq.heappush(self._heap, (when, key))

    def handle(self, event: str, old: Obj | None, new: Obj | None) -> None:
        if event == "DELETED" or new is None:
            if old is not None:
                self.due.pop(object_key(old), None)
            return
        key = object_key(new)
        if not needs_scheduling(msgspec.convert(new, ImageStream)):
            self.due.pop(key, None)
        elif key not in self.due:
            self._set(key, self.clock() + self.rng.uniform(0, self.interval))

    def delay(self, key: str) -> None:
        """The stream was just imported: check it again one interval from now."""
        if key in self.due:
            self._set(key, self.clock() + self.interval)

    def _next(self) -> float:
        spread = self.interval * self.jitter
        return self.clock() + self.interval + self.rng.uniform(-spread, spread)

    def next_due(self) -> float | None:
        while self._heap and self.due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # stale entry
        return self._heap[0][0] if self._heap else None

    # -- work ---------------------------------------------------------------------------------

    async def tick(self) -> int:
        """Import every due stream the rate limit allows; returns how many were requested."""
        done = 0
        while True:
            when = self.next_due()
            if when is None or when > self.clock():
                return done
            _, key = heapq.heappop(self._heap)
            obj = self.informer.get(key)
            stream = msgspec.convert(obj, ImageStream) if obj is not None else None
            if stream is None or not needs_scheduling(stream):
                self.due.pop(key, None)
                continue
            wait = (
                max((self.throttled(h) for h in _hosts(stream)), default=0.0)
                if (self.throttled)
                else 0.0
            )
            if wait > 0:
                self._set(key, self.clock() + wait)
                continue
            if not self.bucket.try_accept():
                heapq.heappush(self._heap, (when, key))
                return done
            self._set(key, self._next())
            try:
                if await post_import(self.client, reset_scheduled_tags(stream)) is not None:
                    self.imports += 1
                    done += 1
            except Exception as exc:
                self.failures += 1
                log.warning("scheduled import of %s failed: %s", key, exc)

    async def run(self, poll: float = 1.0) -> None:
        while True:
            await self.tick()
            when = self.next_due()
            pause = poll if when is None else max(0.01, min(poll, when - self.clock()))
            await asyncio.sleep(pause)
