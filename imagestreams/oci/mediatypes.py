"""Manifest media types the registry client speaks, and the one Accept header it sends.

Distribution 2.8 negotiates strictly: an OCI manifest or index is only returned when ``Accept``
names that OCI type (otherwise ``404 MANIFEST_UNKNOWN``), and a Docker schema2 manifest fetched
without the schema2 type in ``Accept`` is converted on the fly to signed schema1. A Docker
manifest list fetched with only the schema2 type accepted is silently resolved to its linux/amd64
child. So every manifest request carries the full list in :data:`MANIFEST_ACCEPT`, and the
client treats whatever comes back by its ``Content-Type`` (or, for registries that answer with a
generic JSON type, by sniffing the body, see :func:`sniff`).
"""

from __future__ import annotations

import json
from typing import Final

__all__ = [
    "DOCKER_CONFIG",
    "DOCKER_FOREIGN_LAYER",
    "DOCKER_LAYER",
    "DOCKER_MANIFEST_LIST",
    "DOCKER_SCHEMA1",
    "DOCKER_SCHEMA1_SIGNED",
    "DOCKER_SCHEMA2",
    "IMAGE_MANIFEST_TYPES",
    "LIST_TYPES",
    "MANIFEST_ACCEPT",
    "OCI_CONFIG",
    "OCI_INDEX",
    "OCI_LAYER",
    "OCI_LAYER_GZIP",
    "OCI_MANIFEST",
    "SCHEMA1_TYPES",
    "SUPPORTED_MANIFEST_TYPES",
    "base_type",
    "sniff",
]

DOCKER_SCHEMA1: Final = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED: Final = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_SCHEMA2: Final = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST: Final = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG: Final = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER: Final = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER: Final = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

OCI_MANIFEST: Final = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX: Final = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG: Final = "application/vnd.oci.image.config.v1+json"
OCI_LAYER: Final = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP: Final = "application/vnd.oci.image.layer.v1.tar+gzip"

IMAGE_MANIFEST_TYPES: Final = frozenset({DOCKER_SCHEMA2, OCI_MANIFEST})
LIST_TYPES: Final = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})
SCHEMA1_TYPES: Final = frozenset({DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED})
SUPPORTED_MANIFEST_TYPES: Final = IMAGE_MANIFEST_TYPES | LIST_TYPES

# Order matters only as a preference hint; every type we can handle is named. Schema1 is left
# out on purpose: asking for it would let a registry downgrade a schema2 image.
MANIFEST_ACCEPT: Final = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_SCHEMA2))

_GENERIC_TYPES: Final = frozenset(
    {"", "application/json", "text/plain", "application/octet-stream"}
)


def base_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json`` (lower case, no parameters)."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def sniff(content_type: str | None, raw: bytes) -> str:
    """The manifest media type of ``raw`` served as ``content_type``.

    A specific ``Content-Type`` wins. For a generic one (some registries and static file servers
    say ``application/json``) the body decides: its ``mediaType`` field, else the shape of an OCI
    document without one (``manifests`` -> index, ``config`` -> manifest), else schema1 for
    ``schemaVersion: 1``. Returns ``""`` when nothing fits.
    """
    declared = base_type(content_type)
    if declared not in _GENERIC_TYPES:
        return declared
    try:
        doc = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(doc, dict):
        return ""
    media_type = doc.get("mediaType")
    if isinstance(media_type, str) and media_type:
        return media_type
    if doc.get("schemaVersion") == 1:
        return DOCKER_SCHEMA1_SIGNED if "signatures" in doc else DOCKER_SCHEMA1
    if isinstance(doc.get("manifests"), list):
        return OCI_INDEX
    if isinstance(doc.get("config"), dict):
        return OCI_MANIFEST
    return ""
