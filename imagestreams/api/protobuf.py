"""Decode ``application/vnd.kubernetes.protobuf`` request bodies into JSON-shaped objects.

kubectl and client-go's typed clients send built-in kinds (``kubectl create namespace|secret|
configmap|deployment|job|cronjob|token``, ``kubectl auth can-i|whoami``) as protobuf, even to a
server that answers JSON. Everything behind our REST layer works on the JSON form, so a body is
turned into exactly the dict Go's ``encoding/json`` would have produced from the same typed
object: omitted ``omitempty`` fields, ``null`` for nil non-``omitempty`` pointers and slices,
always-present structs, base64 for ``[]byte``, RFC 3339 seconds for ``metav1.Time``, the JSON
forms of ``IntOrString``, ``Quantity`` and ``FieldsV1``.

The envelope is the 4-byte magic ``k8s\\x00`` followed by a ``runtime.Unknown`` (``typeMeta``
= 1 with ``apiVersion`` = 1 and ``kind`` = 2, ``raw`` = 2, ``contentEncoding`` = 3,
``contentType`` = 4) whose ``raw`` is the object's own message. Anything we cannot map
faithfully (an unknown kind, a field number our table lacks, a wrong wire type) is a
:class:`ProtobufDecodeError`; data is never dropped silently.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

import msgspec

from imagestreams.api import protobuf_wire as wire
from imagestreams.api.protobuf_schema import DELETE_OPTIONS, KINDS, MESSAGES, SCALARS, Field

__all__ = ["MAGIC", "MEDIA_TYPE", "ProtobufDecodeError", "decode_k8s_protobuf", "decode_message"]

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

_Occurrences = list[tuple[int, int | bytes]]
_GROUP_VERSIONS = frozenset(api_version for api_version, _ in KINDS) | {"meta.k8s.io/v1"}
_OMIT: Any = object()
"""Marks a field Go's JSON encoder would leave out."""
_ENVELOPE_FIELDS = {1: "typeMeta", 2: "raw", 3: "contentEncoding", 4: "contentType"}


class ProtobufDecodeError(ValueError):
    """The body is not a protobuf object we can decode faithfully."""


def decode_k8s_protobuf(body: bytes) -> dict[str, Any]:
    """Decode a Kubernetes protobuf body into its JSON form, with ``apiVersion`` and ``kind``."""
    if not body.startswith(MAGIC):
        raise ProtobufDecodeError("protobuf body does not start with the 'k8s\\x00' prefix")
    try:
        envelope = _collect(body[len(MAGIC) :], _ENVELOPE_FIELDS, "runtime.Unknown")
        type_meta = _collect(
            _payload(envelope.get(1, []), "typeMeta"), {1: "apiVersion", 2: "kind"}, "TypeMeta"
        )
        api_version = _text(_last(type_meta.get(1, []), "apiVersion", wire.LEN))
        kind = _text(_last(type_meta.get(2, []), "kind", wire.LEN))
        encoding = _text(_last(envelope.get(3, []), "contentEncoding", wire.LEN))
        content_type = _text(_last(envelope.get(4, []), "contentType", wire.LEN))
        raw = _payload(envelope.get(2, []), "raw")
    except wire.WireError as exc:
        raise ProtobufDecodeError(f"malformed protobuf envelope: {exc}") from None
    if encoding:
        raise ProtobufDecodeError(f"unsupported protobuf content encoding {encoding!r}")
    if content_type not in ("", MEDIA_TYPE):
        raise ProtobufDecodeError(f"unsupported protobuf content type {content_type!r}")
    message = KINDS.get((api_version, kind))
    if message is None and kind == "DeleteOptions" and api_version in _GROUP_VERSIONS:
        message = DELETE_OPTIONS
    if message is None:
        raise ProtobufDecodeError(
            f"no protobuf decoding for kind {kind!r} in apiVersion {api_version!r}"
        )
    return {"kind": kind, "apiVersion": api_version, **decode_message(message, raw)}


def decode_message(message: str, data: bytes) -> dict[str, Any]:
    """Decode one message (``"core.Pod"``) from its wire bytes into its JSON form."""
    try:
        return _message(message, data, "")
    except wire.WireError as exc:
        raise ProtobufDecodeError(f"malformed protobuf {message}: {exc}") from None


def _collect(data: bytes, known: dict[int, Any], where: str) -> dict[int, _Occurrences]:
    found: dict[int, _Occurrences] = {}
    for number, wire_type, value in wire.iter_fields(data):
        if number not in known:
            raise ProtobufDecodeError(f"{where}: unknown field number {number}")
        found.setdefault(number, []).append((wire_type, value))
    return found


def _last(occurrences: _Occurrences, where: str, wire_type: int) -> int | bytes | None:
    for got, _ in occurrences:
        if got != wire_type:
            raise ProtobufDecodeError(
                f"{where}: expected {wire.wire_type_name(wire_type)}, got "
                f"{wire.wire_type_name(got)}"
            )
    return occurrences[-1][1] if occurrences else None


def _payload(occurrences: _Occurrences, where: str) -> bytes:
    """A message-valued field: repeated occurrences merge, which for protobuf is concatenation."""
    _last(occurrences, where, wire.LEN)
    return b"".join(value for _, value in occurrences if isinstance(value, bytes))


def _text(value: int | bytes | None) -> str:
    # Go's JSON encoder writes invalid UTF-8 as U+FFFD; so do we.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _message(name: str, data: bytes, path: str) -> dict[str, Any]:
    fields = MESSAGES[name]
    found = _collect(data, fields, f"{path or name} ({name})")
    out: dict[str, Any] = {}
    for field in fields.values():
        where = f"{path}.{field.json}" if path and field.json else field.json or path
        occurrences = found.get(field.number, [])
        if field.inline:
            out.update(_message(field.base, _payload(occurrences, where), path))
            continue
        value = _field(field, occurrences, where)
        if value is _OMIT:
            continue
        out[field.json] = value
    return out


def _field(field: Field, occurrences: _Occurrences, where: str) -> Any:
    """The JSON value of one field, or ``_OMIT`` where Go's encoder would leave it out."""
    if field.shape == "[]":
        items = [item for wt, v in occurrences for item in _repeated(field.base, wt, v, where)]
        values = [_value(field.base, wt, v, f"{where}[{i}]") for i, (wt, v) in enumerate(items)]
        if not values:
            return _OMIT if field.omitempty else None
        return values
    if field.shape == "{}":
        entries: dict[str, Any] = {}
        for wire_type, entry in occurrences:
            key, value = _map_entry(field.base, wire_type, entry, where)
            entries[key] = value
        if not entries:
            return _OMIT if field.omitempty else None
        return entries
    if field.shape == "*":
        if not occurrences:
            return _OMIT if field.omitempty else None
        return _single(field.base, occurrences, where)
    value = _single(field.base, occurrences, where) if occurrences else _zero(field.base, where)
    if field.omitzero and value is None:
        return _OMIT
    if field.omitempty and field.base in SCALARS and value in ("", 0, False, None):
        return _OMIT  # Go's omitempty never drops a struct (Quantity, IntOrString, messages)
    return value


def _repeated(base: str, wire_type: int, value: int | bytes, where: str) -> _Occurrences:
    """Expand a packed run of varints; anything else is one element."""
    if base in ("int32", "int64", "bool") and wire_type == wire.LEN and isinstance(value, bytes):
        return [(wire.VARINT, item) for item in wire.unpack_varints(value)]
    return [(wire_type, value)]


def _single(base: str, occurrences: _Occurrences, where: str) -> Any:
    if base in ("int32", "int64", "bool", "string", "bytes"):
        wire_type, value = occurrences[-1]
        for wt, _ in occurrences:
            _check(base, wt, where)
        return _value(base, wire_type, value, where)
    return _value(base, wire.LEN, _payload(occurrences, where), where)


def _check(base: str, wire_type: int, where: str) -> None:
    expected = wire.VARINT if base in ("int32", "int64", "bool") else wire.LEN
    if wire_type != expected:
        raise ProtobufDecodeError(
            f"{where}: expected {wire.wire_type_name(expected)} for {base}, got "
            f"{wire.wire_type_name(wire_type)}"
        )


def _value(base: str, wire_type: int, value: int | bytes, where: str) -> Any:
    _check(base, wire_type, where)
    if isinstance(value, int):
        if base == "int32":
            return wire.to_int32(value)
        if base == "int64":
            return wire.to_int64(value)
        return value != 0
    if base == "string":
        return _text(value)
    if base == "bytes":
        return base64.b64encode(value).decode("ascii")
    if base == "time":
        return _time(value, where)
    if base == "quantity":
        return _quantity(value, where)
    if base == "intorstring":
        return _int_or_string(value, where)
    if base == "fieldsv1":
        return _fields_v1(value, where)
    if base == "stringlist":
        found = _collect(value, {1: "items"}, where)
        return [_value("string", wt, v, where) for wt, v in found.get(1, [])]
    return _message(base, value, where)


def _zero(base: str, where: str) -> Any:
    """The JSON form of a Go zero value of a non-pointer field that is absent on the wire."""
    if base in ("int32", "int64"):
        return 0
    if base == "bool":
        return False
    if base == "string":
        return ""
    if base in ("bytes", "time", "fieldsv1"):
        return None
    if base == "stringlist":
        return []
    return _value(base, wire.LEN, b"", where)


def _map_entry(base: str, wire_type: int, entry: int | bytes, where: str) -> tuple[str, Any]:
    if wire_type != wire.LEN or not isinstance(entry, bytes):
        raise ProtobufDecodeError(f"{where}: map entry is not length-delimited")
    found = _collect(entry, {1: "key", 2: "value"}, f"{where} map entry")
    key = _text(_last(found.get(1, []), f"{where} map key", wire.LEN))
    value_where = f"{where}[{key}]"
    if 2 not in found:
        return key, _zero(base, value_where)
    return key, _single(base, found[2], value_where)


def _time(data: bytes, where: str) -> str | None:
    """``metav1.Time``: empty means the zero time (JSON ``null``); only seconds are kept."""
    if not data:
        return None
    found = _collect(data, {1: "seconds", 2: "nanos"}, f"{where} (Timestamp)")
    seconds = wire.to_int64(int(_last(found.get(1, []), where, wire.VARINT) or 0))
    _last(found.get(2, []), where, wire.VARINT)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    try:
        moment = epoch + datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise ProtobufDecodeError(f"{where}: timestamp {seconds} is out of range") from None
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def _quantity(data: bytes, where: str) -> str:
    found = _collect(data, {1: "string"}, f"{where} (Quantity)")
    return _text(_last(found.get(1, []), where, wire.LEN)) or "0"


def _int_or_string(data: bytes, where: str) -> int | str:
    found = _collect(data, {1: "type", 2: "intVal", 3: "strVal"}, f"{where} (IntOrString)")
    kind = wire.to_int64(int(_last(found.get(1, []), where, wire.VARINT) or 0))
    if kind == 0:
        return wire.to_int32(int(_last(found.get(2, []), where, wire.VARINT) or 0))
    if kind == 1:
        return _text(_last(found.get(3, []), where, wire.LEN))
    raise ProtobufDecodeError(f"{where}: impossible IntOrString type {kind}")


def _fields_v1(data: bytes, where: str) -> Any:
    found = _collect(data, {1: "Raw"}, f"{where} (FieldsV1)")
    raw = _last(found.get(1, []), where, wire.LEN)
    if not raw or not isinstance(raw, bytes):
        return None
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise ProtobufDecodeError(f"{where}: fieldsV1 is not JSON") from None
