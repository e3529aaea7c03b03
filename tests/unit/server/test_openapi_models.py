"""Generated image.openshift.io/v1 OpenAPI schemas: names, shapes and patch extensions.

The expected patch tags are those of openshift/api ``image/v1/types.go`` (``patchStrategy`` /
``patchMergeKey`` struct tags); kubectl computes its strategic merge patch from exactly these.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from imagestreams.api import image_v1
from imagestreams.server import openapi_models
from imagestreams.server.openapi_docs import IMAGE_DESCRIPTIONS
from imagestreams.server.openapi_schemas import meta_schemas

G, V = "image.openshift.io", "v1"
P = "com.github.openshift.api.image.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
CORE = "io.k8s.api.core.v1"
SMP = "application/strategic-merge-patch+json"


def _ref(name: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return openapi_models.model_schemas(G, V)


def _prop(schemas: dict[str, Any], type_name: str, field: str) -> dict[str, Any]:
    prop = dict(schemas[P + type_name]["properties"][field])
    prop.pop("description", None)
    return prop


@pytest.mark.parametrize(
    ("model", "name"),
    [
        pytest.param("ImageStream", P + "ImageStream", id="kind"),
        pytest.param("TagReference", P + "TagReference", id="nested"),
        pytest.param("ImageStreamTagList", P + "ImageStreamTagList", id="list"),
        pytest.param("ObjectMeta", f"{META}.ObjectMeta", id="object-meta"),
        pytest.param("ListMeta", f"{META}.ListMeta", id="list-meta"),
        pytest.param("Status", f"{META}.Status", id="status"),
        pytest.param("ObjectReference", f"{CORE}.ObjectReference", id="object-reference"),
        pytest.param("LocalObjectReference", f"{CORE}.LocalObjectReference", id="local-ref"),
    ],
)
def test_component_names(model: str, name: str) -> None:
    assert openapi_models.component_name(G, V, model) == name


def test_unknown_model_type_has_no_name() -> None:
    with pytest.raises(KeyError, match="Deployment"):
        openapi_models.component_name(G, V, "Deployment")


@pytest.mark.parametrize(
    ("group", "kind", "expected"),
    [
        pytest.param(G, "ImageStream", True, id="stream"),
        pytest.param(G, "ImageStreamLayers", True, id="subresource-kind"),
        pytest.param(G, "ImageTagList", True, id="list-kind"),
        pytest.param(G, "TagReference", False, id="nested-type"),
        pytest.param(G, "SecretList", False, id="no-model"),
        pytest.param("apps", "Deployment", False, id="built-in"),
    ],
)
def test_has_model(group: str, kind: str, expected: bool) -> None:
    assert openapi_models.has_model(group, V, kind) is expected


@pytest.mark.parametrize(
    ("group", "kind", "smp"),
    [
        pytest.param(G, "ImageStream", True, id="stream"),
        pytest.param(G, "Image", True, id="image"),
        pytest.param(G, "ImageStreamTag", True, id="istag"),
        pytest.param(G, "ImageTag", True, id="itag"),
        pytest.param(G, "ImageStreamImport", False, id="no-patch-meta"),
        pytest.param(G, "SecretList", False, id="open-schema"),
        pytest.param("apps", "Deployment", False, id="built-in-open-schema"),
        pytest.param("", "Pod", False, id="core-open-schema"),
    ],
)
def test_patch_types(group: str, kind: str, smp: bool) -> None:
    expected = [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        *([SMP] if smp else []),
    ]
    assert list(openapi_models.patch_types(group, V, kind)) == expected


def test_patch_extensions_are_upstreams(schemas: dict[str, Any]) -> None:
    found = {
        (name.removeprefix(P), field): (
            prop.get("x-kubernetes-patch-strategy"),
            prop.get("x-kubernetes-patch-merge-key"),
        )
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if "x-kubernetes-patch-strategy" in prop or "x-kubernetes-patch-merge-key" in prop
    }
    assert found == {
        ("ImageStreamSpec", "tags"): ("merge", "name"),
        ("ImageStreamStatus", "tags"): ("merge", "tag"),
        ("Image", "signatures"): ("merge", "name"),
        ("Image", "dockerImageMetadata"): ("replace", None),
        ("ImageSignature", "conditions"): ("merge", "type"),
    }
    assert "x-kubernetes-list-type" not in json.dumps(schemas)  # image/v1 has no +listType


@pytest.mark.parametrize(
    ("type_name", "field", "expected"),
    [
        pytest.param("TagReference", "name", {"type": "string"}, id="string"),
        pytest.param("TagReference", "reference", {"type": "boolean"}, id="bool"),
        pytest.param(
            "TagReference", "generation", {"type": "integer", "format": "int64"}, id="pointer-int"
        ),
        pytest.param(
            "TagReference",
            "annotations",
            {"type": "object", "additionalProperties": {"type": "string"}},
            id="nullable-map",
        ),
        pytest.param("TagReference", "from", _ref(f"{CORE}.ObjectReference"), id="core-ref"),
        pytest.param("TagReference", "importPolicy", _ref(P + "TagImportPolicy"), id="struct-ref"),
        pytest.param("TagEvent", "created", _ref(f"{META}.Time"), id="time"),
        pytest.param("SignatureCondition", "lastProbeTime", _ref(f"{META}.Time"), id="time-null"),
        pytest.param("ImageSignature", "created", _ref(f"{META}.Time"), id="time-pointer"),
        pytest.param("ImageSignature", "content", {"type": "string", "format": "byte"}, id="bytes"),
        pytest.param(
            "Image",
            "dockerImageSignatures",
            {"type": "array", "items": {"type": "string", "format": "byte"}},
            id="list-of-bytes",
        ),
        pytest.param(
            "NamedTagEventList",
            "items",
            {"type": "array", "items": _ref(P + "TagEvent")},
            id="nullable-list",
        ),
        pytest.param(
            "ImageStreamLayers",
            "blobs",
            {"type": "object", "additionalProperties": _ref(P + "ImageLayerData")},
            id="map-of-structs",
        ),
        pytest.param(
            "Image",
            "dockerImageMetadata",
            {**_ref(openapi_models.RAW_EXTENSION), "x-kubernetes-patch-strategy": "replace"},
            id="raw-extension",
        ),
        pytest.param("ImageImportStatus", "status", _ref(f"{META}.Status"), id="meta-status"),
        pytest.param("ImageStreamImportSpec", "import", {"type": "boolean"}, id="renamed-field"),
        pytest.param("ImageStreamImportStatus", "import", _ref(P + "ImageStream"), id="recursion"),
        pytest.param("ImageStream", "metadata", _ref(f"{META}.ObjectMeta"), id="object-meta"),
        pytest.param("ImageStreamList", "metadata", _ref(f"{META}.ListMeta"), id="list-meta"),
        pytest.param(
            "ImageStreamList",
            "items",
            {"type": "array", "items": _ref(P + "ImageStream")},
            id="list-items",
        ),
    ],
)
def test_property_shapes(
    schemas: dict[str, Any], type_name: str, field: str, expected: dict[str, Any]
) -> None:
    assert _prop(schemas, type_name, field) == expected


def test_every_model_field_is_described_by_a_property(schemas: dict[str, Any]) -> None:
    for name in image_v1.__all__:
        cls = getattr(image_v1, name)
        if isinstance(cls, type) and issubclass(cls, msgspec.Struct):
            wire = [f.encode_name for f in msgspec.structs.fields(cls)]
            assert list(schemas[P + name]["properties"]) == wire, name


@pytest.mark.parametrize(
    ("kind", "gvk"),
    [
        pytest.param(k, [{"group": G, "kind": k, "version": V}], id=k)
        for k in (
            "Image",
            "ImageList",
            "ImageSignature",
            "ImageStream",
            "ImageStreamList",
            "ImageStreamMapping",
            "ImageStreamTag",
            "ImageStreamTagList",
            "ImageTag",
            "ImageTagList",
            "ImageStreamImage",
            "ImageStreamLayers",
            "ImageStreamImport",
        )
    ]
    + [pytest.param("TagReference", None, id="nested-has-none")],
)
def test_group_version_kind(schemas: dict[str, Any], kind: str, gvk: object) -> None:
    assert schemas[P + kind].get("x-kubernetes-group-version-kind") == gvk


def test_core_references_are_atomic_and_complete(schemas: dict[str, Any]) -> None:
    reference = schemas[f"{CORE}.ObjectReference"]
    assert reference["x-kubernetes-map-type"] == "atomic"
    assert sorted(reference["properties"]) == [
        "apiVersion",
        "fieldPath",
        "kind",
        "name",
        "namespace",
        "resourceVersion",
        "uid",
    ]
    assert schemas[f"{CORE}.LocalObjectReference"]["x-kubernetes-map-type"] == "atomic"


def test_no_msgspec_artefacts_and_every_ref_resolves(schemas: dict[str, Any]) -> None:
    text = json.dumps(schemas)
    for artefact in ('"anyOf"', '"title"', '"default"', "$defs", "contentEncoding", '"null"'):
        assert artefact not in text
    known = set(schemas) | set(meta_schemas())
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= known
    assert f"{META}.StatusDetails" not in schemas  # reachable only through hand-written Status


def test_descriptions_land_first(schemas: dict[str, Any]) -> None:
    spec = schemas[P + "ImageStreamSpec"]
    assert next(iter(spec["properties"]["tags"])) == "description"
    assert spec["properties"]["tags"]["description"] == IMAGE_DESCRIPTIONS["ImageStreamSpec.tags"]
    assert next(iter(schemas[P + "ImageStream"])) == "description"
    assert (
        schemas[f"{CORE}.ObjectReference"]["properties"]["name"]["description"]
        == (IMAGE_DESCRIPTIONS["ObjectReference.name"])
    )


def test_result_is_a_fresh_copy() -> None:
    first = openapi_models.model_schemas(G, V)
    first[P + "ImageStream"]["properties"].clear()
    assert openapi_models.model_schemas(G, V)[P + "ImageStream"]["properties"]
    assert openapi_models.model_schemas("apps", V) == {}


# -- kubectl's PatchMetaFromOpenAPIV3 ----------------------------------------------------------


def _resolve(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """As apimachinery's ``resolve``: ``allOf[0]``, then a ``$ref`` into components."""
    if node.get("allOf"):
        node = node["allOf"][0]
    target = node.get("$ref")
    if target:
        name = target.removeprefix("#/components/schemas/")
        node = schemas[name]
    return node


def _lookup(schemas: dict[str, Any], kind: str, path: str) -> tuple[str, str]:
    """Walk ``path`` the way kubectl's strategic-merge diff looks fields up; return the last
    field's (strategy, merge key). A missing field is kubectl's "unable to find api field"."""
    node = schemas[P + kind]
    strategy = key = ""
    for segment in path.split("."):
        properties = node.get("properties")
        if not properties or segment not in properties:
            raise LookupError(f'unable to find api field "{segment}"')
        prop = properties[segment]
        strategy = prop.get("x-kubernetes-patch-strategy", "")
        key = prop.get("x-kubernetes-patch-merge-key", "")
        if prop.get("type") == "array":
            prop = prop["items"]
        node = _resolve(schemas, prop)
    return strategy, key


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        pytest.param("ImageStream", "spec.tags", ("merge", "name"), id="spec-tags"),
        pytest.param("ImageStream", "spec.tags.from.name", ("", ""), id="tag-from"),
        pytest.param("ImageStream", "spec.tags.importPolicy.importMode", ("", ""), id="policy"),
        pytest.param("ImageStream", "spec.lookupPolicy.local", ("", ""), id="lookup"),
        pytest.param("ImageStream", "status.tags", ("merge", "tag"), id="status-tags"),
        pytest.param("ImageStream", "status.tags.conditions.reason", ("", ""), id="conditions"),
        pytest.param("ImageStream", "metadata.ownerReferences", ("merge", "uid"), id="object-meta"),
        pytest.param("ImageStream", "metadata.labels", ("", ""), id="labels"),
        pytest.param("ImageStreamTag", "image.signatures", ("merge", "name"), id="istag-sigs"),
        pytest.param(
            "ImageTag", "image.signatures.conditions", ("merge", "type"), id="itag-sig-conditions"
        ),
        pytest.param("Image", "dockerImageMetadata", ("replace", ""), id="raw-metadata"),
    ],
)
def test_kubectl_finds_every_field(
    kind: str, path: str, expected: tuple[str, str], schemas: dict[str, Any]
) -> None:
    everything = {**meta_schemas(), **schemas}
    assert _lookup(everything, kind, path) == expected


def test_unknown_field_is_still_unknown(schemas: dict[str, Any]) -> None:
    with pytest.raises(LookupError, match='"bogus"'):
        _lookup({**meta_schemas(), **schemas}, "ImageStream", "spec.bogus")
