"""Content negotiation: request bodies in (JSON or YAML), responses out (JSON, YAML, Table).

kube-apiserver accepts JSON, YAML and (for built-in kinds) protobuf bodies; kubectl's typed
commands send protobuf, which we decode. Responses are JSON (or YAML on request): clients list
JSON after protobuf in Accept and decode by the response's Content-Type.
"""

from __future__ import annotations

from typing import Any

import msgspec
import yaml
from starlette.responses import Response

from imagestreams import errors
from imagestreams.api import protobuf
from imagestreams.rest import table

__all__ = [
    "JSON",
    "EncodedResponse",
    "decode_body",
    "encode",
    "json_response",
    "response_format",
    "status_response",
]

JSON = "application/json"
YAML = "application/yaml"
_encoder = msgspec.json.Encoder()
_UNKNOWN_FORMAT = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml, application/vnd.kubernetes.protobuf"
)
_BODY_TYPES = (JSON, YAML, "application/yml", "text/yaml", "application/x-yaml")


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def decode_body(body: bytes, content_type: str, *, expect: str = "") -> Any:
    """Decode a create/update body; a wrong content type is 415, garbage is 400."""
    media = _media(content_type) if content_type else JSON
    if media == protobuf.MEDIA_TYPE:
        try:
            return protobuf.decode_k8s_protobuf(body)
        except protobuf.ProtobufDecodeError:
            raise errors.UnsupportedMediaType(_UNKNOWN_FORMAT) from None
    if media not in _BODY_TYPES:
        raise errors.UnsupportedMediaType(_UNKNOWN_FORMAT)
    try:
        if media == JSON:
            return msgspec.json.decode(body)
        return yaml.safe_load(body)
    except (msgspec.DecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        what = f"must be of type {expect}" if expect else "unrecognized"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise errors.BadRequest(
            f"the object provided is unrecognized ({what}): couldn't get version/kind; json "
            f"parse error: {reason}"
        ) from None


_FORMATS: dict[str, str] = {}
_FORMATS_SIZE = 1024


def response_format(accept: str) -> str:
    """``table``, ``yaml`` or ``json`` for an Accept header (JSON when nothing better fits).
    Clients send the same few Accept headers, so answers are remembered (bounded)."""
    fmt = _FORMATS.get(accept)
    if fmt is None:
        fmt = _response_format(accept)
        if len(_FORMATS) >= _FORMATS_SIZE:
            _FORMATS.clear()
        _FORMATS[accept] = fmt
    return fmt


def _response_format(accept: str) -> str:
    if table.wants_table(accept):
        return "table"
    if not accept:
        return "json"
    for part in accept.split(","):
        media = _media(part)
        if media in (JSON, "*/*", "application/*"):
            return "json"
        if media in (YAML, "application/yml"):
            return "yaml"
    for part in accept.split(","):
        if _media(part) == "application/vnd.kubernetes.protobuf":
            continue
        if "json" in part:
            return "json"
    raise errors.NotAcceptable(
        "only the following media types are accepted: application/json, application/yaml"
    )


def encode(obj: Any, fmt: str = "json") -> tuple[bytes, str]:
    if fmt == "yaml":
        return yaml.safe_dump(obj, sort_keys=False).encode(), YAML
    return _encoder.encode(obj), JSON


class EncodedResponse(Response):
    """An already encoded body: the raw ASGI headers are built directly, as Starlette's
    ``Response`` would build them for a non-text media type (caller headers lower-cased
    first, then ``content-length`` and ``content-type`` unless given), without its generic
    ``render``/``init_headers`` work, which cost a sizeable part of a GET."""

    def __init__(
        self,
        body: bytes,
        status_code: int,
        media_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.media_type = media_type
        self.background = None
        self.body = body
        raw: list[tuple[bytes, bytes]] = []
        has_length = has_type = False
        if headers:
            for key, value in headers.items():
                name = key.lower().encode("latin-1")
                has_length = has_length or name == b"content-length"
                has_type = has_type or name == b"content-type"
                raw.append((name, value.encode("latin-1")))
        if not has_length and not (status_code < 200 or status_code in (204, 304)):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        if not has_type:
            raw.append((b"content-type", media_type.encode("latin-1")))
        self.raw_headers = raw


def json_response(
    obj: Any, status: int = 200, fmt: str = "json", headers: dict[str, str] | None = None
) -> Response:
    payload, media = encode(obj, fmt)
    return EncodedResponse(payload, status, media, headers)


def status_response(err: errors.ApiError) -> Response:
    headers = {}
    if err.retry_after is not None:
        headers["Retry-After"] = str(err.retry_after)
    return json_response(err.status(), err.code, headers=headers)
