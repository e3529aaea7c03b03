"""RBAC, service accounts, reviews and the audit log through the real server and kubectl.

One server for the module, started with a token file naming one user per bootstrap role and an
audit log. The authorization matrix (every role x image resource x verb) is checked twice: by
SelfSubjectAccessReview and by making the real HTTP request (allowed means "not 403")."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from imagestreams.server import satokens
from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer, start_server
from tests.unit.rbac.image_matrix import CLUSTER_SCOPED, EXPECTED, RESOURCES, VERBS

pytestmark = pytest.mark.integration

RBAC = "rbac.authorization.k8s.io"
IMAGE = "image.openshift.io"
NS = "rbac-proj"


def _token(role: str) -> str:
    return "tok-" + role.replace(":", "-")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("rbac")
    token_file = root / "tokens.csv"
    lines = [f"{_token(role)},user-{role},uid-{i}" for i, role in enumerate(EXPECTED)]
    lines.append('tok-nobody,nobody,uid-x,"team-a"')
    token_file.write_text("\n".join(lines) + "\n")
    audit_path = root / "audit.log"
    with start_server(
        root / "data", "--token-auth-file", str(token_file), "--audit-log-path", str(audit_path)
    ) as srv:
        with srv.client() as admin:
            assert (
                admin.post("/api/v1/namespaces", json={"metadata": {"name": NS}}).status_code == 201
            )
            for role in EXPECTED:
                body = {
                    "apiVersion": f"{RBAC}/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": f"test-{role}"},
                    "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
                    "subjects": [{"kind": "User", "apiGroup": RBAC, "name": f"user-{role}"}],
                }
                r = admin.post(f"/apis/{RBAC}/v1/clusterrolebindings", json=body)
                assert r.status_code == 201, r.text
        yield srv


@pytest.fixture(scope="module")
def audit_log(server: RunningServer) -> Path:
    return server.data_dir.parent / "audit.log"


def _ssar(client: httpx.Client, verb: str, resource: str, namespace: str) -> bool:
    plural, _, sub = resource.partition("/")
    attrs = {"verb": verb, "group": IMAGE, "resource": plural, "subresource": sub,
             "namespace": namespace, "name": "some-name"}  # fmt: skip
    r = client.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        json={"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": attrs}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return bool(r.json()["status"]["allowed"])


@pytest.mark.parametrize("role", [pytest.param(r, id=r) for r in EXPECTED])
def test_matrix_by_self_subject_access_review(server: RunningServer, role: str) -> None:
    want = {(res, verb): verb in EXPECTED[role].get(res, frozenset()) for res in RESOURCES
            for verb in VERBS}  # fmt: skip
    with server.client(_token(role)) as client:
        got = {
            (res, verb): _ssar(client, verb, res, "" if res in CLUSTER_SCOPED else NS)
            for res in RESOURCES
            for verb in VERBS
        }
    assert got == want


def _http(client: httpx.Client, resource: str, verb: str) -> int | None:
    """Make the request kube would authorize as ``verb`` on ``resource``; None when no HTTP
    request maps to that pair (list/watch/deletecollection of a subresource)."""
    plural, _, sub = resource.partition("/")
    base = f"/apis/{IMAGE}/v1" + ("" if resource in CLUSTER_SCOPED else f"/namespaces/{NS}")
    collection, item = f"{base}/{plural}", f"{base}/{plural}/missing-name"
    if sub:
        item += f"/{sub}"
        if verb in ("list", "watch", "deletecollection"):
            return None
    merge = {"content-type": "application/merge-patch+json"}
    if verb == "get":
        return client.get(item).status_code
    if verb == "list":
        return client.get(collection).status_code
    if verb == "watch":
        with client.stream("GET", collection, params={"watch": "true", "timeoutSeconds": "1"}) as r:
            return r.status_code
    if verb == "create":
        return client.post(item if sub else collection, json={}).status_code
    if verb == "update":
        return client.put(item, json={}).status_code
    if verb == "patch":
        return client.patch(item, content=b"{}", headers=merge).status_code
    if verb == "delete":
        return client.delete(item).status_code
    return client.delete(collection, params={"labelSelector": "rbac-test=none"}).status_code


@pytest.mark.parametrize("role", [pytest.param(r, id=r) for r in EXPECTED])
def test_matrix_by_real_requests(server: RunningServer, role: str) -> None:
    want: dict[tuple[str, str], bool] = {}
    got: dict[tuple[str, str], bool] = {}
    with server.client(_token(role)) as client:
        for res in RESOURCES:
            for verb in VERBS:
                code = _http(client, res, verb)
                if code is None:
                    continue
                want[(res, verb)] = verb in EXPECTED[role].get(res, frozenset())
                got[(res, verb)] = code != 403
    assert got == want


def test_forbidden_status_has_kubernetes_shape(server: RunningServer) -> None:
    with server.client("tok-nobody") as client:
        r = client.get(f"/apis/{IMAGE}/v1/namespaces/{NS}/imagestreams/web/layers")
    assert r.status_code == 403
    assert r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'imagestreams.{IMAGE} "web" is forbidden: User "nobody" cannot get resource '
        f'"imagestreams/layers" in API group "{IMAGE}" in the namespace "{NS}"',
        "reason": "Forbidden",
        "details": {"name": "web", "group": IMAGE, "kind": "imagestreams"},
        "code": 403,
    }


def test_escalation_is_refused_over_http(server: RunningServer) -> None:
    binding = {
        "apiVersion": f"{RBAC}/v1", "kind": "RoleBinding",
        "metadata": {"name": "grab-admin", "namespace": NS},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "User", "apiGroup": RBAC, "name": "nobody"}],
    }  # fmt: skip
    with server.client(_token("admin")) as client:
        r = client.post(f"/apis/{RBAC}/v1/namespaces/{NS}/rolebindings", json=binding)
    assert r.status_code == 403
    message = r.json()["message"]
    assert message.startswith(
        f'rolebindings.{RBAC} "grab-admin" is forbidden: user "user-admin" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently '
        "held:\n"
    )
    assert '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}' in message


@pytest.fixture
def kubectl(server: RunningServer) -> Kubectl:
    return Kubectl(server.kubeconfig)


# The image cases need the image group in discovery (kubectl resolves the resource first).
@pytest.mark.parametrize(
    ("role", "args", "answer"),
    [
        pytest.param("view", ("get", f"imagestreams.{IMAGE}"), "yes", id="view-get"),
        pytest.param("view", ("delete", f"imagestreams.{IMAGE}"), "no", id="view-delete"),
        pytest.param("edit", ("create", f"imagestreamimports.{IMAGE}"), "yes", id="edit-import"),
        pytest.param("system:image-puller", ("update", f"imagestreams.{IMAGE}",
                     "--subresource=layers"), "no", id="puller-push"),
        pytest.param("system:image-pusher", ("update", f"imagestreams.{IMAGE}",
                     "--subresource=layers"), "yes", id="pusher-push"),
        pytest.param("view", ("list", "pods"), "yes", id="view-list-pods"),
        pytest.param("view", ("get", "secrets"), "no", id="view-no-secrets"),
        pytest.param("edit", ("create", "serviceaccounts", "--subresource=token"), "yes",
                     id="edit-create-token"),
        pytest.param("admin", ("create", "rolebindings"), "yes", id="admin-bind"),
        pytest.param("edit", ("create", "rolebindings"), "no", id="edit-no-bind"),
    ],
)  # fmt: skip
def test_kubectl_auth_can_i(
    kubectl: Kubectl, role: str, args: tuple[str, ...], answer: str
) -> None:
    proc = kubectl.run("--token", _token(role), "auth", "can-i", *args, "-n", NS, check=False)
    assert proc.stdout.strip() == answer
    assert proc.returncode == (0 if answer == "yes" else 1)


def test_kubectl_auth_whoami(kubectl: Kubectl) -> None:
    out = kubectl("--token", "tok-nobody", "auth", "whoami", "-o", "json")
    assert json.loads(out)["status"]["userInfo"] == {
        "username": "nobody", "uid": "uid-x", "groups": ["team-a", "system:authenticated"],
    }  # fmt: skip


def _new_namespace(server: RunningServer) -> str:
    name = f"sa-{uuid.uuid4().hex[:8]}"
    with server.client() as admin:
        assert (
            admin.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
        )
    return name


def _wait(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_service_account_token_with_kubectl(server: RunningServer, kubectl: Kubectl) -> None:
    ns = _new_namespace(server)
    expected = {"system:image-pullers", "system:image-builders", "system:deployers"}
    with server.client() as admin:

        def bindings() -> set[str]:
            listed = admin.get(f"/apis/{RBAC}/v1/namespaces/{ns}/rolebindings").json()
            return {b["metadata"]["name"] for b in listed["items"]}

        # The default service accounts and bindings come from a controller: wait for both.
        _wait(lambda: admin.get(f"/api/v1/namespaces/{ns}/serviceaccounts/builder").status_code
              == 200 and bindings() >= expected)  # fmt: skip
        assert bindings() >= expected
    token = kubectl("create", "token", "builder", "-n", ns).strip()
    who = json.loads(kubectl("--token", token, "auth", "whoami", "-o", "json"))
    assert who["status"]["userInfo"]["username"] == f"system:serviceaccount:{ns}:builder"
    with server.client(token) as builder:
        assert _ssar(builder, "update", "imagestreams/layers", ns) is True
        assert _ssar(builder, "update", "imagestreams/layers", NS) is False
        assert _ssar(builder, "delete", "imagestreams", ns) is False
    assert token not in server.log()


def test_deleted_service_account_token_is_refused(server: RunningServer, kubectl: Kubectl) -> None:
    ns = _new_namespace(server)
    with server.client() as admin:
        assert admin.post(f"/api/v1/namespaces/{ns}/serviceaccounts",
                          json={"metadata": {"name": "robot"}}).status_code == 201  # fmt: skip
    token = kubectl("create", "token", "robot", "-n", ns).strip()
    with server.client(token) as robot:
        assert robot.get("/apis").status_code == 200
        with server.client() as admin:
            assert admin.delete(f"/api/v1/namespaces/{ns}/serviceaccounts/robot").status_code == 200
        _wait(lambda: robot.get("/apis").status_code == 401)


def test_expired_service_account_token_is_refused(server: RunningServer) -> None:
    with server.client() as admin:
        sa = admin.get("/api/v1/namespaces/default/serviceaccounts/default").json()
    key = satokens.ensure_signing_key(server.data_dir)
    past = satokens.TokenSigner(key, clock=lambda: time.time() - 7200)
    expired, _ = past.issue("default", "default", sa["metadata"]["uid"], expiration_seconds=600)
    fresh, _ = satokens.TokenSigner(key).issue("default", "default", sa["metadata"]["uid"])
    with server.client(expired) as client:
        assert client.get("/apis").status_code == 401
    with server.client(fresh) as client:
        assert client.get("/apis").status_code == 200


def test_audit_log_records_mutations_and_denials(server: RunningServer, audit_log: Path) -> None:
    marker = f"audit-{uuid.uuid4().hex[:8]}"
    with server.client() as admin:
        assert admin.post(f"/api/v1/namespaces/{NS}/configmaps",
                          json={"metadata": {"name": marker}}).status_code == 201  # fmt: skip
        assert admin.get(f"/api/v1/namespaces/{NS}/configmaps/{marker}").status_code == 200
        token = admin.post(f"/api/v1/namespaces/{NS}/serviceaccounts/default/token", json={
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        ).json()["status"]["token"]  # fmt: skip
        metrics = admin.get("/metrics").text
    with server.client("tok-nobody") as nobody:
        assert nobody.get(f"/api/v1/namespaces/{NS}/configmaps/{marker}").status_code == 403
    events = [json.loads(line) for line in audit_log.read_text().splitlines()]
    mine = [e for e in events if e.get("objectRef", {}).get("name") == marker]
    assert [(e["verb"], e["user"]["username"], e["responseStatus"]["code"]) for e in mine] == [
        ("create", "admin", 201),
        ("get", "nobody", 403),
    ]
    created = mine[0]
    assert created["apiVersion"] == "audit.k8s.io/v1"
    assert created["level"] == "Metadata"
    assert created["objectRef"] == {"resource": "configmaps", "namespace": NS, "name": marker,
                                    "apiVersion": "v1"}  # fmt: skip
    assert mine[1]["annotations"]["authorization.k8s.io/decision"] == "forbid"
    text = audit_log.read_text()
    for secret in (token, server.token):
        assert secret not in text
        assert secret not in metrics
        assert secret not in server.log()
