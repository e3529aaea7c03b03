"""What a pushed manifest must look like, and what it references.

The registry accepts the four schema-2 formats, Docker schema2 image manifests and manifest lists
and OCI image manifests and indexes, decided by the request's ``Content-Type`` or, when that is
generic (``application/json``, none), by the document's ``mediaType``/shape, as distribution's
``UnmarshalManifest`` does. Docker schema1 (signed or not) is refused the way distribution 2.8
refuses it with schema1 support off: ``MANIFEST_INVALID`` with detail ``manifest type
unsupported``. Everything else that does not parse is ``MANIFEST_INVALID`` with the reason.

A manifest's references are what must already be in the repository before it may be stored:
the config and layers of an image manifest (foreign layers, which carry ``urls``, excepted) and
the child manifests of a list.
"""

from __future__ import annotations

import json
import re
from typing import Final

from imagestreams.distribution.blobs import check_digest
from imagestreams.distribution.errors import RegistryError
from imagestreams.oci import errors as oci_errors, manifests as oci_manifests, mediatypes
from imagestreams.oci.manifests import Manifest, ManifestList

__all__ = [
    "MAX_MANIFEST_SIZE",
    "TAG_RE",
    "media_type_of",
    "parse_pushed",
    "references",
    "split_reference",
]

MAX_MANIFEST_SIZE: Final = 4 * 1024 * 1024
TAG_RE: Final = re.compile(r"^[\w][\w.-]{0,127}$")
_SCHEMA1_DETAIL: Final = "manifest type unsupported"


def media_type_of(raw: bytes) -> str:
    """The media type of a stored manifest, from its own content."""
    return mediatypes.sniff(None, raw) or mediatypes.DOCKER_SCHEMA2


def split_reference(reference: str) -> tuple[str, str]:
    """``(tag, "")`` or ``("", digest)`` for the ``<reference>`` of a manifests URL."""
    if ":" in reference:
        check_digest(reference)
        return "", reference
    if not TAG_RE.match(reference):
        raise RegistryError("TAG_INVALID", detail=reference[:140])
    return reference, ""


def _is_schema1(content_type: str, raw: bytes) -> bool:
    if content_type in mediatypes.SCHEMA1_TYPES:
        return True
    try:
        doc = json.loads(raw)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("schemaVersion") == 1


def parse_pushed(raw: bytes, content_type: str | None) -> Manifest | ManifestList:
    """Parse the body of a manifest PUT, or raise the registry error a client would get."""
    if len(raw) > MAX_MANIFEST_SIZE:
        raise RegistryError(
            "MANIFEST_INVALID", detail=f"manifest is larger than {MAX_MANIFEST_SIZE} bytes"
        )
    declared = mediatypes.base_type(content_type)
    if _is_schema1(declared, raw):
        raise RegistryError("MANIFEST_INVALID", detail=_SCHEMA1_DETAIL)
    media_type = mediatypes.sniff(declared, raw)
    if media_type not in mediatypes.SUPPORTED_MANIFEST_TYPES:
        raise RegistryError(
            "MANIFEST_INVALID", detail=f"unsupported manifest media type {media_type[:120]!r}"
        )
    try:
        return oci_manifests.parse(raw, media_type)
    except oci_errors.RegistryError as exc:
        raise RegistryError("MANIFEST_INVALID", detail=exc.message) from None


def references(manifest: Manifest | ManifestList) -> list[str]:
    """Digests that must exist before ``manifest`` is accepted, in document order."""
    if isinstance(manifest, ManifestList):
        return [entry.digest for entry in manifest.manifests]
    needed = [manifest.config.digest]
    needed.extend(layer.digest for layer in manifest.layers if not layer.urls)
    return needed
