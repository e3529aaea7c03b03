"""``imagestreams adm prune images`` against a real server with its integrated registry.

Two revisions are pushed to ``prune/app:latest`` over the distribution API (images built in
Python, so every digest is known): the older one's layers, config and manifest belong to it
alone. A second stream ``prune/used`` also gets two revisions, and a running pod uses the older
one by digest, so it must survive. A dry run must print every deletion oc would make and change
nothing; ``--confirm`` must then delete the old Image, shorten the history to one item, make the
old blobs 404 through the registry and remove them from disk, while the current image still
pulls byte for byte. The pruner's ``DELETE /admin/blobs/<digest>`` needs cluster
``delete images``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.server_fixture import RunningServer, start_server
from tests.oci_images import BuiltImage, Pusher, build_image

pytestmark = pytest.mark.integration

NS = "prune"
OLD = build_image(fmt="oci", layer_seed="prune-old", salt="old")
NEW = build_image(fmt="oci", layer_seed="prune-new", salt="new")
USED_OLD = build_image(fmt="docker", layer_seed="used-old", salt="used-old")
USED_NEW = build_image(fmt="docker", layer_seed="used-new", salt="used-new")
IMAGES = "/apis/image.openshift.io/v1/images"
STREAMS = f"/apis/image.openshift.io/v1/namespaces/{NS}/imagestreams"


def _host(server: RunningServer) -> str:
    return server.url.removeprefix("http://")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("prune")
    tokens = root / "tokens.csv"
    tokens.write_text("alice-token,alice,uid-alice\n")
    with start_server(root / "data", "--token-auth-file", str(tokens), plain_http=True) as srv:
        with srv.client() as admin:
            r = admin.post("/api/v1/namespaces", json={"metadata": {"name": NS}})
            assert r.status_code == 201, r.text
        with Pusher(_host(srv), username="admin", password=srv.token) as pusher:
            for repo, image in (
                ("app", OLD),
                ("app", NEW),
                ("used", USED_OLD),
                ("used", USED_NEW),
            ):
                pusher.push_image(f"{NS}/{repo}", "latest", image)
        pod = {
            "metadata": {"name": "runner"},
            "spec": {
                "containers": [{"name": "c", "image": f"{_host(srv)}/{NS}/used@{USED_OLD.digest}"}]
            },
        }
        with srv.client() as admin:
            r = admin.post(f"/api/v1/namespaces/{NS}/pods", json=pod)
            assert r.status_code == 201, r.text
            running = {**r.json(), "status": {"phase": "Running"}}
            r = admin.put(f"/api/v1/namespaces/{NS}/pods/runner/status", json=running)
            assert r.status_code == 200, r.text
        yield srv


def prune(server: RunningServer, *flags: str) -> subprocess.CompletedProcess[str]:
    """The command through ``python -m imagestreams`` once ``adm`` is registered there, else
    straight from its module."""
    from imagestreams.cli.main import main

    if "adm" in main.commands:
        cmd = [sys.executable, "-m", "imagestreams", "adm"]
    else:
        code = "from imagestreams.cli.prune import adm; adm(prog_name='imagestreams adm')"
        cmd = [sys.executable, "-c", code]
    env = {**os.environ, "KUBECONFIG": str(server.kubeconfig)}
    return subprocess.run(
        [*cmd, "prune", "images", *flags], capture_output=True, text=True, env=env, timeout=60
    )


def expected_lines(host: str) -> list[str]:
    old_blobs = [layer.digest for layer in OLD.layers] + [OLD.config.digest]
    return [
        *(f"Deleting layer link {d} in repository {NS}/app" for d in old_blobs),
        f"Deleting 1 items from image stream {NS}/app",
        f"Deleting manifest link {OLD.digest} in repository {NS}/app",
        *(f"Deleting blob {d}" for d in [*old_blobs, OLD.digest]),
        f"Deleting image {OLD.digest}",
        "Summary: deleted 1 image object(s), deleted 1 image stream tag item(s), updated 1 image"
        " stream(s), deleted 3 layer link(s), deleted 1 manifest link(s), deleted 4 blob(s)",
    ]


def history(http: httpx.Client, name: str) -> list[str]:
    stream = http.get(f"{STREAMS}/{name}").json()
    return [item["image"] for t in stream["status"]["tags"] for item in t["items"]]


def blob_file(server: RunningServer, digest: str) -> Path:
    hexpart = digest.removeprefix("sha256:")
    return server.data_dir / "registry" / "blobs" / "sha256" / hexpart[:2] / hexpart


def blob_status(http: httpx.Client, repo: str, digest: str) -> int:
    return http.get(f"/v2/{NS}/{repo}/blobs/{digest}").status_code


def pulled(http: httpx.Client, repo: str, image: BuiltImage) -> bool:
    manifest = http.get(f"/v2/{NS}/{repo}/manifests/latest", headers={"Accept": image.media_type})
    blobs_ok = all(
        http.get(f"/v2/{NS}/{repo}/blobs/{b.digest}").content == b.data for b in image.blobs
    )
    return manifest.status_code == 200 and manifest.content == image.manifest and blobs_ok


@pytest.mark.parametrize(
    ("flags", "code", "message"),
    [
        # oc reports its own checks through CheckErr (exit 1); 2 is the flag parser's.
        pytest.param(
            ("--prune-over-size-limit", "--keep-tag-revisions=1"),
            1,
            "error: --prune-over-size-limit cannot be specified with --keep-tag-revisions nor"
            " --keep-younger-than\n",
            id="over-size-with-keep",
        ),
        pytest.param(
            ("--keep-tag-revisions=-1",),
            1,
            "error: --keep-tag-revisions must be greater than or equal to 0\n",
            id="negative-revisions",
        ),
        pytest.param(
            ("--keep-younger-than=5d",),
            2,
            'error: invalid argument "5d" for "--keep-younger-than" flag: time: unknown unit'
            ' "d" in duration "5d"\nSee \'imagestreams adm prune images -h\' for help and'
            " examples\n",
            id="bad-duration",
        ),
        pytest.param(
            ("--confirm", "true"),  # pflag: a bool's value needs "=", so "true" is an argument
            1,
            "error: no arguments are allowed to this command\nSee 'imagestreams adm prune"
            " images -h' for help and examples\n",
            id="bool-value-without-equals",
        ),
        pytest.param(
            ("extra",),
            1,
            "error: no arguments are allowed to this command\nSee 'imagestreams adm prune"
            " images -h' for help and examples\n",
            id="argument",
        ),
    ],
)
def test_bad_usage(server: RunningServer, flags: tuple[str, ...], code: int, message: str) -> None:
    done = prune(server, *flags)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", message)


def test_admin_blob_delete_needs_delete_images(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        r = http.delete(f"/admin/blobs/{NEW.config.digest}", auth=("x", "alice-token"))
        assert r.status_code == 401
        assert r.json()["errors"][0]["code"] == "UNAUTHORIZED"
        r = http.get(f"/admin/blobs/{NEW.config.digest}", auth=("x", server.token))
        assert r.status_code == 405
    assert blob_file(server, NEW.config.digest).exists()


def test_dry_run_then_confirm(server: RunningServer) -> None:
    flags = ("--keep-tag-revisions=1", "--keep-younger-than=0s")
    auth = ("anyone", server.token)
    with server.client() as api, httpx.Client(base_url=server.url, auth=auth, timeout=30) as reg:
        assert history(api, "app") == [NEW.digest, OLD.digest]

        dry = prune(server, *flags)
        assert dry.returncode == 0, dry.stderr
        assert dry.stderr == (
            "Dry run enabled - no modifications will be made. Add --confirm to remove images\n"
        )
        assert dry.stdout.splitlines() == expected_lines(_host(server))
        assert api.get(f"{IMAGES}/{OLD.digest}").status_code == 200
        assert history(api, "app") == [NEW.digest, OLD.digest]
        assert blob_status(reg, "app", OLD.layers[0].digest) == 200

        done = prune(server, *flags, "--confirm")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.splitlines() == expected_lines(_host(server))

        assert api.get(f"{IMAGES}/{OLD.digest}").status_code == 404
        assert history(api, "app") == [NEW.digest]
        for digest in (*(b.digest for b in OLD.blobs), OLD.digest):
            assert not blob_file(server, digest).exists(), digest
        for blob in OLD.blobs:
            assert blob_status(reg, "app", blob.digest) == 404
        assert reg.get(f"/v2/{NS}/app/manifests/{OLD.digest}").status_code == 404
        assert pulled(reg, "app", NEW)

        # the pod keeps the older revision of prune/used
        assert history(api, "used") == [USED_NEW.digest, USED_OLD.digest]
        assert api.get(f"{IMAGES}/{USED_OLD.digest}").status_code == 200
        assert pulled(reg, "used", USED_NEW)

        again = prune(server, *flags, "--confirm")
        assert (again.returncode, again.stdout) == (0, "Summary: deleted 0 objects\n")
