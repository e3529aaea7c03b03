"""Protobuf decoding failures, the wire reader and the schema notation."""

from __future__ import annotations

import pytest

from imagestreams.api import protobuf_schema, protobuf_wire as wire
from imagestreams.api.protobuf import MAGIC, ProtobufDecodeError, decode_k8s_protobuf
from tests.unit.api.pbencode import envelope, ld, num

ERROR_CASES = [
    pytest.param(b'{"kind":"Namespace"}', "does not start with", id="json-not-protobuf"),
    pytest.param(MAGIC + b"\x0a", "malformed protobuf envelope: truncated varint", id="truncated"),
    pytest.param(MAGIC + ld(1, b"\x0a\x09ab"), "runs past the end", id="length-overflow"),
    pytest.param(
        envelope("v1", "Service", b""), "kind 'Service' in apiVersion 'v1'", id="unknown-kind"
    ),
    pytest.param(envelope("v2", "Namespace", b""), "apiVersion 'v2'", id="unknown-version"),
    pytest.param(
        envelope("image.openshift.io/v1", "DeleteOptions", b""),
        "DeleteOptions",
        id="delete-options-unknown-group",
    ),
    pytest.param(
        envelope("v1", "Namespace", b"", ld(3, "gzip")),
        "content encoding 'gzip'",
        id="content-encoding",
    ),
    pytest.param(
        envelope("v1", "Namespace", b"", ld(4, "application/json")),
        "content type 'application/json'",
        id="content-type",
    ),
    pytest.param(
        envelope("v1", "Namespace", b"", ld(9, "x")),
        "runtime.Unknown: unknown field number 9",
        id="unknown-envelope-field",
    ),
    pytest.param(
        envelope("v1", "Namespace", ld(1, ld(99, "x"))),
        "metadata (meta.ObjectMeta): unknown field number 99",
        id="unknown-nested-field",
    ),
    pytest.param(
        envelope("apps/v1", "Deployment", ld(2, ld(3, ld(2, ld(2, ld(40, b"")))))),
        "spec.template.spec.containers[0] (core.Container): unknown field number 40",
        id="unknown-field-path",
    ),
    pytest.param(
        envelope("v1", "Namespace", ld(1, num(1, 5))),
        "metadata.name: expected length-delimited for string, got varint",
        id="wrong-wire-type",
    ),
    pytest.param(envelope("v1", "Namespace", b"\x0b"), "unsupported wire type 3", id="group"),
    pytest.param(
        envelope("apps/v1", "Deployment", ld(2, ld(4, ld(2, ld(1, num(1, 2)))))),
        "impossible IntOrString type 2",
        id="bad-int-or-string",
    ),
    pytest.param(
        envelope("v1", "Namespace", ld(1, ld(17, ld(7, ld(1, "{"))))),
        "fieldsV1 is not JSON",
        id="bad-fields-v1",
    ),
    pytest.param(
        envelope("v1", "Namespace", ld(1, ld(8, num(1, 1 << 62)))),
        "out of range",
        id="time-out-of-range",
    ),
]


@pytest.mark.parametrize(("body", "message"), ERROR_CASES)
def test_decode_errors(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufDecodeError) as info:
        decode_k8s_protobuf(body)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


# --- the wire layer and the schema table -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "value", "end"),
    [
        pytest.param(b"\x00", 0, 1, id="zero"),
        pytest.param(b"\xac\x02", 300, 2, id="two-bytes"),
        pytest.param(b"\xff" * 9 + b"\x01", (1 << 64) - 1, 10, id="ten-bytes"),
    ],
)
def test_read_varint(data: bytes, value: int, end: int) -> None:
    assert wire.read_varint(data, 0) == (value, end)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"\xff" * 10 + b"\x01", "longer than 10 bytes", id="too-long"),
        pytest.param(b"\xff" * 9 + b"\x7f", "overflows 64 bits", id="overflow"),
        pytest.param(b"\x80", "truncated varint", id="truncated"),
    ],
)
def test_read_varint_errors(data: bytes, message: str) -> None:
    with pytest.raises(wire.WireError, match=message):
        wire.read_varint(data, 0)


def test_signed_reinterpretation() -> None:
    assert [wire.to_int32(v) for v in (5, (1 << 64) - 1, 1 << 31, (1 << 32) + 7)] == [
        5,
        -1,
        -(1 << 31),
        7,
    ]
    assert [wire.to_int64(v) for v in (5, (1 << 64) - 1, 1 << 63)] == [5, -1, -(1 << 63)]


def test_iter_fields_fixed_width_and_field_zero() -> None:
    data = b"\x09" + (7).to_bytes(8, "little") + b"\x15" + (9).to_bytes(4, "little")
    assert list(wire.iter_fields(data)) == [(1, wire.FIXED64, 7), (2, wire.FIXED32, 9)]
    with pytest.raises(wire.WireError, match="invalid field number 0"):
        list(wire.iter_fields(b"\x00\x00"))


def test_every_kind_resolves_to_a_message() -> None:
    assert all(name in protobuf_schema.MESSAGES for name in protobuf_schema.KINDS.values())
    assert protobuf_schema.MESSAGES["core.Volume"][2] == protobuf_schema.Field(
        number=2, json="", shape="", base="core.VolumeSource"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param({"x.A": "1 name"}, "malformed field spec", id="malformed"),
        pytest.param({"x.A": "1 a string; 1 b string"}, "declared twice", id="duplicate"),
        pytest.param({"x.A": "1 - string"}, "only a message value", id="inline-scalar"),
        pytest.param({"x.A": "1 - []B"}, "only a message value", id="inline-slice"),
        pytest.param({"x.A": "1 a string!"}, "omitzero", id="omitzero-not-time"),
    ],
)
def test_schema_notation_errors(table: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        protobuf_schema.parse_messages(table)


def test_schema_notation_qualifies_local_names() -> None:
    parsed = protobuf_schema.parse_messages({"core.A": "3 items []B?; 4 meta meta.C; 5 t time!"})
    assert list(parsed["core.A"].values()) == [
        protobuf_schema.Field(3, "items", "[]", "core.B", omitempty=True),
        protobuf_schema.Field(4, "meta", "", "meta.C"),
        protobuf_schema.Field(5, "t", "", "time", omitzero=True),
    ]
