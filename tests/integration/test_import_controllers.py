"""The import controllers inside ``imagestreams serve``, and alone over HTTP.

A real docker-registry holds the images; the tests only write image streams (as users and
``oc tag`` do) and watch the controllers import: a new spec tag, a failure that becomes a
condition without an import loop, ``generation: 0`` asking for a re-import, a scheduled tag that
moves, disappears and whose registry goes down, and the controllers running as their own process
(``--components controllers --kubeconfig``) against a server that runs only the API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.registry_fixture import (
    RegistryProcess,
    needs_registry,
    start_registry,
)
from tests.integration.server_fixture import RunningServer, start_server
from tests.oci_images import Pusher, build_image

pytestmark = [pytest.mark.integration, needs_registry]
STREAMS = "/apis/image.openshift.io/v1/namespaces/default/imagestreams"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
TRIGGERS = "image.openshift.io/triggers"
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("controllers") / "data"
    with start_server(data, "--scheduled-import-interval", "2", plain_http=True) as srv:
        yield srv


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def _create(api: httpx.Client, name: str, ref: str, *, scheduled: bool = False) -> Obj:
    tag = {
        "name": "t",
        "from": {"kind": "DockerImage", "name": ref},
        "importPolicy": {"insecure": True, "scheduled": scheduled},
    }
    response = api.post(STREAMS, json={"metadata": {"name": name}, "spec": {"tags": [tag]}})
    assert response.status_code == 201, response.text
    created: Obj = response.json()
    return created


def _wait(api: httpx.Client, name: str, until: Callable[[Obj], bool], timeout: float = 20) -> Obj:
    deadline = time.monotonic() + timeout
    stream: Obj = {}
    while time.monotonic() < deadline:
        stream = api.get(f"{STREAMS}/{name}").json()
        if until(stream):
            return stream
        time.sleep(0.1)
    raise AssertionError(f"condition not reached; last stream status: {stream.get('status')}")


def _container_image(api: httpx.Client, deployment: str) -> str:
    got = api.get(f"{DEPLOYMENTS}/{deployment}").json()
    return str(got["spec"]["template"]["spec"]["containers"][0]["image"])


def _tag(stream: Obj) -> Obj:
    for entry in stream["status"].get("tags") or ():
        if entry["tag"] == "t":
            return dict(entry)
    return {}


def _head(stream: Obj) -> str:
    items = _tag(stream).get("items") or []
    return str(items[0]["image"]) if items else ""


def _conditions(stream: Obj) -> list[Obj]:
    return list(_tag(stream).get("conditions") or [])


def test_new_spec_tag_is_imported(api: httpx.Client, registry: RegistryProcess) -> None:
    image = build_image(fmt="oci", salt="ctl-new")
    with Pusher(registry.host) as pusher:
        pusher.push_image("ctl/new", "v1", image)
    _create(api, "new", f"{registry.host}/ctl/new:v1")
    stream = _wait(api, "new", lambda s: _head(s) == image.digest)
    (item,) = _tag(stream)["items"]
    assert item["dockerImageReference"] == f"{registry.host}/ctl/new@{image.digest}"
    assert item["generation"] == stream["metadata"]["generation"] == 2
    assert stream["spec"]["tags"][0]["generation"] == 2
    assert "openshift.io/image.dockerRepositoryCheck" in stream["metadata"]["annotations"]


def test_failure_is_a_condition_and_is_not_retried(
    api: httpx.Client, registry: RegistryProcess
) -> None:
    ref = f"{registry.host}/ctl/missing:v1"
    _create(api, "missing", ref)
    stream = _wait(api, "missing", lambda s: bool(_conditions(s)))
    (condition,) = _conditions(stream)
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "ImportSuccess",
        "False",
        "NotFound",
    )
    assert condition["message"] == f'dockerimage.image.openshift.io "{ref}" not found'
    assert condition["generation"] == stream["metadata"]["generation"] == 2
    time.sleep(2.5)
    later = api.get(f"{STREAMS}/missing").json()
    assert later["metadata"]["resourceVersion"] == stream["metadata"]["resourceVersion"]


def test_generation_zero_reimports(api: httpx.Client, registry: RegistryProcess) -> None:
    first, second = build_image(fmt="oci", salt="ctl-g1"), build_image(fmt="oci", salt="ctl-g2")
    with Pusher(registry.host) as pusher:
        pusher.push_image("ctl/regen", "v1", first)
        _create(api, "regen", f"{registry.host}/ctl/regen:v1")
        stream = _wait(api, "regen", lambda s: _head(s) == first.digest)
        pusher.push_image("ctl/regen", "v1", second)
    stream["spec"]["tags"][0]["generation"] = 0
    response = api.put(f"{STREAMS}/regen", json=stream)
    assert response.status_code == 200, response.text
    moved = _wait(api, "regen", lambda s: _head(s) == second.digest)
    assert [i["image"] for i in _tag(moved)["items"]] == [second.digest, first.digest]
    assert _tag(moved)["items"][0]["generation"] == moved["metadata"]["generation"]


def test_scheduled_tag_moves_disappears_and_its_registry_goes_down(
    api: httpx.Client, tmp_path: Path
) -> None:
    registry = start_registry(tmp_path / "sched-registry")
    try:
        first, second = build_image(salt="sched-1"), build_image(salt="sched-2")
        with Pusher(registry.host) as pusher:
            pusher.push_image("sched/app", "v1", first)
            _create(api, "sched", f"{registry.host}/sched/app:v1", scheduled=True)
            _wait(api, "sched", lambda s: _head(s) == first.digest)
            pusher.push_image("sched/app", "v1", second)
        moved = _wait(api, "sched", lambda s: _head(s) == second.digest, timeout=15)
        assert [i["image"] for i in _tag(moved)["items"]] == [second.digest, first.digest]
        deleted = httpx.delete(f"{registry.url}/v2/sched/app/manifests/{second.digest}", timeout=10)
        assert deleted.status_code == 202, deleted.text
        gone = _wait(api, "sched", lambda s: bool(_conditions(s)), timeout=15)
        assert _conditions(gone)[0]["reason"] == "NotFound"
        assert _head(gone) == second.digest  # history is kept
    finally:
        registry.stop()
    down = _wait(
        api,
        "sched",
        lambda s: bool(_conditions(s)) and _conditions(s)[0]["reason"] == "InternalError",
        timeout=20,
    )
    assert _conditions(down)[0]["message"].startswith(
        f"Internal error occurred: {registry.host}/sched/app:v1: "
    )


def test_controllers_alone_over_http(tmp_path: Path, registry: RegistryProcess) -> None:
    image = build_image(fmt="docker", salt="ctl-alone")
    with Pusher(registry.host) as pusher:
        pusher.push_image("ctl/alone", "v1", image)
    with start_server(tmp_path / "api", "--components", "api", plain_http=True) as api_server:
        log = (tmp_path / "controllers.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "imagestreams", "serve", "--components", "controllers",
             "--kubeconfig", str(api_server.kubeconfig), "--data-dir", str(tmp_path / "ctl")],
            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
        )  # fmt: skip
        try:
            with api_server.client() as client:
                triggers = json.dumps(
                    [
                        {
                            "from": {"kind": "ImageStreamTag", "name": "alone:t"},
                            "fieldPath": "spec.template.spec.containers[0].image",
                        }
                    ]
                )
                deployment = {
                    "metadata": {"name": "web", "annotations": {TRIGGERS: triggers}},
                    "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {"containers": [{"name": "web", "image": "old"}]}}},
                }  # fmt: skip
                created = client.post(DEPLOYMENTS, json=deployment)
                assert created.status_code == 201, created.text
                _create(client, "alone", f"{registry.host}/ctl/alone:v1")
                stream = _wait(client, "alone", lambda s: _head(s) == image.digest)
                want = f"{registry.host}/ctl/alone@{image.digest}"
                deadline = time.monotonic() + 30
                while (got := _container_image(client, "web")) != want:
                    assert time.monotonic() < deadline, f"trigger not applied: {got}"
                    time.sleep(0.1)
            assert _tag(stream)["items"][0]["generation"] == 2
        finally:
            proc.terminate()
            assert proc.wait(timeout=20) == 0
            log.close()
