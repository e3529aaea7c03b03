"""Storage throughput, SQLite vs etcd: writes/s and reads/s (run on demand, not in CI).

    python bench/storage.py [--keys 2000] [--concurrency 32] [--etcd http://127.0.0.1:2379]

Without ``--etcd`` a throwaway single-member etcd is started with the test fixture's helper
(needs the ``etcd`` binary); ``--no-etcd`` measures SQLite only. Numbers are end to end through
the ``Storage`` Protocol: sequential calls show latency, concurrent ones show what group commit
(SQLite) or pipelining over several connections (etcd) buys.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pathlib
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imagestreams.storage.etcd import EtcdStorage  # noqa: E402
from imagestreams.storage.interface import Storage  # noqa: E402
from imagestreams.storage.sqlite import SQLiteStorage  # noqa: E402

__all__ = ["main"]

_VALUE = b'{"kind":"ImageStream","spec":{"tags":[]}}' * 10


async def _rate(n: int, concurrency: int, call: Callable[[int], Awaitable[object]]) -> float:
    """Calls per second for ``call(0..n-1)`` with at most ``concurrency`` in flight."""
    indexes = iter(range(n))

    async def worker() -> None:
        for i in indexes:
            await call(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - started)


async def run(name: str, storage: Storage, keys: int, concurrency: int) -> None:
    rows = [
        ("create, 1 at a time", await _rate(keys, 1, lambda i: storage.create(f"/s/{i}", _VALUE))),
        (
            f"create, {concurrency} in flight",
            await _rate(keys, concurrency, lambda i: storage.create(f"/c/{i}", _VALUE)),
        ),
        (
            f"update, {concurrency} in flight",
            await _rate(
                keys,
                concurrency,
                lambda i: storage.update(f"/c/{i}", _VALUE, expected_revision=0),
            ),
        ),
        ("get, 1 at a time", await _rate(keys, 1, lambda i: storage.get(f"/s/{i}"))),
        (
            f"get, {concurrency} in flight",
            await _rate(keys, concurrency, lambda i: storage.get(f"/c/{i}")),
        ),
    ]
    started = time.perf_counter()
    listed = await storage.list("/c/")
    list_ms = (time.perf_counter() - started) * 1000
    for label, per_second in rows:
        print(f"{name:7} {label:28} {per_second:10.0f} /s")
    print(f"{name:7} {f'list of {len(listed.items)} keys':28} {list_ms:10.1f} ms")


@contextlib.contextmanager
def _etcd(url: str | None) -> Iterator[list[str]]:
    if url:
        yield [url]
        return
    from tests.integration.etcd_fixture import run_etcd

    with tempfile.TemporaryDirectory() as tmp, run_etcd(pathlib.Path(tmp) / "data") as server:
        yield server.endpoints


@contextlib.asynccontextmanager
async def _sqlite() -> AsyncIterator[Storage]:
    with tempfile.TemporaryDirectory() as tmp:
        async with SQLiteStorage(pathlib.Path(tmp) / "bench.db") as storage:
            yield storage


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--etcd", help="an etcd client URL instead of a throwaway etcd")
    parser.add_argument("--no-etcd", action="store_true")
    args = parser.parse_args(argv)
    async with _sqlite() as storage:
        await run("sqlite", storage, args.keys, args.concurrency)
    if args.no_etcd:
        return
    with _etcd(args.etcd) as endpoints:
        async with EtcdStorage(endpoints, f"/bench/{uuid.uuid4().hex}") as storage:
            await run("etcd", storage, args.keys, args.concurrency)


if __name__ == "__main__":
    asyncio.run(main())
