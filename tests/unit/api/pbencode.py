"""A tiny protobuf encoder for tests, so that edge cases are spelled out field by field."""

from __future__ import annotations

from imagestreams.api import protobuf_wire as wire
from imagestreams.api.protobuf import MAGIC

__all__ = ["entry", "envelope", "ld", "num", "varint"]


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def num(number: int, value: int) -> bytes:
    return varint(number << 3 | wire.VARINT) + varint(value)


def ld(number: int, *parts: bytes | str) -> bytes:
    data = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return varint(number << 3 | wire.LEN) + varint(len(data)) + data


def entry(number: int, key: str, value: bytes | str) -> bytes:
    return ld(number, ld(1, key), ld(2, value))


def envelope(api_version: str, kind: str, raw: bytes, *extra: bytes) -> bytes:
    return MAGIC + ld(1, ld(1, api_version), ld(2, kind)) + ld(2, raw) + b"".join(extra)
