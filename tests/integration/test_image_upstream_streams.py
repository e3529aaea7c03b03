"""ImageStream create/update/status/list/watch/delete as upstream's tests observe them.

Sources: origin ``test/integration/imagestream_test.go`` (create, list, delete),
openshift-apiserver ``registry/imagestream/strategy_test.go`` (generations, status
repository, status updates, ``TestTagRefChanged``) and the generic store rules.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from tests.integration.image_upstream_support import (
    BASE,
    create_namespace,
    create_stream,
    digest,
    map_image,
)
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration
NS_PREFIX = "isu"


def _streams(ns: str) -> str:
    return f"{BASE}/namespaces/{ns}/imagestreams"


def _ref_tag(name: str, ref: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "from": {"kind": "DockerImage", "name": ref}, "reference": True, **extra}


def test_create_get_list_delete(http: httpx.Client, ns: str, api_server: RunningServer) -> None:
    assert http.get(_streams(ns)).json()["items"] == []
    empty = http.post(_streams(ns), json={})
    assert empty.status_code == 422
    assert empty.json()["message"] == (
        'ImageStream.image.openshift.io "" is invalid: metadata.name: Required value: '
        "name or generateName is required"
    )
    created = http.post(_streams(ns), json={"metadata": {"name": "test"}})
    assert created.status_code == 201
    body = created.json()
    host = api_server.url.removeprefix("https://")
    assert body["status"] == {"dockerImageRepository": f"{host}/{ns}/test"}
    assert body["spec"] == {"lookupPolicy": {"local": False}}
    assert body["metadata"]["generation"] == 1
    assert http.get(f"{_streams(ns)}/test").json() == body
    assert [s["metadata"]["name"] for s in http.get(_streams(ns)).json()["items"]] == ["test"]
    gone = http.delete(f"{_streams(ns)}/test")
    assert gone.status_code == 200
    missing = http.delete(f"{_streams(ns)}/test")
    assert (missing.status_code, missing.json()["details"]) == (
        404,
        {"name": "test", "group": "image.openshift.io", "kind": "imagestreams"},
    )


def test_delete_keeps_images(http: httpx.Client, ns: str) -> None:
    create_stream(http, ns, "app")
    name = digest(f"keep-{ns}")
    image = {"metadata": {"name": name}, "dockerImageReference": f"quay.io/o/app@{name}"}
    assert map_image(http, ns, "app", "latest", image).status_code == 201
    assert http.delete(f"{_streams(ns)}/app").status_code == 200
    assert http.get(f"{BASE}/images/{name}").status_code == 200
    again = http.get(f"{BASE}/namespaces/{ns}/imagestreamtags/app:latest")
    assert again.json()["message"] == 'imagestreams.image.openshift.io "app" not found'


def test_create_ignores_status_and_client_generations(http: httpx.Client, ns: str) -> None:
    body = {
        "metadata": {"name": "is1", "generation": 9},
        "spec": {
            "tags": [_ref_tag("b", "quay.io/x/y:2", generation=7), _ref_tag("a", "quay.io/x/y:1")]
        },
        "status": {
            "dockerImageRepository": "evil.example.com/x",
            "tags": [{"tag": "zz", "items": []}],
        },
    }
    stream = http.post(_streams(ns), json=body).json()
    assert stream["metadata"]["generation"] == 1
    assert [(t["name"], t["generation"]) for t in stream["spec"]["tags"]] == [("a", 1), ("b", 1)]
    assert stream["status"]["dockerImageRepository"].endswith(f"/{ns}/is1")
    assert [entry["tag"] for entry in stream["status"]["tags"]] == ["a", "b"]
    head = stream["status"]["tags"][0]["items"][0]
    assert (head["dockerImageReference"], head["image"], head["generation"]) == (
        "quay.io/x/y:1",
        "",
        1,
    )


def test_generation_bumps_only_on_spec_changes(http: httpx.Client, ns: str) -> None:
    stream = create_stream(http, ns, "gen", tags=[_ref_tag("a", "quay.io/x/y:1")])
    stream["metadata"]["labels"] = {"team": "x"}
    stream = http.put(f"{_streams(ns)}/gen", json=stream).json()
    assert stream["metadata"]["generation"] == 1

    stream["spec"]["tags"].append(_ref_tag("b", "quay.io/x/y:2"))
    stream = http.put(f"{_streams(ns)}/gen", json=stream).json()
    assert stream["metadata"]["generation"] == 2
    assert [(t["name"], t["generation"]) for t in stream["spec"]["tags"]] == [("a", 1), ("b", 2)]

    stream["spec"]["tags"][0]["generation"] = 0
    stream = http.put(f"{_streams(ns)}/gen", json=stream).json()
    assert stream["metadata"]["generation"] == 3
    assert [(t["name"], t["generation"]) for t in stream["spec"]["tags"]] == [("a", 3), ("b", 2)]
    heads = {e["tag"]: e["items"][0]["generation"] for e in stream["status"]["tags"]}
    assert heads == {"a": 3, "b": 2}

    stream["spec"]["tags"][1]["generation"] = 99
    stream = http.put(f"{_streams(ns)}/gen", json=stream).json()
    assert [(t["name"], t["generation"]) for t in stream["spec"]["tags"]] == [("a", 3), ("b", 2)]
    assert stream["metadata"]["generation"] == 3


def test_update_requires_resource_version_and_detects_conflicts(
    http: httpx.Client, ns: str
) -> None:
    stream = create_stream(http, ns, "rv")
    blind = json.loads(json.dumps(stream))
    del blind["metadata"]["resourceVersion"]
    response = http.put(f"{_streams(ns)}/rv", json=blind)
    assert response.status_code == 422
    assert response.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 0x0: must be specified for an update",
            "field": "metadata.resourceVersion",
        }
    ]
    stream["metadata"]["annotations"] = {"a": "1"}
    assert http.put(f"{_streams(ns)}/rv", json=stream).status_code == 200
    stale = http.put(f"{_streams(ns)}/rv", json=stream)
    assert stale.status_code == 409
    assert stale.json()["message"] == (
        'Operation cannot be fulfilled on imagestreams.image.openshift.io "rv": the object has '
        "been modified; please apply your changes to the latest version and try again"
    )
    missing = http.put(
        f"{_streams(ns)}/nosuch", json={"metadata": {"name": "nosuch", "resourceVersion": "1"}}
    )
    assert missing.status_code == 404


def test_status_subresource(http: httpx.Client, ns: str) -> None:
    """The spec cannot change through /status; new history heads get the stream generation;
    references are validated only when new; the repository is always recomputed."""
    stream = create_stream(http, ns, "st", tags=[_ref_tag("a", "quay.io/x/y:1")])
    stream["spec"]["tags"] = []
    stream["status"]["dockerImageRepository"] = "evil.example.com/ns/name"
    stream["status"]["tags"].append(
        {
            "tag": "pushed",
            "items": [
                {
                    "created": "2024-01-01T00:00:00Z",
                    "dockerImageReference": "quay.io/p/q@sha256:" + "1" * 64,
                    "image": "sha256:" + "1" * 64,
                    "generation": 0,
                }
            ],
        }
    )
    response = http.put(f"{_streams(ns)}/st/status", json=stream)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert [t["name"] for t in updated["spec"]["tags"]] == ["a"]
    assert updated["metadata"]["generation"] == 1
    assert updated["status"]["dockerImageRepository"].endswith(f"/{ns}/st")
    pushed = next(e for e in updated["status"]["tags"] if e["tag"] == "pushed")
    assert pushed["items"][0]["generation"] == 1

    updated["status"]["tags"].append(
        {
            "tag": "bad",
            "items": [{"created": None, "dockerImageReference": "", "image": "x", "generation": 1}],
        }
    )
    invalid = http.put(f"{_streams(ns)}/st/status", json=updated)
    assert invalid.status_code == 422
    assert invalid.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "": repository name must have at least one component',
            "field": "status.tags[bad].items[0].dockerImageReference",
        }
    ]


def test_all_namespace_list_and_field_selectors(http: httpx.Client, ns: str) -> None:
    other = create_namespace(http, "isu")
    create_stream(http, ns, "one", dockerImageRepository="quay.io/acme/one")
    create_stream(http, other, "two")
    listed = http.get(f"{BASE}/imagestreams").json()
    names = {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in listed["items"]}
    assert {(ns, "one"), (other, "two")} <= names
    assert listed["kind"] == "ImageStreamList"
    by_ns = http.get(
        f"{BASE}/imagestreams", params={"fieldSelector": f"metadata.namespace={other}"}
    )
    assert [s["metadata"]["name"] for s in by_ns.json()["items"]] == ["two"]
    by_repo = http.get(
        f"{BASE}/imagestreams",
        params={"fieldSelector": "spec.dockerImageRepository=quay.io/acme/one"},
    )
    assert [s["metadata"]["name"] for s in by_repo.json()["items"]] == ["one"]
    two = http.get(f"{_streams(other)}/two").json()
    repo = two["status"]["dockerImageRepository"]
    by_status = http.get(
        _streams(other), params={"fieldSelector": f"status.dockerImageRepository={repo}"}
    )
    assert [s["metadata"]["name"] for s in by_status.json()["items"]] == ["two"]


def test_watch_reports_create_push_and_delete(
    http: httpx.Client, ns: str, api_server: RunningServer
) -> None:
    rv = http.get(_streams(ns)).json()["metadata"]["resourceVersion"]
    events: list[tuple[str, str, int]] = []
    ready = threading.Event()

    def watch() -> None:
        params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "10"}
        with api_server.client() as client, client.stream("GET", _streams(ns), params=params) as r:
            ready.set()
            for line in r.iter_lines():
                if not line:
                    continue
                event = json.loads(line)
                obj = event["object"]
                events.append(
                    (event["type"], obj["metadata"]["name"], len(obj["status"].get("tags", [])))
                )
                if event["type"] == "DELETED":
                    return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)
    create_stream(http, ns, "w")
    name = digest(f"watch-{ns}")
    image = {"metadata": {"name": name}, "dockerImageReference": f"quay.io/o/w@{name}"}
    assert map_image(http, ns, "w", "latest", image).status_code == 201
    assert http.delete(f"{_streams(ns)}/w").status_code == 200
    thread.join(10)
    assert events == [("ADDED", "w", 0), ("MODIFIED", "w", 1), ("DELETED", "w", 1)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("foo/bar", "may not contain '/'", id="slash"),
        pytest.param("foo%bar", "may not contain '%'", id="percent"),
        pytest.param("Foo", 'must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"', id="upper"),
        pytest.param("a--", 'must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"', id="trailing-separator"),
    ],
)
def test_invalid_names(http: httpx.Client, ns: str, name: str, message: str) -> None:
    response = http.post(_streams(ns), json={"metadata": {"name": name}})
    assert response.status_code == 422
    assert response.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": f"Invalid value: {json.dumps(name)}: {message}",
            "field": "metadata.name",
        }
    ]


def test_spec_docker_image_repository_rules(http: httpx.Client, ns: str) -> None:
    tagged = http.post(
        _streams(ns), json={"metadata": {"name": "r"}, "spec": {"dockerImageRepository": "a/b:tag"}}
    )
    assert tagged.status_code == 422
    assert tagged.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "a/b:tag": the repository name may not contain a tag',
            "field": "spec.dockerImageRepository",
        }
    ]
