"""Push and pull through the registry app against the real image API (in-process HTTP)."""

from __future__ import annotations

import json

import pytest

from imagestreams.rest.context import RequestContext
from tests.oci_images import build_image, build_index
from tests.unit.distribution.conftest import REGISTRY, Env, bearer, pulling


async def test_push_by_tag_creates_stream_image_and_tag_event(env: Env) -> None:
    image = build_image(fmt="docker")
    response = await env.push_image("ns/app", "v1", image)
    assert response.status_code == 201
    assert response.headers["docker-content-digest"] == image.digest
    assert response.headers["location"] == f"/v2/ns/app/manifests/{image.digest}"
    assert response.headers["docker-distribution-api-version"] == "registry/2.0"

    stream = await env.stream("ns", "app")
    [tag] = stream["status"]["tags"]
    assert tag["tag"] == "v1"
    assert tag["items"][0]["image"] == image.digest
    assert tag["items"][0]["dockerImageReference"] == f"{REGISTRY}/ns/app@{image.digest}"
    stored = await env.r("images").get(RequestContext(), image.digest)
    assert stored["metadata"]["annotations"] == {
        "openshift.io/image.managed": "true",
        "image.openshift.io/manifestBlobStored": "true",
        "image.openshift.io/dockerLayersOrder": "ascending",
    }
    assert [layer["name"] for layer in stored["dockerImageLayers"]] == [
        blob.digest for blob in image.layers
    ]
    assert stored["dockerImageMetadata"]["Id"] == image.config.digest
    assert stored["dockerImageMetadata"]["Architecture"] == "amd64"
    assert "dockerImageManifest" not in stored  # manifestBlobStored: the registry keeps it


async def test_pull_by_tag_and_digest_returns_the_pushed_bytes(env: Env) -> None:
    image = build_image(fmt="oci")
    assert (await env.push_image("ns/app", "latest", image)).status_code == 201
    for ref in ("latest", image.digest):
        got = await env.http.get(f"/v2/ns/app/manifests/{ref}", headers=pulling("admin"))
        assert got.status_code == 200
        assert got.content == image.manifest
        assert got.headers["content-type"] == image.media_type
        assert got.headers["docker-content-digest"] == image.digest
    head = await env.http.head("/v2/ns/app/manifests/latest", headers=pulling("admin"))
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(image.manifest)))
    layer = image.layers[0]
    whole = await env.http.get(f"/v2/ns/app/blobs/{layer.digest}", headers=bearer("admin"))
    assert (whole.status_code, whole.content) == (200, layer.data)
    part = await env.http.get(
        f"/v2/ns/app/blobs/{layer.digest}", headers={**bearer("admin"), "Range": "bytes=5-14"}
    )
    assert part.status_code == 206
    assert part.content == layer.data[5:15]
    assert part.headers["content-range"] == f"bytes 5-14/{layer.size}"


async def test_blob_file_is_content_addressed(env: Env) -> None:
    image = build_image(fmt="oci")
    await env.push_image("ns/app", "v1", image)
    hex_part = image.layers[0].digest.removeprefix("sha256:")
    path = env.root / "blobs" / "sha256" / hex_part[:2] / hex_part
    assert path.read_bytes() == image.layers[0].data
    manifest_hex = image.digest.removeprefix("sha256:")
    assert (env.root / "blobs" / "sha256" / manifest_hex[:2] / manifest_hex).exists()


async def test_chunked_upload(env: Env) -> None:
    blob = build_image().layers[0]
    start = await env.http.post("/v2/ns/app/blobs/uploads/", headers=bearer("admin"))
    assert start.status_code == 202
    assert start.headers["range"] == "0-0"
    location = start.headers["location"]
    uuid = start.headers["docker-upload-uuid"]
    assert location.startswith(f"/v2/ns/app/blobs/uploads/{uuid}?_state=")
    first = await env.http.patch(
        location,
        content=blob.data[:100],
        headers={**bearer("admin"), "Content-Range": "0-99"},
    )
    assert (first.status_code, first.headers["range"]) == (202, "0-99")
    lost = await env.http.patch(
        location, content=b"x", headers={**bearer("admin"), "Content-Range": "50-50"}
    )
    assert lost.status_code == 416
    assert lost.json()["errors"][0]["code"] == "RANGE_INVALID"
    status = await env.http.get(location, headers=bearer("admin"))
    assert (status.status_code, status.headers["range"]) == (204, "0-99")
    done = await env.http.put(
        f"{location}&digest={blob.digest}", content=blob.data[100:], headers=bearer("admin")
    )
    assert done.status_code == 201
    assert done.headers["location"] == f"/v2/ns/app/blobs/{blob.digest}"
    again = await env.http.get(location, headers=bearer("admin"))
    assert again.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    got = await env.http.get(f"/v2/ns/app/blobs/{blob.digest}", headers=bearer("admin"))
    assert got.content == blob.data


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        pytest.param("missing-blob", "MANIFEST_BLOB_UNKNOWN", 400, id="missing-blob"),
        pytest.param("wrong-digest", "DIGEST_INVALID", 400, id="wrong-digest"),
        pytest.param("schema1", "MANIFEST_INVALID", 400, id="schema1"),
        pytest.param("garbage", "MANIFEST_INVALID", 400, id="garbage"),
        pytest.param("bad-tag", "TAG_INVALID", 400, id="bad-tag"),
    ],
)
async def test_manifest_put_errors(env: Env, case: str, code: str, status: int) -> None:
    image = build_image(fmt="docker", salt=case)
    for blob in image.blobs[1:] if case == "missing-blob" else image.blobs:
        await env.push_blob("ns/app", blob)
    ref, body, ctype = "v1", image.manifest, image.media_type
    if case == "wrong-digest":
        ref = "sha256:" + "0" * 64
    elif case == "schema1":
        body = json.dumps({"schemaVersion": 1, "name": "ns/app", "fsLayers": []}).encode()
        ctype = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    elif case == "garbage":
        body = b"{not json"
    elif case == "bad-tag":
        ref = ".bad"
    response = await env.http.put(
        f"/v2/ns/app/manifests/{ref}",
        content=body,
        headers={**bearer("admin"), "Content-Type": ctype},
    )
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["code"] == code
    if case == "missing-blob":
        assert error == {
            "code": "MANIFEST_BLOB_UNKNOWN",
            "message": "blob unknown to registry",
            "detail": image.layers[0].digest,
        }
    if case == "schema1":
        assert error["detail"] == "manifest type unsupported"


async def test_manifest_list_push_and_tags(env: Env) -> None:
    index = build_index(fmt="oci")
    for child in index.children:
        assert (await env.push_image("ns/multi", child.digest, child)).status_code == 201
    response = await env.http.put(
        "/v2/ns/multi/manifests/latest",
        content=index.manifest,
        headers={**bearer("admin"), "Content-Type": index.media_type},
    )
    assert response.status_code == 201
    stored = await env.r("images").get(RequestContext(), index.digest)
    assert [m["digest"] for m in stored["dockerImageManifests"]] == [
        c.digest for c in index.children
    ]
    for child in index.children:
        got = await env.http.get(f"/v2/ns/multi/manifests/{child.digest}", headers=pulling("admin"))
        assert got.content == child.manifest
    tags = await env.http.get("/v2/ns/multi/tags/list", headers=bearer("admin"))
    assert tags.json() == {"name": "ns/multi", "tags": ["latest"]}


async def test_unknown_names_tags_and_digests(env: Env) -> None:
    await env.push_image("ns/app", "v1", build_image())
    cases = {
        "/v2/ns/nope/manifests/v1": ("NAME_UNKNOWN", {"Name": "ns/nope"}),
        f"/v2/ns/nope/manifests/sha256:{'a' * 64}": ("NAME_UNKNOWN", {"Name": "ns/nope"}),
        "/v2/ns/app/manifests/v2": ("MANIFEST_UNKNOWN", {"Tag": "v2"}),
        f"/v2/ns/app/manifests/sha256:{'a' * 64}": (
            "MANIFEST_UNKNOWN",
            {"Name": "ns/app", "Revision": f"sha256:{'a' * 64}"},
        ),
        f"/v2/ns/app/blobs/sha256:{'b' * 64}": ("BLOB_UNKNOWN", f"sha256:{'b' * 64}"),
        "/v2/ns/nope/tags/list": ("NAME_UNKNOWN", {"name": "ns/nope"}),
    }
    for path, (code, detail) in cases.items():
        response = await env.http.get(path, headers=pulling("admin"))
        assert response.status_code == 404, path
        assert response.json() == {
            "errors": [
                {"code": code, "message": response.json()["errors"][0]["message"], "detail": detail}
            ]
        }


async def test_blob_of_another_repository_is_not_served(env: Env) -> None:
    image = build_image(salt="private")
    await env.push_image("other/secret", "v1", image)
    response = await env.http.get(
        f"/v2/ns/app/blobs/{image.layers[0].digest}", headers=bearer("admin")
    )
    assert response.status_code == 404


async def test_delete_manifest_still_tagged_is_unsupported(env: Env) -> None:
    image = build_image()
    await env.push_image("ns/app", "v1", image)
    response = await env.http.delete(
        f"/v2/ns/app/manifests/{image.digest}", headers=bearer("admin")
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "UNSUPPORTED"
