"""The image API group through the real server: kubectl, raw HTTP and the kubernetes client.

Skipped (with the reason) while the composition root does not serve ``image.openshift.io``.
The server's internal registry hostname defaults to its own listen address, so pull specs are
asserted against ``status.dockerImageRepository`` as the server reports it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from kubernetes import config
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
BASE = "/apis/image.openshift.io/v1"


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        if client.get(f"{BASE}").status_code != 200:
            pytest.skip("image.openshift.io/v1 is not served yet (runtime wiring pending)")
        yield client


@pytest.fixture
def kubectl(api_server: RunningServer) -> Kubectl:
    return Kubectl(api_server.kubeconfig)


@pytest.fixture
def ns(http: httpx.Client, kubectl: Kubectl) -> str:
    name = f"img-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    return name


def _push(http: httpx.Client, ns: str, stream: str, tag: str, digest: str) -> httpx.Response:
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": stream},
        "tag": tag,
        "image": {"metadata": {"name": digest}, "dockerImageReference": f"quay.io/x/y@{digest}"},
    }
    return http.post(f"{BASE}/namespaces/{ns}/imagestreammappings", json=body)


STREAM_YAML = """\
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata:
  name: app
spec:
  tags:
  - name: stable
    from: {kind: ImageStreamTag, name: latest}
  - name: upstream
    from: {kind: DockerImage, name: docker.io/library/busybox:1.36}
    reference: true
"""


def test_kubectl_apply_get_and_delete_istag(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    assert kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM_YAML).strip() == (
        "imagestream.image.openshift.io/app created"
    )
    _push(http, ns, "app", "latest", D1).raise_for_status()
    header, row = kubectl("get", "is", "-n", ns).strip().splitlines()
    assert header.split() == ["NAME", "IMAGE", "REPOSITORY", "TAGS", "UPDATED"]
    stream = json.loads(kubectl("get", "is", "app", "-n", ns, "-o", "json"))
    repo = stream["status"]["dockerImageRepository"]
    assert repo.endswith(f"/{ns}/app")
    cells = row.split()
    assert cells[:2] == ["app", repo]
    assert sorted(cells[2].split(",")) == ["latest", "stable", "upstream"]
    assert {t["tag"]: t["items"][0]["image"] for t in stream["status"]["tags"]} == {
        "latest": D1,
        "stable": D1,
        "upstream": "",
    }
    header, *rows = kubectl("get", "istag", "-n", ns).strip().splitlines()
    assert header.split() == ["NAME", "IMAGE", "REFERENCE", "UPDATED"]
    assert [(r.split()[0], r.split()[1]) for r in rows] == [
        ("app:latest", f"quay.io/x/y@{D1}"),
        ("app:stable", f"quay.io/x/y@{D1}"),
    ]
    assert kubectl("delete", "istag", "app:stable", "-n", ns).strip() == (
        'imagestreamtag.image.openshift.io "app:stable" deleted'
    )
    after = json.loads(kubectl("get", "is", "app", "-n", ns, "-o", "json"))
    assert [t["name"] for t in after["spec"]["tags"]] == ["upstream"]
    assert after["metadata"]["generation"] == 2
    proc = kubectl.run("get", "istag", "app:stable", "-n", ns, check=False)
    assert 'imagestreamtags.image.openshift.io "app:stable" not found' in proc.stderr


def test_mapping_answers_201_status_success(http: httpx.Client, ns: str) -> None:
    url = f"{BASE}/namespaces/{ns}/imagestreams"
    http.post(url, json={"metadata": {"name": "s"}}).raise_for_status()
    pushed = _push(http, ns, "s", "latest", D2)
    assert (pushed.status_code, pushed.json()) == (
        201,
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"},
    )
    missing = _push(http, ns, "nope", "latest", D2)
    assert (missing.status_code, missing.json()["message"]) == (
        404,
        'imagestreams.image.openshift.io "nope" not found',
    )


def test_istag_status_codes(http: httpx.Client, ns: str) -> None:
    url = f"{BASE}/namespaces/{ns}/imagestreamtags"
    tag = {"from": {"kind": "DockerImage", "name": "quay.io/x/y:1"}, "reference": True}
    body = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStreamTag",
            "metadata": {"name": "s:a"}, "tag": tag}  # fmt: skip
    assert http.post(url, json=body).status_code == 201
    again = http.post(url, json=body)
    assert (again.status_code, again.json()["reason"]) == (409, "AlreadyExists")
    body["metadata"] = {"name": "s:b"}
    assert http.put(f"{url}/s:b", json=body).status_code == 201
    assert http.put(f"{url}/s:b", json=body).status_code == 200
    bad = http.get(f"{url}/s")
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "ImageStreamTags must be retrieved with <name>:<tag>",
    )


def test_dynamic_client_invalid_stream_status(api_server: RunningServer, ns: str) -> None:
    dyn = DynamicClient(config.new_client_from_config(config_file=str(api_server.kubeconfig)))
    streams = dyn.resources.get(api_version="image.openshift.io/v1", kind="ImageStream")
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": "bad"},
        "spec": {"tags": [{"name": "t", "from": {"kind": "ImageStreamTag", "name": "nope:x"}}]},
    }
    with pytest.raises(ApiException) as caught:
        streams.create(body=body, namespace=ns)
    status = json.loads(caught.value.body or "{}")
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["details"]["kind"] == "ImageStream"
    assert status["details"]["causes"][0]["message"] == (
        'Internal error: imagestreams "bad" is invalid: spec.tags[t].from.name: Not found: "nope:x"'
    )
    created = streams.create(body={**body, "metadata": {"name": "ok"}, "spec": {}}, namespace=ns)
    assert created.metadata.generation == 1
    assert created.status.dockerImageRepository.endswith(f"/{ns}/ok")
