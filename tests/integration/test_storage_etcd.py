"""The etcd backend against a real etcd: the shared conformance suite, plus what only a remote,
shared, multi-endpoint store has (key prefixes, failover, an unreachable cluster)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from imagestreams.storage import conformance
from imagestreams.storage.etcd import EtcdStorage
from imagestreams.storage.interface import (
    Event,
    EventType,
    KeyNotFound,
    KeyValue,
    Storage,
    Unavailable,
    WatchOverflow,
)
from tests.integration.etcd_fixture import EtcdServer, etcd_server, free_port
from tests.storage_conformance import test_conformance

__all__ = ["etcd_server", "test_conformance"]

pytestmark = [pytest.mark.integration, pytest.mark.etcd]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _prefix() -> str:
    return f"/t/{uuid.uuid4().hex[:8]}"


@pytest.fixture
def new_storage(etcd_server: EtcdServer) -> conformance.StorageFactory:
    counter = itertools.count()
    base = _prefix()

    @contextlib.asynccontextmanager
    async def factory() -> AsyncIterator[Storage]:
        async with EtcdStorage(etcd_server.endpoints, f"{base}/{next(counter)}") as storage:
            yield storage

    return factory


async def test_keys_are_stored_under_the_prefix_and_returned_without_it(
    etcd_server: EtcdServer,
) -> None:
    prefix = _prefix()
    async with (
        EtcdStorage(etcd_server.endpoints, prefix) as s,
        EtcdStorage(etcd_server.endpoints, prefix + "-other") as other,
    ):
        kv = await s.create("/a", b"value")
        listed = [item.key for item in (await s.list("")).items]
        with pytest.raises(KeyNotFound):
            await other.get("/a")
        other_count = await other.count("")
    url = etcd_server.endpoints[0] + "/v3/kv/range"
    async with httpx.AsyncClient() as client:
        raw = (await client.post(url, json={"key": _b64(prefix + "/a")})).json()
    assert (kv.key, listed, other_count) == ("/a", ["/a"], 0)
    assert raw["kvs"][0]["value"] == _b64("value")


@pytest.mark.parametrize(
    "dead_first",
    [pytest.param(True, id="dead-endpoint-first"), pytest.param(False, id="dead-endpoint-last")],
)
async def test_fails_over_to_a_live_endpoint(etcd_server: EtcdServer, dead_first: bool) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    live = etcd_server.endpoints[0]
    endpoints = [dead, live] if dead_first else [live, dead]
    async with EtcdStorage(endpoints, _prefix()) as s:
        created = await s.create("/k", b"1")
        watch = s.watch("/", start_revision=created.mod_revision - 1)
        event = await asyncio.wait_for(anext(watch), 5)
        got = await s.get("/k")
    assert (got, event) == (created, Event(EventType.PUT, created))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.get("/a"), id="get"),
        pytest.param(lambda s: s.create("/a", b""), id="create"),
        pytest.param(lambda s: anext(s.watch("/", start_revision=0)), id="watch"),
    ],
)
async def test_no_reachable_endpoint_is_unavailable(
    call: Callable[[EtcdStorage], Awaitable[object]],
) -> None:
    s = EtcdStorage([f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"])
    try:
        with pytest.raises(Unavailable):
            await asyncio.wait_for(call(s), 10)
    finally:
        await s.close()


async def test_slow_watcher_gets_its_events_then_overflow(etcd_server: EtcdServer) -> None:
    async with EtcdStorage(etcd_server.endpoints, _prefix(), watch_buffer=3) as s:
        watch = s.watch("/", start_revision=await s.current_revision())
        pending = asyncio.ensure_future(anext(watch))
        created = [await s.create("/o/0", b"")]
        first = await asyncio.wait_for(pending, 5)
        created += [await s.create(f"/o/{n}", b"") for n in range(1, 5)]
        await asyncio.sleep(0.3)  # let the reader take all four: one more than the buffer
        rest = [await anext(watch) for _ in range(3)]
        with pytest.raises(WatchOverflow) as info:
            await anext(watch)
    assert [e.kv for e in (first, *rest)] == created[:4]
    assert (info.value.last_revision, info.value.limit) == (created[3].mod_revision, 3)


async def test_empty_value_and_unicode_keys_round_trip(etcd_server: EtcdServer) -> None:
    async with EtcdStorage(etcd_server.endpoints, _prefix()) as s:
        kv = await s.create("/ns/名前", b"")
        got = (await s.get("/ns/名前"), (await s.list("/ns/")).items)
    assert got == (kv, [KeyValue("/ns/名前", b"", kv.mod_revision, kv.mod_revision)])


async def test_without_a_key_prefix(etcd_server: EtcdServer) -> None:
    mine = _prefix() + "/"
    async with EtcdStorage(etcd_server.endpoints) as s:
        base = await s.current_revision()
        kv = await s.create(mine + "a", b"1")
        watch = s.watch(mine, start_revision=base)
        got = (await s.get(mine + "a"), await s.count(mine), await anext(watch))
        everything = (await s.count(""), len((await s.list("")).items))
    assert got == (kv, 1, Event(EventType.PUT, kv))
    assert everything[0] == everything[1] >= 1
