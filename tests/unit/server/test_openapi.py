"""OpenAPI v3/v2 documents and their cache-aware serving."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from imagestreams.api import scheme
from imagestreams.api.scheme import ResourceInfo
from imagestreams.server import openapi, openapi_schemas

IMAGE = "image.openshift.io"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"


@pytest.fixture(autouse=True)
def image_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheme, "_TABLE", list(scheme._TABLE))  # keep registrations local
    for info in (
        ResourceInfo(IMAGE, "v1", "ImageStream", "imagestreams", short_names=("is",)),
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStream",
            "imagestreams",
            subresource="status",
            verbs=("get", "patch", "update"),
        ),
        ResourceInfo(IMAGE, "v1", "ImageStreamImport", "imagestreamimports", verbs=("create",)),
        ResourceInfo(IMAGE, "v1", "Image", "images", namespaced=False),
    ):
        if scheme.find(info.group, info.version, info.plural, info.subresource) is None:
            scheme.register(info)


def _doc(group: str, version: str = "v1") -> dict[str, Any]:
    doc = openapi.v3_document(group, version)
    assert doc is not None
    return doc


@pytest.mark.parametrize(
    ("group", "kind", "name"),
    [
        pytest.param("apps", "Deployment", "io.k8s.api.apps.v1.Deployment", id="apps"),
        pytest.param("", "Pod", "io.k8s.api.core.v1.Pod", id="core"),
        pytest.param(
            IMAGE, "ImageStream", "com.github.openshift.api.image.v1.ImageStream", id="openshift"
        ),
        pytest.param("rbac.authorization.k8s.io", "Role", "io.k8s.api.rbac.v1.Role", id="k8s-io"),
        pytest.param(
            "stable.example.com", "CronTab", "com.example.stable.v1.CronTab", id="crd-style"
        ),
    ],
)
def test_schema_names(group: str, kind: str, name: str) -> None:
    assert openapi_schemas.schema_name(group, "v1", kind) == name


@pytest.mark.parametrize(
    ("path", "method", "action", "kind"),
    [
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments",
            "get",
            "list",
            "Deployment",
            id="list",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments",
            "post",
            "post",
            "Deployment",
            id="create",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments",
            "delete",
            "deletecollection",
            "Deployment",
            id="deletecollection",
        ),
        pytest.param("/apis/apps/v1/deployments", "get", "list", "Deployment", id="all-namespaces"),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            "get",
            "get",
            "Deployment",
            id="read",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            "put",
            "put",
            "Deployment",
            id="replace",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            "patch",
            "patch",
            "Deployment",
            id="patch",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            "delete",
            "delete",
            "Deployment",
            id="delete",
        ),
        pytest.param(
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status",
            "patch",
            "patch",
            "Deployment",
            id="status-patch",
        ),
        pytest.param(
            "/apis/apps/v1/watch/namespaces/{namespace}/deployments",
            "get",
            "watchlist",
            "Deployment",
            id="watch",
        ),
    ],
)
def test_operations(path: str, method: str, action: str, kind: str) -> None:
    op = _doc("apps")["paths"][path][method]
    assert op["x-kubernetes-action"] == action
    assert op["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": kind, "version": "v1"}
    assert op["responses"]["401"] == {"description": "Unauthorized"}


def test_patch_operation_is_what_kubectl_looks_for() -> None:
    item = _doc(IMAGE)["paths"][
        "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams/{name}"
    ]
    patch = item["patch"]
    assert [p["name"] for p in patch["parameters"]] == [
        "dryRun",
        "fieldManager",
        "fieldValidation",
        "force",
    ]
    assert all(p["in"] == "query" for p in patch["parameters"])
    assert list(patch["requestBody"]["content"]) == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ]
    assert patch["requestBody"]["content"]["application/merge-patch+json"]["schema"] == {
        "$ref": f"#/components/schemas/{META}.Patch"
    }
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace", "pretty"]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        pytest.param(
            "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamimports",
            ["post", "parameters"],
            id="create-only",
        ),
        pytest.param(
            "/apis/image.openshift.io/v1/images/{name}",
            ["get", "put", "patch", "delete", "parameters"],
            id="cluster-scoped",
        ),
        pytest.param(
            "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams/{name}/status",
            ["get", "put", "patch", "parameters"],
            id="status",
        ),
    ],
)
def test_paths_follow_verbs(path: str, methods: list[str]) -> None:
    paths = _doc(IMAGE)["paths"]
    assert sorted(paths[path]) == sorted(methods)
    assert (
        "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamimports/{name}" not in paths
    )


def test_list_parameters_and_create_parameters() -> None:
    coll = _doc("")["paths"]["/api/v1/namespaces/{namespace}/pods"]
    assert [p["name"] for p in coll["get"]["parameters"]] == [
        "allowWatchBookmarks",
        "continue",
        "fieldSelector",
        "labelSelector",
        "limit",
        "resourceVersion",
        "resourceVersionMatch",
        "sendInitialEvents",
        "timeoutSeconds",
        "watch",
    ]
    assert [p["name"] for p in coll["post"]["parameters"]] == [
        "dryRun",
        "fieldManager",
        "fieldValidation",
    ]
    assert coll["get"]["operationId"] == "listCoreV1NamespacedPod"
    assert coll["get"]["tags"] == ["core_v1"]


def test_kind_schema() -> None:
    schemas = _doc("apps")["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    assert deployment["properties"]["metadata"]["allOf"] == [
        {"$ref": f"#/components/schemas/{META}.ObjectMeta"}
    ]
    assert deployment["properties"]["spec"]["x-kubernetes-preserve-unknown-fields"] is True
    assert deployment["properties"]["spec"]["type"] == "object"
    listed = schemas["io.k8s.api.apps.v1.DeploymentList"]
    assert listed["properties"]["items"]["items"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"}
    ]
    for name in ("ObjectMeta", "ListMeta", "Status", "DeleteOptions", "Patch", "WatchEvent"):
        assert f"{META}.{name}" in schemas


def test_every_ref_resolves() -> None:
    for group, version in scheme.group_versions():
        doc = _doc(group, version)
        text = json.dumps(doc)
        refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
        assert refs <= set(doc["components"]["schemas"]), (group, refs)


def test_patch_meta_annotates_nested_lists() -> None:
    schema = openapi_schemas.kind_schemas(scheme.by_group_version("apps", "v1"))[
        "io.k8s.api.apps.v1.Deployment"
    ]
    pod_spec = schema["properties"]["spec"]["properties"]["template"]["properties"]["spec"]
    containers = pod_spec["properties"]["containers"]
    assert containers["type"] == "array"
    assert (
        containers["x-kubernetes-patch-merge-key"],
        containers["x-kubernetes-patch-strategy"],
    ) == ("name", "merge")
    env = containers["items"]["properties"]["env"]
    assert env == {
        "type": "array",
        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "x-kubernetes-patch-merge-key": "name",
        "x-kubernetes-patch-strategy": "merge",
    }
    volumes = pod_spec["properties"]["volumes"]
    assert volumes["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    assert schema["properties"]["spec"]["properties"]["strategy"] == {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "x-kubernetes-patch-strategy": "retainKeys",
    }
    assert "properties" not in schema["properties"]["metadata"]  # ObjectMeta carries its own


def test_image_stream_schema_is_generated_in_the_document() -> None:
    schemas = _doc(IMAGE)["components"]["schemas"]
    stream = schemas["com.github.openshift.api.image.v1.ImageStream"]
    assert "x-kubernetes-preserve-unknown-fields" not in stream
    assert stream["properties"]["spec"]["allOf"] == [
        {"$ref": "#/components/schemas/com.github.openshift.api.image.v1.ImageStreamSpec"}
    ]
    tags = schemas["com.github.openshift.api.image.v1.ImageStreamSpec"]["properties"]["tags"]
    assert (tags["x-kubernetes-patch-merge-key"], tags["type"]) == ("name", "array")


def test_deployment_patch_does_not_offer_strategic_merge() -> None:
    patch = _doc("apps")["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"][
        "patch"
    ]
    assert "application/strategic-merge-patch+json" not in patch["requestBody"]["content"]


def test_root_lists_group_versions_with_hashes() -> None:
    root = openapi.v3_root()["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1", f"apis/{IMAGE}/v1"} <= set(root)
    body = openapi.serve_v3(f"/openapi/v3/apis/{IMAGE}/v1", "application/json").body
    digest = hashlib.sha512(body).hexdigest().upper()
    assert root[f"apis/{IMAGE}/v1"] == {
        "serverRelativeURL": f"/openapi/v3/apis/{IMAGE}/v1?hash={digest}"
    }
    assert json.loads(body)["openapi"] == "3.0.0"


def test_serve_v3_caching() -> None:
    url = openapi.v3_root()["paths"]["apis/apps/v1"]["serverRelativeURL"]
    path, _, query = url.partition("?")
    current = query.removeprefix("hash=")
    fresh = openapi.serve_v3(path, "application/json", current)
    assert (fresh.status, fresh.headers["Cache-Control"], fresh.headers["ETag"]) == (
        200,
        "public, immutable",
        f'"{current}"',
    )
    stale = openapi.serve_v3(path, "application/json", "OLD")
    assert (stale.status, stale.headers["Location"]) == (301, url)
    unchanged = openapi.serve_v3(path, "application/json", None, f'"{current}"')
    assert (unchanged.status, unchanged.body) == (304, b"")
    assert "Cache-Control" not in openapi.serve_v3(path, "application/json").headers
    assert openapi.serve_v3("/openapi/v3/apis/nope/v1").status == 404
    assert (
        openapi.serve_v3(path, "application/com.github.proto-openapi.spec.v3@v1.0+protobuf").status
        == 406
    )


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        pytest.param(openapi.PROTOBUF_V2, 200, id="kubectl-protobuf"),
        pytest.param("text/html", 406, id="unacceptable"),
        pytest.param("application/json", 200, id="json"),
        pytest.param("", 200, id="no-accept"),
        pytest.param(f"{openapi.PROTOBUF_V2}, application/json;q=0.5", 200, id="json-fallback"),
    ],
)
def test_serve_v2(accept: str, status: int) -> None:
    assert openapi.serve_v2(accept).status == status


def test_v2_document_shape() -> None:
    doc = openapi.v2_document()
    assert doc["swagger"] == "2.0"
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert op["parameters"][0] == {
        "name": "body",
        "in": "body",
        "required": True,
        "schema": {"$ref": f"#/definitions/{META}.Patch"},
    }
    assert {k: v for k, v in op["parameters"][3].items() if k != "description"} == {
        "name": "fieldValidation",
        "in": "query",
        "type": "string",
        "uniqueItems": True,
    }
    assert op["responses"]["200"]["schema"] == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.Deployment"
    }
    assert "#/components/" not in json.dumps(doc)
    assert op["consumes"] == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
    ]
    stream = doc["paths"]["/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams/{name}"]
    assert stream["patch"]["consumes"][-1] == "application/strategic-merge-patch+json"
    tags = doc["definitions"]["com.github.openshift.api.image.v1.ImageStreamSpec"]["properties"][
        "tags"
    ]
    assert tags["items"] == {"$ref": "#/definitions/com.github.openshift.api.image.v1.TagReference"}


def test_documents_follow_registrations() -> None:
    before = openapi.v3_root()["paths"]
    scheme.register(ResourceInfo("tests.example.com", "v1", "Widget", "widgets"))
    after = openapi.v3_root()["paths"]
    assert "apis/tests.example.com/v1" in after and "apis/tests.example.com/v1" not in before


@pytest.mark.parametrize(
    ("parts", "accept", "status"),
    [
        pytest.param(["v2"], openapi.PROTOBUF_V2, 200, id="v2-protobuf"),
        pytest.param(["v2"], "application/json", 200, id="v2-json"),
        pytest.param(["v3"], "", 200, id="v3-root"),
        pytest.param(["v3", "apis", "apps", "v1"], "application/json", 200, id="v3-group"),
        pytest.param(["v3", "apis", "nope", "v1"], "application/json", 404, id="v3-unknown"),
        pytest.param(["v4"], "", 404, id="unknown-version"),
    ],
)
def test_respond(parts: list[str], accept: str, status: int) -> None:
    assert openapi.respond(parts, {}, accept).status_code == status
