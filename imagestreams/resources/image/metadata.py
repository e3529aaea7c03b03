"""What an Image says about its manifest: layers, metadata and size (upstream
``InternalImageWithMetadata``), and the Go wire shape of ``dockerImageMetadata``.

The integrated registry pushes Images (directly or inside an ImageStreamMapping) carrying only
the raw ``dockerImageManifest`` and ``dockerImageConfig``; the server derives
``dockerImageLayers`` (base layer first, annotated ``dockerLayersOrder: ascending``),
``dockerImageManifestMediaType`` and ``dockerImageMetadata`` (``Id`` = config digest for
schema2/OCI, the v1 id for schema1; ``Size`` = config length + distinct layer sizes) before the
image is stored, so every consumer (ISTag, ISImage, layers view, size limits, pruning) sees them.
Like upstream, a manifest that cannot be understood is not an error: the image is stored as sent.

Upstream decodes ``dockerImageMetadata`` into a fixed Go struct and re-encodes it as the
versioned ``DockerImage`` object, so clients always read ``kind``/``apiVersion``/``Id``/
``Created``/``ContainerConfig`` and ``dockerImageMetadataVersion: "1.0"``; unknown keys vanish and
keys match case-insensitively. :func:`normalize_docker_image_metadata` reproduces that shape.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from imagestreams import errors
from imagestreams.api.image_v1 import ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER
from imagestreams.api.meta import format_time, now, parse_time
from imagestreams.importer.images import DOCKER_IMAGE_API_VERSION, METADATA_VERSION, docker_config
from imagestreams.oci import mediatypes

__all__ = [
    "config_matches_image",
    "fill_image_metadata",
    "manifest_digest_matches",
    "manifest_list_entries",
    "normalize_docker_image_metadata",
]

Obj = dict[str, Any]
_SCHEMA1 = mediatypes.DOCKER_SCHEMA1
_SCHEMA1_SIGNED = mediatypes.DOCKER_SCHEMA1_SIGNED
_SCHEMA1_LAYER = "application/vnd.docker.container.image.rootfs.diff+x-gtar"
_SCHEMA2 = mediatypes.DOCKER_SCHEMA2
_OCI = mediatypes.OCI_MANIFEST
_LISTS = (mediatypes.DOCKER_MANIFEST_LIST, mediatypes.OCI_INDEX)
_STR_FIELDS = ("Parent", "Comment")
_TAIL_FIELDS = ("DockerVersion", "Author")


def _lookup(doc: Obj, name: str) -> Any:
    """Go ``encoding/json`` key matching: exact first, then case-insensitive."""
    if name in doc:
        return doc[name]
    folded = name.casefold()
    return next((v for k, v in doc.items() if str(k).casefold() == folded), None)


def _bad(what: str) -> errors.BadRequest:
    return errors.BadRequest(
        f'Image in version "v1" cannot be handled as a Image: invalid dockerImageMetadata: {what}'
    )


def _time(value: Any) -> str | None:
    """A Go ``time.Time``/``metav1.Time`` value re-rendered; ``None`` for the zero time."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("Created")
    parsed = parse_time(value)
    if parsed <= datetime(1, 1, 1, tzinfo=UTC):
        return None
    return format_time(parsed)


def _docker_image(doc: Obj, image_id: str | None = None) -> Obj:
    """A ``DockerImage`` (v1 compatibility JSON, image config, or our own wire form) as upstream
    writes it. Raises ValueError for values of the wrong type."""
    out: Obj = {"kind": "DockerImage", "apiVersion": DOCKER_IMAGE_API_VERSION}
    ident = image_id if image_id is not None else _lookup(doc, "Id")
    out["Id"] = ident if isinstance(ident, str) else ""
    for name in _STR_FIELDS:
        if value := _lookup(doc, name):
            out[name] = str(value)
    out["Created"] = _time(_lookup(doc, "Created"))
    if value := _lookup(doc, "Container"):
        out["Container"] = str(value)
    container_config = _lookup(doc, "ContainerConfig")
    if container_config is None:
        container_config = _lookup(doc, "container_config")
    out["ContainerConfig"] = docker_config(container_config, "ContainerConfig")
    for name in _TAIL_FIELDS:
        value = _lookup(doc, name)
        if value is None and name == "DockerVersion":
            value = _lookup(doc, "docker_version")
        if value:
            out[name] = str(value)
    config = _lookup(doc, "Config")
    if config is not None:
        out["Config"] = docker_config(config, "Config")
    if value := _lookup(doc, "Architecture"):
        out["Architecture"] = str(value)
    size = _lookup(doc, "Size")
    if isinstance(size, bool) or (size is not None and not isinstance(size, int)):
        raise ValueError("Size")
    if size:
        out["Size"] = size
    return out


def normalize_docker_image_metadata(image: Obj) -> None:
    """Give ``image`` upstream's ``dockerImageMetadata``/``dockerImageMetadataVersion`` shape
    (in place); a value Go could not decode is a 400."""
    raw = image.get("dockerImageMetadata")
    if raw is not None and not isinstance(raw, dict):
        raise _bad("expected an object")
    try:
        image["dockerImageMetadata"] = _docker_image(raw or {})
    except Exception as exc:
        raise _bad(str(exc)) from None
    if not image.get("dockerImageMetadataVersion"):
        image["dockerImageMetadataVersion"] = METADATA_VERSION


def _annotations(image: Obj) -> dict[str, str]:
    md = image.setdefault("metadata", {})
    annotations = md.get("annotations")
    if not isinstance(annotations, dict):
        annotations = md["annotations"] = {}
    result: dict[str, str] = annotations
    return result


def _reorder_layers(image: Obj) -> None:
    """Upstream ``reorderImageLayers``: store layers base first."""
    layers = image.get("dockerImageLayers")
    if not layers:
        return
    order = (image.get("metadata", {}).get("annotations") or {}).get(
        ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER
    )
    if order is None:
        media_type = image.get("dockerImageManifestMediaType", "")
        if media_type in (_SCHEMA1, _SCHEMA1_SIGNED):
            order = "ascending"
        elif media_type in (_SCHEMA2, _OCI):
            order = "descending"
        else:
            return
    if order == "descending":
        image["dockerImageLayers"] = list(reversed(layers))
    _annotations(image)[ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER] = "ascending"


def _schema1_layers(manifest: Obj) -> list[Obj]:
    fs_layers, history = manifest.get("fsLayers") or [], manifest.get("history") or []
    if len(fs_layers) != len(history):
        raise ValueError("mismatched history and fslayer cardinality")
    layers: list[Obj] = []
    for fs_layer, entry in zip(fs_layers, history, strict=True):
        try:
            size = _lookup(json.loads(entry.get("v1Compatibility", "")), "Size")
        except (ValueError, AttributeError):
            size = 0
        layers.append(
            {
                "name": str(fs_layer.get("blobSum", "")),
                "size": size if isinstance(size, int) and not isinstance(size, bool) else 0,
                "mediaType": _SCHEMA1_LAYER,
            }
        )
    layers.reverse()
    return layers


def _fill(image: Obj, manifest: Obj) -> None:
    version = manifest.get("schemaVersion")
    if not image.get("dockerImageLayers"):
        if version == 1:
            image["dockerImageLayers"] = _schema1_layers(manifest)
        elif version == 2:
            image["dockerImageLayers"] = [
                {
                    "name": str(layer.get("digest", "")),
                    "size": int(layer.get("size") or 0),
                    "mediaType": str(layer.get("mediaType", "")),
                }
                for layer in manifest.get("layers") or []
            ]
        else:
            raise ValueError(f"unrecognized container image manifest schema {version}")
        _annotations(image)[ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER] = "ascending"
    seen: set[str] = set()
    if version == 1:
        image["dockerImageManifestMediaType"] = _SCHEMA1
        history = manifest.get("history") or []
        if not history:
            raise ValueError("schema 1 manifest without history")
        metadata = _docker_image(json.loads(history[0].get("v1Compatibility", "")))
        size = 0
    elif version == 2:
        if manifest.get("mediaType"):
            image["dockerImageManifestMediaType"] = manifest["mediaType"]
        elif not image.get("dockerImageManifestMediaType"):
            image["dockerImageManifestMediaType"] = _SCHEMA2
        config_raw = image.get("dockerImageConfig") or ""
        if not config_raw:
            raise ValueError("dockerImageConfig must not be empty")
        config_digest = str((manifest.get("config") or {}).get("digest", ""))
        metadata = _docker_image(json.loads(config_raw), config_digest)
        seen.add(config_digest)
        size = len(config_raw.encode())
    else:
        raise ValueError(f"unrecognized container image manifest schema {version}")
    for layer in image["dockerImageLayers"]:
        if layer.get("name") not in seen:
            seen.add(layer.get("name"))
            size += int(layer.get("size") or 0)
    metadata.pop("Size", None)
    if size:
        metadata["Size"] = size
    image["dockerImageMetadata"] = metadata
    image["dockerImageMetadataVersion"] = METADATA_VERSION


def fill_image_metadata(image: Obj) -> None:
    """Upstream ``InternalImageWithMetadata`` on a JSON Image, in place. Derivation failures
    leave the image as it is (upstream logs and stores it anyway)."""
    raw = image.get("dockerImageManifest")
    if not raw:
        return
    _reorder_layers(image)
    metadata = image.get("dockerImageMetadata") or {}
    size = metadata.get("Size") if isinstance(metadata, dict) else None
    if image.get("dockerImageLayers") and size and image.get("dockerImageManifestMediaType"):
        return
    try:
        manifest = json.loads(raw)
        if not isinstance(manifest, dict):
            return
        if manifest.get("mediaType") in _LISTS:
            base = _docker_image(metadata if isinstance(metadata, dict) else {})
            base["Id"] = image.get("metadata", {}).get("name", "")
            base["Created"] = now()
            image["dockerImageMetadata"] = base
            return
        _fill(image, manifest)
    except Exception:  # any undecodable manifest or config: keep the image as sent
        return


def manifest_list_entries(image: Obj) -> list[Obj] | None:
    """``dockerImageManifests`` of an Image whose raw manifest is a manifest list / OCI index,
    or ``None`` when it is not one."""
    try:
        manifest = json.loads(image.get("dockerImageManifest") or "")
    except ValueError:
        return None
    media_type = image.get("dockerImageManifestMediaType") or (
        manifest.get("mediaType") if isinstance(manifest, dict) else None
    )
    if not isinstance(manifest, dict) or media_type not in _LISTS:
        return None
    entries: list[Obj] = []
    for entry in manifest.get("manifests") or []:
        platform = entry.get("platform") or {}
        item: Obj = {
            "digest": str(entry.get("digest", "")),
            "mediaType": str(entry.get("mediaType", "")),
            "manifestSize": int(entry.get("size") or 0),
            "architecture": str(platform.get("architecture", "")),
            "os": str(platform.get("os", "")),
        }
        if platform.get("variant"):
            item["variant"] = str(platform["variant"])
        entries.append(item)
    return entries


def _schema1_payload(raw: bytes) -> bytes:
    """The signed payload of a schema1 JWS manifest (what its digest covers)."""
    doc = json.loads(raw)
    signatures = doc.get("signatures") if isinstance(doc, dict) else None
    if not signatures:
        return raw
    protected = str(signatures[0].get("protected", ""))
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    tail = str(header["formatTail"])
    return raw[: int(header["formatLength"])] + base64.urlsafe_b64decode(
        tail + "=" * (-len(tail) % 4)
    )


def _digest_of(content: bytes, digest: str) -> bool:
    algorithm, _, expected = digest.partition(":")
    if algorithm not in ("sha256", "sha384", "sha512") or not expected:
        return False
    return hashlib.new(algorithm, content).hexdigest() == expected.lower()


def manifest_digest_matches(name: str, media_type: str, manifest: str) -> bool:
    """Upstream ``ManifestMatchesImage``: the image name is the digest of ``manifest`` (the
    signed payload for schema1)."""
    raw = manifest.encode()
    if media_type in (_SCHEMA1, _SCHEMA1_SIGNED, ""):
        try:
            raw = _schema1_payload(raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            return _digest_of(raw, name)
    return _digest_of(raw, name)


def config_matches_image(image: Obj, config: str) -> bool:
    """Upstream ``ImageConfigMatchesImage``: ``config`` hashes to the manifest's config digest."""
    if image.get("dockerImageManifestMediaType") not in (_SCHEMA2, _OCI):
        return False
    digest = ""
    try:
        manifest = json.loads(image.get("dockerImageManifest") or "")
        digest = str((manifest.get("config") or {}).get("digest", ""))
    except (ValueError, AttributeError):
        pass
    if not digest:
        digest = str((image.get("dockerImageMetadata") or {}).get("Id") or "")
    return _digest_of(config.encode(), digest)
