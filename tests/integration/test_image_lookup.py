"""``lookupPolicy.local`` end to end (spec 15): kubectl creates workloads with short image names
against the real server and the stored objects carry the resolved pull specs; the webhook
endpoint answers a real AdmissionReview over HTTP."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

NS = "image-lookup"
ISV1 = "/apis/image.openshift.io/v1"
WEBHOOK = "/apis/admission.imagestreams.io/v1/imagepolicies"
D_RUBY = "sha256:" + "a1" * 32
D_PHP = "sha256:" + "b2" * 32
RUBY = f"quay.io/example/ruby@{D_RUBY}"


def _cli(server: RunningServer, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "KUBECONFIG": str(server.kubeconfig)}
    proc = subprocess.run(
        [sys.executable, "-m", "imagestreams", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _push(http: httpx.Client, stream: str, tag: str, digest: str, source: str) -> None:
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": stream},
        "tag": tag,
        "image": {"metadata": {"name": digest}, "dockerImageReference": f"{source}@{digest}"},
    }
    response = http.post(f"{ISV1}/namespaces/{NS}/imagestreammappings", json=body)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    """Namespace ``image-lookup`` with streams ``ruby`` (a pushed ``latest``), ``php``
    (``latest`` with ``referencePolicy: Local``) and ``plain``; lookup is still off on all."""
    with api_server.client() as client:
        r = client.post("/api/v1/namespaces", json={"metadata": {"name": NS}})
        assert r.status_code == 201, r.text
        php_tag = {
            "name": "latest",
            "from": {"kind": "DockerImage", "name": "registry.invalid/example/php:latest"},
            "referencePolicy": {"type": "Local"},
            "importPolicy": {"scheduled": False},
        }
        for name, tags in (("ruby", []), ("php", [php_tag]), ("plain", [])):
            body = {"metadata": {"name": name}, "spec": {"tags": tags}}
            r = client.post(f"{ISV1}/namespaces/{NS}/imagestreams", json=body)
            assert r.status_code == 201, r.text
        _push(client, "ruby", "latest", D_RUBY, "quay.io/example/ruby")
        _push(client, "php", "latest", D_PHP, "quay.io/example/php")
        _push(client, "plain", "latest", D_RUBY, "quay.io/example/ruby")
        yield client


@pytest.fixture(scope="module")
def kubectl(api_server: RunningServer, http: httpx.Client) -> Kubectl:
    for stream in ("ruby", "php"):
        code, out, err = _cli(api_server, "set", "image-lookup", stream, "-n", NS)
        assert (code, out, err) == (
            0,
            f"imagestream.image.openshift.io/{stream} image lookup updated\n",
            "",
        )
    return Kubectl(api_server.kubeconfig)


def _image(kubectl: Kubectl, kind: str, name: str, path: str) -> str:
    return kubectl("-n", NS, "get", kind, name, "-o", f"jsonpath={{{path}}}")


def test_lookup_table_shows_enabled_streams(api_server: RunningServer, kubectl: Kubectl) -> None:
    code, out, _ = _cli(api_server, "set", "image-lookup", "-n", NS)
    assert (code, out) == (0, "NAME   LOCAL\nphp    true\nplain  false\nruby   true\n")


def test_deployment_short_name_is_resolved(kubectl: Kubectl) -> None:
    out = kubectl("-n", NS, "create", "deployment", "web", "--image=ruby:latest")
    assert out == "deployment.apps/web created\n"
    template = ".spec.template.spec.containers[0].image"
    assert _image(kubectl, "deployment", "web", template) == RUBY


def test_pod_without_tag_resolves_latest(kubectl: Kubectl) -> None:
    assert kubectl("-n", NS, "run", "p", "--image=ruby") == "pod/p created\n"
    assert _image(kubectl, "pod", "p", ".spec.containers[0].image") == RUBY


def test_local_reference_policy_pulls_through_the_registry(
    http: httpx.Client, kubectl: Kubectl
) -> None:
    stream = http.get(f"{ISV1}/namespaces/{NS}/imagestreams/php").json()
    repository = stream["status"]["dockerImageRepository"]
    assert repository.endswith(f"/{NS}/php")
    kubectl("-n", NS, "run", "php", "--image=php:latest")
    assert _image(kubectl, "pod", "php", ".spec.containers[0].image") == f"{repository}@{D_PHP}"


@pytest.mark.parametrize(
    ("name", "image"),
    [
        pytest.param("off", "plain", id="lookup-disabled"),
        pytest.param("remote", "quay.io/example/ruby:latest", id="full-reference"),
        pytest.param("unknown", "nosuchstream:1", id="no-stream"),
    ],
)
def test_untouched_images(kubectl: Kubectl, name: str, image: str) -> None:
    kubectl("-n", NS, "create", "deployment", name, f"--image={image}")
    template = ".spec.template.spec.containers[0].image"
    assert _image(kubectl, "deployment", name, template) == image


def test_kubectl_set_image_is_resolved_on_update(kubectl: Kubectl) -> None:
    kubectl("-n", NS, "create", "deployment", "later", "--image=quay.io/example/x:1")
    out = kubectl("-n", NS, "set", "image", "deployment/later", "x=ruby")
    assert out == "deployment.apps/later image updated\n"
    template = ".spec.template.spec.containers[0].image"
    assert _image(kubectl, "deployment", "later", template) == RUBY


def _review(image: str) -> dict[str, object]:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hook", "namespace": NS},
        "spec": {"containers": [{"name": "c", "image": image}]},
    }
    request = {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "hook",
        "namespace": NS,
        "operation": "CREATE",
        "userInfo": {"username": "admin", "groups": ["system:authenticated"]},
        "object": pod,
        "oldObject": None,
        "dryRun": False,
    }
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def test_webhook_answers_an_admission_review(
    api_server: RunningServer, http: httpx.Client, kubectl: Kubectl
) -> None:
    r = http.post(WEBHOOK, json=_review("ruby"))
    assert r.status_code == 201, r.text
    review = r.json()
    assert (review["apiVersion"], review["kind"]) == ("admission.k8s.io/v1", "AdmissionReview")
    response = review["response"]
    assert (response["uid"], response["allowed"], response["patchType"]) == (
        "705ab4f5-6393-11e8-b7cc-42010a800002",
        True,
        "JSONPatch",
    )
    assert json.loads(base64.b64decode(response["patch"])) == [
        {"op": "replace", "path": "/spec/containers/0/image", "value": RUBY}
    ]
    untouched = http.post(WEBHOOK, json=_review("plain")).json()["response"]
    assert untouched == {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": True}


def test_webhook_requires_authentication(api_server: RunningServer) -> None:
    with httpx.Client(base_url=api_server.url, verify=api_server.ssl_context()) as anonymous:
        r = anonymous.post(WEBHOOK, json=_review("ruby"))
    assert r.status_code in (401, 403), r.text
    assert r.json()["kind"] == "Status"
