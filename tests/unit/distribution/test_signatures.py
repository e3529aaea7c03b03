"""The signature extension API (``/extensions/v2/.../signatures/<digest>``), upstream's
``signaturedispatcher.go``, over the real image API and RBAC."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest

from imagestreams.distribution.app import handles
from imagestreams.rest.context import RequestContext
from tests.oci_images import build_image
from tests.unit.distribution.conftest import Env, bearer

IMAGE = build_image(salt="signed")
URL = f"/extensions/v2/ns/app/signatures/{IMAGE.digest}"
CONTENT = base64.b64encode(b"\x89signature bytes").decode()


def _sig(name: str = "", **extra: object) -> dict[str, object]:
    return {"schemaVersion": 2, "name": name or f"{IMAGE.digest}@sig1", "content": CONTENT} | extra


@pytest.fixture
async def signed(env: Env) -> AsyncIterator[Env]:
    assert (await env.push_image("ns/app", "v1", IMAGE)).status_code == 201
    yield env


async def test_every_registry_response_advertises_signatures(env: Env) -> None:
    for path in ("/v2/", "/v2/ns/app/tags/list", "/openshift/token", URL):
        response = await env.http.get(path)
        assert response.headers["x-registry-supports-signatures"] == "1", path


@pytest.mark.parametrize(
    ("path", "ours"),
    [
        pytest.param(URL, True, id="signatures"),
        pytest.param("/extensions/v2/", True, id="prefix"),
        pytest.param("/extensions/v1beta1", False, id="not-ours"),
        pytest.param("/apis/extensions/v2/x", False, id="api"),
    ],
)
def test_routed_to_registry(path: str, ours: bool) -> None:
    assert handles(path) is ours


async def test_put_then_get_roundtrip(signed: Env) -> None:
    put = await signed.http.put(URL, json=_sig(), headers=bearer("frank"))
    assert (put.status_code, put.content) == (201, b"")
    stored = await signed.r("images").get(RequestContext(), IMAGE.digest)
    [sig] = stored["signatures"]
    assert (sig["metadata"]["name"], sig["type"], sig["content"]) == (
        f"{IMAGE.digest}@sig1",
        "AtomicImageV1",
        CONTENT,
    )
    got = await signed.http.get(URL, headers=bearer("bob"))
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    assert got.content == (
        b'{"signatures":[{"schemaVersion":2,"name":"' + f"{IMAGE.digest}@sig1".encode()
        + b'","type":"AtomicImageV1","content":"' + CONTENT.encode() + b'"}]}'
    )  # fmt: skip


async def test_get_without_signatures(signed: Env) -> None:
    got = await signed.http.get(URL, headers=bearer("admin"))
    assert (got.status_code, got.json()) == (200, {"signatures": []})


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"/extensions/v2/ns/app/signatures/sha256:{'e' * 64}", id="unknown-image"),
        pytest.param(f"/extensions/v2/ns/nostream/signatures/{IMAGE.digest}", id="no-stream"),
    ],
)
async def test_get_missing_is_bare_404(signed: Env, path: str) -> None:
    got = await signed.http.get(path, headers=bearer("admin"))
    assert (got.status_code, got.content) == (404, b"")


@pytest.mark.parametrize(
    ("user", "method", "status", "code"),
    [
        pytest.param("alice", "GET", 401, "UNAUTHORIZED", id="stranger-get"),
        pytest.param("bob", "PUT", 401, "UNAUTHORIZED", id="puller-put"),
        pytest.param("erin", "GET", 200, None, id="signer-get"),
        pytest.param("erin", "PUT", 500, "UNKNOWN", id="namespace-signer-refused-by-api"),
        pytest.param("frank", "PUT", 201, None, id="cluster-signer-put"),
    ],
)
async def test_access(signed: Env, user: str, method: str, status: int, code: str | None) -> None:
    response = await signed.http.request(method, URL, json=_sig(), headers=bearer(user))
    assert response.status_code == status, response.text
    if code is None:
        return
    [error] = response.json()["errors"]
    assert error["code"] == code
    if code == "UNAUTHORIZED":
        action = "get" if method == "GET" else "put"
        assert error["detail"] == [
            {"Type": "signature", "Class": "", "Name": "ns/app", "Action": action}
        ]
    else:
        assert error["detail"] == (
            f"unable to create image ns/app@{IMAGE.digest} signature: imagesignatures."
            'image.openshift.io is forbidden: User "erin" cannot create resource '
            '"imagesignatures" in API group "image.openshift.io" at the cluster scope'
        )


@pytest.mark.parametrize(
    ("body", "status", "code", "detail"),
    [
        pytest.param(_sig(schemaVersion=1), 400, "SIGNATURE_INVALID", {}, id="schema-version-1"),
        pytest.param(_sig(content="%%%"), 400, "SIGNATURE_INVALID", None, id="content-not-base64"),
        pytest.param(b"{", 400, "SIGNATURE_INVALID", None, id="not-json"),
        pytest.param(_sig(name=f"sha256:{'f' * 64}@sig"), 404, None, None, id="image-not-found"),
        pytest.param(_sig(name="nosig"), 500, "UNKNOWN", None, id="invalid-name"),
        pytest.param(
            {"SCHEMAVERSION": 2, "Name": f"{IMAGE.digest}@up", "Type": "t", "Content": CONTENT},
            201,
            None,
            None,
            id="keys-case-insensitive",
        ),
    ],
)
async def test_put_errors(
    signed: Env,
    body: dict[str, object] | bytes,
    status: int,
    code: str | None,
    detail: object,
) -> None:
    headers = bearer("frank")
    if isinstance(body, bytes):
        response = await signed.http.put(URL, content=body, headers=headers)
    else:
        response = await signed.http.put(URL, json=body, headers=headers)
    assert response.status_code == status, response.text
    if code is None:
        return
    [error] = response.json()["errors"]
    assert error["code"] == code
    if detail is not None:
        assert error["detail"] == detail
    if code == "UNKNOWN":  # the API's 422, wrapped as upstream wraps every other error
        prefix = f"unable to create image ns/app@{IMAGE.digest} signature: "
        assert error["detail"].startswith(prefix)
        assert "Invalid value" in error["detail"] or "invalid" in error["detail"].lower()


async def test_put_twice_is_exists(signed: Env) -> None:
    assert (await signed.http.put(URL, json=_sig(), headers=bearer("frank"))).status_code == 201
    again = await signed.http.put(URL, json=_sig(), headers=bearer("frank"))
    assert again.status_code == 409
    [error] = again.json()["errors"]
    assert (error["code"], error["message"]) == (
        "SIGNATURE_EXISTS",
        "image signature already exists",
    )
    assert isinstance(error["detail"], str) and "already exists" in error["detail"]
