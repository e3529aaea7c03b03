"""The integrated registry against upstream's rules, with real clients (skopeo) over a real server.

* Content negotiation: a Docker manifest list pushed with ``skopeo copy --all --format v2s2``
  is served whole to skopeo, and as its linux/amd64 child to a client that only accepts schema2;
  an OCI manifest is refused to a client that does not accept OCI.
* ``If-None-Match`` is a 304.
* The upload ``Location`` carries ``?_state=`` so ``Location + "&digest=..."`` completes it.
* A push into a namespace that does not exist is ``denied`` (upstream's
  ``TestPutManifestToANonExistentNamespace``).
* A manifest pushed only by digest is not served until tagged; children of a tagged list are.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from imagestreams.oci import mediatypes as mt
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

NS = "upstream"
IMAGE = build_image(fmt="oci", salt="upstream-rules")
INDEX = build_index(fmt="oci", salt="upstream-rules")
# skopeo's wording of upstream's "failed to upload manifest to doesnotexist/img: denied"
DENIED_TEXT = "uploading manifest latest to {host}/doesnotexist/img: denied"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("registry-upstream")
    with start_server(root / "data", plain_http=True) as srv:
        with srv.client() as admin:
            r = admin.post("/api/v1/namespaces", json={"metadata": {"name": NS}})
            assert r.status_code == 201, r.text
        yield srv


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    refs: dict[str, BuiltImage | BuiltIndex] = {"v1": IMAGE, "multi": INDEX}
    return write_oci_layout(tmp_path_factory.mktemp("layout") / "oci", refs)


def _host(server: RunningServer) -> str:
    return server.url.removeprefix("http://")


def _skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _push(
    server: RunningServer, layout: Path, src: str, dest: str, *extra: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return _skopeo(
        "copy", *extra, "--dest-tls-verify=false", "--dest-creds", f"x:{server.token}",
        f"oci:{layout}:{src}", f"docker://{_host(server)}/{dest}", check=check,
    )  # fmt: skip


def _raw(server: RunningServer, ref: str) -> bytes:
    creds = ("--tls-verify=false", "--creds", f"x:{server.token}")
    return _skopeo("inspect", "--raw", *creds, f"docker://{_host(server)}/{ref}").stdout.encode()


def _get(server: RunningServer, path: str, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.token}"}
    return httpx.get(server.url + path, headers={**auth, **headers}, timeout=30)


def test_docker_manifest_list_negotiation(
    server: RunningServer, layout: Path, tmp_path: Path
) -> None:
    _push(server, layout, "multi", f"{NS}/dlist:latest", "--all", "--format", "v2s2")
    listed = _raw(server, f"{NS}/dlist:latest")
    doc = json.loads(listed)
    assert doc["mediaType"] == mt.DOCKER_MANIFEST_LIST
    [amd64] = [
        m for m in doc["manifests"] if m["platform"] == {"architecture": "amd64", "os": "linux"}
    ]
    child = _raw(server, f"{NS}/dlist@{amd64['digest']}")  # a child by digest, once listed
    for accept in ({"Accept": mt.DOCKER_SCHEMA2}, {}):
        got = _get(server, f"/v2/{NS}/dlist/manifests/latest", **accept)
        assert got.status_code == 200
        assert got.headers["docker-content-digest"] == amd64["digest"]
        assert got.headers["content-type"] == mt.DOCKER_SCHEMA2
        assert got.content == child
    whole = _get(server, f"/v2/{NS}/dlist/manifests/latest", Accept=mt.MANIFEST_ACCEPT)
    assert (whole.status_code, whole.content) == (200, listed)
    _skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{server.token}",
        "--override-arch", "amd64", "--override-os", "linux",
        f"docker://{_host(server)}/{NS}/dlist:latest", f"dir:{tmp_path / 'out'}",
    )  # fmt: skip
    assert (tmp_path / "out" / "manifest.json").read_bytes() == child


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        pytest.param(mt.DOCKER_SCHEMA2, 404, id="schema2-only-refused"),
        pytest.param(f"{mt.DOCKER_SCHEMA2}, {mt.OCI_MANIFEST}", 200, id="oci-accepted"),
    ],
)
def test_oci_manifest_needs_oci_accept(
    server: RunningServer, layout: Path, accept: str, status: int
) -> None:
    _push(server, layout, "v1", f"{NS}/app:v1")
    got = _get(server, f"/v2/{NS}/app/manifests/v1", Accept=accept)
    assert got.status_code == status
    if status == 404:
        assert got.json() == {
            "errors": [
                {
                    "code": "MANIFEST_UNKNOWN",
                    "message": "OCI manifest found, but accept header does not support OCI "
                    "manifests",
                }
            ]
        }
    else:
        assert got.content == IMAGE.manifest


def test_if_none_match(server: RunningServer, layout: Path) -> None:
    _push(server, layout, "v1", f"{NS}/app:v1")
    path = f"/v2/{NS}/app/manifests/v1"
    etag = _get(server, path, Accept=mt.MANIFEST_ACCEPT).headers["etag"]
    assert etag == f'"{IMAGE.digest}"'
    again = _get(server, path, **{"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")


def test_upload_location_plus_digest(server: RunningServer) -> None:
    blob = build_image(salt="upload-state").layers[0]
    auth = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        start = http.post(f"/v2/{NS}/uploads/blobs/uploads/")
        assert start.status_code == 202
        assert "?_state=" in start.headers["location"]
        url = urljoin(server.url + "/", start.headers["location"]) + f"&digest={blob.digest}"
        done = http.put(url, content=blob.data)
        assert done.status_code == 201, done.text
        assert http.get(f"/v2/{NS}/uploads/blobs/{blob.digest}").content == blob.data


def test_push_to_missing_namespace_is_denied(server: RunningServer, layout: Path) -> None:
    done = _push(server, layout, "v1", "doesnotexist/img:latest", check=False)
    assert done.returncode != 0
    assert DENIED_TEXT.format(host=_host(server)) in done.stderr, done.stderr
    with server.client() as api:
        missing = api.get("/apis/image.openshift.io/v1/namespaces/doesnotexist/imagestreams/img")
        assert missing.status_code == 404


def test_digest_only_manifest_served_once_tagged(server: RunningServer) -> None:
    image = build_image(fmt="docker", salt="digest-only")
    ref = f"docker://{_host(server)}/{NS}/bydigest@{image.digest}"
    creds = ("--tls-verify=false", "--creds", f"x:{server.token}")
    with Pusher(_host(server), username="x", password=server.token) as pusher:
        pusher.push_image(f"{NS}/bydigest", "base", build_image(fmt="docker", salt="base"))
        assert pusher.push_image(f"{NS}/bydigest", image.digest, image) == image.digest
        hidden = _skopeo("inspect", "--raw", *creds, ref, check=False)
        assert hidden.returncode != 0
        assert "manifest unknown" in hidden.stderr, hidden.stderr
        pusher.push_manifest(f"{NS}/bydigest", "v2", image.manifest, image.media_type)
    assert _skopeo("inspect", "--raw", *creds, ref).stdout.encode() == image.manifest
