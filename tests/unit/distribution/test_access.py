"""Authentication, the token endpoint and RBAC decisions of the registry (real authorizer)."""

from __future__ import annotations

import base64

import pytest

from imagestreams.distribution.auth import Access, parse_scope
from tests.oci_images import build_image
from tests.unit.distribution.conftest import Env, basic, bearer, pulling

REALM = 'Bearer realm="http://registry.test:5000/openshift/token"'


async def test_base_without_credentials_is_challenged(env: Env) -> None:
    response = await env.http.get("/v2/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == REALM
    assert response.headers["docker-distribution-api-version"] == "registry/2.0"
    assert response.json() == {
        "errors": [{"code": "UNAUTHORIZED", "message": "authentication required", "detail": None}]
    }


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param(bearer("alice"), 200, id="bearer-token"),
        pytest.param(basic("alice"), 200, id="basic-any-user"),
        pytest.param({"Authorization": "Bearer anonymous"}, 200, id="anonymous-token"),
        pytest.param({"Authorization": "Bearer wrong"}, 401, id="unknown-token"),
        pytest.param({"Authorization": "Basic !!!"}, 401, id="undecodable-basic"),
    ],
)
async def test_base_authentication(env: Env, headers: dict[str, str], status: int) -> None:
    response = await env.http.get("/v2/", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.json() == {}


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        pytest.param({}, 200, {"token": "anonymous", "access_token": "anonymous"}, id="anonymous"),
        pytest.param(
            basic("bob"), 200, {"token": "bob-token", "access_token": "bob-token"}, id="basic"
        ),
        pytest.param(
            {"Authorization": "Basic " + base64.b64encode(b"x:nope").decode()},
            401,
            None,
            id="bad-password",
        ),
        pytest.param(bearer("bob"), 401, None, id="bearer-is-not-basic"),
    ],
)
async def test_token_endpoint(
    env: Env, headers: dict[str, str], status: int, body: dict[str, str] | None
) -> None:
    response = await env.http.get(
        "/openshift/token", params={"scope": "repository:ns/app:pull"}, headers=headers
    )
    assert response.status_code == status
    if body is not None:
        assert response.json() == body


async def test_token_endpoint_rejects_scope_without_namespace(env: Env) -> None:
    response = await env.http.get(
        "/openshift/token", params={"scope": "repository:app:pull"}, headers=basic("admin")
    )
    assert (response.status_code, response.json()) == (
        401,
        {"details": "repository namespace required"},
    )


@pytest.mark.parametrize(
    ("user", "method", "allowed"),
    [
        pytest.param("bob", "pull", True, id="puller-pulls"),
        pytest.param("bob", "push", False, id="puller-cannot-push"),
        pytest.param("carol", "pull", True, id="builder-pulls"),
        pytest.param("carol", "push", True, id="builder-pushes-and-creates-stream"),
        pytest.param("alice", "pull", False, id="stranger-cannot-pull"),
        pytest.param("alice", "push", False, id="stranger-cannot-push"),
    ],
)
async def test_rbac(env: Env, user: str, method: str, allowed: bool) -> None:
    image = build_image(salt=f"{user}-{method}")
    if method == "pull":
        await env.push_image("ns/app", "v1", image)
        response = await env.http.get("/v2/ns/app/manifests/v1", headers=pulling(user))
        record = {"Type": "repository", "Class": "", "Name": "ns/app", "Action": "pull"}
        records = [record]
    else:
        response = await env.http.post(
            f"/v2/ns/fresh/blobs/uploads/?digest={image.layers[0].digest}",
            content=image.layers[0].data,
            headers=bearer(user),
        )
        if allowed:
            response = await env.push_image("ns/fresh", "v1", image, user=user)
        records = [
            {"Type": "repository", "Class": "", "Name": "ns/fresh", "Action": action}
            for action in ("pull", "push")
        ]
    if allowed:
        assert response.status_code in (200, 201)
        return
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm=openshift,error="access denied"'
    assert response.json() == {
        "errors": [
            {"code": "UNAUTHORIZED", "message": "authentication required", "detail": records}
        ]
    }


async def test_pushed_stream_is_created_as_the_pusher(env: Env) -> None:
    assert (await env.push_image("ns/built", "v1", build_image(), user="carol")).status_code == 201
    stream = await env.stream("ns", "built")
    assert stream["status"]["tags"][0]["tag"] == "v1"


async def test_cross_repository_mount(env: Env) -> None:
    image = build_image(salt="mount")
    layer = image.layers[0]
    await env.push_image("ns/source", "v1", image)
    await env.push_image("other/hidden", "v1", build_image(salt="hidden"))
    url = f"/v2/ns/target/blobs/uploads/?mount={layer.digest}&from="
    mounted = await env.http.post(url + "ns/source", headers=bearer("carol"))
    assert mounted.status_code == 201
    assert mounted.headers["location"] == f"/v2/ns/target/blobs/{layer.digest}"
    # carol may not pull from other/: the mount is silently not done, an upload starts instead
    hidden = build_image(salt="hidden").layers[0]
    refused = await env.http.post(
        f"/v2/ns/target/blobs/uploads/?mount={hidden.digest}&from=other/hidden",
        headers=bearer("carol"),
    )
    assert refused.status_code == 202
    assert "docker-upload-uuid" in refused.headers


async def test_catalog_needs_cluster_list(env: Env) -> None:
    await env.push_image("ns/a", "v1", build_image(salt="a"))
    await env.push_image("ns/b", "v1", build_image(salt="b"))
    admin = await env.http.get("/v2/_catalog", params={"n": "1"}, headers=bearer("admin"))
    assert admin.json() == {"repositories": ["ns/a"]}
    assert admin.headers["link"] == '</v2/_catalog?last=ns%2Fa&n=1>; rel="next"'
    denied = await env.http.get("/v2/_catalog", headers=bearer("bob"))
    assert denied.status_code == 401


@pytest.mark.parametrize(
    ("scope", "records"),
    [
        pytest.param(
            "repository:ns/app:pull,push",
            [Access("repository", "ns/app", "pull"), Access("repository", "ns/app", "push")],
            id="two-actions",
        ),
        pytest.param(
            "repository(plugin):ns/app:pull registry:catalog:*",
            [Access("repository", "ns/app", "pull"), Access("registry", "catalog", "*")],
            id="class-and-several",
        ),
        pytest.param("garbage", [], id="garbage"),
    ],
)
def test_parse_scope(scope: str, records: list[Access]) -> None:
    assert parse_scope(scope) == records
