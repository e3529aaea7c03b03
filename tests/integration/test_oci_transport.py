"""AiohttpTransport against real loopback sockets, side by side with httpx's own transport.

Each fault is served by a small asyncio server in the test's loop; the same request goes through
``AiohttpTransport`` and through ``httpx.AsyncHTTPTransport`` (httpcore), and both must fail with
the same exception class and text (only the wording of an HTTP parse error differs: h11 and llhttp
explain it differently). Then what only a socket shows: timeouts that fire on time, request
bodies and framing as sent, a connection abandoned mid-body not reused, and TLS (a CA-signed
serving certificate from ``imagestreams.server.tls``): verified with the CA, refused without it,
accepted when ``insecure`` -- through ``RegistryClient`` too.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from imagestreams._util.aiohttp_transport import AiohttpTransport
from imagestreams.oci import errors
from imagestreams.oci.client import RegistryClient, Timeouts
from imagestreams.server.tls import ensure_pki

pytestmark = pytest.mark.integration

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
MANIFEST = (
    b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}'
)
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()


async def _serve(reply: Reply, tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reply(reader, writer)
                if writer.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    return server, server.sockets[0].getsockname()[1]


async def _head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _answer(raw: bytes, *, close: bool = True) -> Reply:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(raw)
        await writer.drain()
        if close:
            writer.close()

    return reply


async def _close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _head(reader)
    writer.close()


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _head(reader)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    writer.close()


async def _stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _head(reader)
    await asyncio.sleep(5)
    writer.close()


async def _drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _head(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab")
    await writer.drain()
    await asyncio.sleep(5)
    writer.close()


def _outcome(result: httpx.Response | BaseException) -> tuple[str, str]:
    if isinstance(result, BaseException):
        return type(result).__name__, str(result)
    return str(result.status_code), result.text


async def _fetch(transport: httpx.AsyncBaseTransport, url: str) -> tuple[str, str]:
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(0.5)) as http:
        try:
            return _outcome(await http.get(url))
        except httpx.TransportError as exc:
            return _outcome(exc)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        pytest.param(
            _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), ("200", "ok"), id="ok"
        ),
        pytest.param(
            _answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
            ("200", "ok"), id="chunked",
        ),
        pytest.param(
            _answer(b"HTTP/1.1 200 OK\r\nX-Big: %s\r\nContent-Length: 0\r\n\r\n" % (b"a" * 20000)),
            ("200", ""), id="20k-header",
        ),
        pytest.param(
            _close_at_once,
            ("RemoteProtocolError", "Server disconnected without sending a response."),
            id="closed-before-answer",
        ),
        pytest.param(
            _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"),
            (
                "RemoteProtocolError",
                "peer closed connection without sending complete message body"
                " (received 3 bytes, expected 100)",
            ),
            id="short-body",
        ),
        pytest.param(
            _answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
            (
                "RemoteProtocolError",
                "peer closed connection without sending complete message body"
                " (incomplete chunked read)",
            ),
            id="short-chunked-body",
        ),
        pytest.param(_reset, ("ReadError", ""), id="reset"),
        pytest.param(_stall, ("ReadTimeout", ""), id="no-answer"),
        pytest.param(_drip, ("ReadTimeout", ""), id="stalled-body"),
        pytest.param(
            _answer(b"NOT HTTP AT ALL\r\n\r\n"), ("RemoteProtocolError", None), id="garbage"
        ),
    ],
)  # fmt: skip
async def test_faults_match_httpcore(reply: Reply, expected: tuple[str, str | None]) -> None:
    server, port = await _serve(reply)
    async with server:
        url = f"http://127.0.0.1:{port}/v2/"
        ours = await _fetch(AiohttpTransport(), url)
        theirs = await _fetch(httpx.AsyncHTTPTransport(), url)
    if expected[1] is None:  # h11 and llhttp word parse errors differently
        assert ours[0] == theirs[0] == expected[0]
    else:
        assert ours == theirs == expected


async def test_refused_matches_httpcore() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v2/"
    ours = await _fetch(AiohttpTransport(), url)
    assert ours == await _fetch(httpx.AsyncHTTPTransport(), url)
    assert ours == ("ConnectError", "All connection attempts failed")


async def test_read_timeout_fires_on_time() -> None:
    server, port = await _serve(_drip)
    async with server, httpx.AsyncClient(transport=AiohttpTransport()) as http:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            async with http.stream("GET", f"http://127.0.0.1:{port}/", timeout=0.3) as response:
                await response.aread()
        assert 0.25 < time.monotonic() - started < 1.5


async def test_waiting_for_a_busy_pool_is_a_connect_timeout() -> None:
    server, port = await _serve(_stall)
    transport = AiohttpTransport(max_connections=1)
    timeout = httpx.Timeout(5.0, connect=0.2, pool=0.2)
    async with server, httpx.AsyncClient(transport=transport, timeout=timeout) as http:
        holder = asyncio.create_task(http.get(f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(httpx.ConnectTimeout):
            await http.get(f"http://127.0.0.1:{port}/")
        assert time.monotonic() - started < 1.5
        holder.cancel()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await _head(reader)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int((await reader.readline()).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    else:
        body = b""
    answer = head + body
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
    await writer.drain()


async def _chunks() -> AsyncIterator[bytes]:
    yield b"hello "
    yield b"world"


@pytest.mark.parametrize(
    ("content", "framing", "body"),
    [
        pytest.param(None, None, b"", id="no-body"),
        pytest.param(b"hello world", "content-length: 11", b"hello world", id="bytes"),
        pytest.param(_chunks, "transfer-encoding: chunked", b"hello world", id="stream"),
    ],
)
async def test_request_is_sent_as_httpx_built_it(
    content: bytes | Callable[[], AsyncIterator[bytes]] | None, framing: str | None, body: bytes
) -> None:
    server, port = await _serve(_echo)
    async with (
        server,
        httpx.AsyncClient(transport=AiohttpTransport(), headers={"User-Agent": "ua/1"}) as http,
    ):
        data = content() if callable(content) else content
        response = await http.post(f"http://127.0.0.1:{port}/up", content=data)
    head, _, echoed = response.content.partition(b"\r\n\r\n")
    lines = head.decode().lower().split("\r\n")
    assert lines[0] == "post /up http/1.1"
    expected = {
        f"host: 127.0.0.1:{port}", "accept: */*", "accept-encoding: gzip, deflate",
        "connection: keep-alive", "user-agent: ua/1",
    }  # fmt: skip
    if framing:
        expected.add(framing)
    else:
        expected.add("content-length: 0")  # httpx sends it for a POST without a body
    assert set(lines[1:]) == expected
    assert echoed == body


async def test_abandoned_body_does_not_poison_the_pool() -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await _head(reader)
        if head.startswith(b"GET /endless"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 65536)
        else:
            body = b"" if head.startswith(b"HEAD") else b"ok"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
        await writer.drain()

    server, port = await _serve(endless)
    transport = AiohttpTransport(max_connections=1)
    async with server, httpx.AsyncClient(transport=transport) as http:
        async with http.stream("GET", f"http://127.0.0.1:{port}/endless") as response:
            async for chunk in response.aiter_bytes():
                assert chunk.startswith(b"x")
                break
        for _ in range(3):
            head = await http.head(f"http://127.0.0.1:{port}/other")
            assert (head.status_code, head.content) == (200, b"")
            assert (await http.get(f"http://127.0.0.1:{port}/other")).content == b"ok"


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A server context with a serving certificate for 127.0.0.1, and the CA that signed it."""
    made = ensure_pki(tmp_path_factory.mktemp("pki"), ["127.0.0.1"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(made.cert_path, made.key_path)
    return context, made.ca_cert_path


async def _registry(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _head(reader)
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\n"
        b"Docker-Content-Digest: %s\r\nDocker-Distribution-Api-Version: registry/2.0\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (DIGEST.encode(), len(MANIFEST), MANIFEST)
    )
    await writer.drain()


async def test_tls_verified_with_custom_ca(pki: tuple[ssl.SSLContext, Path]) -> None:
    context, ca = pki
    server, port = await _serve(_registry, context)
    client_tls = ssl.create_default_context(cafile=str(ca))
    async with server, httpx.AsyncClient(transport=AiohttpTransport(verify=client_tls)) as http:
        response = await http.get(f"https://127.0.0.1:{port}/v2/ns/app/manifests/v1")
    assert response.content == MANIFEST


@pytest.mark.parametrize(
    ("insecure", "ok"),
    [pytest.param(True, True, id="insecure"), pytest.param(False, False, id="verified")],
)
async def test_registry_client_over_tls(
    pki: tuple[ssl.SSLContext, Path], insecure: bool, ok: bool
) -> None:
    context, _ = pki
    server, port = await _serve(_registry, context)
    host = f"127.0.0.1:{port}"
    timeouts = Timeouts(connect=2, read=2, total=5)
    async with server:
        outcomes: list[tuple[bytes, str, str] | str] = []
        for transport in (None, httpx.AsyncHTTPTransport(verify=not insecure)):
            async with RegistryClient(
                host, insecure=insecure, transport=transport, timeouts=timeouts
            ) as client:
                try:
                    outcomes.append(await client.get_manifest("ns/app", "v1"))
                    assert await client.ping() == f"https://{host}"
                except errors.Unreachable as exc:
                    outcomes.append(exc.message)
    assert outcomes[0] == outcomes[1]  # the same answer or the same error as httpcore
    if ok:
        assert outcomes[0] == (MANIFEST, "application/vnd.oci.image.index.v1+json", DIGEST)
    else:
        assert isinstance(outcomes[0], str)
        assert outcomes[0].startswith(
            f"unable to reach the registry {host} for manifest ns/app:v1:"
            " [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
        )
