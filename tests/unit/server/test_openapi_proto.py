"""``/openapi/v2`` as gnostic protobuf: decoded back against OpenAPIv2.proto's field numbers.

The field numbers below are written out independently of ``openapi_proto_messages`` (from
google/gnostic ``openapiv2/OpenAPIv2.proto``) so a wrong number in the table fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.api import protobuf_wire as wire
from imagestreams.server import openapi
from imagestreams.server.openapi_proto import (
    PROTOBUF_V2_CONTENT_TYPE,
    ProtoConversionError,
    document_to_protobuf,
    negotiate_v2,
)

Fields = dict[int, list[Any]]


def _decode(data: bytes) -> Fields:
    out: Fields = {}
    for number, _, value in wire.iter_fields(data):
        out.setdefault(number, []).append(value)
    return out


def _sub(message: Fields, *path: int) -> Fields:
    """Follow single embedded messages by field number."""
    for number in path:
        (payload,) = message[number]
        message = _decode(payload)
    return message


def _text(message: Fields, number: int) -> str:
    (value,) = message[number]
    assert isinstance(value, bytes)
    return value.decode()


def _named(message: Fields, number: int) -> dict[str, Fields]:
    """A repeated ``Named*`` field (name = 1, value = 2) as an ordered dict."""
    pairs = [_decode(p) for p in message.get(number, [])]
    return {(_text(p, 1) if 1 in p else ""): _decode(p[2][0]) for p in pairs}


def _doc(**extra: Any) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": "t", "version": "v"}, "paths": {}, **extra}


def test_minimal_document_bytes() -> None:
    # swagger = 1, info = 2 {title = 1, version = 2}, paths = 8 (present, empty)
    assert document_to_protobuf(_doc()) == b"\x0a\x032.0\x12\x06\x0a\x01t\x12\x01v\x42\x00"


PATCH = {
    "description": "partially update the specified Namespace",
    "consumes": ["application/merge-patch+json"],
    "produces": ["application/json"],
    "schemes": ["https"],
    "operationId": "patchCoreV1Namespace",
    "parameters": [
        {"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/P"}},
        {"uniqueItems": True, "type": "string", "name": "fieldValidation", "in": "query"},
        {"type": "string", "name": "name", "in": "path", "required": True},
    ],
    "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/N"}}},
    "x-kubernetes-action": "patch",
    "x-kubernetes-group-version-kind": {"group": "", "kind": "Namespace", "version": "v1"},
}


def test_operation_parameters_and_extensions() -> None:
    doc = _decode(document_to_protobuf(_doc(paths={"/api/v1/namespaces/{name}": {"patch": PATCH}})))
    paths = _named(_sub(doc, 8), 2)  # Paths.path = 2 (NamedPathItem)
    assert list(paths) == ["/api/v1/namespaces/{name}"]
    op = _sub(paths["/api/v1/namespaces/{name}"], 8)  # PathItem.patch = 8
    assert (_text(op, 3), _text(op, 5)) == (PATCH["description"], PATCH["operationId"])
    assert [v.decode() for v in op[7]] == ["application/merge-patch+json"]  # consumes
    assert [v.decode() for v in op[6]] == ["application/json"]  # produces
    assert [v.decode() for v in op[10]] == ["https"]  # schemes
    body, query, path = (_decode(p) for p in op[8])  # ParametersItem
    body_param = _sub(body, 1, 1)  # .parameter.body_parameter
    assert (_text(body_param, 2), _text(body_param, 3), body_param[4]) == ("body", "body", [1])
    assert _text(_sub(body_param, 5), 1) == "#/definitions/P"  # Schema._ref
    query_param = _sub(query, 1, 2, 3)  # .parameter.non_body_parameter.query_parameter_sub_schema
    assert (_text(query_param, 2), _text(query_param, 4)) == ("query", "fieldValidation")
    assert (_text(query_param, 6), query_param[20]) == ("string", [1])  # type, unique_items
    path_param = _sub(path, 1, 2, 4)  # .path_parameter_sub_schema
    assert (_text(path_param, 4), path_param[1], _text(path_param, 5)) == ("name", [1], "string")
    response = _sub(_named(_sub(op, 9), 1)["200"], 1)  # Responses.response_code -> .response
    assert _text(response, 1) == "OK"
    assert _text(_sub(response, 2, 1), 1) == "#/definitions/N"  # SchemaItem.schema._ref
    extensions = {name: _text(v, 2) for name, v in _named(op, 13).items()}  # NamedAny, Any.yaml
    assert extensions == {
        "x-kubernetes-action": "patch\n",
        "x-kubernetes-group-version-kind": 'group: ""\nkind: Namespace\nversion: v1\n',
    }


SCHEMA = {
    "description": "d",
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "default": "", "maxLength": 63, "enum": ["a", "b"]},
        "ratio": {"type": "number", "minimum": 0.5, "readOnly": False},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "tags": {
            "type": "array",
            "items": {"$ref": "#/definitions/Tag"},
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
        },
        "closed": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    "x-kubernetes-group-version-kind": [{"group": "g", "kind": "K", "version": "v1"}],
}


def test_schema_fields() -> None:
    doc = _decode(document_to_protobuf(_doc(definitions={"g.v1.K": SCHEMA})))
    schema = _named(_sub(doc, 9), 1)["g.v1.K"]  # Definitions.additional_properties
    assert (_text(schema, 4), [v.decode() for v in schema[19]]) == ("d", ["name"])
    assert [v.decode() for v in _sub(schema, 22)[1]] == ["object"]  # TypeItem.value
    props = _named(_sub(schema, 25), 1)  # Properties.additional_properties
    assert list(props) == ["name", "ratio", "labels", "tags", "closed"]
    name = props["name"]
    assert (_text(_sub(name, 5), 2), name[11]) == ('""\n', [63])  # default Any.yaml, maxLength
    assert [_text(_decode(v), 2) for v in name[20]] == ["a\n", "b\n"]  # enum
    ratio = props["ratio"]
    assert ratio[9] == [0x3FE0000000000000] and 27 not in ratio  # minimum; readOnly false left out
    labels = _sub(props["labels"], 21, 1)  # additionalProperties.schema
    assert [v.decode() for v in _sub(labels, 22)[1]] == ["string"]
    tags = props["tags"]
    assert _text(_sub(tags, 23, 1), 1) == "#/definitions/Tag"  # ItemsItem.schema[0]._ref
    assert {k: _text(v, 2) for k, v in _named(tags, 31).items()} == {
        "x-kubernetes-list-type": "map\n",
        "x-kubernetes-list-map-keys": "- name\n",
    }
    closed = props["closed"]
    assert (closed[25], closed[21]) == ([b""], [b"\x10\x00"])  # empty Properties; oneof bool false
    assert _text(_named(schema, 31)["x-kubernetes-group-version-kind"], 2) == (
        "- group: g\n  kind: K\n  version: v1\n"
    )


def test_security() -> None:
    data = document_to_protobuf(
        _doc(
            securityDefinitions=openapi._SECURITY,
            security=[{"BearerToken": []}],
        )
    )
    doc = _decode(data)
    api_key = _sub(_named(_sub(doc, 13), 1)["BearerToken"], 2)  # .api_key_security
    assert [_text(api_key, n) for n in (1, 2, 3, 4)] == [
        "apiKey",
        "authorization",
        "header",
        "Bearer Token authentication",
    ]
    (requirement,) = (_decode(v) for v in doc[12])
    assert _named(requirement, 1) == {"BearerToken": {}}  # StringArray without values


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        pytest.param(
            {"definitions": {"X": {"type": "object", "nullable": True}}},
            "$root.definitions.X: has invalid properties: nullable",
            id="unknown-key",
        ),
        pytest.param(
            {"schemes": ["ftp"]}, "$root.schemes: has unexpected value ['ftp']", id="enum"
        ),
        pytest.param(
            {"info": {"title": "t"}},
            "$root.info: is missing required properties: version",
            id="missing",
        ),
        pytest.param(
            {"paths": {"/x": {"get": {"responses": {}, "parameters": [{"name": "a", "in": "c"}]}}}},
            "$root.paths./x.get.parameters[0]: contains an invalid ParametersItem",
            id="no-oneof-match",
        ),
        pytest.param(
            {"definitions": {"X": {"maxLength": "5"}}},
            "$root.definitions.X.maxLength: has unexpected value '5'",
            id="wrong-type",
        ),
        pytest.param({"paths": {"x": {}}}, "$root.paths: has invalid properties: x", id="path"),
    ],
)
def test_gnostic_refusals(extra: dict[str, Any], problem: str) -> None:
    with pytest.raises(ProtoConversionError) as caught:
        document_to_protobuf(_doc(**extra))
    assert caught.value.problems == [problem]


def test_served_document_converts_and_declares_field_validation() -> None:
    doc = _decode(document_to_protobuf(openapi.v2_document()))
    namespace_patch = _sub(_named(_sub(doc, 8), 2)["/api/v1/namespaces/{name}"], 8)
    gvk = _text(_named(namespace_patch, 13)["x-kubernetes-group-version-kind"], 2)
    assert gvk == 'group: ""\nkind: Namespace\nversion: v1\n'
    names = [_text(_sub(_decode(p), 1, 2, 3), 4) for p in namespace_patch[8][1:4]]
    assert "fieldValidation" in names


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        pytest.param(openapi.PROTOBUF_V2, PROTOBUF_V2_CONTENT_TYPE, id="kubectl"),
        pytest.param(PROTOBUF_V2_CONTENT_TYPE, PROTOBUF_V2_CONTENT_TYPE, id="dotted"),
        pytest.param("application/json", "application/json", id="json"),
        pytest.param("", "application/json", id="no-accept"),
        pytest.param("*/*", "application/json", id="any"),
        pytest.param("application/*", "application/json", id="application-any"),
        pytest.param(
            f"{openapi.PROTOBUF_V2}, application/json", PROTOBUF_V2_CONTENT_TYPE, id="pb-first"
        ),
        pytest.param(
            f"application/json, {openapi.PROTOBUF_V2}", "application/json", id="json-first"
        ),
        pytest.param(
            f"{openapi.PROTOBUF_V2};q=0.5, application/json", "application/json", id="q-order"
        ),
        pytest.param(f"*/*, {openapi.PROTOBUF_V2}", PROTOBUF_V2_CONTENT_TYPE, id="specific-wins"),
        pytest.param("text/html", None, id="unacceptable"),
        pytest.param("Application/JSON", None, id="case-sensitive-like-goautoneg"),
    ],
)
def test_negotiate_v2(accept: str, content_type: str | None) -> None:
    assert negotiate_v2(accept) == content_type


def test_serve_v2_protobuf_shares_the_json_etag() -> None:
    as_json = openapi.serve_v2("application/json")
    as_proto = openapi.serve_v2(openapi.PROTOBUF_V2)
    assert (as_proto.status, as_proto.headers["Content-Type"]) == (200, PROTOBUF_V2_CONTENT_TYPE)
    assert as_proto.headers["ETag"] == as_json.headers["ETag"]
    assert as_proto.headers["Vary"] == "Accept"
    assert as_proto.body == document_to_protobuf(openapi.v2_document())
    cached = openapi.serve_v2(openapi.PROTOBUF_V2, as_proto.headers["ETag"])
    assert (cached.status, cached.body) == (304, b"")
    assert openapi.serve_v2("text/html").status == 406
