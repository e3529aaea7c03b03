"""The in-flight limiter and the body size limit, driven as raw ASGI apps (no sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping, Sequence
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from imagestreams.server.limits import BodySizeLimit, InflightLimiter
from imagestreams.server.metrics import ApiServerMetrics

Message = dict[str, Any]
NS_IS = "/apis/image.openshift.io/v1/namespaces/ns/imagestreams"
MIB = 1024 * 1024


class Response:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert self.status == 0, "response started twice"
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            self.body += message.get("body", b"")


def _scope(
    method: str, path: str, query: str = "", headers: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }


def _receiver(chunks: Sequence[bytes]) -> tuple[Any, list[int]]:
    """A receive() that yields ``chunks`` then waits for ever; also reports how many were read."""
    pending = list(chunks) or [b""]
    read = [0]

    async def receive() -> Message:
        if pending:
            chunk = pending.pop(0)
            read[0] += 1
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive, read


async def _call(
    app: Any,
    method: str,
    path: str,
    query: str = "",
    headers: Sequence[tuple[str, str]] = (),
    chunks: Sequence[bytes] = (),
) -> Response:
    response = Response()
    receive, _ = _receiver(chunks)
    await app(_scope(method, path, query, headers), receive, response.send)
    return response


class Holding:
    """An inner app that answers 200 only when ``release`` is set, counting who got in."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        self.inside = asyncio.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async with self.inside:
            self.entered += 1
            self.inside.notify_all()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def wait_entered(self, n: int) -> None:
        async with self.inside:
            await asyncio.wait_for(self.inside.wait_for(lambda: self.entered >= n), 2)


TOO_MANY = {
    "content-type": "text/plain; charset=utf-8",
    "x-content-type-options": "nosniff",
    "retry-after": "1",
    "content-length": "43",
}


async def test_over_the_limit_is_refused_at_once_with_kube_429() -> None:
    inner = Holding()
    metrics = ApiServerMetrics()
    app = InflightLimiter(inner, max_readonly=2, max_mutating=1, metrics=metrics)
    held = [asyncio.create_task(_call(app, "GET", NS_IS)) for _ in range(2)]
    held.append(asyncio.create_task(_call(app, "POST", NS_IS)))
    await inner.wait_entered(3)
    assert (
        metrics.registry.get_sample_value(
            "apiserver_current_inflight_requests", {"request_kind": "readOnly"}
        )
        == 2
    )

    refused_get = await _call(app, "GET", f"{NS_IS}/foo")
    refused_put = await _call(app, "PUT", f"{NS_IS}/foo")

    for refused in (refused_get, refused_put):
        assert refused.status == 429
        assert refused.headers == TOO_MANY
        assert refused.body == b"Too many requests, please try again later.\n"
    assert inner.entered == 3
    assert (
        metrics.registry.get_sample_value(
            "apiserver_dropped_requests_total", {"request_kind": "mutating"}
        )
        == 1
    )

    inner.release.set()
    assert [r.status for r in await asyncio.gather(*held)] == [200, 200, 200]
    assert (app.readonly, app.mutating) == (0, 0)
    assert (await _call(app, "GET", NS_IS)).status == 200


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        pytest.param("GET", NS_IS, "watch=true", id="watch-param"),
        pytest.param("GET", NS_IS, "watch=1&resourceVersion=5", id="watch-1"),
        pytest.param("GET", "/apis/image.openshift.io/v1/watch/imagestreams", "", id="watch-path"),
        pytest.param("GET", "/healthz", "", id="healthz"),
        pytest.param("GET", "/readyz/etcd", "", id="readyz-sub-check"),
        pytest.param("GET", "/livez", "", id="livez"),
        pytest.param("GET", "/api/v1/namespaces/ns/pods/p/log", "", id="log-subresource"),
    ],
)
async def test_long_running_and_health_bypass_a_full_limiter(
    method: str, path: str, query: str
) -> None:
    inner = Holding()
    app = InflightLimiter(inner, max_readonly=1, max_mutating=1)
    held = asyncio.create_task(_call(app, "GET", NS_IS))
    await inner.wait_entered(1)

    bypass = asyncio.create_task(_call(app, method, path, query))
    await inner.wait_entered(2)  # got in although the read-only budget is used up
    assert app.readonly == 1

    inner.release.set()
    assert (await held).status == 200
    assert (await bypass).status == 200


@pytest.mark.parametrize(
    ("query", "counted"),
    [
        pytest.param("watch=false", True, id="watch-false-is-a-list"),
        pytest.param("watch=0", True, id="watch-0-is-a-list"),
    ],
)
async def test_watch_false_is_counted(query: str, counted: bool) -> None:
    inner = Holding()
    app = InflightLimiter(inner, max_readonly=1, max_mutating=1)
    held = asyncio.create_task(_call(app, "GET", NS_IS))
    await inner.wait_entered(1)
    assert ((await _call(app, "GET", NS_IS, query)).status == 429) is counted
    inner.release.set()
    await held


async def test_zero_means_unlimited() -> None:
    inner = Holding()
    app = InflightLimiter(inner, max_readonly=0, max_mutating=0)
    tasks = [asyncio.create_task(_call(app, m, NS_IS)) for m in ["GET", "POST"] * 25]
    await inner.wait_entered(50)
    inner.release.set()
    assert {r.status for r in await asyncio.gather(*tasks)} == {200}


async def test_exempt_callers_pass_when_full() -> None:
    inner = Holding()

    def exempt(scope: Any) -> bool:
        return bool(scope.get("state", {}).get("masters"))

    app = InflightLimiter(inner, max_readonly=1, max_mutating=1, is_exempt=exempt)
    held = asyncio.create_task(_call(app, "GET", NS_IS))
    await inner.wait_entered(1)
    response = Response()
    receive, _ = _receiver([])
    scope = _scope("GET", NS_IS) | {"state": {"masters": True}}
    admin = asyncio.create_task(app(scope, receive, response.send))
    await inner.wait_entered(2)
    assert (await _call(app, "GET", NS_IS)).status == 429
    inner.release.set()
    await asyncio.gather(held, admin)
    assert response.status == 200


async def test_counter_is_released_when_the_app_fails() -> None:
    async def boom(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    app = InflightLimiter(boom, max_readonly=1, max_mutating=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await _call(app, "POST", NS_IS)
    assert (app.readonly, app.mutating) == (0, 0)


def test_negative_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        InflightLimiter(Holding(), max_readonly=-1)


# -- body size -----------------------------------------------------------------------------------

TOO_LARGE = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Request entity too large: limit is 3145728",
    "reason": "RequestEntityTooLarge",
    "code": 413,
}


class Reader:
    """Reads the whole body the way Starlette's ``Request.body()`` does, then answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""
        self.error: BaseException | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        try:
            while True:
                message = await receive()
                self.body += message.get("body", b"")
                if not message.get("more_body"):
                    break
        except Exception as e:
            self.error = e
            raise
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"%d" % len(self.body)})


async def test_declared_content_length_over_the_limit_never_reaches_the_app() -> None:
    inner = Reader()
    response = await _call(
        BodySizeLimit(inner),
        "PUT",
        f"{NS_IS}/foo",
        headers=[("Content-Length", str(4 * MIB))],
        chunks=[b"x" * 1024],
    )
    assert response.status == 413
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body) == TOO_LARGE
    assert inner.called is False


async def test_chunked_body_is_cut_once_past_the_limit() -> None:
    inner = Reader()
    chunks = [b"x" * (64 * 1024)] * 64  # 4 MiB, no Content-Length
    receive, read = _receiver(chunks)
    response = Response()
    await BodySizeLimit(inner)(_scope("POST", NS_IS), receive, response.send)

    assert response.status == 413
    assert json.loads(response.body) == TOO_LARGE
    assert int(response.headers["content-length"]) == len(response.body)
    assert inner.called is True
    assert type(inner.error).__name__ == "_TooLarge"
    assert read[0] == 49  # 48 chunks are exactly 3 MiB; the 49th passes the limit
    assert len(inner.body) == 3 * MIB


@pytest.mark.parametrize(
    ("size", "headers"),
    [
        pytest.param(3 * MIB, [("Content-Length", str(3 * MIB))], id="exactly-the-limit"),
        pytest.param(3 * MIB, [], id="exactly-the-limit-chunked"),
        pytest.param(0, [], id="empty"),
    ],
)
async def test_bodies_up_to_the_limit_stream_through(
    size: int, headers: list[tuple[str, str]]
) -> None:
    inner = Reader()
    chunks = [b"y" * (MIB // 2)] * (size // (MIB // 2))
    response = await _call(BodySizeLimit(inner), "POST", NS_IS, headers=headers, chunks=chunks)
    assert (response.status, response.body) == (200, str(size).encode())


async def test_small_custom_limit_and_starlette_error_handling() -> None:
    """A real Starlette app whose handler reads the body: its 500 page is replaced by the 413."""

    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = BodySizeLimit(Starlette(routes=[Route("/x", endpoint, methods=["POST"])]), max_bytes=10)
    ok = await _call(app, "POST", "/x", chunks=[b"12345", b"67890"])
    assert (ok.status, ok.body) == (200, b"10")

    cut = await _call(app, "POST", "/x", chunks=[b"12345", b"67890", b"1"])
    assert cut.status == 413
    assert json.loads(cut.body)["message"] == "Request entity too large: limit is 10"


async def test_error_after_the_response_started_propagates() -> None:
    async def early(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive()).get("more_body"):
            pass

    response = Response()
    receive, _ = _receiver([b"abc", b"def"])
    with pytest.raises(Exception, match="limit is 4"):
        await BodySizeLimit(early, max_bytes=4)(_scope("POST", "/x"), receive, response.send)
    assert response.status == 200


async def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def lifespan(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    for app in (BodySizeLimit(lifespan), InflightLimiter(lifespan, 1, 1)):
        await app({"type": "lifespan"}, _receiver([])[0], Response().send)
    assert seen == ["lifespan", "lifespan"]


async def test_http1_body_framed_by_content_length_is_passed_through_uncounted() -> None:
    """HTTP/1 bodies are framed by Content-Length (the server reads exactly that much), so a
    declared length within the limit needs no counting wrapper around ``receive``."""
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    receive, _ = _receiver([b"{}"])
    for headers in ([("Content-Length", "2")], []):
        scope = {**_scope("POST", NS_IS, headers=headers), "http_version": "1.1"}
        response = Response()
        await BodySizeLimit(inner)(scope, receive, response.send)
        assert response.status == 200
    assert seen == [receive, receive]


async def test_http1_chunked_body_is_still_counted() -> None:
    inner = Reader()
    receive, _ = _receiver([b"x" * MIB] * 4)
    scope = {**_scope("POST", NS_IS, headers=[("Transfer-Encoding", "chunked")]),
             "http_version": "1.1"}  # fmt: skip
    response = Response()
    await BodySizeLimit(inner)(scope, receive, response.send)
    assert response.status == 413
    assert json.loads(response.body) == TOO_LARGE
