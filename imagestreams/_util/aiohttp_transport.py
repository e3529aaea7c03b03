"""``AiohttpTransport``: an httpx transport on aiohttp, the network layer of the registry client
and of the etcd backend.

The importer sends thousands of small requests (a manifest ``GET``, a config ``GET``, a ``HEAD``
per tag). httpx's default transport (httpcore) spends about 1.7 ms of CPU on each of them, most of
it in pure-Python HTTP/1.1 parsing and pool bookkeeping; aiohttp's C parser and connector do the
same work in well under half of that. So :class:`~imagestreams.oci.client.RegistryClient` keeps
``httpx.AsyncClient`` as its API (requests, URLs, headers, redirects decided by
:mod:`~imagestreams.oci.exchange`, tests that inject ``httpx.MockTransport``) and only swaps the
transport underneath.

The transport is deliberately thin and behaves like httpx's own: it sends exactly the headers of
the ``httpx.Request`` (no aiohttp defaults, no cookie jar, no proxies from the environment), never
follows redirects and never decompresses, streams the response body (the connection goes back to
the pool when the body is drained and is dropped when it is abandoned), honours the request's
httpx timeouts, and raises the ``httpx`` exception a httpcore transport would raise for the same
fault, with the same operating-system or TLS text, so error mapping and messages upstream stay
unchanged. aiohttp retries an idempotent request once when a pooled keep-alive connection turns
out to be closed by the server; httpcore avoids that race by polling idle connections instead.
"""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Final

import aiohttp
import httpx
import yarl
from aiohttp import http_exceptions
from multidict import CIMultiDict

__all__ = ["AiohttpTransport", "client_timeout", "map_exception"]

# httpcore accepts a response head of up to 100 KiB (h11 max_incomplete_event_size) and any
# number of fields; aiohttp's defaults (8190 bytes a line, 128 fields) would refuse answers that
# the httpx transport took, e.g. a long ``Link`` or ``WWW-Authenticate`` header.
_MAX_HEAD: Final = 100 * 1024
_MAX_HEADERS: Final = 1024
# Headers aiohttp adds on its own; httpx already chose (or deliberately left out) each of them.
_NO_AUTO_HEADERS: Final = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
# aiohttp frames the body itself (Content-Length when known, else chunked) and refuses an
# explicit ``Transfer-Encoding: chunked`` next to a streamed body.
_FRAMING_HEADER: Final = b"transfer-encoding"
_HTTP_VERSIONS: Final[dict[tuple[int, int], bytes]] = {(1, 1): b"HTTP/1.1", (1, 0): b"HTTP/1.0"}
_INCOMPLETE_BODY: Final = "peer closed connection without sending complete message body"
_NO_RESPONSE: Final = "Server disconnected without sending a response."


@functools.cache
def _verified_context() -> ssl.SSLContext:
    """httpx's default context (certifi roots), built once: loading the roots costs ~20 ms."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    acquire = None if connect is None or pool is None else pool + connect
    return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect, sock_read=read)


def client_timeout(spec: Mapping[str, float | None] | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for an httpx timeout extension (``{"connect", "read", "pool", ...}``).

    ``connect`` bounds establishing a connection (TCP and TLS handshake: ``sock_connect``),
    ``read`` the wait for each piece of the response, head included (``sock_read``). aiohttp has
    no separate pool timeout: waiting for a free connection and connecting share one budget
    (``connect``), so it is ``pool + connect``. There is no overall limit (the client has its own
    deadline) and no write timeout (request bodies are small or come from a local stream).
    """
    spec = spec or {}
    return _timeout(spec.get("connect"), spec.get("read"), spec.get("pool"))


def _connect_text(exc: aiohttp.ClientConnectorError) -> str:
    """httpcore's text: the resolver's or OpenSSL's own words, else anyio's summary."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return str(exc.certificate_error)
    cause = exc.os_error
    if isinstance(cause, ssl.SSLError | socket.gaierror):
        return str(cause)
    return "All connection attempts failed"


def _one_line(text: str) -> str:
    """llhttp explains a parse error over several lines with a caret; keep the words."""
    lines = (line.strip() for line in text.splitlines())
    return " ".join(line for line in lines if line and set(line) != {"^"})


def _short_body_text(exc: aiohttp.ClientPayloadError, body: tuple[int, int | None]) -> str:
    cause = exc.__cause__
    received, expected = body
    if isinstance(cause, http_exceptions.ContentLengthError) and expected is not None:
        return f"{_INCOMPLETE_BODY} (received {received} bytes, expected {expected})"
    if isinstance(cause, http_exceptions.TransferEncodingError) and "Not enough data" in str(cause):
        return f"{_INCOMPLETE_BODY} (incomplete chunked read)"
    if isinstance(cause, http_exceptions.HttpProcessingError):
        return _one_line(cause.message)
    return _one_line(str(cause or exc))


def map_exception(
    exc: Exception, request: httpx.Request, *, body: tuple[int, int | None] | None = None
) -> httpx.TransportError | None:
    """The httpx exception (class and text) httpcore raises for the fault aiohttp reported as
    ``exc``; None when ``exc`` is not a transport fault (a bug, to be let through).

    ``body`` is ``(bytes received, Content-Length or None)`` when ``exc`` was raised while
    streaming the response body, None when it was raised before the response head arrived.
    """
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout("", request=request)
    if isinstance(exc, TimeoutError):  # SocketTimeoutError and other ServerTimeoutError
        return httpx.ReadTimeout("", request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):  # DNS, refused, TLS, certificate
        return httpx.ConnectError(_connect_text(exc), request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(
            _NO_RESPONSE if body is None else _INCOMPLETE_BODY, request=request
        )
    if isinstance(exc, aiohttp.ClientPayloadError):  # a short body or broken chunked framing
        text = _short_body_text(exc, body or (0, None))
        return httpx.RemoteProtocolError(text, request=request)
    if isinstance(exc, aiohttp.ClientResponseError):  # an unparsable status line or head
        return httpx.RemoteProtocolError(_one_line(exc.message or str(exc)), request=request)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(exc), request=request)
    if isinstance(exc, OSError):  # a reset or broken connection: anyio reports no text
        return httpx.ReadError("", request=request)
    if isinstance(exc, aiohttp.ClientError):
        return httpx.TransportError(_one_line(str(exc)) or type(exc).__name__, request=request)
    if isinstance(exc, ValueError):  # a header value aiohttp refuses to send
        return httpx.LocalProtocolError(str(exc), request=request)
    return None


class _ResponseStream(httpx.AsyncByteStream):
    """The body of an aiohttp response, chunk by chunk as it arrives."""

    __slots__ = ("_request", "_response")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        try:
            async for chunk in self._response.content.iter_any():
                received += len(chunk)
                yield chunk
        except Exception as exc:
            progress = (received, self._response.content_length)
            mapped = map_exception(exc, self._request, body=progress)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        # A drained body already gave its connection back; an abandoned one is closed, since
        # the rest of it would otherwise be read by the next request on that connection.
        self._response.release()


async def _request_body(request: httpx.Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream:  # type: ignore[union-attr]
        yield chunk


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` over one ``aiohttp.ClientSession`` (one connection pool).

    ``verify``: ``True`` checks certificates against httpx's default roots (certifi), ``False``
    accepts any certificate (``insecure``), an ``ssl.SSLContext`` is used as given (a custom CA).
    ``max_connections`` bounds the pool (0: no bound); idle connections are closed after
    ``keepalive_expiry`` seconds (httpx's default). The session is created on first use, inside
    the running loop.
    """

    def __init__(
        self,
        *,
        verify: bool | ssl.SSLContext = True,
        max_connections: int = 32,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._verify = verify
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the transport has been closed")
        if self._verify is True:
            tls: ssl.SSLContext | bool = _verified_context()
        else:
            tls = self._verify
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            ssl=tls,
            keepalive_timeout=self._keepalive_expiry,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            skip_auto_headers=_NO_AUTO_HEADERS,
            auto_decompress=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
            max_line_size=_MAX_HEAD,
            max_field_size=_MAX_HEAD,
            max_headers=_MAX_HEADERS,
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() != _FRAMING_HEADER
        )
        data: bytes | AsyncIterator[bytes] | None
        if "content-length" not in headers and request.headers.get("transfer-encoding") is None:
            data = None
        else:
            try:
                data = request.content
            except httpx.RequestNotRead:
                data = _request_body(request)
        try:
            response = await session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=client_timeout(request.extensions.get("timeout")),
            )
        except Exception as exc:
            mapped = map_exception(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            extensions={
                "http_version": _HTTP_VERSIONS.get(response.version or (1, 1), b"HTTP/1.1"),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
