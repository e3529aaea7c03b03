"""Manifest content negotiation and conditional GET, as distribution's ``GetManifest`` does them.

A registry serves the stored bytes of a manifest unchanged (its digest is its identity), so the
``Accept`` header cannot ask for a conversion; it can only make the registry refuse or, for one
legacy case, substitute:

* The accepted media types are collected from *every* ``Accept`` header, each split on ``,``,
  parameters (``q=``) dropped; a value that is not a media type is skipped.
* An OCI image manifest or OCI index whose type is not accepted is ``404 MANIFEST_UNKNOWN`` with
  distribution's fixed message and no detail: a client that does not name the OCI types would
  not understand the document, and distribution would rather say "not here".
* A Docker manifest list fetched *by tag* without the list type accepted is answered with its
  ``linux/amd64`` child (the platform distribution's ``defaultArch``/``defaultOS`` names): an old
  client that only knows image manifests still gets a runnable image. By digest the list itself is
  served, since anything else would not match the requested digest.
* Docker schema2 image manifests are served as they are, whatever ``Accept`` says. Distribution
  2.x converted them on the fly to signed schema1 for clients that did not accept schema2;
  schema1 is deprecated and gone from distribution v3 (and from every supported client), so this
  registry never converts.

``If-None-Match`` naming the manifest's digest, quoted or not, is ``304 Not Modified``. It is
compared once the tag has been resolved to a digest and before the manifest is loaded, so it also
short-cuts the content checks, exactly as distribution's ``etagMatch`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Final

from imagestreams.distribution.errors import RegistryError
from imagestreams.oci import mediatypes

__all__ = [
    "DEFAULT_ARCH",
    "DEFAULT_OS",
    "OCI_INDEX_REFUSED",
    "OCI_MANIFEST_REFUSED",
    "accepted_types",
    "check_accepted",
    "default_child",
    "etag_matches",
    "wants_default_child",
]

DEFAULT_ARCH: Final = "amd64"
DEFAULT_OS: Final = "linux"
OCI_MANIFEST_REFUSED: Final = "OCI manifest found, but accept header does not support OCI manifests"
OCI_INDEX_REFUSED: Final = "OCI index found, but accept header does not support OCI indexes"

_TOKEN_CHARS: Final = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")


def _media_type(value: str) -> str | None:
    """The lower-cased ``type/subtype`` of one ``Accept`` entry, or ``None`` when it is not a
    media type (Go's ``mime.ParseMediaType`` failing); parameters are ignored."""
    base = value.split(";", 1)[0].strip().lower()
    kind, slash, subtype = base.partition("/")
    if not slash or not kind or not subtype:
        return None
    if not set(kind) <= _TOKEN_CHARS or not set(subtype) <= _TOKEN_CHARS:
        return None
    return base


def accepted_types(headers: Iterable[str]) -> frozenset[str]:
    """Every media type named by the ``Accept`` header values ``headers``."""
    found: set[str] = set()
    for header in headers:
        for entry in header.split(","):
            media_type = _media_type(entry)
            if media_type is not None:
                found.add(media_type)
    return frozenset(found)


def etag_matches(if_none_match: Iterable[str], digest: str) -> bool:
    """Does some ``If-None-Match`` header value name ``digest`` (bare or quoted)?"""
    quoted = f'"{digest}"'
    return any(value in (digest, quoted) for value in if_none_match)


def check_accepted(media_type: str, accepted: frozenset[str]) -> None:
    """Refuse an OCI manifest or index the client did not ask for (``MANIFEST_UNKNOWN``)."""
    if media_type == mediatypes.OCI_MANIFEST and mediatypes.OCI_MANIFEST not in accepted:
        raise RegistryError("MANIFEST_UNKNOWN", message=OCI_MANIFEST_REFUSED)
    if media_type == mediatypes.OCI_INDEX and mediatypes.OCI_INDEX not in accepted:
        raise RegistryError("MANIFEST_UNKNOWN", message=OCI_INDEX_REFUSED)


def wants_default_child(tag: str, media_type: str, accepted: frozenset[str]) -> bool:
    """Must a Docker manifest list fetched by ``tag`` be replaced by its default child?"""
    return (
        bool(tag)
        and media_type == mediatypes.DOCKER_MANIFEST_LIST
        and mediatypes.DOCKER_MANIFEST_LIST not in accepted
    )


def default_child(raw: bytes) -> str | None:
    """The digest of the first ``linux/amd64`` entry of manifest list ``raw``, if any."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    entries = doc.get("manifests") if isinstance(doc, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        platform = entry.get("platform")
        if not isinstance(platform, dict):
            continue
        if platform.get("architecture") == DEFAULT_ARCH and platform.get("os") == DEFAULT_OS:
            digest = entry.get("digest")
            return digest if isinstance(digest, str) and digest else None
    return None
