"""Acceptance checks of issues 2, 3 and 5 that no other module exercised the way a user would.

One server for the module (HTTPS, a token file with one plain user, an audit log, a public
registry hostname), driven with the real kubectl and with plain HTTP: impersonation
(``kubectl --as`` / ``auth can-i --as``), a WatchList informer's watch, exact LimitRange
refusals, ``kubectl get is -w``, public/internal repositories and the ``secrets`` subresource
after ``kubectl create secret docker-registry``. A second, plain-HTTP server checks
``--registry-hostname ""`` and ``--audit-log-path -``.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.kubectl import Kubectl, kubectl_binary
from tests.integration.server_fixture import RunningServer, start_server

pytestmark = pytest.mark.integration

IMAGE = "/apis/image.openshift.io/v1"
NS = "audit-proj"
ALICE = "alice-token-7f3c"
DIGEST_A = "sha256:" + "4a" * 32
DIGEST_B = "sha256:" + "5b" * 32


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit")


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[RunningServer]:
    tokens = root / "tokens.csv"
    tokens.write_text(f'{ALICE},alice,1001,"devs"\n')
    with start_server(
        root / "data",
        "--token-auth-file",
        str(tokens),
        "--audit-log-path",
        str(root / "audit.log"),
        "--public-registry-hostname",
        "registry.example.com",
    ) as running:
        with running.client() as http:
            assert http.post("/api/v1/namespaces", json={"metadata": {"name": NS}}).is_success
        yield running


@pytest.fixture(scope="module")
def kubectl(server: RunningServer) -> Kubectl:
    return Kubectl(server.kubeconfig)


def _audit_events(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / "audit.log").read_text().splitlines()]


# -- impersonation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdout", "stderr"),
    [
        pytest.param(
            ["auth", "can-i", "list", "imagestreams", "-n", NS, "--as", "alice"],
            "no\n",
            "",
            id="can-i-as-plain-user",
        ),
        pytest.param(
            ["auth", "can-i", "list", "imagestreams", "-n", NS],
            "yes\n",
            "",
            id="can-i-as-admin",
        ),
        pytest.param(
            [
                "auth",
                "can-i",
                "update",
                "imagestreams",
                "--subresource=layers",
                "-n",
                NS,
                "--as",
                f"system:serviceaccount:{NS}:builder",
            ],
            "yes\n",
            "",
            id="can-i-as-builder-service-account",
        ),
        pytest.param(
            ["get", "imagestreams", "-n", NS, "--as", "alice"],
            "",
            "Error from server (Forbidden): imagestreams.image.openshift.io is forbidden: User "
            '"alice" cannot list resource "imagestreams" in API group "image.openshift.io" in '
            f'the namespace "{NS}"\n',
            id="get-as-plain-user-is-forbidden",
        ),
        pytest.param(
            ["--token", ALICE, "get", "namespaces", "--as", "admin"],
            "",
            'Error from server (Forbidden): users "admin" is forbidden: User "alice" cannot '
            'impersonate resource "users" in API group "" at the cluster scope\n',
            id="plain-user-may-not-impersonate",
        ),
        pytest.param(
            ["--token", ALICE, "get", "pods", "-n", NS, "--as", f"system:serviceaccount:{NS}:x"],
            "",
            'Error from server (Forbidden): serviceaccounts "x" is forbidden: User "alice" '
            'cannot impersonate resource "serviceaccounts" in API group "" in the namespace '
            f'"{NS}"\n',
            id="plain-user-may-not-impersonate-service-account",
        ),
    ],
)
def test_kubectl_impersonation(kubectl: Kubectl, args: list[str], stdout: str, stderr: str) -> None:
    done = kubectl.run(*args, check=False)
    assert (done.stdout, done.stderr) == (stdout, stderr)


def test_whoami_as_user_and_groups(kubectl: Kubectl) -> None:
    out = kubectl("auth", "whoami", "--as", "bob", "--as-group", "qa", "-o", "json")
    assert json.loads(out)["status"]["userInfo"] == {
        "username": "bob",
        "groups": ["qa", "system:authenticated"],
    }


def test_impersonated_request_is_audited_with_both_users(server: RunningServer, root: Path) -> None:
    with server.client() as http:
        denied = http.post(
            f"/api/v1/namespaces/{NS}/configmaps",
            json={"metadata": {"name": "as-alice"}},
            headers={"Impersonate-User": "alice", "Impersonate-Uid": "1001"},
        )
    assert denied.status_code == 403
    # Refused before the body is read, so objectRef has no name (as in kube).
    event = next(
        e
        for e in reversed(_audit_events(root))
        if e["requestURI"] == f"/api/v1/namespaces/{NS}/configmaps" and e["verb"] == "create"
    )
    assert event["user"] == {
        "username": "admin",
        "groups": ["system:masters", "system:authenticated"],
    }
    assert event["impersonatedUser"] == {
        "username": "alice",
        "uid": "1001",
        "groups": ["system:authenticated"],
    }
    assert event["responseStatus"]["code"] == 403
    assert event["annotations"]["authorization.k8s.io/decision"] == "forbid"


# -- watch ----------------------------------------------------------------------------------


def test_watch_list_informer_request(server: RunningServer) -> None:
    """client-go's WatchList: initial ADDED events, then the initial-events-end bookmark."""
    with server.client() as http:
        created = http.post(
            f"{IMAGE}/namespaces/{NS}/imagestreams", json={"metadata": {"name": "watched"}}
        )
        assert created.status_code == 201
        params = {
            "watch": "true",
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": "1",
            "fieldSelector": "metadata.name=watched",
        }
        with http.stream("GET", f"{IMAGE}/namespaces/{NS}/imagestreams", params=params) as r:
            assert r.status_code == 200
            events = [json.loads(line) for line in r.iter_lines() if line]
    assert [e["type"] for e in events[:2]] == ["ADDED", "BOOKMARK"]
    assert events[0]["object"]["metadata"]["name"] == "watched"
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_kubectl_get_imagestreams_watch(server: RunningServer, kubectl: Kubectl) -> None:
    cmd = [
        kubectl_binary(),
        "--kubeconfig",
        str(server.kubeconfig),
        "--cache-dir",
        kubectl.cache_dir,
        "get",
        "is",
        "-n",
        NS,
        "-w",
        "--output-watch-events",
        "--field-selector",
        "metadata.name=moving",
        "--request-timeout",
        "6s",
    ]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        manifest = {
            "apiVersion": "image.openshift.io/v1",
            "kind": "ImageStream",
            "metadata": {"name": "moving", "namespace": NS},
        }
        kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
        kubectl(
            "patch",
            "is",
            "moving",
            "-n",
            NS,
            "--type=merge",
            "-p",
            '{"metadata":{"labels":{"a":"b"}}}',
        )
        kubectl("delete", "is", "moving", "-n", NS)
        out, _ = watcher.communicate(timeout=15)
    finally:
        watcher.kill()
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["EVENT", "NAME", "IMAGE", "REPOSITORY", "TAGS", "UPDATED"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("ADDED", "moving", f"registry.example.com/{NS}/moving"),
        ("MODIFIED", "moving", f"registry.example.com/{NS}/moving"),
        ("DELETED", "moving", f"registry.example.com/{NS}/moving"),
    ]


# -- image streams --------------------------------------------------------------------------


def test_public_and_internal_repository(server: RunningServer) -> None:
    host = server.url.removeprefix("https://")
    with server.client() as http:
        created = http.post(
            f"{IMAGE}/namespaces/{NS}/imagestreams",
            json={
                "metadata": {"name": "repo"},
                "status": {"dockerImageRepository": "evil.example.com/x/y"},
            },
        )
        assert created.status_code == 201
        listed = http.get(
            f"{IMAGE}/namespaces/{NS}/imagestreams",
            params={"fieldSelector": "metadata.name=repo"},
            headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"},
        ).json()
    assert created.json()["status"] == {
        "dockerImageRepository": f"{host}/{NS}/repo",
        "publicDockerImageRepository": f"registry.example.com/{NS}/repo",
    }
    assert listed["rows"][0]["cells"][:2] == ["repo", f"registry.example.com/{NS}/repo"]


_LIMITS = {
    "metadata": {"name": "image-limits"},
    "spec": {
        "limits": [
            {
                "type": "openshift.io/ImageStream",
                "max": {"openshift.io/image-tags": "1", "openshift.io/images": "1"},
            },
            {"type": "openshift.io/Image", "max": {"storage": "1Ki"}},
        ]
    },
}


def _limited_ns(http: Any, ns: str) -> None:
    assert http.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
    assert http.post(f"/api/v1/namespaces/{ns}/limitranges", json=_LIMITS).status_code == 201
    stream = {"metadata": {"name": "s"}}
    assert http.post(f"{IMAGE}/namespaces/{ns}/imagestreams", json=stream).status_code == 201


def _event(tag: str, digest: str) -> dict[str, Any]:
    item = {
        "created": "2026-11-02T10:00:00Z",
        "dockerImageReference": f"quay.io/example/app@{digest}",
        "image": digest,
        "generation": 1,
    }
    return {"tag": tag, "items": [item]}


def test_limit_range_refusals(server: RunningServer) -> None:
    """Exact upstream answers for the three LimitRange paths (spec 4.9)."""
    ns = "audit-limits"
    with server.client() as http:
        _limited_ns(http, ns)
        tags = [
            {"name": n, "from": {"kind": "DockerImage", "name": f"quay.io/example/{n}:1"}}
            for n in ("a", "b")
        ]
        spec = http.put(
            f"{IMAGE}/namespaces/{ns}/imagestreams/s",
            json={
                **http.get(f"{IMAGE}/namespaces/{ns}/imagestreams/s").json(),
                "spec": {"tags": tags},
            },
        )
        current = http.get(f"{IMAGE}/namespaces/{ns}/imagestreams/s").json()
        current["status"] = {"tags": [_event("x", DIGEST_A), _event("y", DIGEST_B)]}
        status = http.put(f"{IMAGE}/namespaces/{ns}/imagestreams/s/status", json=current)
        mapping = http.post(
            f"{IMAGE}/namespaces/{ns}/imagestreammappings",
            json={
                "metadata": {"name": "s"},
                "tag": "big",
                "image": {
                    "metadata": {"name": DIGEST_A},
                    "dockerImageReference": f"quay.io/example/app@{DIGEST_A}",
                    "dockerImageMetadata": {
                        "kind": "DockerImage",
                        "apiVersion": "image.openshift.io/1.0",
                        "Size": 4096,
                    },
                },
            },
        )
    tags_msg = (
        'ImageStream.image.openshift.io "s" is forbidden: requested usage of '
        "openshift.io/image-tags exceeds the maximum limit per openshift.io/ImageStream (2 > 1)"
    )
    assert spec.status_code == 422
    assert spec.json()["reason"] == "Invalid"
    assert spec.json()["message"] == (
        f'ImageStream.image.openshift.io "s" is invalid: Internal error: {tags_msg}'
    )
    assert spec.json()["details"]["causes"] == [
        {"reason": "InternalError", "message": f"Internal error: {tags_msg}", "field": ""}
    ]
    images_msg = (
        'ImageStream.image.openshift.io "s" is forbidden: requested usage of '
        "openshift.io/images exceeds the maximum limit per openshift.io/ImageStream (2 > 1)"
    )
    assert status.status_code == 422
    assert status.json()["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": f"Forbidden: {images_msg}",
            "field": "imageStream",
        }
    ]
    assert mapping.status_code == 403
    assert (mapping.json()["reason"], mapping.json()["message"]) == (
        "Forbidden",
        'imagestreammappings.image.openshift.io "s" is forbidden: requested usage of storage '
        "exceeds the maximum limit per openshift.io/Image (4Ki > 1Ki)",
    )


def test_secrets_subresource_lists_kubectl_docker_registry_secrets(
    server: RunningServer, kubectl: Kubectl
) -> None:
    ns = "audit-secrets"
    kubectl("create", "namespace", ns)
    kubectl(
        "create", "secret", "docker-registry", "quay-pull", "-n", ns,
        "--docker-server=quay.io", "--docker-username=robot", "--docker-password=pw-1c9e5",
    )  # fmt: skip
    kubectl(
        "create", "secret", "docker-registry", "hidden", "-n", ns,
        "--docker-server=ghcr.io", "--docker-username=robot", "--docker-password=pw-2d8f4",
    )  # fmt: skip
    kubectl("annotate", "secret", "hidden", "-n", ns, "openshift.io/image.excludeSecret=true")
    kubectl("create", "secret", "generic", "opaque", "-n", ns, "--from-literal=a=b")
    listed = json.loads(
        kubectl("get", "--raw", f"{IMAGE}/namespaces/{ns}/imagestreams/not-there/secrets")
    )
    assert (listed["kind"], listed["apiVersion"]) == ("SecretList", "image.openshift.io/v1")
    assert [(s["metadata"]["name"], s["type"]) for s in listed["items"]] == [
        ("quay-pull", "kubernetes.io/dockerconfigjson")
    ]
    denied = kubectl.run(
        "--token", ALICE, "get", "--raw", f"{IMAGE}/namespaces/{ns}/imagestreams/x/secrets",
        check=False,
    )  # fmt: skip
    assert denied.stderr == (
        'Error from server (Forbidden): imagestreams.image.openshift.io "x" is forbidden: User '
        '"alice" cannot get resource "imagestreams/secrets" in API group "image.openshift.io" '
        f'in the namespace "{ns}"\n'
    )
    assert "pw-1c9e5" not in server.log()


# -- a second server: no registry hostname, audit to stdout ---------------------------------------


def test_empty_registry_hostname_and_audit_to_stdout(tmp_path: Path) -> None:
    with (
        start_server(
            tmp_path / "data",
            "--registry-hostname",
            "",
            "--audit-log-path",
            "-",
            plain_http=True,
        ) as server,
        server.client() as http,
    ):
        plain = http.post(
            f"{IMAGE}/namespaces/default/imagestreams", json={"metadata": {"name": "plain"}}
        )
        mirrored = http.post(
            f"{IMAGE}/namespaces/default/imagestreams",
            json={
                "metadata": {"name": "mirrored"},
                "spec": {"dockerImageRepository": "quay.io/example/app"},
            },
        )
        log = server.log()
    # Upstream 4.2: without an internal registry, status mirrors spec.dockerImageRepository.
    assert plain.json()["status"] == {"dockerImageRepository": ""}
    assert mirrored.json()["status"] == {"dockerImageRepository": "quay.io/example/app"}
    events = [json.loads(line) for line in log.splitlines() if line.startswith('{"kind":"Event"')]
    created = [
        (e["verb"], e["objectRef"]["name"], e["responseStatus"]["code"])
        for e in events
        if e["objectRef"].get("resource") == "imagestreams"
    ]
    assert created == [("create", "plain", 201), ("create", "mirrored", 201)]
    assert server.token not in log


def test_kubectl_get_rolebindings_shows_role_and_subjects(kubectl: Kubectl) -> None:
    """kube's printRoleBinding columns, on the default bindings every namespace gets."""
    rows = [
        line.split() for line in kubectl("get", "rolebindings", "-n", NS, "-o", "wide").splitlines()
    ]
    assert rows[0] == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert [(r[0], r[1], r[-1]) for r in rows[1:]] == [
        ("system:deployers", "ClusterRole/system:deployer", f"{NS}/deployer"),
        ("system:image-builders", "ClusterRole/system:image-builder", f"{NS}/builder"),
        ("system:image-pullers", "ClusterRole/system:image-puller", f"system:serviceaccounts:{NS}"),
    ]
    crb = kubectl("get", "clusterrolebinding", "cluster-admin").splitlines()
    assert crb[0].split() == ["NAME", "ROLE", "AGE"]
    assert crb[1].split()[:2] == ["cluster-admin", "ClusterRole/cluster-admin"]
