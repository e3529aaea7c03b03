"""The protobuf wire writer, checked byte for byte and against our own reader."""

from __future__ import annotations

import struct

import pytest

from imagestreams.api import protobuf_wire as wire, protobuf_write as pw


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param(0, b"\x00", id="zero"),
        pytest.param(1, b"\x01", id="one"),
        pytest.param(127, b"\x7f", id="one-byte-max"),
        pytest.param(128, b"\x80\x01", id="two-bytes"),
        pytest.param(300, b"\xac\x02", id="spec-example"),
        pytest.param(-1, b"\xff" * 9 + b"\x01", id="minus-one-ten-bytes"),
        pytest.param((1 << 63) - 1, b"\xff" * 8 + b"\x7f", id="int64-max"),
    ],
)
def test_varint(value: int, encoded: bytes) -> None:
    assert pw.varint(value) == encoded
    decoded, end = wire.read_varint(encoded, 0)
    assert (wire.to_int64(decoded), end) == (value, len(encoded))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(pw.field_string(1, "2.0"), (1, wire.LEN, b"2.0"), id="string"),
        pytest.param(pw.field_string(2, "é"), (2, wire.LEN, "é".encode()), id="utf8"),
        pytest.param(pw.field_bytes(8, b""), (8, wire.LEN, b""), id="empty-message"),
        pytest.param(pw.field_bool(20, True), (20, wire.VARINT, 1), id="bool-true"),
        pytest.param(pw.field_bool(2, False), (2, wire.VARINT, 0), id="bool-false"),
        pytest.param(pw.field_int64(11, 63), (11, wire.VARINT, 63), id="int64"),
        pytest.param(pw.field_int64(11, -2), (11, wire.VARINT, (1 << 64) - 2), id="int64-neg"),
        pytest.param(
            pw.field_double(7, 1.5),
            (7, wire.FIXED64, int.from_bytes(struct.pack("<d", 1.5), "little")),
            id="double",
        ),
        pytest.param(pw.field_bytes(536870911, b"x"), (536870911, wire.LEN, b"x"), id="max-no"),
    ],
)
def test_fields_read_back(data: bytes, expected: tuple[int, int, int | bytes]) -> None:
    assert list(wire.iter_fields(data)) == [expected]


def test_exact_bytes() -> None:
    assert pw.field_string(1, "ab") == b"\x0a\x02ab"
    assert pw.field_bool(20, True) == b"\xa0\x01\x01"
    assert pw.field_double(6, 1.0) == b"\x31" + b"\x00" * 6 + b"\xf0\x3f"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: pw.varint(1 << 64), "overflows 64 bits", id="varint-overflow"),
        pytest.param(lambda: pw.key(0, wire.LEN), "invalid field number 0", id="field-zero"),
        pytest.param(lambda: pw.key(1 << 29, wire.LEN), "invalid field number", id="field-big"),
        pytest.param(lambda: pw.field_int64(1, 1 << 63), "out of range", id="int64-range"),
    ],
)
def test_refusals(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()
