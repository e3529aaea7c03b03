"""Health endpoints of the ASGI app, driven directly (no sockets)."""

from __future__ import annotations

import asyncio

import pytest

from imagestreams.server import authn
from imagestreams.server.app import ApiServer
from imagestreams.storage.interface import StorageClosed


async def _get(app: object, path: str) -> tuple[int, bytes]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "scheme": "http",
        "server": ("127.0.0.1", 1),
        "client": ("127.0.0.1", 2),
        "root_path": "",
    }
    await app(scope, receive, send)  # type: ignore[operator]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@pytest.mark.parametrize(
    ("ready", "stopping", "expected"),
    [
        pytest.param(True, False, (200, b"ok"), id="ready"),
        pytest.param(
            False,
            False,
            (500, b"[-]ready failed: reason withheld\nreadyz check failed\n"),
            id="starting",
        ),
        pytest.param(
            True,
            True,
            (500, b"[-]shutdown failed: reason withheld\nreadyz check failed\n"),
            id="shutting-down",
        ),
    ],
)
async def test_readyz(ready: bool, stopping: bool, expected: tuple[int, bytes]) -> None:
    api = ApiServer(resources={}, authenticator=authn.TokenAuthenticator({}))
    api.ready = ready
    if stopping:
        api.stopping.set()
    assert await _get(api.asgi(), "/readyz") == expected
    assert await _get(api.asgi(), "/livez") == (200, b"ok")
    assert await _get(api.asgi(), "/healthz") == (200, b"ok")


def test_stopping_event_is_per_server() -> None:
    a = ApiServer(resources={}, authenticator=authn.TokenAuthenticator({}))
    b = ApiServer(resources={}, authenticator=authn.TokenAuthenticator({}))
    a.stopping.set()
    assert not b.stopping.is_set()
    assert isinstance(a.stopping, asyncio.Event)


async def test_readyz_reports_an_unreachable_store() -> None:
    """kube-apiserver's readyz carries an etcd check; ours probes the storage."""
    reachable = True

    async def probe() -> int:
        if not reachable:
            raise StorageClosed("no etcd endpoint answered")
        return 1

    api = ApiServer(resources={}, authenticator=authn.TokenAuthenticator({}), storage_check=probe)
    api.ready = True
    assert await _get(api.asgi(), "/readyz") == (200, b"ok")
    reachable = False
    assert await _get(api.asgi(), "/readyz") == (
        500,
        b"[-]etcd failed: reason withheld\nreadyz check failed\n",
    )
    assert await _get(api.asgi(), "/livez") == (200, b"ok")
