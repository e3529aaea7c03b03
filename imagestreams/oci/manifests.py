"""Manifests and manifest lists, parsed from the exact bytes the registry sent.

An image's name is the digest of its manifest bytes, so nothing here ever re-serialises a
manifest: :func:`parse` reads the raw bytes, :func:`compute_digest` hashes those same bytes, and
:func:`verify_digest` compares against a digest the caller trusts (the one it asked for, or the
registry's ``Docker-Content-Digest``). Structure is checked per media type the way distribution's
unmarshallers check it (schemaVersion 2, a ``mediaType`` field that agrees with the content type,
well-formed descriptors), so a hostile or broken registry yields a typed error instead of a
``KeyError`` deep in the importer.

:func:`select_platform` is the Legacy import mode's choice of one child of a list (spec §13.6):
the preferred arch+os (defaulting to the server's own platform, as upstream's ``runtime.GOARCH``
/ ``runtime.GOOS``), else linux/amd64, else the first entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform as _platform
import re
from typing import Any, Final

from imagestreams.oci import errors, mediatypes

__all__ = [
    "Descriptor",
    "Manifest",
    "ManifestList",
    "Platform",
    "check_reference",
    "check_repository",
    "compute_digest",
    "host_platform",
    "parse",
    "parse_digest",
    "select_platform",
    "verify_digest",
]

_DIGEST_RE: Final = re.compile(r"^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")
_REPO_RE: Final = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_TAG_RE: Final = re.compile(r"^\w[\w.-]{0,127}$")
_HEX_LENGTHS: Final = {"sha256": 64, "sha512": 128}
_GO_ARCH: Final = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "i386": "386",
    "i686": "386",
    "armv7l": "arm",
}


def check_repository(repository: str) -> None:
    """Raise ValueError unless ``repository`` is a valid distribution repository name."""
    if len(repository) > 255 or not _REPO_RE.match(repository):
        raise ValueError(f"invalid repository name {repository[:80]!r}")


def check_reference(reference: str) -> bool:
    """True for a digest reference, False for a tag; raises for anything else."""
    if ":" in reference:
        parse_digest(reference)
        return True
    if not _TAG_RE.match(reference):
        raise ValueError(f"invalid tag {reference[:80]!r}")
    return False


def parse_digest(digest: str) -> tuple[str, str]:
    """``sha256:<hex>`` -> (``sha256``, ``<hex>``); raises InvalidDigest for anything else."""
    match = _DIGEST_RE.match(digest)
    if match is None:
        raise errors.InvalidDigest(f"invalid digest {digest[:80]!r}")
    algorithm, encoded = match.groups()
    length = _HEX_LENGTHS.get(algorithm)
    if length is None:
        raise errors.InvalidDigest(f"unsupported digest algorithm {algorithm!r}")
    if len(encoded) != length or not all(c in "0123456789abcdef" for c in encoded):
        raise errors.InvalidDigest(f"invalid {algorithm} digest {digest[:80]!r}")
    return algorithm, encoded


def compute_digest(raw: bytes, algorithm: str = "sha256") -> str:
    """The content digest of ``raw``."""
    return f"{algorithm}:{hashlib.new(algorithm, raw).hexdigest()}"


def verify_digest(raw: bytes, expected: str) -> str:
    """Check ``raw`` against ``expected`` (any supported algorithm); returns ``expected``."""
    algorithm, _ = parse_digest(expected)
    actual = compute_digest(raw, algorithm)
    if actual != expected:
        raise errors.InvalidDigest(
            f"content integrity error: the content does not match digest {expected} (got {actual})"
        )
    return expected


@dataclasses.dataclass(frozen=True, slots=True)
class Platform:
    """A list entry's platform (``os.version``/``os.features`` kept for completeness)."""

    architecture: str = ""
    os: str = ""
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Descriptor:
    """A content descriptor: what, how big, where (its digest)."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    urls: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Manifest:
    """A single-image manifest (Docker schema2 or OCI)."""

    media_type: str
    digest: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def is_list(self) -> bool:
        return False


@dataclasses.dataclass(frozen=True, slots=True)
class ManifestList:
    """A Docker manifest list or OCI index."""

    media_type: str
    digest: str
    manifests: tuple[Descriptor, ...]
    annotations: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def is_list(self) -> bool:
        return True


def _descriptor(doc: Any, where: str, *, with_platform: bool = False) -> Descriptor:
    if not isinstance(doc, dict):
        raise errors.ProtocolError(f"invalid manifest: {where} is not an object")
    media_type = doc.get("mediaType", "")
    digest = doc.get("digest")
    size = doc.get("size")
    if not isinstance(media_type, str):
        raise errors.ProtocolError(f"invalid manifest: {where}.mediaType is not a string")
    if not isinstance(digest, str):
        raise errors.ProtocolError(f"invalid manifest: {where}.digest is missing")
    try:
        parse_digest(digest)
    except errors.InvalidDigest as exc:
        raise errors.ProtocolError(f"invalid manifest: {where}.digest: {exc.message}") from None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise errors.ProtocolError(f"invalid manifest: {where}.size is not a non-negative integer")
    urls = doc.get("urls") or ()
    if not isinstance(urls, list | tuple) or not all(isinstance(u, str) for u in urls):
        raise errors.ProtocolError(f"invalid manifest: {where}.urls is not a list of strings")
    plat: Platform | None = None
    raw_platform = doc.get("platform") if with_platform else None
    if isinstance(raw_platform, dict):
        features = raw_platform.get("os.features") or ()
        plat = Platform(
            architecture=str(raw_platform.get("architecture", "")),
            os=str(raw_platform.get("os", "")),
            variant=str(raw_platform.get("variant", "") or ""),
            os_version=str(raw_platform.get("os.version", "") or ""),
            os_features=tuple(str(f) for f in features) if isinstance(features, list) else (),
        )
    return Descriptor(media_type, digest, size, plat, tuple(urls))


def _annotations(doc: dict[str, Any]) -> dict[str, str]:
    raw = doc.get("annotations")
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {}


def parse(raw: bytes, media_type: str, digest: str | None = None) -> Manifest | ManifestList:
    """Parse ``raw`` served as ``media_type``; ``digest`` defaults to the sha256 of ``raw``.

    When ``digest`` is given it is verified against ``raw``. Schema1 and unknown types raise
    :class:`~imagestreams.oci.errors.Unsupported`; malformed documents ProtocolError.
    """
    media_type = mediatypes.sniff(media_type, raw)
    if media_type in mediatypes.SCHEMA1_TYPES:
        raise errors.Unsupported(
            "Docker schema1 manifests are not supported; convert the image to schema2 or OCI"
        )
    if media_type not in mediatypes.SUPPORTED_MANIFEST_TYPES:
        raise errors.Unsupported(f"unsupported manifest media type {media_type[:120]!r}")
    digest = verify_digest(raw, digest) if digest else compute_digest(raw)
    try:
        doc = json.loads(raw)
    except ValueError:
        raise errors.ProtocolError("invalid manifest: not valid JSON") from None
    if not isinstance(doc, dict):
        raise errors.ProtocolError("invalid manifest: not a JSON object")
    if doc.get("schemaVersion") != 2:
        raise errors.ProtocolError(
            f"invalid manifest: schemaVersion must be 2, not {doc.get('schemaVersion')!r}"
        )
    declared = doc.get("mediaType")
    oci = media_type in (mediatypes.OCI_MANIFEST, mediatypes.OCI_INDEX)
    if (declared is not None or not oci) and declared != media_type:
        raise errors.ProtocolError(
            f"invalid manifest: mediaType {declared!r} does not match content type {media_type!r}"
        )
    if media_type in mediatypes.LIST_TYPES:
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise errors.ProtocolError("invalid manifest: manifests is not a list")
        return ManifestList(
            media_type=media_type,
            digest=digest,
            manifests=tuple(
                _descriptor(e, f"manifests[{i}]", with_platform=True) for i, e in enumerate(entries)
            ),
            annotations=_annotations(doc),
        )
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise errors.ProtocolError("invalid manifest: layers is not a list")
    return Manifest(
        media_type=media_type,
        digest=digest,
        config=_descriptor(doc.get("config"), "config"),
        layers=tuple(_descriptor(layer, f"layers[{i}]") for i, layer in enumerate(layers)),
        annotations=_annotations(doc),
    )


def host_platform() -> tuple[str, str]:
    """This process's platform in Go's names (``amd64``, ``linux``), like GOARCH/GOOS."""
    machine = _platform.machine().lower()
    return _GO_ARCH.get(machine, machine), _platform.system().lower() or "linux"


def select_platform(
    manifest_list: ManifestList, prefer_arch: str = "", prefer_os: str = ""
) -> Descriptor:
    """The child the Legacy import mode imports (spec §13.6).

    The first entry matching ``prefer_arch``/``prefer_os`` (each defaulting to the host's own),
    else the first linux/amd64 entry, else the first entry. An empty list is a ProtocolError
    (upstream: ``no manifests in manifest list``).
    """
    if not manifest_list.manifests:
        raise errors.ProtocolError("no manifests in manifest list")
    host_arch, host_os = host_platform()
    arch, os_name = prefer_arch or host_arch, prefer_os or host_os
    for wanted_arch, wanted_os in ((arch, os_name), ("amd64", "linux")):
        for entry in manifest_list.manifests:
            plat = entry.platform or Platform()
            if plat.architecture == wanted_arch and plat.os == wanted_os:
                return entry
    return manifest_list.manifests[0]
