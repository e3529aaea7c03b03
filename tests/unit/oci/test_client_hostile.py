"""RegistryClient against faults a real registry cannot produce (httpx.MockTransport only).

The happy paths and the auth dance are tested against a real distribution registry in
``tests/integration/test_oci_client.py``; this file covers hostile or broken servers: wrong
digests, oversized and endless bodies, slow drip, redirect loops and cross-host redirects,
rate limiting, error bodies, and the insecure https -> http fallback.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from imagestreams.oci import errors, mediatypes as mt
from imagestreams.oci.client import Timeouts
from imagestreams.oci.credentials import Credential
from tests.unit.oci.mock_registry import (
    DIGEST,
    MANIFEST,
    OTHER,
    client,
    manifest_response,
    registry_error,
)


async def test_get_manifest_by_tag_and_digest() -> None:
    async with client(lambda r: manifest_response(headers={"Docker-Content-Digest": DIGEST})) as c:
        assert await c.get_manifest("ns/app", "v1") == (MANIFEST, mt.DOCKER_SCHEMA2, DIGEST)
        assert await c.get_manifest("ns/app", DIGEST) == (MANIFEST, mt.DOCKER_SCHEMA2, DIGEST)
        assert c.stats.by_method == {"GET": 2}


async def test_every_manifest_request_sends_full_accept_list() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "identity"
        seen.append(request.headers["accept"])
        return manifest_response(headers={"Docker-Content-Digest": DIGEST})

    async with client(handler) as c:
        await c.get_manifest("ns/app", "v1")
        await c.head_manifest("ns/app", "v1")
    expected = f"{mt.OCI_INDEX}, {mt.OCI_MANIFEST}, {mt.DOCKER_MANIFEST_LIST}, {mt.DOCKER_SCHEMA2}"
    assert seen == [expected, expected]


@pytest.mark.parametrize(
    ("reference", "headers", "message"),
    [
        pytest.param(OTHER, {}, f"does not match digest {OTHER}", id="by-digest-wrong-body"),
        pytest.param(
            "v1", {"Docker-Content-Digest": OTHER}, "content integrity error", id="header-disagrees"
        ),
        pytest.param(
            DIGEST,
            {"Docker-Content-Digest": OTHER},
            "content integrity error",
            id="by-digest-header-disagrees",
        ),
    ],
)
async def test_wrong_digest(reference: str, headers: dict[str, str], message: str) -> None:
    async with client(lambda r: manifest_response(headers=headers)) as c:
        with pytest.raises(errors.InvalidDigest, match=message):
            await c.get_manifest("ns/app", reference)


async def test_blob_digest_verified() -> None:
    async with client(lambda r: httpx.Response(200, content=b"tampered")) as c:
        with pytest.raises(errors.InvalidDigest):
            await c.get_blob("ns/app", "sha256:" + hashlib.sha256(b"config").hexdigest())


async def test_oversized_manifest_by_content_length() -> None:
    big = b" " * 2048
    async with client(lambda r: manifest_response(big), max_manifest_size=1024) as c:
        with pytest.raises(errors.TooLarge, match="2048 bytes, larger than the 1024 allowed"):
            await c.get_manifest("ns/app", "v1")


async def endless() -> AsyncIterator[bytes]:
    chunk = b"x" * 65536
    while True:
        yield chunk
        await asyncio.sleep(0)


async def test_endless_body_is_cut_off() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": mt.OCI_MANIFEST}, content=endless())

    async with client(handler, max_manifest_size=1 << 20) as c:
        with pytest.raises(errors.TooLarge, match="larger than the 1048576 bytes allowed"):
            await c.get_manifest("ns/app", "v1")
    async with client(handler) as c:
        with pytest.raises(errors.TooLarge):
            await c.get_blob("ns/app", OTHER, max_size=100_000)


async def test_slow_drip_hits_overall_deadline() -> None:
    async def drip() -> AsyncIterator[bytes]:
        for byte in MANIFEST:
            await asyncio.sleep(0.05)
            yield bytes([byte])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": mt.DOCKER_SCHEMA2}, content=drip())

    loop = asyncio.get_running_loop()
    start = loop.time()
    async with client(handler, timeouts=Timeouts(connect=1, read=1, total=0.3)) as c:
        with pytest.raises(errors.Timeout, match=r"took longer than 0.3s"):
            await c.get_manifest("ns/app", "v1")
    assert loop.time() - start < 1.5


async def test_transport_timeout_maps_to_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    async with client(handler) as c:
        with pytest.raises(errors.Timeout, match=r"timed out talking to reg\.test"):
            await c.get_manifest("ns/app", "v1")


async def test_redirect_loop_is_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url)})

    async with client(handler, max_redirects=3) as c:
        with pytest.raises(errors.ProtocolError, match="too many redirects"):
            await c.get_blob("ns/app", OTHER)
        assert c.stats.by_method == {"GET": 4}


async def test_redirect_to_other_host_drops_authorization() -> None:
    blob = b"{}"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.host == "storage.test":
            return httpx.Response(200, content=blob)
        if "authorization" not in request.headers:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
        if request.url.path.endswith("/moved"):
            return httpx.Response(307, headers={"Location": "https://storage.test/b?sig=1"})
        return httpx.Response(302, headers={"Location": f"/v2/ns/app/blobs/{digest}/moved"})

    creds = Credential("u", "s3cret")
    async with client(handler, credential=creds) as c:
        assert await c.get_blob("ns/app", digest) == blob
    basic = "Basic " + base64.b64encode(b"u:s3cret").decode()
    assert seen == [
        (f"https://reg.test/v2/ns/app/blobs/{digest}", None),
        (f"https://reg.test/v2/ns/app/blobs/{digest}", basic),
        (f"https://reg.test/v2/ns/app/blobs/{digest}/moved", basic),
        ("https://storage.test/b?sig=1", None),
    ]


async def test_redirect_downgrade_to_http_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://reg.test/elsewhere"})

    async with client(handler) as c:
        with pytest.raises(errors.ProtocolError, match="from https to http"):
            await c.get_blob("ns/app", OTHER)


async def test_insecure_falls_back_to_http_once() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.scheme == "https":
            raise httpx.ConnectError("[SSL] record layer failure (_ssl.c:1006)", request=request)
        if request.url.path.endswith("/old"):
            return httpx.Response(301, headers={"Location": "http://reg.test/v2/ns/app/blobs/x"})
        return httpx.Response(200, content=b"{}")

    digest = "sha256:" + hashlib.sha256(b"{}").hexdigest()
    async with client(handler, insecure=True) as c:
        assert await c.get_blob("ns/app", digest) == b"{}"
        assert await c.get_blob("ns/app", digest) == b"{}"
        assert c.stats.by_method == {"GET": 2}
    assert seen == [
        f"https://reg.test/v2/ns/app/blobs/{digest}",
        f"http://reg.test/v2/ns/app/blobs/{digest}",
        f"http://reg.test/v2/ns/app/blobs/{digest}",
    ]
    async with client(handler) as c:
        with pytest.raises(errors.InsecureRequired) as info:
            await c.get_blob("ns/app", digest)
    assert info.value.status_reason == "BadRequest"


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-in-past"),
        pytest.param(None, None, id="absent"),
        pytest.param("soon", None, id="garbage"),
    ],
)
async def test_429_retry_after(retry_after: str | None, expected: float | None) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    async with client(
        lambda r: registry_error(429, "TOOMANYREQUESTS", "slow down", **headers)
    ) as c:
        with pytest.raises(errors.TooManyRequests) as info:
            await c.get_manifest("ns/app", "v1")
    assert info.value.retry_after == expected
    assert (
        info.value.message
        == "the registry is rate limiting requests for manifest ns/app:v1: slow down"
    )


@pytest.mark.parametrize(
    ("response", "error", "message", "reason"),
    [
        pytest.param(
            registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown"),
            errors.ManifestUnknown,
            "manifest ns/app:v1 not found: manifest unknown",
            "NotFound",
            id="manifest-unknown",
        ),
        pytest.param(
            registry_error(404, "NAME_UNKNOWN", "repository name not known"),
            errors.NameUnknown,
            "not found: repository name not known",
            "NotFound",
            id="name-unknown",
        ),
        pytest.param(
            registry_error(403, "DENIED", "requested access is denied"),
            errors.Forbidden,
            "access to manifest ns/app:v1 denied",
            "Forbidden",
            id="denied",
        ),
        pytest.param(
            httpx.Response(503, text="<html>\x00down\n</html>"),
            errors.ProtocolError,
            "answered HTTP 503 for manifest ns/app:v1",
            "InternalError",
            id="5xx",
        ),
        pytest.param(
            registry_error(500, "UNKNOWN", "x" * 1000),
            errors.ProtocolError,
            "x" * 197 + r"\.\.\.$",
            "InternalError",
            id="long-message-truncated",
        ),
        pytest.param(
            httpx.Response(
                200,
                headers={"Content-Type": mt.DOCKER_SCHEMA1_SIGNED},
                content=b'{"schemaVersion":1}',
            ),
            errors.Unsupported,
            "schema1",
            "InternalError",
            id="schema1",
        ),
        pytest.param(
            httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<a>"),
            errors.Unsupported,
            "unsupported media type 'text/html'",
            "InternalError",
            id="html",
        ),
        pytest.param(
            httpx.Response(401),
            errors.Unauthorized,
            "no usable scheme",
            "Unauthorized",
            id="401-without-challenge",
        ),
    ],
)
async def test_error_mapping(
    response: httpx.Response, error: type[errors.RegistryError], message: str, reason: str
) -> None:
    async with client(lambda r: response) as c:
        with pytest.raises(error, match=message) as info:
            await c.get_manifest("ns/app", "v1")
    assert info.value.status_reason == reason
