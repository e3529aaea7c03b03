"""API server benchmark (run on demand): ``python bench/api.py``.

Starts ``imagestreams serve`` (plain HTTP, SQLite) and, in the same run, a bare Starlette "hello"
app on the same uvicorn stack, then measures with one async httpx client:

* GET of one object vs the bare app (requests/s, p50/p99), target >= 50 % of the bare app;
* CREATE (requests/s, p50/p99);
* LIST of 1,000 and 10,000 small objects, target < 0.5 s for 10,000;
* watch delivery latency with 500 open watches, target p99 < 100 ms.

Numbers depend on the machine; the ratios against the baseline measured in the same run are what
to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.server_fixture import free_port, start_server


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def hello_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench._hello:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=Path(__file__).resolve().parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            break
        time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait()


async def load(
    call: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    client: httpx.AsyncClient,
    total: int,
    concurrency: int,
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            r = await call(client, i)
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - start), latencies


async def raw_get_load(
    base: str, path: str, token: str, total: int, concurrency: int
) -> tuple[float, list[float]]:
    """Keep-alive HTTP/1.1 GETs over raw sockets: a load generator light enough that the
    server, not the client, is what gets measured on a 2-core machine."""
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for _ in counter:
            t0 = time.perf_counter()
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            assert b" 200 " in status, status
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - start), latencies


def row(name: str, rps: float, lat: list[float], extra: str = "") -> None:
    print(
        f"{name:<34} {rps:9.0f} req/s   p50 {pct(lat, 0.5) * 1000:7.2f} ms   "
        f"p99 {pct(lat, 0.99) * 1000:7.2f} ms {extra}"
    )


async def run(url: str, token: str, hello: str, n: int, concurrency: int, watchers: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=watchers + 64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as api:
        for ns in ("bench1k", "bench10k", "benchw"):
            await api.post("/api/v1/namespaces", json={"metadata": {"name": ns}})

        def create(ns: str) -> Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]:
            return lambda c, i: c.post(
                f"/api/v1/namespaces/{ns}/configmaps",
                json={"metadata": {"name": f"cm-{i:05d}"}, "data": {"k": "v"}},
            )

        rps, lat = await load(create("bench10k"), api, 10_000, concurrency)
        row("CREATE (10,000 configmaps)", rps, lat)
        await load(create("bench1k"), api, 1_000, concurrency)

        # Alternate baseline and server rounds and compare medians: on a shared 2-core box
        # one round of either can be off by a third.
        bare_runs, get_runs = [], []
        bare_lat: list[float] = []
        get_lat: list[float] = []
        for _ in range(5):
            rps, lat = await raw_get_load(hello, "/x", token, n, concurrency)
            bare_runs.append(rps)
            bare_lat += lat
            rps, lat = await raw_get_load(
                url, "/api/v1/namespaces/bench1k/configmaps/cm-00001", token, n, concurrency
            )
            get_runs.append(rps)
            get_lat += lat
        ratios = sorted(g / b for g, b in zip(get_runs, bare_runs, strict=True))
        bare_rps, get_rps = statistics.median(bare_runs), statistics.median(get_runs)
        row("bare ASGI hello (baseline)", bare_rps, bare_lat)
        row(
            "GET one object",
            get_rps,
            get_lat,
            f"  ratio median {statistics.median(ratios):.2f} (rounds {ratios[0]:.2f}-"
            f"{ratios[-1]:.2f}; target >= 0.50)",
        )

        for size, ns in ((1_000, "bench1k"), (10_000, "bench10k")):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                r = await api.get(f"/api/v1/namespaces/{ns}/configmaps")
                times.append(time.perf_counter() - t0)
                assert len(r.json()["items"]) == size
            target = "  (target < 0.5 s)" if size == 10_000 else ""
            print(
                f"LIST {size:>6} objects               median {statistics.median(times):.3f} s"
                f"   max {max(times):.3f} s{target}"
            )

        rv = (await api.get("/api/v1/namespaces/benchw/configmaps")).json()["metadata"][
            "resourceVersion"
        ]
        delays: list[float] = []
        sent: dict[str, float] = {}
        events_wanted = 20
        ready = 0
        all_ready = asyncio.Event()

        host, port = url.removeprefix("http://").split(":")
        request = (
            f"GET /api/v1/namespaces/benchw/configmaps?watch=true&resourceVersion={rv}"
            f"&timeoutSeconds=60 HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}"
            "\r\nAccept: application/json\r\n\r\n"
        ).encode()

        async def watcher() -> None:
            # A raw HTTP/1.1 reader: the client's own cost stays small next to the server's.
            nonlocal ready
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)
            await writer.drain()
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            ready += 1
            if ready == watchers:
                all_ready.set()
            got = 0
            while got < events_wanted:
                size = int((await reader.readline()).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                arrived = time.perf_counter()
                for line in chunk.splitlines():
                    if line.strip():
                        name = json.loads(line)["object"]["metadata"]["name"]
                        delays.append(arrived - sent[name])
                        got += 1
            writer.close()

        tasks = [asyncio.create_task(watcher()) for _ in range(watchers)]
        await asyncio.wait_for(all_ready.wait(), 60)
        await asyncio.sleep(0.5)
        for i in range(events_wanted):
            name = f"w-{i}"
            sent[name] = time.perf_counter()
            await api.post(
                "/api/v1/namespaces/benchw/configmaps", json={"metadata": {"name": name}}
            )
            await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        print(
            f"watch delivery, {watchers} watchers x {events_wanted} events   "
            f"p50 {pct(delays, 0.5) * 1000:.1f} ms   p99 {pct(delays, 0.99) * 1000:.1f} ms"
            "  (target p99 < 100 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--watchers", type=int, default=500)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        hello_server() as hello,
        start_server(
            Path(tmp) / "data",
            "--max-requests-inflight",
            "0",
            "--max-mutating-requests-inflight",
            "0",
            plain_http=True,
            env={"PYTHONWARNINGS": "ignore"},
        ) as server,
    ):
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; server and client "
            "share the machine"
        )
        asyncio.run(
            run(server.url, server.token, hello, args.requests, args.concurrency, args.watchers)
        )


if __name__ == "__main__":
    main()
