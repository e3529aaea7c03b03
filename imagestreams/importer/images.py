"""Manifest + image config -> the ``Image`` object upstream records (spec §13.5, §13.6, §11).

Pure functions, no I/O: the importer fetches bytes, this module decides what an ``Image`` says
about them, exactly as openshift-apiserver's ``schema2OrOCIToImage`` + ``InternalImageWithMetadata``
(single images) and ``manifestToImage`` (lists kept under ``PreserveOriginal``) do:

* ``metadata.name`` is the manifest digest; single images carry the annotation
  ``image.openshift.io/dockerLayersOrder: ascending`` and list ``dockerImageLayers`` base first;
* ``dockerImageMetadata`` is the versioned ``DockerImage`` object built from the config blob:
  ``Id`` = config digest, ``Created`` at second precision, ``Config``/``ContainerConfig`` with
  Docker's field names, ``Size`` = config length + the sizes of the distinct layers;
* lists get ``dockerImageManifests`` and metadata ``{Id: <list digest>, Created: <now>}`` only.

Go decodes the config case-insensitively into fixed structs, so unknown fields disappear and
known ones are renamed to Docker's spelling; :func:`docker_config` reproduces that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from imagestreams.api.image_v1 import (
    ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER,
    Image,
    ImageLayer,
    ImageManifest,
)
from imagestreams.api.meta import ObjectMeta, format_time, now, parse_time
from imagestreams.oci import errors
from imagestreams.oci.manifests import Manifest, ManifestList

__all__ = [
    "DOCKER_IMAGE_API_VERSION",
    "METADATA_VERSION",
    "docker_config",
    "docker_image_metadata",
    "image_from_list",
    "image_from_manifest",
    "image_to_dict",
    "strip_for_storage",
]

METADATA_VERSION: Final = "1.0"
DOCKER_IMAGE_API_VERSION: Final = "image.openshift.io/1.0"

# (Go field name on the wire, kind) in DockerConfig's declaration order.
_CONFIG_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("Hostname", "str"),
    ("Domainname", "str"),
    ("User", "str"),
    ("Memory", "int"),
    ("MemorySwap", "int"),
    ("CpuShares", "int"),
    ("Cpuset", "str"),
    ("AttachStdin", "bool"),
    ("AttachStdout", "bool"),
    ("AttachStderr", "bool"),
    ("PortSpecs", "list"),
    ("ExposedPorts", "set"),
    ("Tty", "bool"),
    ("OpenStdin", "bool"),
    ("StdinOnce", "bool"),
    ("Env", "list"),
    ("Cmd", "list"),
    ("Dns", "list"),
    ("Image", "str"),
    ("Volumes", "set"),
    ("VolumesFrom", "str"),
    ("WorkingDir", "str"),
    ("Entrypoint", "list"),
    ("NetworkDisabled", "bool"),
    ("SecurityOpts", "list"),
    ("OnBuild", "list"),
    ("Labels", "map"),
)


def _lookup(doc: Mapping[str, Any], name: str) -> Any:
    """Go's ``encoding/json`` key matching: exact name first, then case-insensitive."""
    if name in doc:
        return doc[name]
    folded = name.casefold()
    for key, value in doc.items():
        if key.casefold() == folded:
            return value
    return None


def _bad(field: str) -> errors.ProtocolError:
    return errors.ProtocolError(f"failed to parse dockerImageConfig: invalid value for {field}")


def _convert(value: Any, kind: str, field: str) -> Any:
    """One DockerConfig value, or None when it is the zero value (``omitempty``)."""
    if value is None:
        return None
    if kind == "str":
        if not isinstance(value, str):
            raise _bad(field)
        return value or None
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(field)
        return value or None
    if kind == "bool":
        if not isinstance(value, bool):
            raise _bad(field)
        return value or None
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _bad(field)
        return list(value) or None
    if kind == "set":
        if not isinstance(value, dict):
            raise _bad(field)
        return {str(k): {} for k in value} or None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _bad(field)
    return dict(value) or None


def docker_config(doc: Any, field: str = "config") -> dict[str, Any]:
    """An image config's ``config``/``container_config`` as upstream's ``DockerConfig``."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise _bad(field)
    out: dict[str, Any] = {}
    # Go matches keys case-insensitively; fold once instead of per field.
    folded = {str(k).casefold(): v for k, v in doc.items()}
    folded.update({k: v for k, v in doc.items() if isinstance(k, str)})
    for name, kind in _CONFIG_FIELDS:
        raw = folded[name] if name in folded else folded.get(name.casefold())
        value = _convert(raw, kind, f"{field}.{name}")
        if value is not None:
            out[name] = value
    return out


def _created(value: Any) -> str | None:
    """``created`` (RFC 3339, any precision) as ``metav1.Time`` writes it; None when unset."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad("created")
    try:
        parsed = parse_time(value)
    except ValueError:
        raise _bad("created") from None
    if parsed == datetime(1, 1, 1, tzinfo=UTC):
        return None
    return format_time(parsed)


def _str_field(config: Mapping[str, Any], name: str) -> str:
    value = _lookup(config, name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(name)
    return value


def docker_image_metadata(
    config_raw: bytes, config_digest: str, layers: tuple[ImageLayer, ...]
) -> dict[str, Any]:
    """The ``dockerImageMetadata`` object (``DockerImage``, image.openshift.io/1.0)."""
    try:
        config = json.loads(config_raw)
    except ValueError:
        raise errors.ProtocolError(
            "failed to parse dockerImageConfig: the image config is not valid JSON"
        ) from None
    if not isinstance(config, dict):
        raise errors.ProtocolError("failed to parse dockerImageConfig: not a JSON object")
    meta: dict[str, Any] = {"kind": "DockerImage", "apiVersion": DOCKER_IMAGE_API_VERSION}
    meta["Id"] = config_digest
    for key, name in (("Parent", "parent"), ("Comment", "comment")):
        if value := _str_field(config, name):
            meta[key] = value
    meta["Created"] = _created(_lookup(config, "created"))
    if value := _str_field(config, "container"):
        meta["Container"] = value
    meta["ContainerConfig"] = docker_config(_lookup(config, "container_config"), "container_config")
    for key, name in (("DockerVersion", "docker_version"), ("Author", "author")):
        if value := _str_field(config, name):
            meta[key] = value
    raw_config = _lookup(config, "config")
    if raw_config is not None:
        meta["Config"] = docker_config(raw_config)
    if value := _str_field(config, "architecture"):
        meta["Architecture"] = value
    size = len(config_raw)
    seen = {config_digest}
    for layer in layers:
        if layer.name not in seen:
            seen.add(layer.name)
            size += layer.size
    if size:
        meta["Size"] = size
    return meta


def image_from_manifest(
    manifest: Manifest, manifest_raw: bytes, config_raw: bytes, reference: str
) -> Image:
    """A single-platform image (Docker schema2 or OCI) with its raw manifest and config."""
    layers = tuple(
        ImageLayer(name=layer.digest, size=layer.size, media_type=layer.media_type)
        for layer in manifest.layers
    )
    return Image(
        metadata=ObjectMeta(
            name=manifest.digest,
            annotations={ANNOTATION_DOCKER_IMAGE_LAYERS_ORDER: "ascending"},
        ),
        docker_image_reference=reference,
        docker_image_metadata=docker_image_metadata(config_raw, manifest.config.digest, layers),
        docker_image_metadata_version=METADATA_VERSION,
        docker_image_manifest=manifest_raw.decode("utf-8", errors="replace"),
        docker_image_layers=list(layers),
        docker_image_manifest_media_type=manifest.media_type,
        docker_image_config=config_raw.decode("utf-8", errors="replace"),
    )


def image_from_list(manifest_list: ManifestList, reference: str, created: str = "") -> Image:
    """The Image of a manifest list / OCI index kept under ``PreserveOriginal``."""
    entries = []
    for entry in manifest_list.manifests:
        plat = entry.platform
        entries.append(
            ImageManifest(
                digest=entry.digest,
                media_type=entry.media_type,
                manifest_size=entry.size,
                architecture=plat.architecture if plat else "",
                os=plat.os if plat else "",
                variant=plat.variant if plat else "",
            )
        )
    return Image(
        metadata=ObjectMeta(name=manifest_list.digest),
        docker_image_reference=reference,
        docker_image_metadata={
            "kind": "DockerImage",
            "apiVersion": DOCKER_IMAGE_API_VERSION,
            "Id": manifest_list.digest,
            "Created": created or now(),
            "ContainerConfig": {},
        },
        docker_image_metadata_version=METADATA_VERSION,
        docker_image_manifest_media_type=manifest_list.media_type,
        docker_image_manifests=entries,
    )


def strip_for_storage(image: Image) -> Image:
    """What the import stores (upstream ``PrepareImageForCreate``): no raw manifest, config or
    signatures, no server-owned metadata."""
    return msgspec.structs.replace(
        image,
        kind="",
        api_version="",
        metadata=ObjectMeta(name=image.metadata.name, annotations=dict(image.metadata.annotations)),
        docker_image_manifest="",
        docker_image_config="",
        signatures=[],
        docker_image_signatures=[],
    )


def image_to_dict(image: Image) -> dict[str, Any]:
    """The wire (JSON) form of ``image``."""
    result: dict[str, Any] = msgspec.to_builtins(image)
    return result
