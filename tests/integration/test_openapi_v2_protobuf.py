"""Real kubectl 1.27-1.33 against ``/openapi/v2`` in protobuf, never with ``--validate=false``.

kubectl 1.27/1.28 read only the v2 protobuf document (to decide that the server validates fields,
to compute apply patches, for ``explain``); 1.32+ fall back to it for kinds without a ``PATCH``
operation. Each case runs against the real server with default validation.
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imagestreams.api import protobuf_wire as wire
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

BIN = Path("/usr/lib/google-cloud-sdk/bin")
PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
DIGEST = "sha256:" + "0" * 63 + "1"


def _kubectl(
    server: RunningServer, version: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    binary = BIN / f"kubectl.{version}"
    if not binary.exists():
        pytest.skip(f"{binary} is not installed")
    cache = tempfile.mkdtemp()
    return subprocess.run(
        [str(binary), "--kubeconfig", str(server.kubeconfig), "--cache-dir", cache, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


@pytest.fixture
def ns(http: httpx.Client) -> str:
    name = f"pb-{uuid.uuid4().hex[:8]}"
    created = http.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert created.status_code == 201, created.text
    return name


def _deployment(ns: str, image: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: {image}
        ports:
        - containerPort: 8080
"""


def _image_stream(ns: str, tag: str) -> str:
    return f"""apiVersion: image.openshift.io/v1
kind: ImageStream
metadata:
  name: ruby
  namespace: {ns}
spec:
  tags:
  - name: "{tag}"
    from:
      kind: DockerImage
      name: quay.io/x/ruby:{tag}
"""


def _mapping(ns: str) -> str:
    return f"""apiVersion: image.openshift.io/v1
kind: ImageStreamMapping
metadata:
  name: ruby
  namespace: {ns}
tag: latest
image:
  metadata:
    name: {DIGEST}
  dockerImageReference: quay.io/x/ruby@{DIGEST}
"""


def _access_review(ns: str) -> str:
    return f"""apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: alice
  resourceAttributes:
    namespace: {ns}
    verb: get
    group: image.openshift.io
    resource: imagestreams
"""


def test_endpoint_serves_protobuf_with_the_json_etag(http: httpx.Client) -> None:
    as_proto = http.get("/openapi/v2", headers={"Accept": PROTOBUF})
    as_json = http.get("/openapi/v2", headers={"Accept": "application/json"})
    assert (as_proto.status_code, as_proto.headers["content-type"]) == (
        200,
        "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
    )
    assert as_proto.headers["etag"] == as_json.headers["etag"]
    assert next(wire.iter_fields(as_proto.content)) == (1, wire.LEN, b"2.0")
    again = http.get(
        "/openapi/v2", headers={"Accept": PROTOBUF, "If-None-Match": as_proto.headers["etag"]}
    )
    assert again.status_code == 304
    assert http.get("/openapi/v2", headers={"Accept": "text/html"}).status_code == 406


@pytest.mark.parametrize("version", ["1.27", "1.28"])
def test_old_kubectl_apply_validates_against_v2(
    api_server: RunningServer, ns: str, version: str
) -> None:
    steps = [
        (_deployment(ns, "quay.io/x/web:1"), "deployment.apps/web created"),
        (_deployment(ns, "quay.io/x/web:1"), "deployment.apps/web unchanged"),
        (_deployment(ns, "quay.io/x/web:2"), "deployment.apps/web configured"),
        (_image_stream(ns, "3"), "imagestream.image.openshift.io/ruby created"),
        (_image_stream(ns, "3"), "imagestream.image.openshift.io/ruby unchanged"),
        (_image_stream(ns, "4"), "imagestream.image.openshift.io/ruby configured"),
    ]
    for manifest, expected in steps:
        proc = _kubectl(api_server, version, "apply", "-f", "-", stdin=manifest)
        assert (proc.returncode, proc.stdout.strip()) == (0, expected), proc.stderr
        assert "warning" not in proc.stderr.lower(), proc.stderr


def test_current_kubectl_apply_still_works(api_server: RunningServer, ns: str) -> None:
    for manifest, expected in [
        (_image_stream(ns, "3"), "imagestream.image.openshift.io/ruby created"),
        (_image_stream(ns, "3"), "imagestream.image.openshift.io/ruby unchanged"),
        (_deployment(ns, "quay.io/x/web:1"), "deployment.apps/web created"),
    ]:
        proc = _kubectl(api_server, "1.32", "apply", "-f", "-", stdin=manifest)
        assert (proc.returncode, proc.stdout.strip()) == (0, expected), proc.stderr


def test_old_kubectl_explain_reads_v2_models(api_server: RunningServer) -> None:
    proc = _kubectl(api_server, "1.27", "explain", "imagestream.spec.tags.from")
    assert proc.returncode == 0, proc.stderr
    assert "FIELD: from <ObjectReference>" in proc.stdout
    assert "  kind\t<string>" in proc.stdout


@pytest.mark.parametrize(
    ("version", "manifest"),
    [
        pytest.param("1.32", _mapping, id="1.32-imagestreammapping"),
        pytest.param("1.32", _access_review, id="1.32-subjectaccessreview"),
        pytest.param("1.33", _access_review, id="1.33-subjectaccessreview"),
    ],
)
def test_create_kind_without_patch_downloads_openapi(
    api_server: RunningServer, http: httpx.Client, ns: str, version: str, manifest: object
) -> None:
    assert callable(manifest)
    if manifest is _mapping:
        created = http.post(
            f"/apis/image.openshift.io/v1/namespaces/{ns}/imagestreams",
            json={"metadata": {"name": "ruby"}},
        )
        assert created.status_code == 201, created.text
    proc = _kubectl(api_server, version, "create", "-f", "-", stdin=manifest(ns))
    assert "failed to download openapi" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
