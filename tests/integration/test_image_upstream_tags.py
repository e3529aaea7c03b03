"""ImageStreamTag and ImageTag as upstream's tests drive them.

Sources: origin ``test/extended/images/imagestream.go`` (conflicting and creating ISTag updates,
the deployment lifecycle hook's blind ISTag PUT that provisions streams), openshift-apiserver
``registry/imagestreamtag/rest_test.go`` and ``registry/imagetag/rest_test.go``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.image_upstream_support import (
    BASE,
    create_stream,
    digest,
    map_image,
)

pytestmark = pytest.mark.integration
NS_PREFIX = "tag"


def _istags(ns: str) -> str:
    return f"{BASE}/namespaces/{ns}/imagestreamtags"


def _itags(ns: str) -> str:
    return f"{BASE}/namespaces/{ns}/imagetags"


def _push(http: httpx.Client, ns: str, stream: str, tag: str, seed: str) -> str:
    name = digest(f"{seed}-{ns}")
    image = {"metadata": {"name": name}, "dockerImageReference": f"quay.io/acme/{stream}@{name}"}
    assert map_image(http, ns, stream, tag, image).status_code == 201
    return name


def _istag(name: str, tag: dict[str, Any] | None, rv: str = "") -> dict[str, Any]:
    md = {"name": name, **({"resourceVersion": rv} if rv else {})}
    return {
        "kind": "ImageStreamTag",
        "apiVersion": "image.openshift.io/v1",
        "metadata": md,
        "tag": tag or None,
    }


def test_update_with_stale_version_conflicts_and_current_version_creates(
    http: httpx.Client, ns: str
) -> None:
    create_stream(http, ns, "test")
    image = _push(http, ns, "test", "newest", "newest")
    current = http.get(f"{_istags(ns)}/test:newest").json()
    rv = current["metadata"]["resourceVersion"]
    source = {"from": {"kind": "ImageStreamTag", "name": "newest"}}
    stale = http.put(
        f"{_istags(ns)}/test:brandnew", json=_istag("test:brandnew", source, rv=rv + "0")
    )
    assert stale.status_code == 409
    assert stale.json()["reason"] == "Conflict"
    created = http.put(f"{_istags(ns)}/test:brandnew", json=_istag("test:brandnew", source, rv=rv))
    assert created.status_code == 201
    body = created.json()
    assert body["metadata"]["name"] == "test:brandnew"
    assert body["tag"]["from"] == {"kind": "ImageStreamTag", "name": "newest"}
    assert body["image"]["metadata"]["name"] == image
    assert body["image"]["metadata"]["uid"]
    updated = http.put(f"{_istags(ns)}/test:brandnew", json=_istag("test:brandnew", source))
    assert updated.status_code == 200


def test_blind_put_provisions_the_stream(http: httpx.Client, ns: str) -> None:
    """The deployment lifecycle hook tags container images with a blind ISTag PUT."""
    body = _istag("test2:test", {"from": {"kind": "DockerImage", "name": "someimage:other"}})
    for expected in (201, 200):
        response = http.put(f"{_istags(ns)}/test2:test", json=body)
        assert response.status_code == expected, response.text
    stream = http.get(f"{BASE}/namespaces/{ns}/imagestreams/test2").json()
    assert [(t["name"], t["from"]["name"]) for t in stream["spec"]["tags"]] == [
        ("test", "someimage:other")
    ]
    missing_rv = http.put(
        f"{_istags(ns)}/nosuch:test",
        json=_istag("nosuch:test", {"from": {"kind": "DockerImage", "name": "a/b:c"}}, rv="12"),
    )
    assert missing_rv.status_code == 404


def test_create_existing_and_invalid(http: httpx.Client, ns: str) -> None:
    body = _istag(
        "app:v1",
        {"from": {"kind": "DockerImage", "name": "quay.io/acme/app:v1"}, "reference": True},
    )
    created = http.post(_istags(ns), json=body)
    assert created.status_code == 201, created.text
    again = http.post(_istags(ns), json=body)
    assert again.status_code == 409
    assert again.json()["message"] == 'imagestreamtag.image.openshift.io "app:v1" already exists'
    assert again.json()["details"]["kind"] == "imagestreamtag"
    no_kind = http.post(_istags(ns), json=_istag("app:v2", {"from": {"name": "quay.io/a/b:2"}}))
    assert no_kind.status_code == 422
    assert "tag.from.kind: Required value" in no_kind.json()["message"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("app", id="no-colon"),
        pytest.param("app:a:b", id="two-colons"),
        pytest.param("app@sha256:1", id="at"),
    ],
)
def test_get_requires_stream_colon_tag(http: httpx.Client, ns: str, name: str) -> None:
    response = http.get(f"{_istags(ns)}/{name}")
    assert (response.status_code, response.json()["message"]) == (
        400,
        "ImageStreamTags must be retrieved with <name>:<tag>",
    )


def test_get_errors(http: httpx.Client, ns: str) -> None:
    missing_stream = http.get(f"{_istags(ns)}/nosuch:latest")
    assert missing_stream.json()["details"] == {
        "name": "nosuch",
        "group": "image.openshift.io",
        "kind": "imagestreams",
    }
    create_stream(
        http,
        ns,
        "app",
        tags=[
            {
                "name": "ref",
                "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"},
                "reference": True,
            }
        ],
    )
    reference_only = http.get(f"{_istags(ns)}/app:ref")
    assert (reference_only.status_code, reference_only.json()["message"]) == (
        404,
        'imagestreamtags.image.openshift.io "app:ref" not found',
    )


def test_update_rules(http: httpx.Client, ns: str) -> None:
    create_stream(http, ns, "app")
    http.patch(
        f"{BASE}/namespaces/{ns}/imagestreams/app",
        json={"metadata": {"labels": {"tier": "web"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
    _push(http, ns, "app", "pushed", "pushed")
    current = http.get(f"{_istags(ns)}/app:pushed").json()
    assert current["metadata"]["labels"] == {"tier": "web"}
    assert current["tag"] is None

    no_spec = http.put(f"{_istags(ns)}/app:pushed", json={**current, "tag": None})
    assert (no_spec.status_code, no_spec.json()["message"]) == (
        400,
        f"imagestreamtag pushed is not a spec tag in imagestream {ns}/app, cannot be updated",
    )
    relabel = {**current, "metadata": {**current["metadata"], "labels": {"tier": "db"}}}
    relabel["tag"] = {"from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}}
    changed = http.put(f"{_istags(ns)}/app:pushed", json=relabel)
    assert changed.status_code == 422
    assert changed.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "": may not update fields other than metadata.annotations',
            "field": "metadata",
        }
    ]
    annotated = {**current, "metadata": {**current["metadata"], "annotations": {"note": "x"}}}
    annotated["tag"] = {"from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}, "reference": True}
    response = http.put(f"{_istags(ns)}/app:pushed", json=annotated)
    assert response.status_code == 201, response.text
    assert response.json()["tag"]["annotations"] == {"note": "x"}
    assert response.json()["metadata"]["annotations"] == {"note": "x"}


def test_list_and_label_selector(http: httpx.Client, ns: str) -> None:
    http.post(
        f"{BASE}/namespaces/{ns}/imagestreams",
        json={"metadata": {"name": "web", "labels": {"app": "shop"}}},
    ).raise_for_status()
    create_stream(http, ns, "db")
    web = _push(http, ns, "web", "latest", "web")
    _push(http, ns, "db", "v1", "db")
    listed = http.get(_istags(ns)).json()
    assert listed["kind"] == "ImageStreamTagList"
    assert sorted(i["metadata"]["name"] for i in listed["items"]) == ["db:v1", "web:latest"]
    selected = http.get(_istags(ns), params={"labelSelector": "app=shop"}).json()["items"]
    assert [i["metadata"]["name"] for i in selected] == ["web:latest"]
    assert selected[0]["image"]["metadata"]["name"] == web
    everywhere = http.get(f"{BASE}/imagestreamtags", params={"labelSelector": "app=shop"}).json()
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in everywhere["items"]] == [
        (ns, "web:latest")
    ]


def test_delete_removes_spec_and_history(http: httpx.Client, ns: str) -> None:
    create_stream(
        http,
        ns,
        "app",
        tags=[
            {
                "name": "v1",
                "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"},
                "reference": True,
            }
        ],
    )
    image = _push(http, ns, "app", "v1", "v1")
    deleted = http.delete(f"{_istags(ns)}/app:v1")
    assert (deleted.status_code, deleted.json()["status"]) == (200, "Success")
    stream = http.get(f"{BASE}/namespaces/{ns}/imagestreams/app").json()
    assert "tags" not in stream["spec"] and "tags" not in stream["status"]
    assert stream["metadata"]["generation"] == 2
    assert http.get(f"{BASE}/images/{image}").status_code == 200
    again = http.delete(f"{_istags(ns)}/app:v1")
    assert (again.status_code, again.json()["message"]) == (
        404,
        'imagestreamtags.image.openshift.io "app:v1" not found',
    )


def test_imagetag_views(http: httpx.Client, ns: str) -> None:
    create_stream(
        http,
        ns,
        "app",
        tags=[
            {
                "name": "spec",
                "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"},
                "reference": True,
            }
        ],
    )
    image = _push(http, ns, "app", "pushed", "pushed")
    listed = http.get(_itags(ns)).json()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["app:pushed", "app:spec"]
    assert all(i["image"] is None for i in listed["items"])
    pushed = http.get(f"{_itags(ns)}/app:pushed").json()
    assert pushed["spec"] is None
    assert pushed["image"]["metadata"]["name"] == image
    assert pushed["status"]["tag"] == "pushed"

    missing_spec = http.post(_itags(ns), json={"metadata": {"name": "app:new"}})
    assert missing_spec.status_code == 422
    assert missing_spec.json()["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value: spec is a required field during creation",
            "field": "spec",
        }
    ]
    wrong_name = http.post(
        _itags(ns),
        json={
            "metadata": {"name": "app:new"},
            "spec": {"name": "other", "from": {"kind": "DockerImage", "name": "a/b:1"}},
        },
    )
    assert wrong_name.json()["details"]["causes"][0]["message"] == (
        'Invalid value: "other": must match image tag name'
    )
    exists = http.post(
        _itags(ns),
        json={
            "metadata": {"name": "app:spec"},
            "spec": {"from": {"kind": "DockerImage", "name": "a/b:1"}},
        },
    )
    assert exists.status_code == 409

    spec_tag = http.get(f"{_itags(ns)}/app:spec").json()
    spec_tag["spec"] = None
    removed = http.put(f"{_itags(ns)}/app:spec", json=spec_tag)
    assert removed.status_code == 200, removed.text
    stream = http.get(f"{BASE}/namespaces/{ns}/imagestreams/app").json()
    assert "tags" not in stream["spec"]
    assert [e["tag"] for e in stream["status"]["tags"]] == ["pushed", "spec"]
    bad = http.get(f"{_itags(ns)}/app")
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "ImageTags must be retrieved with <name>:<tag>",
    )
