"""``/v2/<ns>/<stream>/manifests/<reference>``: pull, push and delete manifests.

Pull by tag resolves through the image stream (the tag's newest event names the image digest);
pull by digest requires the digest to belong to the stream, as upstream's manifest service
(``GetImageOfImageStream``) does: an event of its history, or a child of a manifest list in it
(the layers view's ``images``). A manifest pushed by digest alone is stored but not served until
a tag (or a tagged list) names it. The bytes come from the blob store, else from the Image
object, else through pull-through. ``If-None-Match`` and ``Accept`` are answered as distribution
does (``negotiation``); schema2 manifests are never converted to schema1 (deprecated, and gone
from distribution v3), so a schema2 manifest is served as it was pushed whatever ``Accept`` says.

Push checks the document (``manifestformat``), that its digest matches a digest reference, that
every referenced blob or child manifest is present in the repository (``MANIFEST_BLOB_UNKNOWN``
for each one missing, as distribution lists them; the well-known empty layers count as present
once stored), stores the raw bytes as a blob, and records the image in the API: a tag push is an
ImageStreamMapping (creating the stream when missing), a digest push only creates the Image. The
Image is created as upstream's registry creates it: managed, ``manifestBlobStored``, with the raw
manifest and config so the API derives layers and metadata, and ``dockerImageReference`` =
``<registry>/<ns>/<stream>@<digest>``.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from imagestreams.api.image_v1 import ANNOTATION_IMAGE_MANAGED, ANNOTATION_MANIFEST_BLOB_STORED
from imagestreams.distribution.blobs import is_empty_digest
from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.imagestreams import head_event, history_event
from imagestreams.distribution.manifestformat import (
    MAX_MANIFEST_SIZE,
    parse_pushed,
    references,
    split_reference,
)
from imagestreams.distribution.negotiation import (
    accepted_types,
    check_accepted,
    default_child,
    etag_matches,
    wants_default_child,
)
from imagestreams.distribution.repository import Registry
from imagestreams.oci.manifests import Manifest, ManifestList
from imagestreams.rest.context import User
from imagestreams.rest.resource import Obj

__all__ = ["delete_manifest", "get_manifest", "put_manifest", "read_body"]

_MAX_CONFIG_SIZE = 8 * 1024 * 1024


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes before reading them all."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RegistryError("MANIFEST_INVALID", detail=f"manifest is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _manifest_headers(digest: str, media_type: str, size: int) -> dict[str, str]:
    return {
        "Content-Type": media_type,
        "Content-Length": str(size),
        "Docker-Content-Digest": digest,
        "ETag": f'"{digest}"',
    }


async def _load(
    reg: Registry, namespace: str, name: str, stream: Obj, digest: str, in_history: bool
) -> tuple[bytes, str]:
    """``(raw, media type)`` of manifest ``digest`` of the stream, as upstream's manifest
    service ``Get``: the digest must be in the stream's history (``in_history`` when a tag just
    resolved to it) or a child of a manifest list there (the layers view's ``images``); a
    manifest pushed only by digest is not served. Otherwise ``MANIFEST_UNKNOWN``."""
    repository = f"{namespace}/{name}"
    unknown = RegistryError("MANIFEST_UNKNOWN", detail={"Name": repository, "Revision": digest})
    if not in_history and history_event(stream, digest) is None:
        layers = await reg.streams.layers(namespace, name)
        if digest not in ((layers or {}).get("images") or {}):
            raise unknown
    image = await reg.streams.image(digest)
    hint = str((image or {}).get("dockerImageManifestMediaType") or "")
    found = await reg.manifest_bytes(namespace, name, stream, digest, hint)
    if found is None:
        raise unknown
    return found


async def get_manifest(
    reg: Registry, request: Request, namespace: str, name: str, reference: str
) -> Response:
    """``GET``/``HEAD``: resolve the tag, answer ``If-None-Match``, load, negotiate (see
    ``negotiation``), in distribution's order."""
    tag, digest = split_reference(reference)
    accepted = accepted_types(request.headers.getlist("accept"))
    stream: Obj | None = None
    if tag:
        stream = await reg.streams.require_stream(namespace, name)
        event = head_event(stream, tag)
        if event is None:
            raise RegistryError("MANIFEST_UNKNOWN", detail={"Tag": tag})
        digest = str(event["image"])
    if etag_matches(request.headers.getlist("if-none-match"), digest):
        return Response(b"", 304)
    if stream is None:
        stream = await reg.streams.require_stream(namespace, name)
    raw, media_type = await _load(reg, namespace, name, stream, digest, bool(tag))
    check_accepted(media_type, accepted)
    if wants_default_child(tag, media_type, accepted):
        child = default_child(raw)
        if child is None:
            raise RegistryError("MANIFEST_UNKNOWN")
        raw, media_type = await _load(reg, namespace, name, stream, child, False)
        digest = child
    headers = _manifest_headers(digest, media_type, len(raw))
    if request.method == "HEAD":
        return Response(b"", 200, headers=headers)
    return Response(raw, 200, headers=headers)


async def _missing(
    reg: Registry, namespace: str, name: str, manifest: Manifest | ManifestList
) -> list[str]:
    """Referenced digests the repository does not hold."""
    repository = f"{namespace}/{name}"
    layers: Obj | None = None
    loaded = False
    missing = []
    kind = "_manifests" if isinstance(manifest, ManifestList) else "_layers"
    for digest in references(manifest):
        if reg.blobs.size(digest) is not None and (
            reg.blobs.is_linked(repository, digest, kind)
            or (kind == "_layers" and is_empty_digest(digest))
        ):
            continue
        if not loaded:
            layers, loaded = await reg.streams.layers(namespace, name), True
        view = (layers or {}).get("images" if kind == "_manifests" else "blobs") or {}
        if digest not in view and digest not in missing:
            missing.append(digest)
    return missing


async def _config(reg: Registry, namespace: str, name: str, manifest: Manifest) -> str:
    digest = manifest.config.digest
    raw = reg.blobs.read(digest, _MAX_CONFIG_SIZE)
    if raw is None:
        await reg.fetch_blob(namespace, name, digest)
        raw = reg.blobs.read(digest, _MAX_CONFIG_SIZE)
    if raw is None:
        raise RegistryError("MANIFEST_BLOB_UNKNOWN", detail=digest)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistryError("MANIFEST_INVALID", detail="the image config is not UTF-8") from None


async def put_manifest(
    reg: Registry, request: Request, user: User, namespace: str, name: str, reference: str
) -> Response:
    tag, wanted = split_reference(reference)
    raw = await read_body(request, MAX_MANIFEST_SIZE)
    manifest = parse_pushed(raw, request.headers.get("content-type"))
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    if wanted and wanted != digest:
        raise RegistryError("DIGEST_INVALID", detail=f"digest {wanted} != {digest}")
    missing = await _missing(reg, namespace, name, manifest)
    if missing:
        first, *rest = (RegistryError("MANIFEST_BLOB_UNKNOWN", detail=d) for d in missing)
        first.also = rest
        raise first
    image: Obj = {
        "kind": "Image",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {
            "name": digest,
            "annotations": {
                ANNOTATION_IMAGE_MANAGED: "true",
                ANNOTATION_MANIFEST_BLOB_STORED: "true",
            },
        },
        "dockerImageReference": f"{reg.registry_host}/{namespace}/{name}@{digest}",
        "dockerImageManifest": raw.decode("utf-8"),
        "dockerImageManifestMediaType": manifest.media_type,
    }
    if isinstance(manifest, Manifest):
        image["dockerImageConfig"] = await _config(reg, namespace, name, manifest)
    await reg.blobs.put(raw)
    reg.blobs.link(f"{namespace}/{name}", digest, "_manifests")
    await reg.streams.push(user, namespace, name, tag, image)
    return Response(
        b"",
        201,
        headers={
            "Location": f"/v2/{namespace}/{name}/manifests/{digest}",
            "Docker-Content-Digest": digest,
            "Content-Length": "0",
        },
    )


async def delete_manifest(reg: Registry, namespace: str, name: str, reference: str) -> Response:
    """Unlink a manifest pushed by digest; one the stream's history still names cannot be
    deleted here (``UNSUPPORTED``; prune the image instead), and tags are not deletable."""
    tag, digest = split_reference(reference)
    if tag:
        raise RegistryError("UNSUPPORTED")
    stream = await reg.streams.require_stream(namespace, name)
    if history_event(stream, digest) is not None:
        raise RegistryError("UNSUPPORTED")
    if not reg.blobs.unlink(f"{namespace}/{name}", digest, "_manifests"):
        raise RegistryError(
            "MANIFEST_UNKNOWN", detail={"Name": f"{namespace}/{name}", "Revision": digest}
        )
    return Response(b"", 202, headers={"Content-Length": "0"})
