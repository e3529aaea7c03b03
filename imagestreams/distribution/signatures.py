"""The image signature extension API: ``/extensions/v2/<ns>/<stream>/signatures/<digest>``.

OpenShift's registry lets clients that cannot reach the cluster API (``podman``/``skopeo`` with
``--sign-by`` and a registry ``sigstore`` pointing at the ``atomic`` extension) read and write
the image's ``signatures`` (ImageSignature objects, stored inside the Image) through the registry
host. Every registry response advertises it with ``X-Registry-Supports-Signatures: 1``.

* ``GET`` (access ``signature``/``get`` = ``get imagestreams/layers`` on the stream) reads the
  ImageStreamImage ``<stream>@<digest>`` as the registry and answers
  ``{"signatures":[{"schemaVersion":2,"name","type","content"}]}`` (``content`` base64, as Go
  encodes ``[]byte``); an image or stream that does not exist is a bare ``404``.
* ``PUT`` (access ``signature``/``put`` = ``create imagesignatures`` in the stream's namespace)
  takes one such object and creates the ImageSignature *as the caller* (so the API's own
  cluster-scoped check applies too), ``201`` without a body. ``type`` defaults to
  ``AtomicImageV1``; anything but ``schemaVersion: 2`` is ``SIGNATURE_INVALID``.

Errors are upstream's ``signaturedispatcher.go``: ``SIGNATURE_INVALID`` (400) for a body that
does not decode and for API ``BadRequest``, ``SIGNATURE_EXISTS`` (409) for ``AlreadyExists``, a
bare 404 for ``NotFound``, ``UNKNOWN`` with ``unable to create image <ref> signature: <why>`` for
anything else (an invalid signature name included, as the API answers 422 there).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from imagestreams import errors
from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.imagestreams import GROUP, VERSION, ImageStreams
from imagestreams.rest.context import RequestContext, User

__all__ = [
    "EXTENSIONS_PREFIX",
    "SIGNATURES_RE",
    "SUPPORTS_SIGNATURES_HEADER",
    "get_signatures",
    "put_signature",
]

EXTENSIONS_PREFIX: Final = "/extensions/v2/"
SUPPORTS_SIGNATURES_HEADER: Final = ("X-Registry-Supports-Signatures", "1")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
SIGNATURES_RE: Final = re.compile(
    rf"^/extensions/v2/(?P<name>{_COMPONENT}(?:/{_COMPONENT})*)/signatures/"
    r"(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})$"
)
SCHEMA_VERSION: Final = 2
DEFAULT_TYPE: Final = "AtomicImageV1"
_MAX_BODY: Final = 4 * 1024 * 1024
_JSON: Final = "application/json; charset=utf-8"
_FIELDS: Final = {"schemaversion": "schemaVersion", "name": "name", "type": "type"}


def _not_found() -> Response:
    return Response(b"", 404, media_type=_JSON)


async def get_signatures(streams: ImageStreams, namespace: str, name: str, digest: str) -> Response:
    """Every signature of image ``digest`` as the stream ``namespace/name`` sees it."""
    resource = streams.resources[(GROUP, VERSION, "imagestreamimages", "")]
    try:
        isimage = await resource.get(RequestContext(namespace=namespace), f"{name}@{digest}")
    except errors.NotFound:
        return _not_found()
    except errors.ApiError as exc:
        raise RegistryError(
            "UNKNOWN",
            detail=f'unable to get image "{namespace}/{name}@{digest}" signature: {exc.message}',
        ) from None
    signatures = [
        {
            "schemaVersion": SCHEMA_VERSION,
            "name": str((sig.get("metadata") or {}).get("name", "")),
            "type": str(sig.get("type", "")),
            "content": sig.get("content"),
        }
        for sig in (isimage.get("image") or {}).get("signatures") or ()
        if isinstance(sig, dict)
    ]
    return Response(msgspec.json.encode({"signatures": signatures}), 200, media_type=_JSON)


def _invalid(detail: Any) -> RegistryError:
    return RegistryError("SIGNATURE_INVALID", detail=detail)


def _decode(body: bytes) -> dict[str, Any]:
    """Go's ``json.Unmarshal`` into upstream's ``signature`` struct: keys match case-insensitively,
    unknown keys are ignored, ``content`` is standard base64."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    if not isinstance(doc, dict):
        raise _invalid("json: cannot unmarshal into Go value of type server.signature")
    out: dict[str, Any] = {"schemaVersion": 0, "name": "", "type": "", "content": ""}
    for key, value in doc.items():
        lower = key.lower()
        if lower == "content":
            if value is None:
                continue
            if not isinstance(value, str):
                raise _invalid("json: cannot unmarshal content into []byte")
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _invalid(f"illegal base64 data: {exc}") from None
            out["content"] = base64.b64encode(raw).decode()
        elif lower == "schemaversion":
            if not isinstance(value, int) or isinstance(value, bool):
                raise _invalid("json: cannot unmarshal schemaVersion into int")
            out["schemaVersion"] = value
        elif lower in _FIELDS:
            if value is not None and not isinstance(value, str):
                raise _invalid(f"json: cannot unmarshal {lower} into string")
            out[_FIELDS[lower]] = value or ""
    return out


async def _read(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _MAX_BODY:
            raise _invalid(f"signature is larger than {_MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def put_signature(
    streams: ImageStreams, request: Request, user: User, namespace: str, name: str, digest: str
) -> Response:
    """Create the ImageSignature described by the body, as ``user``."""
    sig = _decode(await _read(request))
    if sig["schemaVersion"] != SCHEMA_VERSION:
        # upstream passes an ``error`` value as detail, which Go's JSON encoder writes as {}
        raise _invalid({})
    reference = f"{namespace}/{name}@{digest}"
    signature = {
        "kind": "ImageSignature",
        "apiVersion": f"{GROUP}/{VERSION}",
        "metadata": {"name": sig["name"]},
        "type": sig["type"] or DEFAULT_TYPE,
        "content": sig["content"],
    }
    try:
        if not await streams.can(user, "create", GROUP, "imagesignatures", "", "", ""):
            raise errors.Forbidden(
                f'imagesignatures.{GROUP} is forbidden: User "{user.name}" cannot create '
                f'resource "imagesignatures" in API group "{GROUP}" at the cluster scope'
            )
        resource = streams.resources[(GROUP, VERSION, "imagesignatures", "")]
        await resource.create(RequestContext(user=user, can=streams.can), signature)
    except errors.NotFound:
        return _not_found()
    except errors.AlreadyExists as exc:
        raise RegistryError("SIGNATURE_EXISTS", detail=exc.message) from None
    except errors.ApiError as exc:
        if exc.code == 401:
            raise RegistryError("UNAUTHORIZED", detail=exc.message) from None
        if exc.code == 400:
            raise _invalid(exc.message) from None
        raise RegistryError(
            "UNKNOWN", detail=f"unable to create image {reference} signature: {exc.message}"
        ) from None
    return Response(b"", 201, headers={"Content-Length": "0"}, media_type=None)
