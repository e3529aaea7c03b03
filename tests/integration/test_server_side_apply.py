"""Server-side apply through the real server: kubectl 1.32 ``apply --server-side`` and the
``kubernetes`` Python client, on a ConfigMap, a Deployment and an ImageStream.

Each scenario creates with an apply, re-applies with a field removed and a value changed, lets a
second manager conflict and then force its way in, and reads the managedFields entries back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import config as kube_config
from kubernetes.dynamic import DynamicClient

from tests.integration.image_upstream_support import BASE, create_namespace
from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


@pytest.fixture
def kubectl(api_server: RunningServer) -> Kubectl:
    return Kubectl(api_server.kubeconfig)


@pytest.fixture
def ns(http: httpx.Client) -> str:
    return create_namespace(http, "ssa")


def _ssa(kubectl: Kubectl, ns: str, manifest: str, *flags: str, check: bool = True) -> Any:
    return kubectl.run(
        "apply", "--server-side", "-n", ns, "-f", "-", *flags, stdin=manifest, check=check
    )


def _get(http: httpx.Client, path: str) -> dict[str, Any]:
    response = http.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _owners(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(manager, operation) -> fieldsV1``; every entry has the wire shape kube gives it."""
    out = {}
    for entry in obj["metadata"]["managedFields"]:
        assert entry["fieldsType"] == "FieldsV1"
        assert entry["apiVersion"] == obj["apiVersion"]
        assert len(entry["time"]) == 20 and entry["time"].endswith("Z")
        out[(entry["manager"], entry["operation"])] = entry["fieldsV1"]
    return out


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {app: web}}
data: %s
"""


def test_configmap(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/settings"
    created = _ssa(kubectl, ns, CONFIGMAP % "{a: '1', b: '2'}")
    assert created.stdout.strip() == "configmap/settings serverside-applied"
    assert _owners(_get(http, path)) == {
        ("kubectl", "Apply"): {
            "f:data": {"f:a": {}, "f:b": {}},
            "f:metadata": {"f:labels": {"f:app": {}}},
        }
    }
    # b is no longer applied (removed), a changes
    _ssa(kubectl, ns, CONFIGMAP % "{a: '10'}")
    obj = _get(http, path)
    assert obj["data"] == {"a": "10"}
    assert _owners(obj)[("kubectl", "Apply")]["f:data"] == {"f:a": {}}

    refused = _ssa(kubectl, ns, CONFIGMAP % "{a: '20'}", "--field-manager=other", check=False)
    assert refused.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .data.a' in refused.stderr
    assert _get(http, path)["data"] == {"a": "10"}

    _ssa(kubectl, ns, CONFIGMAP % "{a: '20'}", "--field-manager=other", "--force-conflicts")
    obj = _get(http, path)
    assert obj["data"] == {"a": "20"}
    assert _owners(obj) == {
        ("kubectl", "Apply"): {"f:metadata": {"f:labels": {"f:app": {}}}},
        ("other", "Apply"): {
            "f:data": {"f:a": {}},
            "f:metadata": {"f:labels": {"f:app": {}}},
        },
    }

    # a plain write on a tracked object is an Update entry of its manager
    kubectl("label", "-n", ns, "configmap", "settings", "tier=front")
    shown = yaml.safe_load(
        kubectl("get", "-n", ns, "configmap", "settings", "-o", "yaml", "--show-managed-fields")
    )
    entries = {(e["manager"], e["operation"]): e for e in shown["metadata"]["managedFields"]}
    assert entries[("kubectl-label", "Update")]["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:tier": {}}}
    }
    assert [e["operation"] for e in shown["metadata"]["managedFields"]] == [
        "Apply",
        "Apply",
        "Update",
    ]
    hidden = yaml.safe_load(kubectl("get", "-n", ns, "configmap", "settings", "-o", "yaml"))
    assert "managedFields" not in hidden["metadata"]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %(replicas)s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: quay.io/example/app:%(tag)s
%(env)s"""
ENV = "        env: [{name: MODE, value: fast}]\n"
SIDECAR = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: proxy
        image: quay.io/example/proxy:%s
"""


def test_deployment_containers_merge_by_name(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    _ssa(kubectl, ns, DEPLOYMENT % {"replicas": 2, "tag": "1", "env": ENV})
    _ssa(kubectl, ns, SIDECAR % "1", "--field-manager=mesh")
    containers = _get(http, path)["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("app", "quay.io/example/app:1"),
        ("proxy", "quay.io/example/proxy:1"),
    ]
    # kubectl changes its image and drops env: the mesh's container stays
    _ssa(kubectl, ns, DEPLOYMENT % {"replicas": 2, "tag": "2", "env": ""})
    obj = _get(http, path)
    containers = obj["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"], "env" in c) for c in containers] == [
        ("app", "quay.io/example/app:2", False),
        ("proxy", "quay.io/example/proxy:1", False),
    ]
    assert obj["metadata"]["generation"] == 3
    owners = _owners(obj)
    assert owners[("mesh", "Apply")] == {
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {'k:{"name":"proxy"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            }
        }
    }
    assert owners[("kubectl", "Apply")]["f:spec"]["f:selector"] == {}

    refused = _ssa(
        kubectl,
        ns,
        SIDECAR.replace("proxy", "app") % "9",
        "--field-manager=mesh",
        check=False,
    )
    assert refused.returncode != 0
    assert (
        'Apply failed with 1 conflict: conflict with "kubectl": '
        '.spec.template.spec.containers[name="app"].image'
    ) in refused.stderr


STREAM = """\
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata: {name: web}
spec:
  tags:
%s"""
TAG = """\
  - name: %s
    from: {kind: DockerImage, name: 'quay.io/example/%s'}
    reference: true
"""


def _tags(obj: dict[str, Any]) -> dict[str, str]:
    return {t["name"]: t["from"]["name"] for t in obj["spec"]["tags"]}


def test_imagestream_tags_merge_by_name(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    path = f"{BASE}/namespaces/{ns}/imagestreams/web"
    applied = _ssa(kubectl, ns, STREAM % (TAG % ("app", "app:1") + TAG % ("base", "base:1")))
    assert applied.stdout.strip() == "imagestream.image.openshift.io/web serverside-applied"
    _ssa(kubectl, ns, STREAM % (TAG % ("extra", "extra:1")), "--field-manager=ci")
    assert _tags(_get(http, path)) == {
        "app": "quay.io/example/app:1",
        "base": "quay.io/example/base:1",
        "extra": "quay.io/example/extra:1",
    }
    _ssa(kubectl, ns, STREAM % (TAG % ("app", "app:2")))
    obj = _get(http, path)
    assert _tags(obj) == {"app": "quay.io/example/app:2", "extra": "quay.io/example/extra:1"}
    tags = obj["spec"]["tags"]
    assert [t["generation"] for t in tags] == [3, 2]  # the status is the server's
    assert _owners(obj)[("kubectl", "Apply")] == {
        "f:spec": {
            "f:tags": {
                'k:{"name":"app"}': {
                    ".": {},
                    "f:from": {"f:kind": {}, "f:name": {}},
                    "f:name": {},
                    "f:reference": {},
                }
            }
        }
    }

    refused = _ssa(
        kubectl, ns, STREAM % (TAG % ("app", "app:3")), "--field-manager=ci", check=False
    )
    assert 'conflict with "kubectl": .spec.tags[name="app"].from.name' in refused.stderr
    _ssa(kubectl, ns, STREAM % (TAG % ("app", "app:3")), "--field-manager=ci", "--force-conflicts")
    assert _tags(_get(http, path))["app"] == "quay.io/example/app:3"


def test_python_client_server_side_apply(api_server: RunningServer, ns: str) -> None:
    client = DynamicClient(
        kube_config.new_client_from_config(config_file=str(api_server.kubeconfig))
    )
    configmaps = client.resources.get(api_version="v1", kind="ConfigMap")
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "py", "namespace": ns},
        "data": {"k": "v"},
    }
    created = configmaps.server_side_apply(body=body, namespace=ns, field_manager="py-app")
    entries = created.to_dict()["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"], e["fieldsV1"]) for e in entries] == [
        ("py-app", "Apply", {"f:data": {"f:k": {}}})
    ]
    body["data"] = {"k": "w"}
    updated = configmaps.server_side_apply(body=body, namespace=ns, field_manager="py-app")
    assert updated.data.k == "w"


@pytest.mark.parametrize(
    ("query", "content_type", "body", "code", "message"),
    [
        pytest.param(
            "",
            APPLY,
            '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"raw"}}',
            422,
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
            "required for apply patch",
            id="no-field-manager",
        ),
        pytest.param(
            "?force=true",
            "application/merge-patch+json",
            "{}",
            422,
            'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for '
            "non-apply patch",
            id="force-on-merge-patch",
        ),
        pytest.param(
            "?fieldManager=m",
            APPLY,
            '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"raw"}}',
            400,
            "invalid object type: /v1, Kind=Secret",
            id="wrong-kind",
        ),
        pytest.param(
            "?fieldManager=m",
            APPLY,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: raw, managedFields: []}\n",
            400,
            "metadata.managedFields must be nil",
            id="managed-fields",
        ),
        pytest.param(
            "?fieldManager=m",
            APPLY,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n",
            400,
            "the name of the object (other) does not match the name on the URL (raw)",
            id="name-mismatch",
        ),
    ],
)
def test_refused_applies(
    http: httpx.Client, ns: str, query: str, content_type: str, body: str, code: int, message: str
) -> None:
    response = http.patch(
        f"/api/v1/namespaces/{ns}/configmaps/raw{query}",
        content=body,
        headers={"Content-Type": content_type},
    )
    assert (response.status_code, response.json()["message"]) == (code, message)


def test_apply_creates_then_updates_and_dry_runs(http: httpx.Client, ns: str) -> None:
    url = f"/api/v1/namespaces/{ns}/configmaps/raw"
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: raw}\ndata: {x: '1'}\n"
    headers = {"Content-Type": APPLY}
    dry = http.patch(f"{url}?fieldManager=m&dryRun=All", content=body, headers=headers)
    assert dry.status_code == 201
    assert http.get(url).status_code == 404
    assert http.patch(f"{url}?fieldManager=m", content=body, headers=headers).status_code == 201
    again = http.patch(f"{url}?fieldManager=m", content=body, headers=headers)
    assert again.status_code == 200
    conflict = http.patch(
        f"{url}?fieldManager=n", content=body.replace("'1'", "'2'"), headers=headers
    )
    assert conflict.status_code == 409
    assert conflict.json()["reason"] == "Conflict"
    assert conflict.json()["details"] == {
        "causes": [
            {"reason": "FieldManagerConflict", "message": 'conflict with "m"', "field": ".data.x"}
        ]
    }
    # a virtual resource keeps refusing apply
    istag = http.patch(
        f"{BASE}/namespaces/{ns}/imagestreamtags/web:1?fieldManager=m",
        content="{}",
        headers=headers,
    )
    assert istag.status_code == 415
    assert istag.json()["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json"
    )


def test_after_client_side_apply_and_on_namespaces(
    kubectl: Kubectl, http: httpx.Client, ns: str
) -> None:
    """An object made by client-side ``kubectl apply`` moves to server-side apply without
    conflicts, and kubectl's own applies keep its last-applied annotation current; a
    cluster-scoped Namespace is created by an apply like any other kind."""
    kubectl("apply", "-n", ns, "-f", "-", stdin=CONFIGMAP % "{a: '1'}")
    _ssa(kubectl, ns, CONFIGMAP % "{a: '2'}")
    obj = _get(http, f"/api/v1/namespaces/{ns}/configmaps/settings")
    assert obj["data"] == {"a": "2"}
    last = obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert yaml.safe_load(last)["data"] == {"a": "2"}
    kubectl("apply", "-n", ns, "-f", "-", stdin=CONFIGMAP % "{a: '3'}")
    entries = _get(http, f"/api/v1/namespaces/{ns}/configmaps/settings")["metadata"][
        "managedFields"
    ]
    assert [(e["manager"], e["operation"]) for e in entries] == [
        ("kubectl", "Apply"),
        ("kubectl-client-side-apply", "Update"),
    ]

    name = f"{ns}-applied"
    namespace = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{a: b}}}}\n"
    assert kubectl.run("apply", "--server-side", "-f", "-", stdin=namespace).stdout.strip() == (
        f"namespace/{name} serverside-applied"
    )
    assert _owners(_get(http, f"/api/v1/namespaces/{name}")) == {
        ("kubectl", "Apply"): {"f:metadata": {"f:labels": {"f:a": {}}}}
    }
