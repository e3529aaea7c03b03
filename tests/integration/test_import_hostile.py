"""Imports from a hostile registry fail clearly, and the server keeps serving meanwhile.

The registry is ``registry_fixture.HostileRegistry``, a real HTTP server answering with a wrong
digest, an oversized manifest, an endless body, a one-byte-per-half-second drip, and non-JSON.
The server runs with ``--import-request-timeout 3`` so the drip is cut off quickly. While those
imports are in flight, the API keeps answering and a good import from a real registry works.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.registry_fixture import (
    HostileRegistry,
    RegistryProcess,
    needs_registry,
)
from tests.integration.server_fixture import RunningServer, start_server
from tests.oci_images import Pusher, build_image

pytestmark = [pytest.mark.integration, needs_registry]
ISI = "/apis/image.openshift.io/v1/namespaces/default/imagestreamimports"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    with start_server(
        data, "--components", "api", "--import-request-timeout", "3", plain_http=True
    ) as srv:
        yield srv


def _dry_run(server: RunningServer, ref: str) -> dict[str, Any]:
    body = {
        "metadata": {"name": "hostile"},
        "spec": {
            "import": False,
            "images": [
                {"from": {"kind": "DockerImage", "name": ref}, "importPolicy": {"insecure": True}}
            ],
        },
    }
    with server.client() as client:
        response = client.post(ISI, json=body, timeout=60)
    assert response.status_code == 201, response.text
    status: dict[str, Any] = response.json()["status"]["images"][0]["status"]
    return status


@pytest.mark.parametrize(
    ("repository", "fragment"),
    [
        pytest.param("wrongdigest", "content integrity error", id="wrong-digest"),
        pytest.param("oversized", "larger than", id="oversized-manifest"),
        pytest.param("endless", "larger than", id="endless-body"),
        pytest.param("slow", "took longer than 3s", id="slow-response"),
        pytest.param("garbage", "invalid manifest: not valid JSON", id="not-json"),
    ],
)
def test_hostile_answers_fail_the_import_clearly(
    server: RunningServer, hostile_registry: HostileRegistry, repository: str, fragment: str
) -> None:
    ref = f"{hostile_registry.host}/hostile/{repository}:latest"
    started = time.monotonic()
    status = _dry_run(server, ref)
    elapsed = time.monotonic() - started
    assert (status["status"], status["reason"], status["code"]) == ("Failure", "InternalError", 500)
    assert status["message"].startswith(f"Internal error occurred: {ref}: "), status["message"]
    assert fragment in status["message"], status["message"]
    assert elapsed < 15, elapsed


def test_server_keeps_serving_during_hostile_imports(
    server: RunningServer, hostile_registry: HostileRegistry, registry: RegistryProcess
) -> None:
    good = build_image(fmt="oci", salt="hostile-good")
    with Pusher(registry.host) as pusher:
        pusher.push_image("hostile/good", "v1", good)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        slow = [
            pool.submit(_dry_run, server, f"{hostile_registry.host}/hostile/{name}:latest")
            for name in ("slow", "endless", "slow")
        ]
        time.sleep(0.3)
        with server.client() as client:
            started = time.monotonic()
            assert client.get("/readyz").status_code == 200
            assert client.get("/apis/image.openshift.io/v1/imagestreams").status_code == 200
            quick = time.monotonic() - started
        status = _dry_run(server, f"{registry.host}/hostile/good:v1")
        assert status == {"metadata": {}, "status": "Success"}
        for future in slow:
            assert future.result(timeout=60)["reason"] == "InternalError"
    assert quick < 1.0, quick
    with httpx.Client(base_url=server.url, timeout=5) as client:
        assert client.get("/readyz").status_code == 200
