"""``/v2/<ns>/<stream>/blobs/...``: blob reads (with ``Range``), deletes and uploads.

Reads stream the file in chunks (``206`` with ``Content-Range`` for a satisfiable single
``Range: bytes=a-b``); a blob the stream lists but this registry has not stored is fetched through
pull-through first. ``HEAD`` of such a blob answers from the layers view's size without fetching
it, so ``skopeo inspect`` and "does the blob exist" probes stay cheap.

Uploads follow the distribution protocol: ``POST`` starts one (``202``, ``Location``,
``Docker-Upload-UUID``, ``Range: 0-0``), or completes a monolithic upload with ``?digest=``, or
mounts an existing blob from another repository with ``?mount=&from=`` (``201``) when the caller
may pull it there; ``PATCH`` appends a chunk; ``PUT ?digest=`` completes; ``GET`` reports
progress; ``DELETE`` cancels. Completed blobs are linked into the repository.

The upload ``Location`` (``POST`` and ``PATCH``/``GET`` answers) is
``/v2/<repo>/blobs/uploads/<uuid>?_state=<opaque>``, shaped like distribution's, because clients
complete an upload with ``Location + "&digest=..."`` (distribution's own test helpers and
several pushers append with ``&``, trusting the query that is always there). Distribution packs
its upload state into ``_state`` and HMAC-signs it; here the state lives on disk with the upload
(``uploads.py``), so ``_state`` is informational (repository, uuid, offset) and ignored on the
way back in. The URL stays relative (distribution's ``relativeurls``), which every client
resolves against the request URL.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from imagestreams.distribution.auth import Decision
from imagestreams.distribution.blobs import check_digest
from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.repository import Registry

__all__ = ["blob", "delete_blob", "upload", "upload_location"]

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """A single satisfiable ``bytes=a-b`` range of a ``size``-byte blob, or ``None`` to serve
    the whole blob (no or multi-range header); unsatisfiable is RANGE_INVALID (416)."""
    match = _RANGE_RE.match(header.strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise RegistryError("RANGE_INVALID", headers={"Content-Range": f"bytes */{size}"})
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise RegistryError("RANGE_INVALID", headers={"Content-Range": f"bytes */{size}"})
    return start, end


async def blob(reg: Registry, request: Request, namespace: str, name: str, digest: str) -> Response:
    """``GET``/``HEAD`` a blob of the repository."""
    check_digest(digest)
    info = await reg.find_blob(namespace, name, digest)
    headers = {
        "Docker-Content-Digest": digest,
        "ETag": f'"{digest}"',
        "Accept-Ranges": "bytes",
        "Content-Type": "application/octet-stream",
        "Cache-Control": "max-age=31536000",
    }
    if request.method == "HEAD" and not info.local and info.size >= 0:
        return Response(b"", 200, headers={**headers, "Content-Length": str(info.size)})
    size = info.size if info.local else await reg.fetch_blob(namespace, name, digest)
    if request.method == "HEAD":
        return Response(b"", 200, headers={**headers, "Content-Length": str(size)})
    span = _byte_range(request.headers.get("range", ""), size)
    if span is None:
        body = reg.blobs.stream(digest)
        return StreamingResponse(body, 200, headers={**headers, "Content-Length": str(size)})
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(reg.blobs.stream(digest, start, end), 206, headers=headers)


async def delete_blob(reg: Registry, namespace: str, name: str, digest: str) -> Response:
    """Unlink a blob from the repository (the content stays for other repositories)."""
    check_digest(digest)
    if not reg.blobs.unlink(f"{namespace}/{name}", digest):
        raise RegistryError("BLOB_UNKNOWN", detail=digest)
    return Response(b"", 202, headers={"Content-Length": "0"})


def _body(request: Request) -> AsyncIterator[bytes]:
    return request.stream()


def upload_location(repository: str, upload_id: str, offset: int) -> str:
    """The ``Location`` of an upload in progress, with its opaque ``_state`` query."""
    state = msgspec.json.encode({"Name": repository, "UUID": upload_id, "Offset": offset})
    token = base64.urlsafe_b64encode(state).decode().rstrip("=")
    return f"/v2/{repository}/blobs/uploads/{upload_id}?_state={token}"


def _upload_headers(repository: str, upload_id: str, offset: int) -> dict[str, str]:
    return {
        "Location": upload_location(repository, upload_id, offset),
        "Docker-Upload-UUID": upload_id,
        "Range": f"0-{max(offset - 1, 0)}",
        "Content-Length": "0",
    }


def _created(repository: str, digest: str) -> Response:
    return Response(
        b"",
        201,
        headers={
            "Location": f"/v2/{repository}/blobs/{digest}",
            "Docker-Content-Digest": digest,
            "Content-Length": "0",
        },
    )


async def upload(
    reg: Registry,
    request: Request,
    decision: Decision,
    namespace: str,
    name: str,
    upload_id: str,
) -> Response:
    """Every method of ``blobs/uploads/`` (``upload_id`` empty for the POST)."""
    repository = f"{namespace}/{name}"
    query = request.query_params
    method = request.method
    uploads = reg.uploads
    if method == "POST" and not upload_id:
        mount, source = query.get("mount", ""), query.get("from", "")
        if mount and source:
            check_digest(mount)
            if decision.may_pull(source) and await reg.mountable(source, mount):
                reg.blobs.link(repository, mount)
                return _created(repository, mount)
        digest = query.get("digest", "")
        if digest:
            check_digest(digest)
            stored, _ = await reg.blobs.ingest(_body(request), digest)
            reg.blobs.link(repository, stored)
            return _created(repository, stored)
        new_id = uploads.start(repository)
        return Response(b"", 202, headers=_upload_headers(repository, new_id, 0))
    if not upload_id:
        raise RegistryError("UNSUPPORTED")
    if method == "GET":
        offset = uploads.offset(repository, upload_id)
        return Response(b"", 204, headers=_upload_headers(repository, upload_id, offset))
    if method == "PATCH":
        offset = await uploads.append(
            repository, upload_id, _body(request), request.headers.get("content-range")
        )
        return Response(b"", 202, headers=_upload_headers(repository, upload_id, offset))
    if method == "PUT":
        digest = query.get("digest", "")
        await uploads.finish(
            repository, upload_id, digest, _body(request), request.headers.get("content-range")
        )
        reg.blobs.link(repository, digest)
        return _created(repository, digest)
    if method == "DELETE":
        uploads.cancel(repository, upload_id)
        return Response(b"", 204, headers={"Content-Length": "0"})
    raise RegistryError("UNSUPPORTED")
