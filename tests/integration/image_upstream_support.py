"""Shared helpers of the ``test_image_upstream_*`` scenarios (behaviours taken from upstream
OpenShift's own tests: origin ``test/extended/images/imagestream.go``, openshift-apiserver's
registry ``rest_test.go``/``etcd_test.go``/``strategy_test.go``), driven over HTTP only.

Literal manifests and configs are built here once so every scenario uses the same realistic
content with known digests. The ``http`` and ``ns`` fixtures are here too (loaded for the whole
suite by ``tests/conftest.py``); a scenario module names its namespaces with a module-level
``NS_PREFIX``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.server_fixture import RunningServer

__all__ = [
    "BASE",
    "CONFIG",
    "CONFIG_DIGEST",
    "LAYER_A",
    "LAYER_B",
    "MANIFEST",
    "MANIFEST_DIGEST",
    "SCHEMA2",
    "create_namespace",
    "create_stream",
    "digest",
    "http",
    "map_image",
    "ns",
    "schema2_manifest",
]

BASE = "/apis/image.openshift.io/v1"
SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"
LAYER_A = "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1"
LAYER_B = "sha256:9b8a4d3a1c2f7e6d5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e"


def digest(data: str) -> str:
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


CONFIG = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-03-14T09:26:53.589793238Z",
        "author": "OpenShift Team",
        "docker_version": "24.0.7",
        "config": {
            "User": "1001",
            "Env": ["PATH=/usr/local/bin:/usr/bin", "APP_ROOT=/opt/app-root"],
            "Cmd": ["/usr/bin/run"],
            "WorkingDir": "/opt/app-root/src",
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {"io.k8s.display-name": "Ruby 3.3"},
        },
        "container_config": {"Cmd": ["/bin/sh", "-c", '#(nop) CMD ["/usr/bin/run"]']},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "ab" * 32, "sha256:" + "cd" * 32]},
        "history": [{"created": "2024-03-14T09:26:53Z", "created_by": "/bin/sh"}],
    },
    separators=(",", ":"),
)
CONFIG_DIGEST = digest(CONFIG)


def schema2_manifest(salt: str = "") -> tuple[str, str]:
    """The Docker schema2 manifest of :data:`CONFIG` and its digest; ``salt`` (kept in an
    annotation registries ignore) gives a distinct digest for scenarios sharing the server."""
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": SCHEMA2,
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(CONFIG),
            "digest": CONFIG_DIGEST,
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 39340183,
                "digest": LAYER_A,
            },
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1820,
                "digest": LAYER_B,
            },
        ],
    }
    if salt:
        doc["annotations"] = {"org.example.salt": salt}
    raw = json.dumps(doc, indent=3)
    return raw, digest(raw)


MANIFEST, MANIFEST_DIGEST = schema2_manifest()


def create_namespace(http: httpx.Client, prefix: str = "up") -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    response = http.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code == 201, response.text
    return name


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    """A client of the session's API server, closed after the test."""
    with api_server.client() as client:
        yield client


@pytest.fixture
def ns(http: httpx.Client, request: pytest.FixtureRequest) -> str:
    """A fresh namespace ``<NS_PREFIX>-<random>``, the prefix taken from the test's module."""
    return create_namespace(http, getattr(request.module, "NS_PREFIX", "up"))


def create_stream(http: httpx.Client, ns: str, name: str, **spec: Any) -> dict[str, Any]:
    body = {"metadata": {"name": name}, "spec": spec}
    response = http.post(f"{BASE}/namespaces/{ns}/imagestreams", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def map_image(
    http: httpx.Client, ns: str, stream: str, tag: str, image: dict[str, Any]
) -> httpx.Response:
    """POST an ImageStreamMapping (what the registry does on push)."""
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": stream},
        "tag": tag,
        "image": image,
    }
    return http.post(f"{BASE}/namespaces/{ns}/imagestreammappings", json=body)
