"""Self-defence middlewares: the in-flight request limit and the request body size limit.

Both are plain ASGI middlewares rather than Starlette ``BaseHTTPMiddleware`` so that they never
buffer a response: a watch streams through them untouched.

``InflightLimiter`` is kube-apiserver's ``--max-requests-inflight`` /
``--max-mutating-requests-inflight`` filter (``pkg/server/filters/maxinflight.go``): two budgets,
read-only (get, list, watch) and mutating (everything else), counted only for requests that are not
long-running. A request over budget is refused at once, never queued, with what kube's
``tooManyRequests`` writes: status 429, ``Retry-After: 1`` and the plain-text body
``Too many requests, please try again later.`` (Go's ``http.Error``, so text/plain, a trailing
newline and ``X-Content-Type-Options: nosniff``). client-go retries on that by itself.

``BodySizeLimit`` is kube's ``MaxRequestBodyBytes`` (3 MiB): a declared ``Content-Length`` over the
limit is answered 413 before the application runs; a chunked body is counted as it streams and cut
when it passes the limit. The 413 body is kube's ``NewRequestEntityTooLargeError`` Status,
``Request entity too large: limit is 3145728``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagestreams.errors import RequestEntityTooLarge
from imagestreams.server import requestinfo
from imagestreams.server.metrics import ApiServerMetrics
from imagestreams.server.requestinfo import RequestInfo, request_info_cached

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "HEALTH_PATHS",
    "REQUEST_INFO_KEY",
    "TOO_MANY_REQUESTS_BODY",
    "BodySizeLimit",
    "InflightLimiter",
]

DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024
TOO_MANY_REQUESTS_BODY = b"Too many requests, please try again later.\n"
HEALTH_PATHS = ("/healthz", "/livez", "/readyz")


_HEALTH_SUBPATHS = tuple(p + "/" for p in HEALTH_PATHS)


def _is_health(path: str) -> bool:
    return path in HEALTH_PATHS or path.startswith(_HEALTH_SUBPATHS)


REQUEST_INFO_KEY = "imagestreams.request_info"
"""Where the limiter leaves the parsed ``RequestInfo`` in ``scope["state"]`` for the app."""


class InflightLimiter:
    """Refuse requests with 429 while too many of their kind are being served.

    ``is_long_running(info)`` picks the requests that are not counted (default: kube's check,
    watches and streaming subresources); health endpoints are never counted. ``is_exempt(scope)``
    may let privileged callers through when full (kube exempts ``system:masters``). A limit of 0
    means unlimited. With ``metrics`` the in-flight gauge and dropped counters are kept.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_readonly: int = 400,
        max_mutating: int = 200,
        is_long_running: Callable[[RequestInfo], bool] = requestinfo.is_long_running,
        *,
        is_exempt: Callable[[Scope], bool] | None = None,
        metrics: ApiServerMetrics | None = None,
    ) -> None:
        if max_readonly < 0 or max_mutating < 0:
            raise ValueError("in-flight limits must be >= 0 (0 = unlimited)")
        self.app = app
        self.max_readonly = max_readonly
        self.max_mutating = max_mutating
        self.is_long_running = is_long_running
        self.is_exempt = is_exempt
        self.metrics = metrics
        if metrics is not None:
            # Read at scrape time: no gauge write on the request path.
            metrics.track_inflight(lambda: self.readonly, lambda: self.mutating)
        self.readonly = 0
        self.mutating = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_health(scope["path"]):
            await self.app(scope, receive, send)
            return
        info = request_info_cached(scope["method"], scope["path"], scope.get("query_string", b""))
        scope.setdefault("state", {})[REQUEST_INFO_KEY] = info
        if self.is_long_running(info):
            await self.app(scope, receive, send)
            return
        mutating = info.is_mutating
        limit = self.max_mutating if mutating else self.max_readonly
        if limit == 0:
            await self.app(scope, receive, send)
            return
        current = self.mutating if mutating else self.readonly
        if current >= limit:
            if self.is_exempt is not None and self.is_exempt(scope):
                await self.app(scope, receive, send)
                return
            if self.metrics is not None:
                query = requestinfo.first_values(scope.get("query_string", b""))
                self.metrics.record_dropped(scope["method"], info, query)
            await self._too_many(send)
            return
        self._add(mutating, 1)
        try:
            await self.app(scope, receive, send)
        finally:
            self._add(mutating, -1)

    def _add(self, mutating: bool, delta: int) -> None:
        if mutating:
            self.mutating += delta
        else:
            self.readonly += delta

    @staticmethod
    async def _too_many(send: Send) -> None:
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"x-content-type-options", b"nosniff"),
            (b"retry-after", b"1"),
            (b"content-length", str(len(TOO_MANY_REQUESTS_BODY)).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": TOO_MANY_REQUESTS_BODY})


class _TooLarge(RequestEntityTooLarge):
    """Raised into the application from ``receive`` when the body passes the limit."""


class BodySizeLimit:
    """Answer 413 for request bodies larger than ``max_bytes``, without buffering them.

    The application reading past the limit gets ``RequestEntityTooLarge`` from ``receive``;
    whatever response it then tries to send is replaced by the 413 Status (unless it had already
    started responding, in which case the error propagates and the server drops the connection).
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be > 0")
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> _TooLarge:
        return _TooLarge(f"Request entity too large: limit is {self.max_bytes}")

    async def _reject(self, send: Send) -> None:
        body = json.dumps(self._error().status(), separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        chunked = False
        for name, value in scope.get("headers", ()):
            name = name.lower()
            if name == b"content-length" and declared is None:
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1  # malformed: the HTTP server rejects it before we get here
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return
        if not chunked and scope.get("http_version") in ("1.0", "1.1"):
            # HTTP/1 frames a body by its Content-Length, or it has none: nothing to count.
            await self.app(scope, receive, send)
            return

        received = 0
        too_large = False
        started = False  # the client has seen a response start
        replaced = False  # we answered 413 in place of the application's response

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                raise self._error()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise self._error()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return
            if too_large and not started:
                replaced = started = True
                await self._reject(send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if replaced:
                return  # the client already has its 413
            if started:
                raise
            started = replaced = True
            await self._reject(send)
            return
        if too_large and not started:
            await self._reject(send)
