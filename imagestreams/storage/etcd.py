"""Distributed storage: the ``Storage`` Protocol over etcd v3's JSON gRPC gateway.

etcd already is the store the Protocol was modelled on, so this module only translates. Writes
are transactions guarded on ``create_revision``/``mod_revision``, as k8s's ``OptimisticPut`` and
``OptimisticDelete`` do; a failed guard reads the key back in the same transaction, so a
``RevisionConflict`` carries the current value without a second round trip. Keys live under a
configurable prefix, which is stripped again on the way out.

It speaks HTTP/JSON through ``httpx`` (already a dependency), not gRPC. Gateway quirks handled
here: keys and values are base64, int64 fields are JSON strings, and proto3 omits zero values (no
``succeeded`` on a failed txn, no ``type`` on a PUT watch event, no ``value`` for ``b""``).

Failover: requests go to one endpoint until it fails to connect, then to the next. A write that
may have reached a server before the connection broke is never resent (its outcome is unknown),
it raises ``Unavailable``; reads and watches are retried on the next endpoint, and a watch resumes
from the last revision it delivered.

``watch(start_revision=R)`` asks etcd for events from ``R`` itself and drops that one, so that
etcd's own compaction check (start < compacted) matches the SQLite backend's: R must be at least
the compacted revision. ``start_revision=0`` starts where etcd is when the watch is created, which
is at the first ``anext``; pass a revision when no event may be missed.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from imagestreams._util.aiohttp_transport import AiohttpTransport
from imagestreams.storage._watchbuffer import WatchBuffer
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
    StorageClosed,
    StorageError,
    Unavailable,
    WatchOverflow,
    prefix_end,
)

__all__ = ["EtcdStorage"]

_Json = dict[str, Any]
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_COMPACTED = "required revision has been compacted"
_FUTURE = "required revision is a future revision"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


class _GatewayError(StorageError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"etcd: {message} (HTTP {status})")
        self.message = message


class EtcdStorage:
    """The ``Storage`` Protocol over etcd v3 (3.4+) at ``endpoints`` such as
    ``["http://127.0.0.1:2379"]``, every key stored as ``prefix + key``."""

    def __init__(
        self,
        endpoints: Sequence[str],
        prefix: str = "",
        *,
        timeout: float = 10.0,
        watch_buffer: int = 1000,
    ) -> None:
        if not endpoints:
            raise ValueError("at least one etcd endpoint is required")
        self.endpoints = [e.rstrip("/") for e in endpoints]
        self.prefix = prefix
        self.watch_buffer = watch_buffer
        self._timeout = timeout
        self._current = 0
        # aiohttp underneath: httpcore's per-request CPU cut throughput by two thirds. Unary
        # calls share a bounded pool; every watch holds one HTTP/1.1 connection of its own (the
        # gateway does not multiplex), so watches get an unbounded one.
        self._client = httpx.AsyncClient(
            timeout=timeout, transport=AiohttpTransport(max_connections=64)
        )
        self._watch_client = httpx.AsyncClient(
            timeout=timeout, transport=AiohttpTransport(max_connections=0)
        )
        self._watches: set[asyncio.Task[None]] = set()
        self._closed = False

    async def open(self) -> None:
        """Check that an endpoint answers (optional; requests connect lazily)."""
        await self.current_revision()

    async def __aenter__(self) -> EtcdStorage:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """End every watch iterator and release the HTTP connections."""
        if self._closed:
            return
        self._closed = True
        watches = list(self._watches)
        for task in watches:
            task.cancel()
        await asyncio.gather(*watches, return_exceptions=True)
        await self._client.aclose()
        await self._watch_client.aclose()

    # transport

    async def _post(self, path: str, body: _Json, *, idempotent: bool = True) -> _Json:
        if self._closed:
            raise StorageClosed("etcd storage is closed")
        failures: list[str] = []
        for _ in self.endpoints:
            url = self.endpoints[self._current] + path
            try:
                response = await self._client.post(url, json=body)
            except _NOT_SENT as exc:
                failures.append(f"{url}: {exc!r}")
            except httpx.TransportError as exc:
                if not idempotent:
                    raise Unavailable(f"etcd {url}: {exc!r}; the write may have happened") from exc
                failures.append(f"{url}: {exc!r}")
            else:
                return self._decode(response)
            self._current = (self._current + 1) % len(self.endpoints)
        raise Unavailable("no etcd endpoint answered: " + "; ".join(failures))

    @staticmethod
    def _decode(response: httpx.Response) -> _Json:
        try:
            payload: _Json = response.json()
        except ValueError:
            payload = {"error": response.text}
        if response.status_code == 200:
            return payload
        message = str(payload.get("message") or payload.get("error") or response.reason_phrase)
        if response.status_code == 503 or payload.get("code") == 14:
            raise Unavailable(f"etcd: {message}")
        raise _GatewayError(response.status_code, message)

    def _key(self, key: str) -> str:
        # etcd rejects an empty key; "\0" is the first key there can be.
        return _b64(self.prefix + key or "\0")

    def _range_end(self, prefix: str) -> str:
        full = self.prefix + prefix
        return _b64(prefix_end(full)) if full else _b64("\0")

    def _kv(self, raw: _Json) -> KeyValue:
        key = base64.b64decode(raw["key"]).decode()[len(self.prefix) :]
        return KeyValue(
            key=key,
            value=base64.b64decode(raw.get("value", "")),
            create_revision=int(raw.get("create_revision", 0)),
            mod_revision=int(raw.get("mod_revision", 0)),
        )

    async def _range(self, body: _Json, revision: int) -> _Json:
        if revision:
            body["revision"] = str(revision)
        try:
            return await self._post("/v3/kv/range", body)
        except _GatewayError as exc:
            if _COMPACTED in exc.message:
                raise Compacted(revision, await self.compacted_revision()) from exc
            if _FUTURE in exc.message:
                raise FutureRevision(revision, await self.current_revision()) from exc
            raise

    # reads

    async def get(self, key: str, *, revision: int = 0) -> KeyValue:
        result = await self._range({"key": self._key(key)}, revision)
        kvs = result.get("kvs")
        if not kvs:
            raise KeyNotFound(key)
        return self._kv(kvs[0])

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        after = start_after and start_after >= prefix
        start = self._key(start_after + "\0") if after else self._key(prefix)
        body: _Json = {"key": start, "range_end": self._range_end(prefix)}
        if limit > 0:
            body["limit"] = str(limit)
        result = await self._range(body, revision)
        return ListResult(
            items=[self._kv(raw) for raw in result.get("kvs", ())],
            revision=revision or int(result["header"]["revision"]),
            more=bool(result.get("more")),
        )

    async def count(self, prefix: str) -> int:
        body = {"key": self._key(prefix), "range_end": self._range_end(prefix), "count_only": True}
        return int((await self._range(body, 0)).get("count", 0))

    async def current_revision(self) -> int:
        result = await self._post("/v3/kv/range", {"key": self._key(""), "count_only": True})
        return int(result["header"]["revision"])

    async def compacted_revision(self) -> int:
        """etcd does not report it on reads; a compacted read of revision 1 tells whether there
        is one, and a watch from revision 1 is then cancelled with its number."""
        try:
            await self._post(
                "/v3/kv/range", {"key": self._key(""), "revision": "1", "count_only": True}
            )
        except _GatewayError as exc:
            if _COMPACTED not in exc.message:
                raise
        else:
            return 0
        request = {"create_request": {"key": self._key(""), "start_revision": "1"}}
        url = self.endpoints[self._current] + "/v3/watch"
        try:
            async with self._watch_client.stream("POST", url, json=request) as response:
                async for line in response.aiter_lines():
                    compacted = json.loads(line).get("result", {}).get("compact_revision")
                    if compacted:
                        return int(compacted)
        except httpx.TransportError as exc:
            raise Unavailable(f"etcd {url}: {exc!r}") from exc
        raise StorageError("etcd did not report its compacted revision")

    # writes

    async def _txn(self, compare: _Json, success: _Json, key: str) -> _Json:
        """Run ``success`` if ``compare`` holds, else read ``key`` back; returns the response
        of ``success`` plus the txn's revision, or raises what the failed guard means."""
        body = {
            "compare": [compare],
            "success": [success],
            "failure": [{"request_range": {"key": self._key(key)}}],
        }
        result = await self._post("/v3/kv/txn", body, idempotent=False)
        if not result.get("succeeded"):
            current = result["responses"][0]["response_range"].get("kvs")
            if not current:
                raise KeyNotFound(key)
            raise RevisionConflict(key, self._kv(current[0]))
        response: _Json = next(iter(result["responses"][0].values()))
        response["revision"] = int(result["header"]["revision"])
        return response

    def _guard(self, key: str, expected_revision: int) -> _Json:
        if expected_revision:
            return {
                "key": self._key(key),
                "target": "MOD",
                "result": "EQUAL",
                "mod_revision": str(expected_revision),
            }
        return {
            "key": self._key(key),
            "target": "CREATE",
            "result": "GREATER",
            "create_revision": "0",
        }

    async def create(self, key: str, value: bytes) -> KeyValue:
        put = {"request_put": {"key": self._key(key), "value": base64.b64encode(value).decode()}}
        absent = {**self._guard(key, 0), "result": "EQUAL"}
        try:
            response = await self._txn(absent, put, key)
        except RevisionConflict as exc:
            raise KeyExists(key) from exc
        revision: int = response["revision"]
        return KeyValue(key, value, revision, revision)

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        encoded = base64.b64encode(value).decode()
        put = {"request_put": {"key": self._key(key), "value": encoded, "prev_kv": True}}
        response = await self._txn(self._guard(key, expected_revision), put, key)
        previous = self._kv(response["prev_kv"])
        return KeyValue(key, value, previous.create_revision, response["revision"])

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        delete = {"request_delete_range": {"key": self._key(key), "prev_kv": True}}
        response = await self._txn(self._guard(key, expected_revision), delete, key)
        previous = self._kv(response["prev_kvs"][0])
        return KeyValue(key, previous.value, previous.create_revision, response["revision"])

    async def compact(self, revision: int) -> None:
        """Compact etcd (all of it, not only this prefix) at ``revision``; a no-op if already
        compacted that far. Raises FutureRevision past the current revision."""
        try:
            await self._post("/v3/kv/compaction", {"revision": str(revision), "physical": True})
        except _GatewayError as exc:
            if _FUTURE in exc.message:
                raise FutureRevision(revision, await self.current_revision()) from exc
            if _COMPACTED not in exc.message:
                raise

    # watch

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[Event]:
        """Changes under ``prefix`` after ``start_revision`` (see the module docstring). Raises
        Compacted, WatchOverflow after ``watch_buffer`` undelivered events, or Unavailable when
        no endpoint can be reached. The iterator ends when the storage closes."""
        return self._watch(prefix, start_revision)

    async def _watch(self, prefix: str, start: int) -> AsyncIterator[Event]:
        if self._closed:
            raise StorageClosed("etcd storage is closed")
        feed = WatchBuffer(self.watch_buffer, prefix)
        reader = asyncio.create_task(self._read_watch(prefix, start, feed))
        reader.add_done_callback(feed.finish_with)
        self._watches.add(reader)
        last = start
        try:
            while (event := await feed.next()) is not None:
                yield event
                last = event.kv.mod_revision
            if feed.overflowed:
                raise WatchOverflow(prefix, last, feed.limit)
        finally:
            reader.cancel()
            self._watches.discard(reader)

    async def _read_watch(self, prefix: str, start: int, feed: WatchBuffer) -> None:
        """Stream etcd's watch into ``feed``, reconnecting (round robin) from the last revision
        seen; gives up with Unavailable after every endpoint failed in a row."""
        last, failures = start, 0
        while True:
            request: _Json = {
                "key": self._key(prefix),
                "range_end": self._range_end(prefix),
                "prev_kv": True,
            }
            if last:
                request["start_revision"] = str(last)
            url = self.endpoints[self._current] + "/v3/watch"
            try:
                timeout = httpx.Timeout(self._timeout, read=None)
                body = {"create_request": request}
                async with self._watch_client.stream(
                    "POST", url, json=body, timeout=timeout
                ) as resp:
                    if resp.status_code != 200:
                        await resp.aread()
                        self._decode(resp)
                    async for line in resp.aiter_lines():
                        result = self._watch_result(line, last)
                        if result.get("created"):
                            failures = 0
                            last = last or int(result["header"]["revision"])
                        for raw in result.get("events", ()):
                            event = self._event(raw)
                            if event.kv.mod_revision <= last:
                                continue
                            if not feed.push(event):
                                return
                            last = event.kv.mod_revision
            except httpx.TransportError as exc:
                error = f"{url}: {exc!r}"
            else:
                error = f"{url}: the watch stream ended"
            failures += 1
            self._current = (self._current + 1) % len(self.endpoints)
            if failures > len(self.endpoints):
                raise Unavailable(f"etcd watch lost and not re-established ({error})")
            await asyncio.sleep(0.05 * failures)

    @staticmethod
    def _watch_result(line: str, last: int) -> _Json:
        message: _Json = json.loads(line) if line.strip() else {}
        if "error" in message:
            raise StorageError(f"etcd watch: {message['error']}")
        result: _Json = message.get("result", {})
        if result.get("canceled"):
            if result.get("compact_revision"):
                raise Compacted(last, int(result["compact_revision"]))
            raise StorageError(f"etcd cancelled the watch: {result.get('cancel_reason', '')}")
        return result

    def _event(self, raw: _Json) -> Event:
        prev = self._kv(raw["prev_kv"]) if raw.get("prev_kv") else None
        if raw.get("type") != "DELETE":
            return Event(EventType.PUT, self._kv(raw["kv"]), prev)
        tombstone = self._kv(raw["kv"])
        kv = KeyValue(
            key=tombstone.key,
            value=prev.value if prev else b"",
            create_revision=prev.create_revision if prev else 0,
            mod_revision=tombstone.mod_revision,
        )
        return Event(EventType.DELETE, kv, prev)
