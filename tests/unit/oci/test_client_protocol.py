"""RegistryClient protocol details without a registry: HEAD, Link pagination, bearer tokens,
name validation and host normalisation (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping

import httpx
import pytest

from imagestreams.oci import errors, mediatypes as mt
from imagestreams.oci.client import ManifestHead, RegistryClient
from imagestreams.oci.credentials import Credential
from tests.unit.oci.mock_registry import DIGEST, OTHER, Handler, client, manifest_response


async def test_head_manifest() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "HEAD"
        if request.url.path.endswith("/missing"):
            return httpx.Response(404)
        return httpx.Response(
            200,
            headers={
                "Docker-Content-Digest": DIGEST,
                "Content-Type": mt.OCI_INDEX,
                "Content-Length": "123",
            },
        )

    async with client(handler) as c:
        assert await c.head_manifest("ns/app", "v1") == ManifestHead(DIGEST, mt.OCI_INDEX, 123)
        assert await c.head_manifest("ns/app", "missing") is None
        with pytest.raises(errors.InvalidDigest):
            await c.head_manifest("ns/app", OTHER)
        assert c.stats.by_method == {"HEAD": 3}


def paged(pages: Mapping[str, tuple[list[str], str | None]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        tags, link = pages[key]
        headers = {"Link": link} if link else {}
        return httpx.Response(200, headers=headers, json={"name": "ns/app", "tags": tags})

    return handler


PAGES = {
    "/v2/ns/app/tags/list?n=2": (["a", "b"], '</v2/ns/app/tags/list?last=b&n=2>; rel="next"'),
    "/v2/ns/app/tags/list?last=b&n=2": (["c", "d"], '<list?last=d&n=2>; type="x"; rel="next"'),
    "/v2/ns/app/tags/list?last=d&n=2": (["e"], None),
}


async def test_list_tags_follows_link_pagination() -> None:
    async with client(paged(PAGES)) as c:
        assert await c.list_tags("ns/app", page_size=2) == ["a", "b", "c", "d", "e"]
        assert c.stats.by_method == {"GET": 3}
        c.stats.reset()
        assert await c.list_tags("ns/app", limit=3, page_size=2) == ["a", "b", "c"]
        assert c.stats.by_method == {"GET": 2}


async def test_list_tags_null_and_loops() -> None:
    async with client(paged({"/v2/ns/app/tags/list": ([], None)})) as c:
        assert await c.list_tags("ns/app") == []
    loop = {"/v2/ns/app/tags/list": (["a"], '</v2/ns/app/tags/list>; rel="next"')}
    async with client(paged(loop)) as c:
        with pytest.raises(errors.ProtocolError, match="pagination loops"):
            await c.list_tags("ns/app")
    away = {"/v2/ns/app/tags/list": (["a"], '<https://evil.test/v2/x/tags/list>; rel="next"')}
    async with client(paged(away)) as c:
        with pytest.raises(errors.ProtocolError, match="another host"):
            await c.list_tags("ns/app")


async def test_bearer_token_reuse_and_no_secret_leak() -> None:
    token_calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            token_calls.append(request)
            if (
                request.headers.get("authorization")
                != "Basic " + base64.b64encode(b"bob:pa55word").decode()
            ):
                return httpx.Response(401)
            return httpx.Response(200, json={"token": "T-" + request.url.params["scope"]})
        scope = f"repository:{request.url.path.split('/manifests')[0][4:]}:pull"
        if request.headers.get("authorization") != f"Bearer T-{scope}":
            challenge = f'Bearer realm="https://auth.test/token",service="reg",scope="{scope}"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return manifest_response()

    async with client(handler, credential=Credential("bob", "pa55word")) as c:
        await asyncio.gather(*(c.get_manifest("ns/app", f"v{i}") for i in range(5)))
        await c.get_manifest("ns/other", "v1")
        assert c.stats.token_requests == 2
        assert [r.url.params["scope"] for r in token_calls][-1] == "repository:ns/other:pull"
        assert token_calls[0].url.params["service"] == "reg"
    async with client(handler, credential=Credential("bob", "wrong-pa55")) as c:
        with pytest.raises(errors.Unauthorized) as info:
            await c.get_manifest("ns/app", "v1")
    assert info.value.had_credentials
    for text in (str(info.value), repr(info.value), repr(c)):
        assert "wrong-pa55" not in text
        assert "pa55word" not in text


@pytest.mark.parametrize(
    ("repository", "reference"),
    [
        pytest.param("../etc", "v1", id="repo-traversal"),
        pytest.param("NS/App", "v1", id="repo-uppercase"),
        pytest.param("ns/app", "../v1", id="tag-traversal"),
        pytest.param("ns/app", "-v1", id="tag-leading-dash"),
    ],
)
async def test_invalid_names_rejected_before_any_request(repository: str, reference: str) -> None:
    async with client(lambda r: manifest_response()) as c:
        with pytest.raises(ValueError):
            await c.get_manifest(repository, reference)
        assert c.stats.total == 0


async def test_bad_digest_reference_rejected() -> None:
    async with client(lambda r: manifest_response()) as c:
        with pytest.raises(errors.InvalidDigest):
            await c.get_manifest("ns/app", "sha256:../../x")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("docker.io", "registry-1.docker.io", id="docker-io"),
        pytest.param("https://quay.io/", "quay.io", id="scheme-and-slash"),
        pytest.param("127.0.0.1:5000", "127.0.0.1:5000", id="port"),
    ],
)
def test_registry_host_normalised(host: str, expected: str) -> None:
    assert RegistryClient(host).registry_host == expected


def test_registry_host_with_credentials_rejected() -> None:
    with pytest.raises(ValueError):
        RegistryClient("user:pass@reg.test")
