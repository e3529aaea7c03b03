"""AiohttpTransport's pure parts: httpx timeouts -> aiohttp, aiohttp faults -> httpx (no sockets).

The same faults are provoked for real, and compared with httpx's own transport, in
``tests/integration/test_oci_transport.py``; here each mapping is pinned down exactly, including
the ones a loopback server cannot produce (DNS, TLS handshake text, connect timeouts).
"""

from __future__ import annotations

import socket
import ssl

import aiohttp
import httpx
import pytest
from aiohttp import http_exceptions
from aiohttp.client_reqrep import ConnectionKey

from imagestreams._util.aiohttp_transport import client_timeout, map_exception

_REQUEST = httpx.Request("GET", "https://reg.test/v2/")
_KEY = ConnectionKey("reg.test", 443, True, True, None, None, None, None)
_WRONG_VERSION = "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"
_SELF_SIGNED = (
    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
    " (_ssl.c:1006)"
)
_INCOMPLETE = "peer closed connection without sending complete message body"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0},
            aiohttp.ClientTimeout(total=None, connect=40.0, sock_connect=10.0, sock_read=30.0),
            id="registry-client-defaults",
        ),
        pytest.param(
            {"connect": 2.0, "read": 0.5, "write": 0.5, "pool": 0.25},
            aiohttp.ClientTimeout(total=None, connect=2.25, sock_connect=2.0, sock_read=0.5),
            id="pool-wait-and-connect-share-one-budget",
        ),
        pytest.param(
            {"connect": 5.0, "read": None, "write": None, "pool": None},
            aiohttp.ClientTimeout(total=None, connect=None, sock_connect=5.0, sock_read=None),
            id="no-pool-limit",
        ),
        pytest.param(
            {"connect": None, "read": None, "write": None, "pool": None},
            aiohttp.ClientTimeout(total=None),
            id="no-limits",
        ),
        pytest.param(None, aiohttp.ClientTimeout(total=None), id="no-extension"),
    ],
)
def test_client_timeout(
    spec: dict[str, float | None] | None, expected: aiohttp.ClientTimeout
) -> None:
    assert client_timeout(spec) == expected


def _payload_error(cause: Exception) -> aiohttp.ClientPayloadError:
    exc = aiohttp.ClientPayloadError(f"Response payload is not completed: {cause!r}")
    exc.__cause__ = cause
    return exc


def _bad_head(message: str) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(None, (), status=400, message=message)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "body", "kind", "text"),
    [
        pytest.param(
            aiohttp.ConnectionTimeoutError("Connection timeout to host https://reg.test/v2/"),
            None, httpx.ConnectTimeout, "", id="connect-or-pool-timeout",
        ),
        pytest.param(
            aiohttp.SocketTimeoutError("Timeout on reading data from socket"),
            None, httpx.ReadTimeout, "", id="head-read-timeout",
        ),
        pytest.param(
            aiohttp.SocketTimeoutError("Timeout on reading data from socket"),
            (3, 100), httpx.ReadTimeout, "", id="body-read-timeout",
        ),
        pytest.param(TimeoutError(), None, httpx.ReadTimeout, "", id="bare-timeout"),
        pytest.param(
            aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "Connect call failed")),
            None, httpx.ConnectError, "All connection attempts failed", id="refused",
        ),
        pytest.param(
            aiohttp.ClientConnectorError(_KEY, OSError(113, "No route to host")),
            None, httpx.ConnectError, "All connection attempts failed", id="unreachable-host",
        ),
        pytest.param(
            aiohttp.ClientConnectorDNSError(
                _KEY, socket.gaierror(-2, "Name or service not known")
            ),
            None, httpx.ConnectError, "[Errno -2] Name or service not known", id="dns",
        ),
        pytest.param(
            aiohttp.ClientConnectorSSLError(_KEY, ssl.SSLError(1, _WRONG_VERSION)),
            None, httpx.ConnectError, _WRONG_VERSION, id="tls-to-plain-http",
        ),
        pytest.param(
            aiohttp.ClientConnectorCertificateError(
                _KEY, ssl.SSLCertVerificationError(1, _SELF_SIGNED)
            ),
            None, httpx.ConnectError, _SELF_SIGNED, id="untrusted-certificate",
        ),
        pytest.param(
            aiohttp.ServerDisconnectedError(), None, httpx.RemoteProtocolError,
            "Server disconnected without sending a response.", id="closed-before-head",
        ),
        pytest.param(
            aiohttp.ServerDisconnectedError(), (3, None), httpx.RemoteProtocolError,
            _INCOMPLETE, id="closed-in-body",
        ),
        pytest.param(
            _payload_error(http_exceptions.ContentLengthError("Not enough data")),
            (3, 100), httpx.RemoteProtocolError,
            f"{_INCOMPLETE} (received 3 bytes, expected 100)", id="short-body",
        ),
        pytest.param(
            _payload_error(
                http_exceptions.TransferEncodingError(
                    "Not enough data to satisfy transfer length header."
                )
            ),
            (2, None), httpx.RemoteProtocolError,
            f"{_INCOMPLETE} (incomplete chunked read)", id="short-chunked-body",
        ),
        pytest.param(
            _payload_error(http_exceptions.BadHttpMessage("Invalid character in chunk size")),
            (0, None), httpx.RemoteProtocolError, "Invalid character in chunk size",
            id="broken-chunk-framing",
        ),
        pytest.param(
            _bad_head("Bad status line:\n  Expected HTTP/:\n\n  b'NOT HTTP'\n    ^"),
            None, httpx.RemoteProtocolError, "Bad status line: Expected HTTP/: b'NOT HTTP'",
            id="unparsable-head-one-line",
        ),
        pytest.param(
            aiohttp.ClientOSError(104, "Connection reset by peer"),
            None, httpx.ReadError, "", id="reset",
        ),
        pytest.param(
            ConnectionResetError(104, "Connection reset by peer"),
            (10, 100), httpx.ReadError, "", id="reset-in-body",
        ),
        pytest.param(
            aiohttp.InvalidURL("ftp://reg.test/"), None, httpx.UnsupportedProtocol,
            "ftp://reg.test/", id="invalid-url",
        ),
        pytest.param(
            ValueError("Newline or carriage return character detected in HTTP header"),
            None, httpx.LocalProtocolError,
            "Newline or carriage return character detected in HTTP header", id="bad-header",
        ),
    ],
)  # fmt: skip
def test_map_exception(
    exc: Exception,
    body: tuple[int, int | None] | None,
    kind: type[httpx.TransportError],
    text: str,
) -> None:
    mapped = map_exception(exc, _REQUEST, body=body)
    assert type(mapped) is kind
    assert str(mapped) == text
    assert mapped.request is _REQUEST


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(RuntimeError("a bug"), id="runtime-error"),
        pytest.param(KeyError("x"), id="key-error"),
        pytest.param(TypeError("bad argument"), id="type-error"),
    ],
)
def test_bugs_are_not_transport_errors(exc: Exception) -> None:
    assert map_exception(exc, _REQUEST) is None
