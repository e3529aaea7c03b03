"""Shared registry clients, per-registry concurrency, 429 back-off and content caches.

Every import request, spec-tag import and scheduled re-check goes through one :class:`ClientPool`
owned by the server process, so:

* one :class:`~imagestreams.oci.client.RegistryClient` (one connection pool, one bearer-token
  cache) exists per (registry, insecure, credential) and is reused across requests; the least
  recently used ones are closed beyond ``max_clients``;
* at most ``per_registry`` requests run against one registry at a time, whatever the number of
  concurrent imports;
* a ``429 Too Many Requests`` with ``Retry-After`` closes the gate of that registry (only that
  one) until the time has passed; requests waiting for it are retried, and a request whose wait
  would exceed ``max_retry_wait`` fails at once instead of holding an API request open;
* image configs and manifests fetched by digest are cached (content-addressed, verified, keyed
  with the credential so that access checks are not bypassed), so a repository whose tags share
  a config fetches it once.

The request counters of all clients are summed in :meth:`ClientPool.stats` for benchmarks.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from imagestreams.oci import errors as oci
from imagestreams.oci.client import RegistryClient, RequestStats, Timeouts
from imagestreams.oci.credentials import Credential

__all__ = ["ClientKey", "ClientPool", "LRUCache", "credential_key"]

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_T = TypeVar("_T")

ClientKey = tuple[str, bool, tuple[str, str] | None]
"""(registry host, insecure, credential identity)."""


def credential_key(credential: Credential | None) -> tuple[str, str] | None:
    """A hashable identity of a credential that does not hold the secret itself."""
    if credential is None:
        return None
    secret = f"{credential.password}\x00{credential.identity_token}".encode()
    return credential.username, hashlib.sha256(secret).hexdigest()


class LRUCache(Generic[_K, _V]):
    """A small bounded mapping that forgets the least recently used entry first."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: collections.OrderedDict[_K, _V] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: _K) -> _V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: _K, value: _V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def pop(self, key: _K) -> None:
        self._items.pop(key, None)


@dataclass
class _Gate:
    semaphore: asyncio.Semaphore
    blocked_until: float = 0.0
    throttled: int = 0


@dataclass
class _Entry:
    client: RegistryClient
    users: int = 0
    last_used: float = field(default_factory=time.monotonic)


class ClientPool:
    """Registry clients shared by all imports of one process."""

    def __init__(
        self,
        *,
        timeouts: Timeouts | None = None,
        max_clients: int = 64,
        per_registry: int = 8,
        max_retry_wait: float = 30.0,
        max_attempts: int = 4,
        transport_factory: Callable[[str], httpx.AsyncBaseTransport | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.timeouts = timeouts or Timeouts()
        self.max_clients = max_clients
        self.per_registry = per_registry
        self.max_retry_wait = max_retry_wait
        self.max_attempts = max_attempts
        self._transport_factory = transport_factory
        self._clock = clock
        self._sleep = sleep
        self._clients: dict[ClientKey, _Entry] = {}
        self._gates: dict[str, _Gate] = {}
        self._retired = RequestStats()
        self.configs: LRUCache[tuple[str, tuple[str, str] | None, str], bytes] = LRUCache(4096)
        self.manifests: LRUCache[
            tuple[str, str, tuple[str, str] | None, str], tuple[bytes, str]
        ] = LRUCache(4096)

    # -- clients ----------------------------------------------------------------------------

    def client(self, host: str, insecure: bool, credential: Credential | None) -> RegistryClient:
        """The shared client for ``host`` with ``credential`` (created on first use)."""
        key: ClientKey = (host, insecure, credential_key(credential))
        entry = self._clients.get(key)
        if entry is None:
            transport = self._transport_factory(host) if self._transport_factory else None
            entry = _Entry(
                RegistryClient(
                    host,
                    insecure=insecure,
                    credential=credential,
                    transport=transport,
                    timeouts=self.timeouts,
                    max_connections=self.per_registry,
                )
            )
            self._clients[key] = entry
            self._evict()
        entry.last_used = self._clock()
        return entry.client

    def _evict(self) -> None:
        if len(self._clients) <= self.max_clients:
            return
        oldest = sorted(self._clients.items(), key=lambda kv: kv[1].last_used)
        for key, entry in oldest[: len(self._clients) - self.max_clients]:
            del self._clients[key]
            self._retired.by_method.update(entry.client.stats.by_method)
            self._retired.token_requests += entry.client.stats.token_requests
            # Closing is async; in-flight users keep their reference and finish normally.
            asyncio.get_running_loop().create_task(entry.client.close())

    def stats(self) -> RequestStats:
        """Registry requests sent by every client so far (closed ones included)."""
        total = RequestStats()
        total.by_method.update(self._retired.by_method)
        total.token_requests = self._retired.token_requests
        for entry in self._clients.values():
            total.by_method.update(entry.client.stats.by_method)
            total.token_requests += entry.client.stats.token_requests
        return total

    def reset_stats(self) -> None:
        self._retired.reset()
        for entry in self._clients.values():
            entry.client.stats.reset()

    async def close(self) -> None:
        entries = list(self._clients.values())
        self._clients.clear()
        for entry in entries:
            await entry.client.close()

    # -- gating -----------------------------------------------------------------------------

    def _gate(self, host: str) -> _Gate:
        gate = self._gates.get(host)
        if gate is None:
            gate = _Gate(asyncio.Semaphore(self.per_registry))
            self._gates[host] = gate
        return gate

    def throttled(self, host: str) -> float:
        """Seconds until ``host`` may be asked again (0 when it is not rate limiting us)."""
        gate = self._gates.get(host)
        return max(0.0, gate.blocked_until - self._clock()) if gate else 0.0

    async def call(self, host: str, work: Callable[[], Awaitable[_T]]) -> _T:
        """Run one registry request under the host's concurrency limit and 429 back-off."""
        gate = self._gate(host)
        for attempt in range(1, self.max_attempts + 1):
            wait = gate.blocked_until - self._clock()
            if wait > self.max_retry_wait:
                raise oci.TooManyRequests(
                    f"the registry {host} asked us to wait {wait:.0f}s before the next request",
                    retry_after=wait,
                )
            if wait > 0:
                await self._sleep(wait)
            async with gate.semaphore:
                try:
                    return await work()
                except oci.TooManyRequests as exc:
                    gate.throttled += 1
                    delay = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                    gate.blocked_until = max(gate.blocked_until, self._clock() + delay)
                    if attempt == self.max_attempts:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover
