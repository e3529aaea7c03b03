"""Discovery documents generated from the resource table (core entries + test image entries)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from imagestreams.api import scheme
from imagestreams.api.scheme import ResourceInfo
from imagestreams.server import discovery

IMAGE = "image.openshift.io"


@pytest.fixture(autouse=True)
def image_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few image entries, registered unless ``api.image_scheme`` already did."""
    monkeypatch.setattr(scheme, "_TABLE", list(scheme._TABLE))  # keep registrations local
    for info in (
        ResourceInfo(
            IMAGE, "v1", "ImageStream", "imagestreams", short_names=("is",), categories=("all",)
        ),
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStream",
            "imagestreams",
            subresource="status",
            verbs=("get", "patch", "update"),
        ),
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStream",
            "imagestreams",
            subresource="layers",
            verbs=("get",),
            response_kind="ImageStreamLayers",
        ),
        ResourceInfo(IMAGE, "v1", "Image", "images", namespaced=False),
    ):
        if scheme.find(info.group, info.version, info.plural, info.subresource) is None:
            scheme.register(info)


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in doc["resources"]}


def test_api_versions() -> None:
    assert discovery.api_versions("10.0.0.1:6443") == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
        ],
    }


@pytest.mark.parametrize(
    ("group", "version", "name", "expected"),
    [
        pytest.param(
            "apps",
            "v1",
            "deployments",
            {
                "name": "deployments",
                "singularName": "deployment",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": [
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
                "shortNames": ["deploy"],
                "categories": ["all"],
                "storageVersionHash": "8aSe+NMegvE=",
            },
            id="deployments",
        ),
        pytest.param(
            "apps",
            "v1",
            "deployments/status",
            {
                "name": "deployments/status",
                "singularName": "",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": ["get", "patch", "update"],
            },
            id="subresource",
        ),
        pytest.param(
            "",
            "v1",
            "namespaces",
            {
                "name": "namespaces",
                "singularName": "namespace",
                "namespaced": False,
                "kind": "Namespace",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["ns"],
                "storageVersionHash": "Q3oi5N2YM8M=",
            },
            id="cluster-scoped",
        ),
        pytest.param(
            IMAGE,
            "v1",
            "imagestreams/layers",
            {
                "name": "imagestreams/layers",
                "singularName": "",
                "namespaced": True,
                "kind": "ImageStreamLayers",
                "verbs": ["get"],
            },
            id="subresource-kind",
        ),
    ],
)
def test_api_resource_list_entries(
    group: str, version: str, name: str, expected: dict[str, Any]
) -> None:
    doc = discovery.api_resource_list(group, version)
    assert doc is not None
    assert (doc["kind"], doc["apiVersion"]) == ("APIResourceList", "v1")
    assert doc["groupVersion"] == (f"{group}/{version}" if group else version)
    assert _by_name(doc)[name] == expected


def test_storage_version_hash_matches_kube() -> None:
    # values served by kube-apiserver for these kinds
    assert discovery.storage_version_hash("apps", "v1", "Deployment") == "8aSe+NMegvE="
    assert discovery.storage_version_hash("", "v1", "Namespace") == "Q3oi5N2YM8M="


def test_unknown_group_version() -> None:
    assert discovery.api_resource_list("apps", "v2") is None
    assert discovery.api_group("nope.example.com") is None


def test_api_group_list_has_no_core_group() -> None:
    doc = discovery.api_group_list()
    names = [g["name"] for g in doc["groups"]]
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupList", "v1")
    assert names[:2] == ["apps", "batch"] and IMAGE in names and "" not in names
    assert doc["groups"][0] == {
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }


def test_api_group() -> None:
    assert discovery.api_group(IMAGE) == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": IMAGE,
        "versions": [{"groupVersion": f"{IMAGE}/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": f"{IMAGE}/v1", "version": "v1"},
    }


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
            "application/json",
            "v2",
            id="kubectl-1.32",
        ),
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
            "v2beta1",
            id="beta-only",
        ),
        pytest.param("application/json, */*", "legacy", id="kubectl-1.20"),
        pytest.param("", "legacy", id="none"),
        pytest.param(
            "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList",
            "legacy",
            id="unknown-version",
        ),
        pytest.param(
            "application/json;q=0.9,application/json;g=apidiscovery.k8s.io;v=v2;"
            "as=APIGroupDiscoveryList",
            "v2",
            id="q-values",
        ),
    ],
)
def test_negotiate_discovery(accept: str, expected: str) -> None:
    assert discovery.negotiate_discovery(accept) == expected


def test_aggregated_core() -> None:
    doc = discovery.aggregated_discovery(core=True)
    assert (doc["kind"], doc["apiVersion"], doc["metadata"]) == (
        "APIGroupDiscoveryList",
        "apidiscovery.k8s.io/v2",
        {},
    )
    (item,) = doc["items"]
    assert item["metadata"] == {"creationTimestamp": None}
    (version,) = item["versions"]
    assert (version["version"], version["freshness"]) == ("v1", "Current")
    namespaces = next(r for r in version["resources"] if r["resource"] == "namespaces")
    assert namespaces == {
        "resource": "namespaces",
        "responseKind": {"group": "", "version": "", "kind": "Namespace"},
        "scope": "Cluster",
        "singularResource": "namespace",
        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        "shortNames": ["ns"],
        "subresources": [
            {
                "subresource": "status",
                "responseKind": {"group": "", "version": "", "kind": "Namespace"},
                "verbs": ["get", "patch", "update"],
            },
            {
                "subresource": "finalize",
                "responseKind": {"group": "", "version": "", "kind": "Namespace"},
                "verbs": ["update"],
            },
        ],
    }


def test_aggregated_groups_include_registered_entries() -> None:
    doc = discovery.aggregated_discovery(core=False, fmt="v2beta1")
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    item = next(i for i in doc["items"] if i["metadata"]["name"] == IMAGE)
    resources = {r["resource"]: r for r in item["versions"][0]["resources"]}
    streams = resources["imagestreams"]
    assert (streams["scope"], streams["shortNames"], streams["categories"]) == (
        "Namespaced",
        ["is"],
        ["all"],
    )
    subs = {s["subresource"]: s["responseKind"]["kind"] for s in streams["subresources"]}
    assert subs["status"] == "ImageStream" and subs["layers"] == "ImageStreamLayers"
    assert resources["images"]["scope"] == "Cluster"
    assert "" not in [i["metadata"].get("name") for i in doc["items"]]


def test_subresource_without_parent_gets_empty_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    only_sub = [
        ResourceInfo("x.example.com", "v1", "Thing", "things", subresource="status", verbs=("get",))
    ]
    monkeypatch.setattr(scheme, "resources", lambda: only_sub)
    monkeypatch.setattr(scheme, "group_versions", lambda: [("x.example.com", "v1")])
    (item,) = discovery.aggregated_discovery(core=False)["items"]
    assert item["versions"][0]["resources"] == [
        {
            "resource": "things",
            "responseKind": {"group": "", "version": "", "kind": ""},
            "scope": "Namespaced",
            "singularResource": "",
            "verbs": [],
            "subresources": [
                {
                    "subresource": "status",
                    "responseKind": {"group": "", "version": "", "kind": "Thing"},
                    "verbs": ["get"],
                }
            ],
        }
    ]


def test_aggregated_content_type() -> None:
    assert discovery.aggregated_content_type("v2") == (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    )


def test_version_info() -> None:
    info = discovery.version_info(git_commit="abc")
    assert (info["major"], info["minor"], info["gitVersion"], info["gitCommit"]) == (
        "1",
        "32",
        "v1.32.4+imagestreams",
        "abc",
    )
    assert set(info) == {
        "major",
        "minor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    }


V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.mark.parametrize(
    ("parts", "accept", "kind", "media"),
    [
        pytest.param(["api"], V2, "APIGroupDiscoveryList", V2, id="api-aggregated"),
        pytest.param(
            ["apis"], f"{V2},application/json", "APIGroupDiscoveryList", V2, id="apis-aggregated"
        ),
        pytest.param(
            ["api"], "application/json", "APIVersions", "application/json", id="api-legacy"
        ),
        pytest.param(["apis"], "", "APIGroupList", "application/json", id="apis-legacy"),
        pytest.param(["api", "v1"], V2, "APIResourceList", "application/json", id="core-v1"),
        pytest.param(["apis", "apps"], "", "APIGroup", "application/json", id="group"),
        pytest.param(
            ["apis", "apps", "v1"], "", "APIResourceList", "application/json", id="group-version"
        ),
    ],
)
def test_document_routing(parts: list[str], accept: str, kind: str, media: str) -> None:
    found = discovery.document(parts, accept)
    assert found is not None
    body, got_media = found
    assert (json.loads(body)["kind"], got_media) == (kind, media)


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param(["apis", "nope"], id="unknown-group"),
        pytest.param(["api", "v2"], id="unknown-core-version"),
        pytest.param(["apis", "apps", "v1", "extra"], id="too-deep"),
    ],
)
def test_document_unknown(parts: list[str]) -> None:
    assert discovery.document(parts, "") is None
