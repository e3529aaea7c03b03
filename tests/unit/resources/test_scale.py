"""The /scale subresource: kube's Scale view of a workload's replica count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from imagestreams import errors
from imagestreams.resources import install
from imagestreams.resources.core.scale import selector_string
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource
from imagestreams.storage.sqlite import SQLiteStorage


@pytest.mark.parametrize(
    ("selector", "label_map", "expected"),
    [
        pytest.param({"matchLabels": {"b": "2", "a": "1"}}, False, "a=1,b=2", id="labels-sorted"),
        pytest.param(
            {"matchLabels": {"app": "web"},
             "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]},
                                  {"key": "canary", "operator": "DoesNotExist"},
                                  {"key": "zone", "operator": "NotIn", "values": ["x"]},
                                  {"key": "env", "operator": "Exists"}]},
            False, "app=web,!canary,env,tier in (be,fe),zone notin (x)", id="expressions",
        ),
        pytest.param({"app": "web"}, True, "app=web", id="rc-map"),
        pytest.param(None, False, "", id="none"),
    ],
)  # fmt: skip
def test_selector_string(selector: Any, label_map: bool, expected: str) -> None:
    assert selector_string(selector, label_map=label_map) == expected


@pytest.fixture
async def workloads(tmp_path: Path) -> AsyncIterator[install.Installed]:
    storage = SQLiteStorage(tmp_path / "s.db")
    await storage.open()
    installed = install.build(storage)
    await install.bootstrap(installed)
    yield installed
    await installed.namespaces.close()
    await storage.close()


def _r(installed: install.Installed, sub: str = "") -> Resource:
    return installed.resources[("apps", "v1", "deployments", sub)]


async def test_scale_reads_and_writes_the_parent(workloads: install.Installed) -> None:
    ctx = RequestContext(namespace="default")
    deployment = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {}},
        "status": {"replicas": 2},
    }
    created = await _r(workloads).create(ctx, deployment)
    scale = await _r(workloads, "scale").get(ctx, "web")
    assert scale == {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: created["metadata"][k] for k in
                     ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")},
        "spec": {"replicas": 1},
        "status": {"replicas": 0, "selector": "app=web"},
    }  # fmt: skip

    def to_three(current: dict[str, Any]) -> dict[str, Any]:
        current["spec"]["replicas"] = 3
        return current

    patched = await _r(workloads, "scale").patch(ctx, "web", to_three)
    parent = await _r(workloads).get(ctx, "web")
    assert patched["spec"] == {"replicas": 3} == {"replicas": parent["spec"]["replicas"]}
    assert parent["metadata"]["generation"] == 2
    assert patched["metadata"]["resourceVersion"] == parent["metadata"]["resourceVersion"]

    stale = {**scale, "spec": {"replicas": 5}}  # read before the patch
    with pytest.raises(errors.Conflict):
        await _r(workloads, "scale").update(ctx, "web", stale)
    with pytest.raises(errors.Invalid, match=r"spec\.replicas: Invalid value: -1: must be"):
        await _r(workloads, "scale").update(ctx, "web", {"spec": {"replicas": -1}})
    with pytest.raises(errors.NotFound):
        await _r(workloads, "scale").get(ctx, "missing")
