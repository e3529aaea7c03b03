"""``/openapi/v2`` as protobuf: gnostic's ``openapi.v2.Document``, as kube-apiserver serves it.

kubectl asks for ``application/com.github.proto-openapi.spec.v2@v1.0+protobuf`` only. It needs
the document in two places: ``kubectl create|apply`` (1.27+, default validation) looks up the
``PATCH`` operation of the object's kind (or, failing that, of ``Namespace``) for a
``fieldValidation`` query parameter to decide that the server validates, and kubectl 1.27/1.28
read nothing else. Without this encoding they refuse to proceed ("failed to download openapi").

kube-openapi produces the bytes with ``openapi_v2.ParseDocument(json)`` then ``proto.Marshal``.
We walk the same JSON-shaped document through the message table of ``openapi_proto_messages``
with gnostic's rules:

* known keys become numbered fields; proto3 zero values (``""``, ``false``, ``0``, empty
  repeated) are not written; a present sub-object is written even when empty; fields go out in
  field-number order, as Go's ``proto.Marshal`` writes them;
* ``x-*`` keys become ``NamedAny`` (``name`` = 1, ``value`` = 2) whose ``Any.yaml`` (field 2)
  is the value's YAML text (``openapi_yaml``), in document order;
* ``oneof`` wrappers try every alternative and keep the last one that parses cleanly (a
  parameter with ``in: query`` is ``Parameter.non_body_parameter.query_parameter_sub_schema``);
  a ``oneof`` ``bool`` is written even when false (``additionalProperties: false``);
* anything gnostic refuses (an unknown key, a missing required key, a value outside an enum, a
  value of the wrong type) makes the whole conversion fail with :class:`ProtoConversionError`,
  where kube-openapi would log the parse error and answer 503.

``negotiate_v2`` picks the encoding as kube-openapi's handler does (goautoneg's Accept parsing:
clauses by ``q``, then specificity; first match among JSON and the two protobuf spellings), and
names the Content-Type it answers with: the dotted ``...spec.v2.v1.0+protobuf`` even when the
client asked for the deprecated ``@v1.0`` spelling, as kube-apiserver 1.27+ does.
"""

from __future__ import annotations

import math
import re
from functools import cache

from imagestreams.api import protobuf_write as pw
from imagestreams.server.openapi_proto_messages import (
    ANY,
    MESSAGES,
    ONEOFS,
    Field,
    Message,
)
from imagestreams.server.openapi_yaml import yaml_text

__all__ = [
    "PROTOBUF_V2",
    "PROTOBUF_V2_CONTENT_TYPE",
    "ProtoConversionError",
    "document_to_protobuf",
    "negotiate_v2",
]

PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
"""What client-go's discovery client asks ``/openapi/v2`` for."""
PROTOBUF_V2_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
"""What kube-openapi answers for either protobuf spelling (``@`` is the deprecated one)."""
_V2_FORMATS = (
    ("application", "json", "application/json"),
    ("application", PROTOBUF_V2.split("/", 1)[1], PROTOBUF_V2_CONTENT_TYPE),
    ("application", PROTOBUF_V2_CONTENT_TYPE.split("/", 1)[1], PROTOBUF_V2_CONTENT_TYPE),
)


class ProtoConversionError(ValueError):
    """The document is not one gnostic's ``ParseDocument`` accepts; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"OpenAPI v2 document is not valid for gnostic: {shown}{more}")


def document_to_protobuf(document: dict[str, object]) -> bytes:
    """Encode a Swagger 2.0 document (JSON-shaped) as an ``openapi.v2.Document`` message."""
    problems: list[str] = []
    data = _message("Document", document, "$root", problems)
    if problems:
        raise ProtoConversionError(problems)
    return data


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _string(value: object) -> str | None:
    """gnostic's ``StringForScalarNode``: strings, integers (their digits) and null (``""``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None:
        return ""
    return None


def _any(value: object) -> bytes:
    return pw.field_string(2, yaml_text(value))


def _message(name: str, value: object, where: str, problems: list[str]) -> bytes:
    """Parse ``value`` as message ``name``; append gnostic's complaints to ``problems``."""
    if name == ANY:
        return _any(value)
    if name in ONEOFS:
        return _oneof(name, value, where, problems)
    if name == "TypeItem":
        return _type_item(value, where, problems)
    if name == "ItemsItem":
        return pw.field_bytes(1, _message("Schema", value, where, problems))
    if name == "StringArray":
        items = value if isinstance(value, list) else []
        return b"".join(pw.field_string(1, _string(v) or "") for v in items)
    return _table(MESSAGES[name], value, where, problems)


def _table(spec: Message, value: object, where: str, problems: list[str]) -> bytes:
    # gnostic reads a scalar where it expects an object as an object without keys.
    mapping: dict[str, object] = value if isinstance(value, dict) else {}
    missing = [k for k in spec.required if k not in mapping]
    if missing:
        problems.append(f"{where}: is missing required properties: {', '.join(missing)}")
    if spec.checked:
        allowed = {f.key for f in spec.fields}
        patterns = [_regex(p) for p in (*spec.patterns, *(("^x-",) if spec.extensions else ()))]
        invalid = [
            k for k in mapping if k not in allowed and not any(p.search(k) for p in patterns)
        ]
        if invalid:
            problems.append(f"{where}: has invalid properties: {', '.join(invalid)}")
    parts: list[tuple[int, bytes]] = []
    for field in spec.fields:
        if field.key in mapping:
            data = _field(field, mapping[field.key], f"{where}.{field.key}", problems)
            if data:
                parts.append((field.number, data))
    for entry in spec.maps:
        pattern = _regex(entry.pattern) if entry.pattern else None
        pairs = bytearray()
        for key, item in mapping.items():
            if pattern is None or pattern.search(key):
                pairs += pw.field_bytes(
                    entry.number, _named(entry.value, key, item, where, problems)
                )
        parts.append((entry.number, bytes(pairs)))
    if spec.extensions:
        extensions = b"".join(
            pw.field_bytes(spec.extensions, pw.field_string(1, k) + pw.field_bytes(2, _any(v)))
            for k, v in mapping.items()
            if k.startswith("x-")
        )
        parts.append((spec.extensions, extensions))
    return b"".join(data for _, data in sorted(parts, key=lambda part: part[0]))


def _named(kind: str, key: str, item: object, where: str, problems: list[str]) -> bytes:
    """A ``Named<kind>`` pair; ``NamedString`` carries its value as a plain string."""
    name = pw.field_string(1, key) if key else b""
    if kind == "string":
        text = _string(item)
        if text is None:
            problems.append(f"{where}.{key}: has unexpected value")
        return name + (pw.field_string(2, text) if text else b"")
    return name + pw.field_bytes(2, _message(kind, item, f"{where}.{key}", problems))


def _field(field: Field, value: object, where: str, problems: list[str]) -> bytes:
    """One field's encoded bytes (empty when proto3 leaves it out)."""
    number, kind = field.number, field.kind
    if kind == "string":
        text = _string(value)
        if text is None:
            problems.append(f"{where}: has unexpected value {value!r}")
        elif field.enum and text not in field.enum:
            problems.append(f"{where}: has unexpected value {text!r}")
        return pw.field_string(number, text) if text else b""
    if kind == "bool":
        if not isinstance(value, bool):
            problems.append(f"{where}: has unexpected value {value!r}")
            return b""
        return pw.field_bool(number, value) if value else b""
    if kind == "int64":
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: has unexpected value {value!r}")
            return b""
        return pw.field_int64(number, value) if value else b""
    if kind == "double":
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(f"{where}: has unexpected value {value!r}")
            return b""
        number_value = float(value)
        present = number_value != 0 or math.copysign(1.0, number_value) < 0
        return pw.field_double(number, number_value) if present else b""
    if kind == "strings":
        if not isinstance(value, list):
            problems.append(f"{where}: has unexpected value {value!r}")
            return b""
        texts = [t for t in (_string(v) for v in value) if t is not None]
        if field.enum and any(t not in field.enum for t in texts):
            problems.append(f"{where}: has unexpected value {value!r}")
        return b"".join(pw.field_string(number, t) for t in texts)
    if kind == "any":
        return pw.field_bytes(number, _any(value))
    if kind == "anys" or kind.startswith("["):
        element = ANY if kind == "anys" else kind[1:-1]
        items = value if isinstance(value, list) else []
        return b"".join(
            pw.field_bytes(number, _message(element, v, f"{where}[{i}]", problems))
            for i, v in enumerate(items)
        )
    return pw.field_bytes(number, _message(kind, value, where, problems))


def _oneof(name: str, value: object, where: str, problems: list[str]) -> bytes:
    """The last alternative that parses without complaint, or a problem if none does."""
    chosen = b""
    matched = False
    for number, alternative in ONEOFS[name]:
        if alternative == "bool":
            if isinstance(value, bool):
                chosen, matched = pw.field_bool(number, value), True
            continue
        attempt: list[str] = []
        data = _message(alternative, value, where, attempt)
        if not attempt:
            chosen, matched = pw.field_bytes(number, data), True
    if not matched:
        problems.append(f"{where}: contains an invalid {name}")
    return chosen


def _type_item(value: object, where: str, problems: list[str]) -> bytes:
    """``TypeItem``: a scalar or a list of scalars, as their text."""
    items = value if isinstance(value, list) else [value]
    texts: list[str] = []
    for item in items:
        if isinstance(item, dict | list):
            problems.append(f"{where}: has unexpected value for string array")
        else:
            texts.append(yaml_text(item).rstrip("\n") if not isinstance(item, str) else item)
    return b"".join(pw.field_string(1, t) for t in texts)


# --- content negotiation ------------------------------------------------------------------


def _accept_clauses(accept: str) -> list[tuple[str, str, float]]:
    """goautoneg's ``ParseAccept``: ``(type, subtype, q)`` sorted by ``q``, then specificity.

    Like Go's ``sort.Sort`` on a short slice (insertion sort), equal clauses keep their order;
    an unparsable ``q`` counts as 0 and still matches, as it does upstream.
    """
    clauses: list[tuple[str, str, float]] = []
    for part in accept.split(","):
        media, *params = part.strip(" ").split(";")
        pieces = media.split("/")
        kind = pieces[0].strip(" ")
        if len(pieces) == 1 and kind == "*":
            subtype = "*"
        elif len(pieces) == 2:
            subtype = pieces[1].strip(" ")
        else:
            continue
        q = 1.0
        for param in params:
            name, sep, raw = param.partition("=")
            if sep and name.strip(" ") == "q":
                try:
                    q = float(raw) if raw == raw.strip() else 0.0
                except ValueError:
                    q = 0.0
        clauses.append((kind, subtype, q))

    def less(a: tuple[str, str, float], b: tuple[str, str, float]) -> bool:
        return a[2] > b[2] or (a[0] != "*" and b[0] == "*") or (a[1] != "*" and b[1] == "*")

    for i in range(1, len(clauses)):
        j = i
        while j > 0 and less(clauses[j], clauses[j - 1]):
            clauses[j], clauses[j - 1] = clauses[j - 1], clauses[j]
            j -= 1
    return clauses


def negotiate_v2(accept: str) -> str | None:
    """The Content-Type ``/openapi/v2`` answers ``accept`` with, or None for a 406."""
    for kind, subtype, _ in _accept_clauses(accept or "*/*"):
        for format_type, format_subtype, content_type in _V2_FORMATS:
            if kind in (format_type, "*") and subtype in (format_subtype, "*"):
                return content_type
    return None
