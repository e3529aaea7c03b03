"""Challenge parsing, token responses and the token cache (no sockets)."""

from __future__ import annotations

import asyncio
import base64

import pytest

from imagestreams.oci import auth, errors
from imagestreams.oci.auth import Challenge


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(
            [
                'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                'scope="repository:library/busybox:pull"'
            ],
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/busybox:pull",
                    },
                )
            ],
            id="docker-hub-bearer",
        ),
        pytest.param(
            ['Bearer realm="https://r/token",service="reg",scope="repository:a/b:pull,push"'],
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://r/token",
                        "service": "reg",
                        "scope": "repository:a/b:pull,push",
                    },
                )
            ],
            id="comma-inside-quoted-scope",
        ),
        pytest.param(
            ['Basic realm="basic-realm"'],
            [Challenge("basic", {"realm": "basic-realm"})],
            id="htpasswd-basic",
        ),
        pytest.param(["Basic"], [Challenge("basic", {})], id="scheme-only"),
        pytest.param(
            ['BASIC Realm="x", Bearer realm="https://t/token", service=svc'],
            [
                Challenge("basic", {"realm": "x"}),
                Challenge("bearer", {"realm": "https://t/token", "service": "svc"}),
            ],
            id="two-challenges-one-header-case-insensitive-unquoted-value",
        ),
        pytest.param(
            ['Basic realm="a"', 'Bearer realm="https://t/token"'],
            [Challenge("basic", {"realm": "a"}), Challenge("bearer", {"realm": "https://t/token"})],
            id="two-headers",
        ),
        pytest.param(
            ['Bearer realm="say \\"hi\\"",error="invalid_token"'],
            [Challenge("bearer", {"realm": 'say "hi"', "error": "invalid_token"})],
            id="escaped-quotes",
        ),
        pytest.param(
            ['Bearer realm=,service="s"'],
            [Challenge("bearer", {"service": "s"})],
            id="empty-value-dropped",
        ),
        pytest.param([""], [], id="empty"),
        pytest.param(['"junk" ,, ='], [], id="garbage"),
    ],
)
def test_parse_challenges(headers: list[str], expected: list[Challenge]) -> None:
    assert auth.parse_challenges(headers) == expected


def test_challenge_accessors() -> None:
    c = Challenge("bearer", {"realm": "https://t", "service": "s", "scope": "x"})
    assert (c.realm, c.service, c.scope) == ("https://t", "s", "x")
    assert (Challenge("basic").realm, Challenge("basic").service) == ("", "")


def test_bearer_token_repr_hides_token() -> None:
    token = auth.BearerToken("s3cr3t-value", 12.0)
    assert repr(token) == "BearerToken(expires_at=12.0)"


def test_basic_header_and_scope() -> None:
    assert auth.basic_header("user", "p:ss") == "Basic " + base64.b64encode(b"user:p:ss").decode()
    assert auth.repository_scope("ns/repo") == "repository:ns/repo:pull"
    assert auth.token_query(Challenge("bearer", {"service": "s"}), "repository:a:pull") == {
        "service": "s",
        "scope": "repository:a:pull",
    }
    assert auth.token_query(Challenge("bearer", {}), "") == {}


@pytest.mark.parametrize(
    ("body", "expires_at"),
    [
        pytest.param(b'{"token":"t","expires_in":300}', 1000 + 300 - 5, id="token-expires-in"),
        pytest.param(b'{"access_token":"t"}', 1000 + 60 - 5, id="access-token-default-60s"),
        pytest.param(b'{"token":"t","expires_in":10}', 1000 + 60 - 5, id="clamped-to-60s"),
        pytest.param(b'{"token":"t","expires_in":true}', 1000 + 60 - 5, id="bool-ignored"),
        pytest.param(
            b'{"token":"t","access_token":"other","expires_in":120}',
            1000 + 120 - 5,
            id="token-wins",
        ),
    ],
)
def test_parse_token_response(body: bytes, expires_at: float) -> None:
    token = auth.parse_token_response(body, 1000.0)
    assert token.token == "t"
    assert token.expires_at == expires_at


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[]", id="not-object"),
        pytest.param(b'{"expires_in":60}', id="no-token"),
        pytest.param(b'{"token":""}', id="empty"),
    ],
)
def test_parse_token_response_errors(body: bytes) -> None:
    with pytest.raises(errors.ProtocolError):
        auth.parse_token_response(body, 0.0)


async def test_token_cache_single_flight_and_expiry() -> None:
    now = [100.0]
    cache = auth.TokenCache(clock=lambda: now[0])
    key = auth.TokenKey("https://t/token", "svc", "repository:a:pull", "")
    calls: list[float] = []

    async def fetch(at: float) -> auth.BearerToken:
        calls.append(at)
        await asyncio.sleep(0.01)
        return auth.BearerToken(f"tok{len(calls)}", at + 60)

    tokens = await asyncio.gather(*(cache.get(key, fetch) for _ in range(10)))
    assert tokens == ["tok1"] * 10
    assert calls == [100.0]
    now[0] = 159.0
    assert await cache.get(key, fetch) == "tok1"
    now[0] = 160.0
    assert cache.peek(key) is None
    assert await cache.get(key, fetch) == "tok2"
    cache.invalidate(key)
    assert await cache.get(key, fetch) == "tok3"
    other = auth.TokenKey("https://t/token", "svc", "repository:b:pull", "")
    assert await cache.get(other, fetch) == "tok4"
    assert len(cache) == 2
