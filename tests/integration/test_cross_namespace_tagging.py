"""Tagging from another namespace's stream needs ``get imagestreams/layers`` there (spec 4.8)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server_fixture import RunningServer, start_server

pytestmark = pytest.mark.integration

DIGEST = "sha256:4a5b8bb0a7d5bd7e8bd5d7be5b0f9d0bb8ab9c2e4bfe9a3dc1cf2f4c6e0a7d31"
ISV1 = "/apis/image.openshift.io/v1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("xns")
    tokens = tmp / "tokens.csv"
    tokens.write_text('alice-token-0001,alice,1001,"devs"\n')
    with start_server(tmp / "data", "--token-auth-file", str(tokens), plain_http=True) as s:
        with s.client() as admin:
            for ns in ("src", "dst"):
                assert (
                    admin.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code
                    == 201
                )
            r = admin.post(
                f"{ISV1}/namespaces/src/imagestreams", json={"metadata": {"name": "base"}}
            )
            assert r.status_code == 201, r.text
            mapping = {
                "kind": "ImageStreamMapping",
                "apiVersion": "image.openshift.io/v1",
                "metadata": {"name": "base", "namespace": "src"},
                "image": {
                    "metadata": {"name": DIGEST},
                    "dockerImageReference": f"quay.io/example/base@{DIGEST}",
                },
                "tag": "latest",
            }
            r = admin.post(f"{ISV1}/namespaces/src/imagestreammappings", json=mapping)
            assert r.status_code == 201, r.text
            binding = {
                "metadata": {"name": "alice-admin"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "admin",
                },
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}
                ],
            }
            r = admin.post(
                "/apis/rbac.authorization.k8s.io/v1/namespaces/dst/rolebindings", json=binding
            )
            assert r.status_code == 201, r.text
        yield s


def _stream(name: str) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "tags": [
                {
                    "name": "latest",
                    "from": {"kind": "ImageStreamTag", "namespace": "src", "name": "base:latest"},
                }
            ]
        },
    }


def test_denied_without_layers_permission(server: RunningServer) -> None:
    with server.client(token="alice-token-0001") as alice:
        r = alice.post(f"{ISV1}/namespaces/dst/imagestreams", json=_stream("denied"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["reason"] == "Invalid"
    # Upstream's Validate wraps the tag verifier's Invalid error in an InternalError cause.
    (cause,) = body["details"]["causes"]
    assert cause["reason"] == "InternalError"
    assert cause["field"] == ""
    assert 'spec.tags[latest].from: Forbidden: src/base: "" ""' in cause["message"]
    with server.client() as admin:
        assert admin.get(f"{ISV1}/namespaces/dst/imagestreams/denied").status_code == 404


def test_allowed_once_granted_image_puller(server: RunningServer, tmp_path: Path) -> None:
    grant = {
        "metadata": {"name": "alice-pull"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:image-puller",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
    }
    with server.client() as admin:
        r = admin.post("/apis/rbac.authorization.k8s.io/v1/namespaces/src/rolebindings", json=grant)
        assert r.status_code == 201, r.text
    with server.client(token="alice-token-0001") as alice:
        r = alice.post(f"{ISV1}/namespaces/dst/imagestreams", json=_stream("allowed"))
        assert r.status_code == 201, r.text
        istag = alice.get(f"{ISV1}/namespaces/dst/imagestreamtags/allowed:latest")
        assert istag.status_code == 200, istag.text
        assert istag.json()["image"]["metadata"]["name"] == DIGEST
    # oc tag resolves an istag source to the image it points at, which needs read access to
    # the source stream itself, as with oc: grant view there too.
    with server.client() as admin:
        view = {
            **grant,
            "metadata": {"name": "alice-view"},
            "roleRef": {**grant["roleRef"], "name": "view"},
        }
        r = admin.post("/apis/rbac.authorization.k8s.io/v1/namespaces/src/rolebindings", json=view)
        assert r.status_code == 201, r.text
    kubeconfig = tmp_path / "alice.kubeconfig"
    kubeconfig.write_text(server.kubeconfig.read_text().replace(server.token, "alice-token-0001"))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "imagestreams",
            "tag",
            "src/base:latest",
            "copied:v1",
            "--kubeconfig",
            str(kubeconfig),
            "-n",
            "dst",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"Tag copied:v1 set to src/base@{DIGEST}."
    with server.client() as admin:
        copied = admin.get(f"{ISV1}/namespaces/dst/imagestreams/copied").json()
    (tag,) = copied["spec"]["tags"]
    assert tag["name"] == "v1"
    assert tag["from"] == {"kind": "ImageStreamImage", "namespace": "src", "name": f"base@{DIGEST}"}
