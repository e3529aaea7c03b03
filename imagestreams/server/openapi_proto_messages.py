"""The ``openapi.v2`` protobuf messages (google/gnostic ``openapiv2/OpenAPIv2.proto``) as data.

kube-apiserver serves ``/openapi/v2`` in protobuf by parsing its JSON document with gnostic's
``openapi_v2.ParseDocument`` and marshalling the resulting ``Document``. Each generated ``NewX``
parser reads known JSON keys into numbered fields, refuses keys outside its allowed set (other than
``x-*`` vendor extensions), checks required keys and enumerated values, collects ``x-*`` keys
as ``NamedAny`` pairs, and turns JSON objects with free keys (``definitions``, ``properties``,
``paths``, ``responses``) into repeated ``Named*`` pairs (``name`` = 1, ``value`` = 2) in document
order. This table records, per message, exactly those facts; ``openapi_proto`` walks it.

Field kinds: ``string``, ``bool``, ``int64``, ``double``, ``strings`` (repeated string), ``any``
and ``anys`` (``Any`` messages carrying YAML), a message name, or ``[Name]`` for a repeated
message. ``ONEOFS`` lists the alternatives of the ``oneof`` wrappers in field order; gnostic
tries every one and keeps the last that parses without error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ANY", "MESSAGES", "ONEOFS", "SPECIAL", "Field", "MapField", "Message"]

ANY = "Any"
"""``Any``: ``value`` (google.protobuf.Any, never set here) = 1, ``yaml`` = 2."""

SPECIAL = frozenset({ANY, "TypeItem", "ItemsItem", "StringArray"})
"""Messages whose parsers are not table-shaped (see ``openapi_proto``)."""


@dataclass(frozen=True, slots=True)
class Field:
    number: int
    key: str
    kind: str
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MapField:
    """A repeated ``Named<value>`` field filled from the keys matching ``pattern`` (None: all)."""

    number: int
    value: str
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    fields: tuple[Field, ...] = ()
    required: tuple[str, ...] = ()
    checked: bool = True
    """Whether keys other than the fields' (and ``patterns``) are errors."""
    extensions: int = 0
    """Field number of ``repeated NamedAny vendor_extension`` (``x-*`` keys); 0 if none."""
    maps: tuple[MapField, ...] = ()
    patterns: tuple[str, ...] = ()


_X = "^x-"
_PATH = "^/"
_CODE = "^([0-9]{3})$|^(default)$"
_TYPES = ("string", "number", "boolean", "integer", "array")
_FORMATS = ("csv", "ssv", "tsv", "pipes")
_SCHEMES = ("http", "https", "ws", "wss")


def _fields(
    *specs: tuple[str, str] | tuple[str, str, tuple[str, ...]], start: int = 1
) -> tuple[Field, ...]:
    return tuple(Field(start + i, spec[0], spec[1], *spec[2:]) for i, spec in enumerate(specs))


def _primitive(start: int, types: tuple[str, ...], formats: tuple[str, ...]) -> tuple[Field, ...]:
    """The run of validation keys shared by non-body parameters, headers and items."""
    return _fields(
        ("type", "string", types),
        ("format", "string"),
        ("items", "PrimitivesItems"),
        ("collectionFormat", "string", formats),
        ("default", "any"),
        ("maximum", "double"),
        ("exclusiveMaximum", "bool"),
        ("minimum", "double"),
        ("exclusiveMinimum", "bool"),
        ("maxLength", "int64"),
        ("minLength", "int64"),
        ("pattern", "string"),
        ("maxItems", "int64"),
        ("minItems", "int64"),
        ("uniqueItems", "bool"),
        ("enum", "anys"),
        ("multipleOf", "double"),
        start=start,
    )


def _sub_schema(where: str, *, empty_value: bool) -> Message:
    """``<Header|FormData|Query|Path>ParameterSubSchema``."""
    head: list[tuple[str, str] | tuple[str, str, tuple[str, ...]]] = [
        ("required", "bool"),
        ("in", "string", (where,)),
        ("description", "string"),
        ("name", "string"),
    ]
    if empty_value:
        head.append(("allowEmptyValue", "bool"))
    types = (*_TYPES, "file") if where == "formData" else _TYPES
    formats = (*_FORMATS, "multi") if where in ("query", "formData") else _FORMATS
    fields = _fields(*head) + _primitive(len(head) + 1, types, formats)
    return Message(
        fields,
        required=("required",) if where == "path" else (),
        extensions=len(fields) + 1,
    )


def _oauth2(flow: str, *keys: str) -> Message:
    fields = _fields(
        ("type", "string", ("oauth2",)),
        ("flow", "string", (flow,)),
        ("scopes", "Oauth2Scopes"),
        *((k, "string") for k in keys),
        ("description", "string"),
    )
    return Message(
        fields, required=tuple(sorted(("flow", "type", *keys))), extensions=len(fields) + 1
    )


_SCHEMA = _fields(
    ("$ref", "string"),
    ("format", "string"),
    ("title", "string"),
    ("description", "string"),
    ("default", "any"),
    ("multipleOf", "double"),
    ("maximum", "double"),
    ("exclusiveMaximum", "bool"),
    ("minimum", "double"),
    ("exclusiveMinimum", "bool"),
    ("maxLength", "int64"),
    ("minLength", "int64"),
    ("pattern", "string"),
    ("maxItems", "int64"),
    ("minItems", "int64"),
    ("uniqueItems", "bool"),
    ("maxProperties", "int64"),
    ("minProperties", "int64"),
    ("required", "strings"),
    ("enum", "anys"),
    ("additionalProperties", "AdditionalPropertiesItem"),
    ("type", "TypeItem"),
    ("items", "ItemsItem"),
    ("allOf", "[Schema]"),
    ("properties", "Properties"),
    ("discriminator", "string"),
    ("readOnly", "bool"),
    ("xml", "Xml"),
    ("externalDocs", "ExternalDocs"),
    ("example", "any"),
)

_OPERATION = _fields(
    ("tags", "strings"),
    ("summary", "string"),
    ("description", "string"),
    ("externalDocs", "ExternalDocs"),
    ("operationId", "string"),
    ("produces", "strings"),
    ("consumes", "strings"),
    ("parameters", "[ParametersItem]"),
    ("responses", "Responses"),
    ("schemes", "strings", _SCHEMES),
    ("deprecated", "bool"),
    ("security", "[SecurityRequirement]"),
)

_DOCUMENT = _fields(
    ("swagger", "string", ("2.0",)),
    ("info", "Info"),
    ("host", "string"),
    ("basePath", "string"),
    ("schemes", "strings", _SCHEMES),
    ("consumes", "strings"),
    ("produces", "strings"),
    ("paths", "Paths"),
    ("definitions", "Definitions"),
    ("parameters", "ParameterDefinitions"),
    ("responses", "ResponseDefinitions"),
    ("security", "[SecurityRequirement]"),
    ("securityDefinitions", "SecurityDefinitions"),
    ("tags", "[Tag]"),
    ("externalDocs", "ExternalDocs"),
)

_PATH_ITEM = _fields(
    ("$ref", "string"),
    *((method, "Operation") for method in ("get", "put", "post", "delete", "options", "head")),
    ("patch", "Operation"),
    ("parameters", "[ParametersItem]"),
)


def _map(value: str, pattern: str | None = None) -> Message:
    return Message(checked=False, maps=(MapField(1, value, pattern),))


MESSAGES: dict[str, Message] = {
    "Document": Message(_DOCUMENT, required=("info", "paths", "swagger"), extensions=16),
    "Info": Message(
        _fields(
            ("title", "string"),
            ("version", "string"),
            ("description", "string"),
            ("termsOfService", "string"),
            ("contact", "Contact"),
            ("license", "License"),
        ),
        required=("title", "version"),
        extensions=7,
    ),
    "Contact": Message(
        _fields(("name", "string"), ("url", "string"), ("email", "string")), extensions=4
    ),
    "License": Message(
        _fields(("name", "string"), ("url", "string")), required=("name",), extensions=3
    ),
    "ExternalDocs": Message(
        _fields(("description", "string"), ("url", "string")), required=("url",), extensions=3
    ),
    "Tag": Message(
        _fields(("name", "string"), ("description", "string"), ("externalDocs", "ExternalDocs")),
        required=("name",),
        extensions=4,
    ),
    "Paths": Message(extensions=1, maps=(MapField(2, "PathItem", _PATH),), patterns=(_X, _PATH)),
    "PathItem": Message(_PATH_ITEM, extensions=10),
    "Operation": Message(_OPERATION, required=("responses",), extensions=13),
    "BodyParameter": Message(
        _fields(
            ("description", "string"),
            ("name", "string"),
            ("in", "string", ("body",)),
            ("required", "bool"),
            ("schema", "Schema"),
        ),
        required=("in", "name", "schema"),
        extensions=6,
    ),
    "HeaderParameterSubSchema": _sub_schema("header", empty_value=False),
    "FormDataParameterSubSchema": _sub_schema("formData", empty_value=True),
    "QueryParameterSubSchema": _sub_schema("query", empty_value=True),
    "PathParameterSubSchema": _sub_schema("path", empty_value=False),
    "PrimitivesItems": Message(_primitive(1, _TYPES, _FORMATS), extensions=18),
    "Header": Message(
        _primitive(1, _TYPES, _FORMATS) + _fields(("description", "string"), start=18),
        required=("type",),
        extensions=19,
    ),
    "JsonReference": Message(
        _fields(("$ref", "string"), ("description", "string")), required=("$ref",), checked=False
    ),
    "Responses": Message(
        extensions=2, maps=(MapField(1, "ResponseValue", _CODE),), patterns=(_CODE, _X)
    ),
    "Response": Message(
        _fields(
            ("description", "string"),
            ("schema", "SchemaItem"),
            ("headers", "Headers"),
            ("examples", "Examples"),
        ),
        required=("description",),
        extensions=5,
    ),
    "Schema": Message(_SCHEMA, extensions=31),
    "FileSchema": Message(
        _fields(
            ("format", "string"),
            ("title", "string"),
            ("description", "string"),
            ("default", "any"),
            ("required", "strings"),
            ("type", "string", ("file",)),
            ("readOnly", "bool"),
            ("externalDocs", "ExternalDocs"),
            ("example", "any"),
        ),
        required=("type",),
        extensions=10,
    ),
    "Xml": Message(
        _fields(
            ("name", "string"),
            ("namespace", "string"),
            ("prefix", "string"),
            ("attribute", "bool"),
            ("wrapped", "bool"),
        ),
        extensions=6,
    ),
    "BasicAuthenticationSecurity": Message(
        _fields(("type", "string", ("basic",)), ("description", "string")),
        required=("type",),
        extensions=3,
    ),
    "ApiKeySecurity": Message(
        _fields(
            ("type", "string", ("apiKey",)),
            ("name", "string"),
            ("in", "string", ("header", "query")),
            ("description", "string"),
        ),
        required=("in", "name", "type"),
        extensions=5,
    ),
    "Oauth2ImplicitSecurity": _oauth2("implicit", "authorizationUrl"),
    "Oauth2PasswordSecurity": _oauth2("password", "tokenUrl"),
    "Oauth2ApplicationSecurity": _oauth2("application", "tokenUrl"),
    "Oauth2AccessCodeSecurity": _oauth2("accessCode", "authorizationUrl", "tokenUrl"),
    "Definitions": _map("Schema"),
    "Properties": _map("Schema"),
    "ParameterDefinitions": _map("Parameter"),
    "ResponseDefinitions": _map("Response"),
    "SecurityDefinitions": _map("SecurityDefinitionsItem"),
    "SecurityRequirement": _map("StringArray"),
    "Headers": _map("Header"),
    "Examples": _map(ANY),
    "Oauth2Scopes": _map("string"),
}

ONEOFS: dict[str, tuple[tuple[int, str], ...]] = {
    "ParametersItem": ((1, "Parameter"), (2, "JsonReference")),
    "Parameter": ((1, "BodyParameter"), (2, "NonBodyParameter")),
    "NonBodyParameter": (
        (1, "HeaderParameterSubSchema"),
        (2, "FormDataParameterSubSchema"),
        (3, "QueryParameterSubSchema"),
        (4, "PathParameterSubSchema"),
    ),
    "ResponseValue": ((1, "Response"), (2, "JsonReference")),
    "SchemaItem": ((1, "Schema"), (2, "FileSchema")),
    "AdditionalPropertiesItem": ((1, "Schema"), (2, "bool")),
    "SecurityDefinitionsItem": (
        (1, "BasicAuthenticationSecurity"),
        (2, "ApiKeySecurity"),
        (3, "Oauth2ImplicitSecurity"),
        (4, "Oauth2PasswordSecurity"),
        (5, "Oauth2ApplicationSecurity"),
        (6, "Oauth2AccessCodeSecurity"),
    ),
}
