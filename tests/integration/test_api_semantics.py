"""Kubernetes REST semantics over real HTTPS: status codes, Status bodies, paging, selectors."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


@pytest.fixture
def ns(http: httpx.Client) -> str:
    name = f"s-{uuid.uuid4().hex[:8]}"
    r = http.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text
    return name


def cm(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    }


def test_create_get_update_conflict(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("a"))
    assert r.status_code == 201
    created = r.json()
    assert created["metadata"]["namespace"] == ns
    assert len(created["metadata"]["uid"]) == 36
    assert created["metadata"]["creationTimestamp"].endswith("Z")
    rv = created["metadata"]["resourceVersion"]

    again = http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("a"))
    assert again.status_code == 409
    assert again.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "a" already exists',
        "reason": "AlreadyExists",
        "details": {"name": "a", "kind": "configmaps"},
        "code": 409,
    }

    created["data"] = {"k": "v2"}
    r = http.put(f"/api/v1/namespaces/{ns}/configmaps/a", json=created)
    assert r.status_code == 200
    assert int(r.json()["metadata"]["resourceVersion"]) > int(rv)

    stale = http.put(f"/api/v1/namespaces/{ns}/configmaps/a", json=created)
    assert stale.status_code == 409
    body = stale.json()
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_invalid_name_has_field_causes(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("Bad_Name"))
    assert r.status_code == 422
    body = r.json()
    assert body["reason"] == "Invalid"
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["details"]["causes"][0]["reason"] == "FieldValueInvalid"
    assert body["message"].startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"'
    )


def test_missing_name_is_required(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {}})
    assert r.status_code == 422
    cause = r.json()["details"]["causes"][0]
    assert cause == {
        "reason": "FieldValueRequired",
        "field": "metadata.name",
        "message": "Required value: name or generateName is required",
    }


def test_generate_name(http: httpx.Client, ns: str) -> None:
    r = http.post(
        f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {"generateName": "gen-"}}
    )
    assert r.status_code == 201
    name = r.json()["metadata"]["name"]
    assert name.startswith("gen-") and len(name) == 9


def test_dry_run_does_not_store(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/api/v1/namespaces/{ns}/configmaps?dryRun=All", json=cm("dry"))
    assert r.status_code == 201
    assert http.get(f"/api/v1/namespaces/{ns}/configmaps/dry").status_code == 404
    bad = http.post(f"/api/v1/namespaces/{ns}/configmaps?dryRun=Some", json=cm("dry"))
    assert bad.status_code == 400


def test_undecodable_body_is_bad_request(http: httpx.Client, ns: str) -> None:
    r = http.post(
        f"/api/v1/namespaces/{ns}/configmaps",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["reason"] == "BadRequest"


def test_unsupported_media_type(http: httpx.Client, ns: str) -> None:
    r = http.post(
        f"/api/v1/namespaces/{ns}/configmaps", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    assert r.json()["reason"] == "UnsupportedMediaType"


def test_method_not_allowed_and_unknown_resource(http: httpx.Client, ns: str) -> None:
    assert http.get(f"/api/v1/namespaces/{ns}/widgets").status_code == 404
    assert http.get(f"/api/v1/namespaces/{ns}/widgets").json()["reason"] == "NotFound"


def test_oversized_body_is_413(http: httpx.Client, ns: str) -> None:
    big = cm("big")
    big["data"] = {"k": "x" * (4 * 1024 * 1024)}
    r = http.post(
        f"/api/v1/namespaces/{ns}/configmaps",
        content=json.dumps(big),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["reason"] == "RequestEntityTooLarge"


def test_list_paging_and_selectors(http: httpx.Client, ns: str) -> None:
    for i in range(7):
        http.post(
            f"/api/v1/namespaces/{ns}/configmaps",
            json=cm(f"p{i}", parity="even" if i % 2 == 0 else "odd"),
        )
    first = http.get(f"/api/v1/namespaces/{ns}/configmaps?limit=3").json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["p0", "p1", "p2"]
    assert first["metadata"]["remainingItemCount"] == 4
    token = first["metadata"]["continue"]
    second = http.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"limit": 3, "continue": token}
    ).json()
    assert [i["metadata"]["name"] for i in second["items"]] == ["p3", "p4", "p5"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    even = http.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"labelSelector": "parity=even"}
    ).json()
    assert [i["metadata"]["name"] for i in even["items"]] == ["p0", "p2", "p4", "p6"]
    named = http.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"fieldSelector": "metadata.name=p5"}
    ).json()
    assert [i["metadata"]["name"] for i in named["items"]] == ["p5"]
    bad = http.get(f"/api/v1/namespaces/{ns}/configmaps", params={"fieldSelector": "spec.x=1"})
    assert bad.status_code == 400


def test_delete_preconditions(http: httpx.Client, ns: str) -> None:
    created = http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("pre")).json()
    r = http.request(
        "DELETE",
        f"/api/v1/namespaces/{ns}/configmaps/pre",
        json={"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}},
    )
    assert r.status_code == 409
    assert "Precondition failed: UID in precondition" in r.json()["message"]
    r = http.request(
        "DELETE",
        f"/api/v1/namespaces/{ns}/configmaps/pre",
        json={"preconditions": {"uid": created["metadata"]["uid"]}},
    )
    assert r.status_code == 200
    assert http.get(f"/api/v1/namespaces/{ns}/configmaps/pre").status_code == 404


def test_finalizers_delay_deletion(http: httpx.Client, ns: str) -> None:
    obj = cm("fin")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=obj)
    r = http.delete(f"/api/v1/namespaces/{ns}/configmaps/fin")
    assert r.status_code == 202
    held = http.get(f"/api/v1/namespaces/{ns}/configmaps/fin").json()
    assert held["metadata"]["deletionTimestamp"]
    r = http.patch(
        f"/api/v1/namespaces/{ns}/configmaps/fin",
        content=json.dumps({"metadata": {"finalizers": None}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200
    assert http.get(f"/api/v1/namespaces/{ns}/configmaps/fin").status_code == 404


def test_deletecollection(http: httpx.Client, ns: str) -> None:
    for i in range(3):
        http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm(f"dc{i}", group="x"))
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("keep", group="y"))
    r = http.delete(f"/api/v1/namespaces/{ns}/configmaps", params={"labelSelector": "group=x"})
    assert r.status_code == 200
    left = http.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"]
    assert [i["metadata"]["name"] for i in left] == ["keep"]


def test_watch_from_resource_version(
    api_server: RunningServer, http: httpx.Client, ns: str
) -> None:
    listed = http.get(f"/api/v1/namespaces/{ns}/configmaps").json()
    rv = listed["metadata"]["resourceVersion"]
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("w1"))
    http.delete(f"/api/v1/namespaces/{ns}/configmaps/w1")
    events = []
    with http.stream(
        "GET",
        f"/api/v1/namespaces/{ns}/configmaps",
        params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "2"},
    ) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line:
                events.append(json.loads(line))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "w1"),
        ("DELETED", "w1"),
    ]


def test_table_output_and_health(api_server: RunningServer, http: httpx.Client) -> None:
    r = http.get(
        "/api/v1/namespaces",
        headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"},
    )
    body = r.json()
    assert body["kind"] == "Table"
    assert [c["name"] for c in body["columnDefinitions"]][:2] == ["Name", "Status"]
    assert httpx.get(f"{api_server.url}/readyz", verify=api_server.ssl_context()).text == "ok"
    version = httpx.get(f"{api_server.url}/version", verify=api_server.ssl_context()).json()
    assert version["major"] == "1"
    assert (
        httpx.get(
            f"{api_server.url}/api/v1/namespaces", verify=api_server.ssl_context()
        ).status_code
        == 401
    )


def test_metrics_count_requests(http: httpx.Client) -> None:
    http.get("/api/v1/namespaces/default")
    text = http.get("/metrics").text
    assert "apiserver_request_total{" in text
    assert 'resource="namespaces"' in text
    assert "etcd_request_duration_seconds_bucket" in text


def test_selector_errors_are_bad_requests(http: httpx.Client, ns: str) -> None:
    bad = http.get(f"/api/v1/namespaces/{ns}/configmaps", params={"labelSelector": "a in (b"})
    assert bad.status_code == 400
    assert bad.json()["reason"] == "BadRequest"
    unknown = http.get(f"/api/v1/namespaces/{ns}/secrets", params={"fieldSelector": "spec.x=1"})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "field label not supported: spec.x"
    http.post(
        f"/api/v1/namespaces/{ns}/secrets",
        json={
            "metadata": {"name": "tls"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "", "tls.key": ""},
        },
    )
    http.post(f"/api/v1/namespaces/{ns}/secrets", json={"metadata": {"name": "plain"}})
    typed = http.get(
        f"/api/v1/namespaces/{ns}/secrets", params={"fieldSelector": "type=kubernetes.io/tls"}
    ).json()
    assert [i["metadata"]["name"] for i in typed["items"]] == ["tls"]


def _owned(name: str, owner: dict) -> dict:
    obj = cm(name)
    obj["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
        }
    ]
    return obj


@pytest.mark.parametrize(
    ("policy", "dependent_left"),
    [
        pytest.param("Background", False, id="background-deletes-dependents"),
        pytest.param("Orphan", True, id="orphan-keeps-dependents"),
    ],
)
def test_propagation_policy(http: httpx.Client, ns: str, policy: str, dependent_left: bool) -> None:
    owner = http.post(
        f"/apis/apps/v1/namespaces/{ns}/deployments",
        json={
            "metadata": {"name": "owner"},
            "spec": {
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}},
            },
        },
    ).json()
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=_owned("dep", owner))
    r = http.request(
        "DELETE",
        f"/apis/apps/v1/namespaces/{ns}/deployments/owner",
        json={"propagationPolicy": policy},
    )
    assert r.status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = http.get(f"/api/v1/namespaces/{ns}/configmaps/dep")
        if policy == "Orphan" and "ownerReferences" not in got.json().get("metadata", {}):
            break
        if policy == "Background" and got.status_code == 404:
            break
        time.sleep(0.1)
    got = http.get(f"/api/v1/namespaces/{ns}/configmaps/dep")
    assert (got.status_code == 200) is dependent_left
    if dependent_left:
        assert "ownerReferences" not in got.json()["metadata"]


def test_legacy_watch_path_uses_watch_rules(http: httpx.Client, ns: str) -> None:
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("legacy"))
    params = {
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "1",
    }
    with http.stream("GET", f"/api/v1/watch/namespaces/{ns}/configmaps", params=params) as r:
        assert r.status_code == 200
        events = [json.loads(line) for line in r.iter_lines() if line]
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"]["metadata"]["name"] == "legacy"
    assert events[1]["type"] == "BOOKMARK"
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
