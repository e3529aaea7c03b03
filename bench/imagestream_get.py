"""GET latency of an image stream with a long history, against a small one (run on demand).

    python bench/imagestream_get.py [--events 10000] [--tags 100] [--rounds 50]

Both streams live in the same SQLite database and are read through the whole HTTP stack
(authentication, authorization, routing, the image group's read decoration, JSON encoding) of an
in-process ``ApiServer`` over ``httpx.ASGITransport``, so the numbers exclude only the socket.
The big stream is written once through ``imagestreams/status`` (the history path); then a few
ImageStreamMapping pushes land on it to show that writes still work at that size. Prints the
median GET of each stream, their ratio, and exits 1 if the big GET's median exceeds ``--budget-ms``
(50 ms by default).
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import statistics
import sys
import tempfile
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imagestreams.resources import install  # noqa: E402
from imagestreams.resources.image.install import image_extension  # noqa: E402
from imagestreams.rest.context import RequestContext  # noqa: E402
from imagestreams.server import authn  # noqa: E402
from imagestreams.server.app import ApiServer  # noqa: E402
from imagestreams.storage.sqlite import SQLiteStorage  # noqa: E402

__all__ = ["main"]

REGISTRY = "registry.bench:5000"
BASE = "/apis/image.openshift.io/v1/namespaces/bench/imagestreams"


def _digest(i: int) -> str:
    return f"sha256:{i:064x}"


def _history(events: int, tags: int) -> list[dict[str, object]]:
    per_tag = max(1, events // tags)
    out: list[dict[str, object]] = []
    for t in range(tags):
        items: list[dict[str, object]] = []
        for j in range(per_tag):
            n = t * per_tag + j
            items.append(
                {
                    "created": f"2024-01-{1 + j % 28:02d}T10:{j % 60:02d}:00Z",
                    "dockerImageReference": f"{REGISTRY}/bench/big@{_digest(n)}",
                    "image": _digest(n),
                    "generation": 1,
                }
            )
        out.append({"tag": f"tag-{t:04d}", "items": items})
    return out


async def _median_ms(client: httpx.AsyncClient, path: str, rounds: int) -> tuple[float, int]:
    samples, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return statistics.median(samples), size


async def run(events: int, tags: int, rounds: int, budget_ms: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        storage = SQLiteStorage(pathlib.Path(tmp) / "state.db")
        await storage.open()
        installed = install.build(storage, extensions=(image_extension(REGISTRY),))
        await install.bootstrap(installed)
        ctx = RequestContext(namespace="bench")
        await installed.namespaces.create(RequestContext(), {"metadata": {"name": "bench"}})
        group = ("image.openshift.io", "v1")
        streams = installed.resources[(*group, "imagestreams", "")]
        status = installed.resources[(*group, "imagestreams", "status")]
        mappings = installed.resources[(*group, "imagestreammappings", "")]
        for name in ("small", "big"):
            await streams.create(ctx, {"metadata": {"name": name}})
        await mappings.create(ctx, _mapping("small", "latest", 10**9))
        big = await streams.get(ctx, "big")
        big["status"] = {"tags": _history(events, tags)}
        started = time.perf_counter()
        await status.update(ctx, "big", big)
        print(f"write of {events} events via /status: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        for i in range(5):
            await mappings.create(ctx, _mapping("big", "pushed", 10**9 + i))
        each_ms = (time.perf_counter() - started) / 5 * 1000
        print(f"ImageStreamMapping on the big stream: {each_ms:.0f} ms each")

        token = "bench-token"
        api = ApiServer(
            resources=installed.resources,
            authenticator=authn.TokenAuthenticator({token: authn.ADMIN}),
        )
        api.ready = True
        transport = httpx.ASGITransport(app=api.asgi())
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            await _median_ms(client, f"{BASE}/small", 5)  # warm up
            small_ms, small_size = await _median_ms(client, f"{BASE}/small", rounds)
            big_ms, big_size = await _median_ms(client, f"{BASE}/big", rounds)
        await installed.namespaces.close()
        await storage.close()
    print(f"GET small stream: {small_ms:6.2f} ms median ({small_size} bytes)")
    print(f"GET big stream:   {big_ms:6.2f} ms median ({big_size} bytes, {events} events)")
    print(f"ratio big/small:  {big_ms / small_ms:6.1f}x")
    if big_ms > budget_ms:
        print(f"FAIL: big GET median {big_ms:.1f} ms exceeds the {budget_ms:.0f} ms budget")
        return 1
    return 0


def _mapping(stream: str, tag: str, n: int) -> dict[str, object]:
    digest = _digest(n)
    return {
        "metadata": {"name": stream},
        "tag": tag,
        "image": {
            "metadata": {"name": digest},
            "dockerImageReference": f"{REGISTRY}/bench/{stream}@{digest}",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--budget-ms", type=float, default=50.0)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.events, args.tags, args.rounds, args.budget_ms)))


if __name__ == "__main__":
    main()
