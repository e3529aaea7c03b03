"""ImageStreamImport through the real server from real registries (Debian docker-registry 2.8).

Images are built in Python (``tests/oci_images.py``) with known digests and pushed to anonymous,
htpasswd and token-auth registries; the server imports them over the network exactly as it
would from quay.io. Checked: dry runs, writes (stream, history, Images), manifest lists and OCI
indexes under both import modes, error statuses with upstream's texts, credentials from a
``kubernetes.io/dockerconfigjson`` secret created in the namespace, insecure HTTP, repository
imports with the tag limit, a registry that is down, and agreement with ``skopeo inspect``.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from imagestreams.oci import mediatypes as mt
from tests.integration.registry_fixture import (
    RegistryProcess,
    TokenServer,
    needs_registry,
)
from tests.integration.server_fixture import RunningServer, free_port, start_server
from tests.oci_images import BuiltImage, BuiltIndex, Pusher, build_image, build_index

pytestmark = [pytest.mark.integration, needs_registry]
SKOPEO = shutil.which("skopeo")
ISI = "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreamimports"
IS = "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreams/{name}"
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def images(registry: RegistryProcess) -> dict[str, BuiltImage | BuiltIndex]:
    built: dict[str, BuiltImage | BuiltIndex] = {
        "schema2": build_image(fmt="docker", labels={"kind": "schema2"}, salt="isi-s2"),
        "oci": build_image(fmt="oci", labels={"kind": "oci"}, salt="isi-oci"),
        "dockerlist": build_index(fmt="docker", salt="isi-list"),
        "ociindex": build_index(fmt="oci", salt="isi-index"),
    }
    with Pusher(registry.host) as pusher:
        for tag, item in built.items():
            if isinstance(item, BuiltIndex):
                pusher.push_index("isi/app", tag, item)
            else:
                pusher.push_image("isi/app", tag, item)
        pusher.push_many("isi/many", 60, prefix="v1.")
    return built


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("isi-server") / "data"
    with start_server(data, "--components", "api", plain_http=True) as srv:
        yield srv


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def _ns(api: httpx.Client, name: str) -> str:
    response = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code in (201, 409), response.text
    return name


def _import(
    api: httpx.Client, ns: str, name: str, images: list[Obj], *, write: bool = True, **spec: Any
) -> Obj:
    body = {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": name},
        "spec": {"import": write, "images": images, **spec},
    }
    response = api.post(ISI.format(ns=ns), json=body, timeout=120)
    assert response.status_code == 201, response.text
    result: Obj = response.json()
    return result


def _image(ref: str, tag: str = "", insecure: bool = True, mode: str = "", **extra: Any) -> Obj:
    spec: Obj = {
        "from": {"kind": "DockerImage", "name": ref},
        "importPolicy": {"insecure": insecure, **({"importMode": mode} if mode else {})},
        **extra,
    }
    if tag:
        spec["to"] = {"name": tag}
    return spec


@pytest.mark.parametrize(
    ("tag", "media_type", "child"),
    [
        pytest.param("schema2", mt.DOCKER_SCHEMA2, None, id="schema2"),
        pytest.param("oci", mt.OCI_MANIFEST, None, id="oci"),
        pytest.param("dockerlist", mt.DOCKER_SCHEMA2, "amd64", id="docker-list-legacy-amd64"),
        pytest.param("ociindex", mt.OCI_MANIFEST, "amd64", id="oci-index-legacy-amd64"),
    ],
)
def test_dry_run_reports_the_image_and_writes_nothing(
    api: httpx.Client,
    registry: RegistryProcess,
    images: dict[str, BuiltImage | BuiltIndex],
    tag: str,
    media_type: str,
    child: str | None,
) -> None:
    ns = _ns(api, "isi-dry")
    built = images[tag]
    expected = built.children[0] if isinstance(built, BuiltIndex) else built
    assert child is None or expected.platform[0] == child
    result = _import(api, ns, f"dry-{tag}", [_image(f"{registry.host}/isi/app:{tag}")], write=False)
    (status,) = result["status"]["images"]
    assert status["status"] == {"metadata": {}, "status": "Success"}
    assert status["tag"] == tag
    image = status["image"]
    assert image["metadata"]["name"] == expected.digest
    assert image["metadata"]["annotations"] == {"image.openshift.io/dockerLayersOrder": "ascending"}
    assert image["dockerImageReference"] == f"{registry.host}/isi/app@{expected.digest}"
    assert image["dockerImageManifestMediaType"] == media_type
    assert image["dockerImageMetadataVersion"] == "1.0"
    assert [layer["name"] for layer in image["dockerImageLayers"]] == [
        b.digest for b in expected.layers
    ]
    meta = image["dockerImageMetadata"]
    assert meta["Id"] == expected.config.digest
    assert meta["Size"] == expected.config.size + sum(b.size for b in expected.layers)
    assert meta["Architecture"] == expected.platform[0]
    assert "dockerImageManifest" not in image and "dockerImageConfig" not in image
    assert "import" not in result["status"]
    assert api.get(IS.format(ns=ns, name=f"dry-{tag}")).status_code == 404


def test_include_manifest_returns_raw_manifest_and_config(
    api: httpx.Client, registry: RegistryProcess, images: dict[str, BuiltImage | BuiltIndex]
) -> None:
    ns = _ns(api, "isi-dry")
    spec = _image(f"{registry.host}/isi/app:oci", includeManifest=True)
    result = _import(api, ns, "withmanifest", [spec], write=False)
    image = result["status"]["images"][0]["image"]
    built = images["oci"]
    assert isinstance(built, BuiltImage)
    assert image["dockerImageManifest"].encode() == built.manifest
    assert image["dockerImageConfig"].encode() == built.config.data


def test_import_writes_stream_history_and_images(
    api: httpx.Client, registry: RegistryProcess, images: dict[str, BuiltImage | BuiltIndex]
) -> None:
    ns = _ns(api, "isi-write")
    result = _import(
        api,
        ns,
        "app",
        [
            _image(f"{registry.host}/isi/app:schema2", "one"),
            _image(f"{registry.host}/isi/app:ociindex", "multi", mode="PreserveOriginal"),
        ],
    )
    index = images["ociindex"]
    assert isinstance(index, BuiltIndex)
    _, multi = result["status"]["images"]
    assert multi["image"]["metadata"]["name"] == index.digest
    assert multi["image"]["dockerImageManifestMediaType"] == mt.OCI_INDEX
    assert [m["digest"] for m in multi["image"]["dockerImageManifests"]] == [
        c.digest for c in index.children
    ]
    assert [
        (m["architecture"], m["os"], m.get("variant", ""))
        for m in multi["image"]["dockerImageManifests"]
    ] == [c.platform for c in index.children]
    assert [m["metadata"]["name"] for m in multi["manifests"]] == [c.digest for c in index.children]
    stream = result["status"]["import"]
    assert stream["metadata"]["generation"] == 1
    assert "openshift.io/image.dockerRepositoryCheck" in stream["metadata"]["annotations"]
    heads = {t["tag"]: t["items"][0] for t in stream["status"]["tags"]}
    assert heads["one"]["image"] == images["schema2"].digest
    assert heads["one"]["dockerImageReference"] == (
        f"{registry.host}/isi/app@{images['schema2'].digest}"
    )
    assert heads["multi"]["image"] == index.digest
    assert {h["generation"] for h in heads.values()} == {1}
    stored = api.get(IS.format(ns=ns, name="app")).json()
    assert stored["status"]["tags"] == stream["status"]["tags"]
    spec_tags = {t["name"]: t for t in stored["spec"]["tags"]}
    assert spec_tags["one"]["from"] == {
        "kind": "DockerImage",
        "name": f"{registry.host}/isi/app:schema2",
    }
    assert spec_tags["multi"]["importPolicy"]["importMode"] == "PreserveOriginal"
    for digest in [index.digest, *(c.digest for c in index.children), images["schema2"].digest]:
        image = api.get(f"/apis/image.openshift.io/v1/images/{digest}")
        assert image.status_code == 200, digest
        assert "dockerImageManifest" not in image.json()
    # The same import again changes nothing: no new revision.
    again = _import(api, ns, "app", [_image(f"{registry.host}/isi/app:schema2", "one")])
    assert (
        again["status"]["import"]["metadata"]["resourceVersion"]
        == (stored["metadata"]["resourceVersion"])
    )


@pytest.mark.parametrize(
    ("ref", "reason", "code", "message"),
    [
        pytest.param(
            "{host}/isi/app:nosuchtag",
            "NotFound",
            404,
            'dockerimage.image.openshift.io "{host}/isi/app:nosuchtag" not found',
            id="missing-tag",
        ),
        pytest.param(
            "{host}/isi/nosuchrepo:latest",
            "NotFound",
            404,
            'dockerimage.image.openshift.io "{host}/isi/nosuchrepo:latest" not found',
            id="missing-repository",
        ),
    ],
)
def test_failures_are_statuses_and_conditions(
    api: httpx.Client, registry: RegistryProcess, ref: str, reason: str, code: int, message: str
) -> None:
    ns = _ns(api, "isi-fail")
    name = f"fail-{reason.lower()}-{abs(hash(ref)) % 1000}"
    result = _import(api, ns, name, [_image(ref.format(host=registry.host), "t")])
    status = result["status"]["images"][0]["status"]
    assert (status["status"], status["reason"], status["code"]) == ("Failure", reason, code)
    assert status["message"] == message.format(host=registry.host)
    (tag,) = result["status"]["import"]["status"]["tags"]
    assert tag["items"] is None
    (condition,) = tag["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "ImportSuccess",
        "False",
        reason,
    )
    assert condition["message"] == message.format(host=registry.host)
    assert condition["generation"] == 1
    repeat = _import(api, ns, name, [_image(ref.format(host=registry.host), "t")])
    assert (
        repeat["status"]["import"]["metadata"]["resourceVersion"]
        == (result["status"]["import"]["metadata"]["resourceVersion"])
    )


def test_plain_http_registry_without_insecure_is_a_bad_request(
    api: httpx.Client, registry: RegistryProcess, images: Obj
) -> None:
    ns = _ns(api, "isi-fail")
    result = _import(
        api, ns, "secure", [_image(f"{registry.host}/isi/app:oci", insecure=False)], write=False
    )
    status = result["status"]["images"][0]["status"]
    assert status["reason"] == "BadRequest", status
    assert status["message"] == (
        "the repository isi/app is HTTP only and requires the insecure flag to import"
    )


def test_registry_that_is_down(api: httpx.Client) -> None:
    ns = _ns(api, "isi-fail")
    host = f"127.0.0.1:{free_port()}"
    result = _import(api, ns, "down", [_image(f"{host}/x/y:latest")], write=False)
    status = result["status"]["images"][0]["status"]
    assert (status["reason"], status["code"]) == ("InternalError", 500)
    assert status["message"].startswith(f"Internal error occurred: {host}/x/y:latest: ")


def _dockerconfig_secret(api: httpx.Client, ns: str, host: str, user: str, password: str) -> None:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = json.dumps({"auths": {host: {"auth": auth}}}).encode()
    secret = {
        "metadata": {"name": "pull"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }
    response = api.post(f"/api/v1/namespaces/{ns}/secrets", json=secret)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "variant", [pytest.param("basic", id="htpasswd-basic"), pytest.param("token", id="bearer")]
)
def test_private_registry_needs_the_namespace_secret(
    api: httpx.Client,
    basic_registry: RegistryProcess,
    token_registry: tuple[RegistryProcess, TokenServer],
    variant: str,
) -> None:
    if variant == "basic":
        reg, user, password = basic_registry, "testuser", "testpass"
    else:
        reg, user, password = token_registry[0], "tokenuser", "tokenpass"
    image = build_image(fmt="oci", salt=f"private-{variant}")
    if variant == "basic":
        with Pusher(reg.host, username=user, password=password) as pusher:
            pusher.push_image("private/app", "v1", image)
    else:
        token = token_registry[1].sign(
            user, [{"type": "repository", "name": "private/app", "actions": ["pull", "push"]}], 300
        )
        with Pusher(reg.host) as pusher:
            pusher._http.headers["Authorization"] = f"Bearer {token}"
            pusher.push_image("private/app", "v1", image)
    ns = _ns(api, f"isi-{variant}")
    ref = f"{reg.host}/private/app:v1"
    denied = _import(api, ns, "app", [_image(ref)], write=False)
    status = denied["status"]["images"][0]["status"]
    assert (status["reason"], status["code"]) == ("Unauthorized", 401)
    assert status["message"] == f'you may not have access to the container image "{ref}"'
    _dockerconfig_secret(api, ns, reg.host, user, password)
    allowed = _import(api, ns, "app", [_image(ref)], write=False)
    assert allowed["status"]["images"][0]["status"]["status"] == "Success"
    assert allowed["status"]["images"][0]["image"]["metadata"]["name"] == image.digest


def test_repository_import_takes_the_first_fifty_tags(
    api: httpx.Client, registry: RegistryProcess, images: Obj
) -> None:
    ns = _ns(api, "isi-repo")
    result = _import(
        api,
        ns,
        "many",
        [],
        repository={
            "from": {"kind": "DockerImage", "name": f"{registry.host}/isi/many"},
            "importPolicy": {"insecure": True},
        },
    )
    repo = result["status"]["repository"]
    assert repo["status"] == {"metadata": {}, "status": "Success"}
    imported = [i["tag"] for i in repo["images"]]
    # v1.N are "minor" versions: newest first, so v1.59 ... v1.10 are imported.
    assert imported == [f"v1.{n}" for n in range(59, 9, -1)]
    assert repo["additionalTags"] == [f"v1.{n}" for n in range(9, -1, -1)]
    tags = {t["tag"] for t in result["status"]["import"]["status"]["tags"]}
    assert tags == set(imported)


@pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed")
@pytest.mark.parametrize("tag", ["schema2", "oci", "dockerlist"])
def test_skopeo_agrees_with_the_recorded_image(
    api: httpx.Client, registry: RegistryProcess, images: Obj, tag: str
) -> None:
    ns = _ns(api, "isi-skopeo")
    ref = f"{registry.host}/isi/app:{tag}"
    result = _import(api, ns, f"sk-{tag}", [_image(ref)], write=False)
    image = result["status"]["images"][0]["image"]
    assert SKOPEO is not None
    out = subprocess.run(
        [SKOPEO, "inspect", "--tls-verify=false", "--override-arch", "amd64", f"docker://{ref}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    inspected = json.loads(out.stdout)
    meta = image["dockerImageMetadata"]
    # skopeo names the digest of what the tag points at (the list); we record its linux/amd64
    # child under Legacy, the one skopeo describes with --override-arch amd64.
    assert inspected["Digest"] == images[tag].digest
    if isinstance(images[tag], BuiltIndex):
        assert image["metadata"]["name"] == images[tag].children[0].digest
    else:
        assert image["metadata"]["name"] == inspected["Digest"]
    assert inspected["Layers"] == [layer["name"] for layer in image["dockerImageLayers"]]
    assert inspected["Architecture"] == meta["Architecture"]
    assert inspected["Created"].replace(".000000000", "") == meta["Created"]
    assert inspected["Labels"] == meta["Config"]["Labels"]
    assert inspected["Env"] == meta["Config"]["Env"]


def test_server_credentials_file(tmp_path: Path, basic_registry: RegistryProcess) -> None:
    image = build_image(fmt="docker", salt="server-credentials")
    with Pusher(basic_registry.host, username="testuser", password="testpass") as pusher:
        pusher.push_image("server/app", "v1", image)
    auth = base64.b64encode(b"testuser:testpass").decode()
    creds = tmp_path / "config.json"
    creds.write_text(json.dumps({"auths": {basic_registry.host: {"auth": auth}}}))
    with start_server(
        tmp_path / "data", "--components", "api", "--import-credentials-file", str(creds),
        plain_http=True,
    ) as srv, srv.client() as client:  # fmt: skip
        result = _import(
            client, "default", "app", [_image(f"{basic_registry.host}/server/app:v1")],
            write=False,
        )  # fmt: skip
    assert result["status"]["images"][0]["image"]["metadata"]["name"] == image.digest
