"""Rules taken from upstream's registry: upload ``_state``, pushes into a namespace that does not
exist, manifests pushed only by digest, the public empty layers, ``NAME_UNKNOWN`` details."""

from __future__ import annotations

import base64
import json
import re

import pytest

from imagestreams.distribution.blobs import EMPTY_DIGESTS
from tests.oci_images import Blob, build_image, build_index
from tests.unit.distribution.conftest import Env, bearer, pulling

# distribution's gzippedEmptyTar (1024 zero bytes, gzipped) and the empty blob
GZIPPED_EMPTY_TAR = bytes.fromhex(
    "1f8b080000096e8800ff621805a360148c5800080000ffff2eafb5ef00040000"
)
EMPTY_TAR = Blob("application/vnd.docker.image.rootfs.diff.tar.gzip", GZIPPED_EMPTY_TAR)
EMPTY = Blob("application/octet-stream", b"")
DENIED = {"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]}


def test_empty_digests() -> None:
    assert {EMPTY_TAR.digest, EMPTY.digest} == EMPTY_DIGESTS


# -- uploads ---------------------------------------------------------------------------------
_LOCATION = re.compile(r"^/v2/ns/app/blobs/uploads/(?P<uuid>[0-9a-f-]{36})\?_state=(?P<s>[\w-]+)$")


@pytest.mark.parametrize(
    ("chunked", "state"),
    [
        pytest.param(False, "", id="post-location-plus-digest"),
        pytest.param(True, "", id="patch-location-plus-digest"),
        pytest.param(True, "garbage", id="foreign-state-ignored"),
        pytest.param(True, None, id="no-state-needed"),
    ],
)
async def test_upload_location_carries_state(env: Env, chunked: bool, state: str | None) -> None:
    blob = build_image(salt="state").layers[0]
    auth = bearer("admin")
    start = await env.http.post("/v2/ns/app/blobs/uploads/", headers=auth)
    assert start.status_code == 202
    match = _LOCATION.match(start.headers["location"])
    assert match is not None, start.headers["location"]
    assert match.group("uuid") == start.headers["docker-upload-uuid"]
    decoded = json.loads(base64.urlsafe_b64decode(match.group("s") + "=="))
    assert decoded == {"Name": "ns/app", "UUID": match.group("uuid"), "Offset": 0}
    location = start.headers["location"]
    if state is not None:
        location = location.replace(match.group("s"), state)
    else:
        location = location.split("?", 1)[0] + "?x=1"
    body = blob.data
    if chunked:
        patched = await env.http.patch(location, content=body[:10], headers=auth)
        assert (patched.status_code, patched.headers["range"]) == (202, "0-9")
        again = _LOCATION.match(patched.headers["location"])
        assert again is not None and again.group("s") != match.group("s")
        status = await env.http.get(location, headers=auth)
        assert (status.status_code, status.headers["range"]) == (204, "0-9")
        body = body[10:]
        if state == "":
            location = patched.headers["location"]
    done = await env.http.put(f"{location}&digest={blob.digest}", content=body, headers=auth)
    assert done.status_code == 201, done.text
    assert done.headers["location"] == f"/v2/ns/app/blobs/{blob.digest}"
    got = await env.http.get(f"/v2/ns/app/blobs/{blob.digest}", headers=auth)
    assert got.content == blob.data


async def test_cancel_with_state_query(env: Env) -> None:
    start = await env.http.post("/v2/ns/app/blobs/uploads/", headers=bearer("admin"))
    location = start.headers["location"]
    cancelled = await env.http.delete(location, headers=bearer("admin"))
    assert cancelled.status_code == 204
    gone = await env.http.get(location, headers=bearer("admin"))
    assert gone.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"


# -- namespaces and streams that do not exist ------------------------------------------------
@pytest.mark.parametrize(
    ("user", "repo", "status", "body"),
    [
        pytest.param("admin", "doesnotexist/img", 403, DENIED, id="missing-namespace-denied"),
        pytest.param("dave", "ns/newstream", 403, DENIED, id="pusher-cannot-create-stream"),
        pytest.param("dave", "ns/existing", 201, None, id="pusher-pushes-existing-stream"),
        pytest.param("carol", "ns/newstream", 201, None, id="builder-creates-stream"),
    ],
)
async def test_manifest_push_refusals(
    env: Env, user: str, repo: str, status: int, body: dict[str, object] | None
) -> None:
    await env.push_image("ns/existing", "v0", build_image(salt="existing"))
    image = build_image(salt=f"refusal-{user}-{repo}")
    for blob in image.blobs:  # as upstream, blob uploads do not check the namespace
        assert (await env.push_blob(repo, blob, user)).status_code == 201
    response = await env.http.put(
        f"/v2/{repo}/manifests/latest",
        content=image.manifest,
        headers={**bearer(user), "Content-Type": image.media_type},
    )
    assert response.status_code == status, response.text
    if body is not None:
        assert response.json() == body


@pytest.mark.parametrize(
    ("user", "path", "status", "code", "detail"),
    [
        pytest.param(
            "bob",
            "/v2/doesnotexist/img/manifests/latest",
            401,
            "UNAUTHORIZED",
            [{"Type": "repository", "Class": "", "Name": "doesnotexist/img", "Action": "pull"}],
            id="puller-elsewhere-unauthorized",
        ),
        pytest.param(
            "admin",
            "/v2/doesnotexist/img/manifests/latest",
            404,
            "NAME_UNKNOWN",
            {"Name": "doesnotexist/img"},
            id="admin-name-unknown",
        ),
        pytest.param(
            "bob",
            "/v2/ns/nostream/manifests/latest",
            404,
            "NAME_UNKNOWN",
            {"Name": "ns/nostream"},
            id="puller-missing-stream",
        ),
        pytest.param(
            "admin",
            "/v2/doesnotexist/img/tags/list",
            404,
            "NAME_UNKNOWN",
            {"name": "doesnotexist/img"},
            id="tags-list-lower-case-as-distribution",
        ),
    ],
)
async def test_pull_from_missing(
    env: Env, user: str, path: str, status: int, code: str, detail: object
) -> None:
    response = await env.http.get(path, headers=pulling(user))
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert (error["code"], error["detail"]) == (code, detail)


# -- manifests pushed by digest only ---------------------------------------------------------
@pytest.mark.parametrize("method", [pytest.param("GET", id="get"), pytest.param("HEAD", id="head")])
async def test_manifest_pushed_by_digest_only_is_not_served(env: Env, method: str) -> None:
    image = build_image(salt=f"digest-only-{method}")
    await env.push_image("ns/app", "v1", build_image(salt="tagged"))
    assert (await env.push_image("ns/app", image.digest, image)).status_code == 201
    url = f"/v2/ns/app/manifests/{image.digest}"
    hidden = await env.http.request(method, url, headers=pulling("admin"))
    assert hidden.status_code == 404
    if method == "GET":
        assert hidden.json() == {
            "errors": [
                {
                    "code": "MANIFEST_UNKNOWN",
                    "message": "manifest unknown",
                    "detail": {"Name": "ns/app", "Revision": image.digest},
                }
            ]
        }
    tagged = await env.http.put(
        "/v2/ns/app/manifests/v2",
        content=image.manifest,
        headers={**bearer("admin"), "Content-Type": image.media_type},
    )
    assert tagged.status_code == 201
    shown = await env.http.request(method, url, headers=pulling("admin"))
    assert (shown.status_code, shown.headers["docker-content-digest"]) == (200, image.digest)


async def test_list_children_served_once_the_list_is_tagged(env: Env) -> None:
    index = build_index(fmt="docker", salt="children")
    for child in index.children:
        assert (await env.push_image("ns/multi", child.digest, child)).status_code == 201
        url = f"/v2/ns/multi/manifests/{child.digest}"
        assert (await env.http.get(url, headers=pulling("admin"))).status_code == 404
    pushed = await env.http.put(
        "/v2/ns/multi/manifests/latest",
        content=index.manifest,
        headers={**bearer("admin"), "Content-Type": index.media_type},
    )
    assert pushed.status_code == 201, pushed.text
    for child in index.children:
        url = f"/v2/ns/multi/manifests/{child.digest}"
        got = await env.http.get(url, headers=pulling("bob"))
        assert (got.status_code, got.content) == (200, child.manifest)


# -- the public empty layers -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("blob", "user", "repo", "status"),
    [
        pytest.param(EMPTY_TAR, "bob", "ns/unrelated", 200, id="gzipped-empty-tar-any-stream"),
        pytest.param(EMPTY, "admin", "other/nostream", 200, id="empty-blob-anywhere"),
        pytest.param(EMPTY_TAR, "alice", "ns/unrelated", 401, id="still-needs-pull-access"),
        pytest.param(
            build_image(salt="not-empty").layers[0], "bob", "ns/unrelated", 404, id="others-not"
        ),
    ],
)
async def test_empty_layers_are_public(
    env: Env, blob: Blob, user: str, repo: str, status: int
) -> None:
    before = await env.http.head(f"/v2/{repo}/blobs/{blob.digest}", headers=bearer("admin"))
    assert before.status_code == 404  # not stored yet
    assert (await env.push_blob("ns/app", blob)).status_code == 201
    for method in ("HEAD", "GET"):
        response = await env.http.request(
            method, f"/v2/{repo}/blobs/{blob.digest}", headers=bearer(user)
        )
        assert response.status_code == status, method
        if status == 200:
            assert response.headers["content-length"] == str(len(blob.data))
            assert response.content == (blob.data if method == "GET" else b"")


async def test_manifest_may_reference_stored_empty_layer(env: Env) -> None:
    assert (await env.push_blob("ns/app", EMPTY_TAR)).status_code == 201
    image = build_image(
        fmt="docker",
        salt="with-empty",
        shared_layers=[(GZIPPED_EMPTY_TAR, "sha256:" + "5f" * 32)],
    )
    assert (await env.push_blob("ns/fresh", image.config)).status_code == 201
    response = await env.http.put(
        "/v2/ns/fresh/manifests/v1",
        content=image.manifest,
        headers={**bearer("admin"), "Content-Type": image.media_type},
    )
    assert response.status_code == 201, response.text
