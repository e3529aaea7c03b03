"""The Exchanger's direct-to-transport path behaves exactly like ``AsyncClient.send``.

Every scenario runs twice on the same ``httpx.MockTransport`` handler: once on the direct path
(the default: the client knows its transport) and once through ``AsyncClient.send`` (taken when
``trust_env`` may mount proxies). What the registry sees (headers, timeouts, cookies) and what the
caller gets (results, errors, request counts) must be identical.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from imagestreams.oci import errors
from imagestreams.oci.client import RegistryClient, Timeouts
from tests.unit.oci.mock_registry import DIGEST, HOST, MANIFEST, Handler, manifest_response

PATHS = [pytest.param(False, id="direct"), pytest.param(True, id="via-send")]


def _client(handler: Handler, via_send: bool, **kwargs: Any) -> RegistryClient:
    return RegistryClient(
        HOST, transport=httpx.MockTransport(handler), trust_env=via_send, **kwargs
    )


async def _seen_requests(via_send: bool) -> list[tuple[list[tuple[bytes, bytes]], Any]]:
    seen: list[tuple[list[tuple[bytes, bytes]], Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.raw, request.extensions.get("timeout")))
        return manifest_response(headers={"Docker-Content-Digest": DIGEST})

    async with _client(
        handler, via_send, timeouts=Timeouts(connect=3, read=7), user_agent="ua/1"
    ) as c:
        await c.get_manifest("ns/app", "v1")
        await c.head_manifest("ns/app", "v1")
    return seen


async def test_same_headers_and_timeouts_on_both_paths() -> None:
    direct, via_send = await _seen_requests(False), await _seen_requests(True)
    assert direct == via_send
    headers, timeout = direct[0]
    assert [name for name, _ in headers] == [
        b"Host",
        b"Connection",
        b"User-Agent",
        b"Accept-Encoding",
        b"Accept",
    ]
    assert dict(headers)[b"User-Agent"] == b"ua/1"
    assert dict(headers)[b"Accept-Encoding"] == b"identity"
    assert timeout == {"connect": 3.0, "read": 7.0, "write": 7.0, "pool": 7.0}


@pytest.mark.parametrize("via_send", PATHS)
async def test_cookies_are_kept_and_sent(via_send: bool) -> None:
    cookies: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        return manifest_response(
            headers={"Docker-Content-Digest": DIGEST, "Set-Cookie": "lb=node-2; Path=/"}
        )

    async with _client(handler, via_send) as c:
        await c.get_manifest("ns/app", "v1")
        await c.get_manifest("ns/app", "v1")
    assert cookies == [None, "lb=node-2"]


@pytest.mark.parametrize("via_send", PATHS)
async def test_invalid_redirect_location_is_unreachable(via_send: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://reg.test:80x/"})

    async with _client(handler, via_send) as c:
        with pytest.raises(errors.Unreachable) as info:
            await c.get_manifest("ns/app", "v1")
        assert c.stats.total == 0
    assert info.value.message == (
        f"unable to reach the registry {HOST} for manifest ns/app:v1:"
        " Invalid URL in location header: Invalid port: '80x'."
    )


@pytest.mark.parametrize("via_send", PATHS)
async def test_redirect_with_userinfo_authenticates_with_it(via_send: bool) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.url.host == HOST:
            return httpx.Response(307, headers={"Location": "https://u:p@cdn.test/m"})
        return manifest_response()

    async with _client(handler, via_send) as c:
        assert (await c.get_manifest("ns/app", "v1"))[0] == MANIFEST
        assert c.stats.by_method == {"GET": 2}
    assert seen == [None, "Basic " + base64.b64encode(b"u:p").decode()]


@pytest.mark.parametrize("via_send", PATHS)
async def test_transport_error_names_the_host(via_send: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("All connection attempts failed")

    async with _client(handler, via_send) as c:
        with pytest.raises(errors.Unreachable) as info:
            await c.get_manifest("ns/app", "v1")
    assert info.value.message == (
        f"unable to reach the registry {HOST} for manifest ns/app:v1:"
        " All connection attempts failed"
    )


@pytest.mark.parametrize("via_send", PATHS)
async def test_closed_client_refuses_to_send(via_send: bool) -> None:
    c = _client(lambda request: manifest_response(), via_send)
    await c.close()
    with pytest.raises(
        RuntimeError, match=r"^Cannot send a request, as the client has been closed\."
    ):
        await c.get_manifest("ns/app", "v1")
