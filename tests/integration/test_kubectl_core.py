"""The real kubectl against the real server: namespaces, secrets, deployments."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

from tests.integration.kubectl import Kubectl, kubectl_binary
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration


@pytest.fixture
def kubectl(api_server: RunningServer) -> Kubectl:
    return Kubectl(api_server.kubeconfig)


@pytest.fixture
def ns(kubectl: Kubectl) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    return name


def test_get_namespaces_table_lists_bootstrap_namespaces(kubectl: Kubectl) -> None:
    out = kubectl("get", "namespaces")
    header, *rows = out.strip().splitlines()
    assert header.split() == ["NAME", "STATUS", "AGE"]
    names = {row.split()[0]: row.split()[1] for row in rows}
    for expected in ("default", "kube-system", "openshift"):
        assert names[expected] == "Active"


def test_create_namespace_then_get_yaml(kubectl: Kubectl) -> None:
    name = f"ns-{uuid.uuid4().hex[:8]}"
    assert kubectl("create", "namespace", name).strip() == f"namespace/{name} created"
    obj = json.loads(kubectl("get", "namespace", name, "-o", "json"))
    assert obj["metadata"]["name"] == name
    assert obj["status"]["phase"] == "Active"
    assert obj["metadata"]["labels"]["kubernetes.io/metadata.name"] == name
    assert int(obj["metadata"]["resourceVersion"]) > 0


def test_create_in_missing_namespace_is_not_found(kubectl: Kubectl) -> None:
    proc = kubectl.run("create", "configmap", "x", "-n", "does-not-exist", check=False)
    assert proc.returncode == 1
    assert 'namespaces "does-not-exist" not found' in proc.stderr


def test_docker_registry_secret_roundtrip(kubectl: Kubectl, ns: str) -> None:
    out = kubectl(
        "create",
        "secret",
        "docker-registry",
        "pull",
        "-n",
        ns,
        "--docker-server=registry.example.com:5000",
        "--docker-username=alice",
        "--docker-password=s3cret",
        "--docker-email=a@example.com",
    )
    assert out.strip() == "secret/pull created"
    table = kubectl("get", "secrets", "-n", ns).strip().splitlines()
    assert table[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert table[1].split()[:3] == ["pull", "kubernetes.io/dockerconfigjson", "1"]
    obj = json.loads(kubectl("get", "secret", "pull", "-n", ns, "-o", "json"))
    assert set(obj["data"]) == {".dockerconfigjson"}


def test_apply_deployment_then_change_image(kubectl: Kubectl, ns: str) -> None:
    manifest = f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels: {{app: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: quay.io/example/web:1.0
        env: [{{name: A, value: "1"}}, {{name: B, value: "2"}}]
      - name: sidecar
        image: quay.io/example/sidecar:1.0
"""
    assert kubectl("apply", "-f", "-", stdin=manifest).strip() == "deployment.apps/web created"
    first = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json"))
    assert first["metadata"]["generation"] == 1
    changed = manifest.replace("web:1.0", "web:2.0").replace(
        '{name: B, value: "2"}', '{name: C, value: "3"}'
    )
    assert kubectl("apply", "-f", "-", stdin=changed).strip() == "deployment.apps/web configured"
    second = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json"))
    containers = second["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "sidecar"]
    assert containers[0]["image"] == "quay.io/example/web:2.0"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]
    assert containers[1]["image"] == "quay.io/example/sidecar:1.0"
    assert second["metadata"]["generation"] == 2
    assert kubectl("apply", "-f", "-", stdin=changed).strip() == "deployment.apps/web unchanged"
    table = kubectl("get", "deployments", "-n", ns).strip().splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[0] == "web"


def test_patch_strategic_merge_and_json(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "deployment", "api", "-n", ns, "--image=quay.io/example/api:1")
    kubectl(
        "patch",
        "deployment",
        "api",
        "-n",
        ns,
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"quay.io/example/api:2"}]}}}}',
    )
    obj = json.loads(kubectl("get", "deploy", "api", "-n", ns, "-o", "json"))
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "quay.io/example/api:2"
    kubectl(
        "patch",
        "deployment",
        "api",
        "-n",
        ns,
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/replicas","value":5}]',
    )
    obj = json.loads(kubectl("get", "deploy", "api", "-n", ns, "-o", "json"))
    assert obj["spec"]["replicas"] == 5
    kubectl(
        "patch",
        "deployment",
        "api",
        "-n",
        ns,
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"tier":"backend"}}}',
    )
    obj = json.loads(kubectl("get", "deploy", "api", "-n", ns, "-o", "json"))
    assert obj["metadata"]["labels"]["tier"] == "backend"


def test_get_all_namespaces_shows_namespace_column(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "configmap", "settings", "-n", ns, "--from-literal=a=b")
    out = kubectl("get", "configmaps", "-A").strip().splitlines()
    assert out[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert any(line.split()[:2] == [ns, "settings"] for line in out[1:])


def test_delete_namespace_removes_contents(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "configmap", "c1", "-n", ns, "--from-literal=a=b")
    out = kubectl("delete", "namespace", ns, "--timeout=30s")
    assert out.strip() == f'namespace "{ns}" deleted'
    proc = kubectl.run("get", "namespace", ns, check=False)
    assert proc.returncode == 1
    assert f'namespaces "{ns}" not found' in proc.stderr
    # kubectl re-checks the namespace after a 404, as against a real cluster.
    proc = kubectl.run("get", "configmap", "c1", "-n", ns, check=False)
    assert f'namespaces "{ns}" not found' in proc.stderr
    listed = kubectl(
        "get", "configmaps", "-A", "-o", "name", f"--field-selector=metadata.namespace={ns}"
    )
    assert listed.strip() == ""


def test_delete_missing_object_is_not_found(kubectl: Kubectl, ns: str) -> None:
    proc = kubectl.run("delete", "configmap", "nope", "-n", ns, check=False)
    assert proc.returncode == 1
    assert 'Error from server (NotFound): configmaps "nope" not found' in proc.stderr


def test_watch_prints_new_object(api_server: RunningServer, kubectl: Kubectl, ns: str) -> None:
    cmd = [
        kubectl_binary(),
        "--kubeconfig",
        str(api_server.kubeconfig),
        "--cache-dir",
        kubectl.cache_dir,
        "get",
        "configmaps",
        "-n",
        ns,
        "-w",
        "--request-timeout=20s",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        time.sleep(1.5)
        kubectl("create", "configmap", "watched", "-n", ns, "--from-literal=k=v")
        assert proc.stdout is not None
        deadline = time.monotonic() + 20
        seen = ""
        while time.monotonic() < deadline and "watched" not in seen:
            seen += proc.stdout.readline()
        proc.terminate()
    assert "watched" in seen


def test_bad_token_is_unauthorized(api_server: RunningServer, tmp_path) -> None:
    bad = api_server.kubeconfig.read_text().replace(api_server.token, "not-a-token")
    path = tmp_path / "bad.kubeconfig"
    path.write_text(bad)
    proc = Kubectl(path).run("get", "namespaces", check=False)
    assert proc.returncode == 1
    assert "You must be logged in to the server" in proc.stderr


def test_no_custom_resource_definitions(kubectl: Kubectl) -> None:
    proc = kubectl.run("get", "crd")
    assert proc.stdout == ""
    assert proc.stderr.strip() == "No resources found"
    missing = kubectl.run("get", "crd", "widgets.example.com", check=False)
    assert missing.returncode == 1
    assert 'customresourcedefinitions.apiextensions.k8s.io "widgets.example.com" not found' in (
        missing.stderr
    )


def test_delete_dry_run_server_keeps_everything(kubectl: Kubectl, ns: str) -> None:
    """kubectl sends ``dryRun`` in the DeleteOptions body, not the query."""
    kubectl("create", "configmap", "keep", "-n", ns, "--from-literal=k=v")
    stream = '{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{"name":"is1"}}'
    kubectl("create", "-n", ns, "-f", "-", stdin=stream)
    out = kubectl("delete", "configmap/keep", "is/is1", "-n", ns, "--dry-run=server")
    assert "deleted (server dry run)" in out
    assert kubectl("delete", "ns", ns, "--dry-run=server").strip() == (
        f'namespace "{ns}" deleted (server dry run)'
    )
    assert kubectl("get", "configmap/keep", "is/is1", "-n", ns, "-o", "name").split() == [
        "configmap/keep",
        "imagestream.image.openshift.io/is1",
    ]
    phase = kubectl("get", "ns", ns, "-o", "jsonpath={.status.phase}")
    assert phase == "Active"


def test_events_of_an_object_show_in_describe(kubectl: Kubectl, ns: str) -> None:
    """kubectl describe finds events by involvedObject field selectors."""
    stream = '{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{"name":"web"}}'
    kubectl("create", "-n", ns, "-f", "-", stdin=stream)
    uid = kubectl("get", "is", "web", "-n", ns, "-o", "jsonpath={.metadata.uid}")
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.1"},
        "involvedObject": {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
                           "name": "web", "namespace": ns, "uid": uid},
        "reason": "Tagged",
        "message": "tag latest moved",
        "type": "Normal",
        "source": {"component": "imagestreams"},
    }  # fmt: skip
    kubectl("create", "-n", ns, "-f", "-", stdin=json.dumps(event))
    described = kubectl("describe", "is", "web", "-n", ns)
    assert "Tagged" in described and "tag latest moved" in described
    pick = ["get", "events", "-n", ns, "-o", "name", "--field-selector"]
    assert kubectl(*pick, "involvedObject.name=web,type=Normal").split() == ["event/web.1"]
    assert kubectl(*pick, "reason=Other").split() == []
    assert kubectl(*pick, "source=imagestreams,involvedObject.kind=ImageStream").split() == [
        "event/web.1"
    ]
    pods = ["get", "pods", "-n", ns, "-o", "name", "--field-selector", "status.phase=Pending"]
    assert kubectl(*pods).split() == []


def test_kubectl_scale_goes_through_the_scale_subresource(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "deployment", "web", "--image=nginx", "-n", ns)
    assert kubectl("scale", "deployment/web", "--replicas=3", "-n", ns).strip() == (
        "deployment.apps/web scaled"
    )
    assert kubectl("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}") == "3"
    raw = kubectl("get", "--raw", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale")
    scale = json.loads(raw)
    assert (scale["kind"], scale["spec"], scale["status"]["selector"]) == (
        "Scale",
        {"replicas": 3},
        "app=web",
    )
    scale["spec"]["replicas"] = 2  # a PUT of the Scale kind itself
    put = kubectl(
        "replace", "--raw", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale", "-f", "-",
        stdin=json.dumps(scale),
    )  # fmt: skip
    assert json.loads(put)["spec"] == {"replicas": 2}
    assert kubectl("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}") == "2"
    stale = kubectl.run(
        "scale", "deployment/web", "--replicas=1", "--resource-version=1", "-n", ns, check=False
    )
    # kubectl checks the precondition against the Scale's resourceVersion itself.
    assert stale.returncode == 1
    assert stale.stderr.startswith("error: Expected resource version to be 1, was ")
