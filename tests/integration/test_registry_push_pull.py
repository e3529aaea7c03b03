"""The integrated registry with real clients: skopeo pushes and pulls, podman pulls.

One plain-HTTP server for the module (the registry shares the API's listener under ``/v2/``),
with a token file: ``bob`` is bound to ``system:image-puller`` in the test namespace, ``alice``
has no rights. Images are built in Python as OCI layouts (``tests/oci_images``) so every digest
is known; after a push the API must show the tag and an Image with layers, and a pull must give
back the exact bytes. Pull-through is checked against a real ``docker-registry`` holding an image
the stream only references (``referencePolicy: Local``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.registry_fixture import RegistryProcess, registry  # noqa: F401
from tests.integration.server_fixture import RunningServer, start_server
from tests.oci_images import (
    BuiltImage,
    BuiltIndex,
    Pusher,
    build_image,
    build_index,
    write_oci_layout,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed"),
]

RBAC = "rbac.authorization.k8s.io"
NS = "reg"
IMAGE = build_image(fmt="oci", salt="registry-test")
INDEX = build_index(fmt="oci", salt="registry-test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("registry")
    tokens = root / "tokens.csv"
    tokens.write_text("alice-token,alice,uid-alice\nbob-token,bob,uid-bob\n")
    with start_server(root / "data", "--token-auth-file", str(tokens), plain_http=True) as srv:
        with srv.client() as admin:
            for ns in (NS, "pt"):
                r = admin.post("/api/v1/namespaces", json={"metadata": {"name": ns}})
                assert r.status_code == 201, r.text
            binding = {
                "metadata": {"name": "bob-pull", "namespace": NS},
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "system:image-puller"},
                "subjects": [{"kind": "User", "apiGroup": RBAC, "name": "bob"}],
            }
            r = admin.post(f"/apis/{RBAC}/v1/namespaces/{NS}/rolebindings", json=binding)
            assert r.status_code == 201, r.text
        yield srv


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    refs: dict[str, BuiltImage | BuiltIndex] = {"v1": IMAGE, "multi": INDEX}
    return write_oci_layout(tmp_path_factory.mktemp("layout") / "oci", refs)


def host(server: RunningServer) -> str:
    return server.url.removeprefix("http://")


def skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def push(server: RunningServer, layout: Path, src: str, dest: str, *extra: str) -> None:
    skopeo(
        "copy", *extra, "--dest-tls-verify=false", "--dest-creds", f"x:{server.token}",
        f"oci:{layout}:{src}", f"docker://{host(server)}/{dest}",
    )  # fmt: skip


def test_push_creates_tag_and_image(server: RunningServer, layout: Path) -> None:
    push(server, layout, "v1", f"{NS}/app:v1")
    with server.client() as api:
        istag = api.get(f"/apis/image.openshift.io/v1/namespaces/{NS}/imagestreamtags/app:v1")
        assert istag.status_code == 200, istag.text
        image = istag.json()["image"]
        assert image["metadata"]["name"] == IMAGE.digest
        assert image["dockerImageReference"] == f"{host(server)}/{NS}/app@{IMAGE.digest}"
        assert [layer["name"] for layer in image["dockerImageLayers"]] == [
            layer.digest for layer in IMAGE.layers
        ]
        assert image["dockerImageMetadata"]["Id"] == IMAGE.config.digest


def test_inspect_and_pull_back_byte_identical(
    server: RunningServer, layout: Path, tmp_path: Path
) -> None:
    push(server, layout, "v1", f"{NS}/app:v1")
    creds = ("--tls-verify=false", "--creds", f"x:{server.token}")
    info = json.loads(skopeo("inspect", *creds, f"docker://{host(server)}/{NS}/app:v1").stdout)
    assert (info["Digest"], info["RepoTags"]) == (IMAGE.digest, ["v1"])
    assert info["Layers"] == [layer.digest for layer in IMAGE.layers]
    raw = skopeo("inspect", "--raw", *creds, f"docker://{host(server)}/{NS}/app:v1").stdout
    assert raw.encode() == IMAGE.manifest
    skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{server.token}",
        f"docker://{host(server)}/{NS}/app@{IMAGE.digest}", f"oci:{tmp_path / 'out'}:v1",
    )  # fmt: skip
    for blob in (*IMAGE.blobs,):
        pulled = tmp_path / "out" / "blobs" / "sha256" / blob.digest.removeprefix("sha256:")
        assert pulled.read_bytes() == blob.data


def test_docker_format_push(server: RunningServer, layout: Path) -> None:
    push(server, layout, "v1", f"{NS}/docker:v2s2", "--format", "v2s2")
    with server.client() as api:
        istag = api.get(f"/apis/image.openshift.io/v1/namespaces/{NS}/imagestreamtags/docker:v2s2")
        image = istag.json()["image"]
        assert image["dockerImageManifestMediaType"] == (
            "application/vnd.docker.distribution.manifest.v2+json"
        )
        assert len(image["dockerImageLayers"]) == len(IMAGE.layers)


def test_multi_arch_push_all(server: RunningServer, layout: Path) -> None:
    push(server, layout, "multi", f"{NS}/multi:latest", "--all")
    creds = ("--tls-verify=false", "--creds", f"x:{server.token}")
    raw = skopeo("inspect", "--raw", *creds, f"docker://{host(server)}/{NS}/multi:latest").stdout
    assert raw.encode() == INDEX.manifest
    arm = json.loads(
        skopeo(
            "inspect", "--override-arch", "arm64", *creds, f"docker://{host(server)}/{NS}/multi"
        ).stdout
    )
    assert (arm["Digest"], arm["Architecture"]) == (INDEX.digest, "arm64")
    assert arm["Layers"] == [layer.digest for layer in INDEX.children[1].layers]
    with server.client() as api:
        image = api.get(f"/apis/image.openshift.io/v1/images/{INDEX.digest}").json()
        assert [m["digest"] for m in image["dockerImageManifests"]] == [
            c.digest for c in INDEX.children
        ]


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_podman_pull(server: RunningServer, layout: Path, tmp_path: Path) -> None:
    push(server, layout, "multi", f"{NS}/multi:latest", "--all")
    # podman refuses a --runroot longer than 50 characters: keep both short
    short = Path(tempfile.mkdtemp(prefix="isp-", dir="/tmp"))
    podman = [
        "podman", "--storage-driver", "vfs",
        "--root", str(short / "root"), "--runroot", str(short / "run"),
    ]  # fmt: skip
    done = subprocess.run(
        [*podman, "pull", "--arch", "arm64", "--tls-verify=false", "--creds", "bob:bob-token",
         f"{host(server)}/{NS}/multi:latest"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == INDEX.children[1].config.digest[7:]
    finally:
        shutil.rmtree(short, ignore_errors=True)


@pytest.mark.parametrize(
    ("token", "method", "path"),
    [
        pytest.param("alice-token", "GET", f"/v2/{NS}/app/manifests/v1", id="stranger-pull"),
        pytest.param("bob-token", "POST", f"/v2/{NS}/app/blobs/uploads/", id="puller-push"),
        pytest.param("nobody", "GET", f"/v2/{NS}/app/manifests/v1", id="unknown-token"),
    ],
)
def test_refused(server: RunningServer, layout: Path, token: str, method: str, path: str) -> None:
    push(server, layout, "v1", f"{NS}/app:v1")
    response = httpx.request(
        method, server.url + path, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm=openshift,error="access denied"'
    [error] = response.json()["errors"]
    assert (error["code"], error["message"]) == ("UNAUTHORIZED", "authentication required")
    assert error["detail"][0] == {
        "Type": "repository", "Class": "", "Name": f"{NS}/app", "Action": "pull"
    }  # fmt: skip


def test_puller_pulls_but_cannot_push(server: RunningServer, layout: Path, tmp_path: Path) -> None:
    push(server, layout, "v1", f"{NS}/app:v1")
    skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", "bob:bob-token",
        f"docker://{host(server)}/{NS}/app:v1", f"oci:{tmp_path / 'out'}:v1",
    )  # fmt: skip
    denied = skopeo(
        "copy", "--dest-tls-verify=false", "--dest-creds", "bob:bob-token",
        f"oci:{layout}:v1", f"docker://{host(server)}/{NS}/other:v1", check=False,
    )  # fmt: skip
    assert denied.returncode != 0
    assert "authentication required" in denied.stderr or "unauthorized" in denied.stderr


def test_pull_through_from_source_registry(
    server: RunningServer,
    registry: RegistryProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    upstream = build_image(fmt="oci", layer_seed="pull-through", salt="pt")
    with Pusher(registry.host) as pusher:
        pusher.push_image("up/app", "v1", upstream)
    source = f"{registry.host}/up/app@{upstream.digest}"
    with server.client() as api:
        stream = {
            "metadata": {
                "name": "mirror",
                "annotations": {"openshift.io/image.insecureRepository": "true"},
            }
        }
        r = api.post("/apis/image.openshift.io/v1/namespaces/pt/imagestreams", json=stream)
        assert r.status_code == 201, r.text
        mapping = {
            "metadata": {"name": "mirror", "namespace": "pt"},
            "tag": "latest",
            "image": {
                "metadata": {"name": upstream.digest},
                "dockerImageReference": source,
                "dockerImageManifest": upstream.manifest.decode(),
                "dockerImageManifestMediaType": upstream.media_type,
                "dockerImageConfig": upstream.config.data.decode(),
            },
        }
        r = api.post("/apis/image.openshift.io/v1/namespaces/pt/imagestreammappings", json=mapping)
        assert r.status_code == 201, r.text
    cached = server.data_dir / "registry" / "blobs" / "sha256"
    layer_hex = upstream.layers[0].digest.removeprefix("sha256:")
    assert not (cached / layer_hex[:2] / layer_hex).exists()
    skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{server.token}",
        f"docker://{host(server)}/pt/mirror:latest", f"oci:{tmp_path / 'out'}:v1",
    )  # fmt: skip
    for blob in upstream.blobs:
        hex_part = blob.digest.removeprefix("sha256:")
        assert (tmp_path / "out" / "blobs" / "sha256" / hex_part).read_bytes() == blob.data
        assert (cached / hex_part[:2] / hex_part).read_bytes() == blob.data


def test_manifest_pull_through(
    server: RunningServer,
    registry: RegistryProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    """An Image that carries only metadata (no raw manifest): the manifest itself comes from
    the source registry, by digest, and is then served locally."""
    upstream = build_image(fmt="docker", layer_seed="pull-through-2", salt="pt2")
    with Pusher(registry.host) as pusher:
        pusher.push_image("up/meta", "v1", upstream)
    with server.client() as api:
        stream = {
            "metadata": {
                "name": "meta",
                "annotations": {"openshift.io/image.insecureRepository": "true"},
            }
        }
        r = api.post("/apis/image.openshift.io/v1/namespaces/pt/imagestreams", json=stream)
        assert r.status_code == 201, r.text
        mapping = {
            "metadata": {"name": "meta", "namespace": "pt"},
            "tag": "latest",
            "image": {
                "metadata": {"name": upstream.digest},
                "dockerImageReference": f"{registry.host}/up/meta@{upstream.digest}",
                "dockerImageManifestMediaType": upstream.media_type,
                "dockerImageMetadata": {"Id": upstream.config.digest},
                "dockerImageLayers": [
                    {"name": b.digest, "size": b.size, "mediaType": b.media_type}
                    for b in upstream.layers
                ],
            },
        }
        r = api.post("/apis/image.openshift.io/v1/namespaces/pt/imagestreammappings", json=mapping)
        assert r.status_code == 201, r.text
    creds = ("--tls-verify=false", "--creds", f"x:{server.token}")
    raw = skopeo("inspect", "--raw", *creds, f"docker://{host(server)}/pt/meta:latest").stdout
    assert raw.encode() == upstream.manifest
    hex_part = upstream.digest.removeprefix("sha256:")
    cached = server.data_dir / "registry" / "blobs" / "sha256" / hex_part[:2] / hex_part
    assert cached.read_bytes() == upstream.manifest
    skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{server.token}",
        f"docker://{host(server)}/pt/meta:latest", f"dir:{tmp_path / 'out'}",
    )  # fmt: skip
    for blob in upstream.blobs:
        assert (tmp_path / "out" / blob.digest.removeprefix("sha256:")).read_bytes() == blob.data
