"""Tiny container images built in pure Python, written as OCI layouts or pushed over HTTP.

Tests need real images with exact, known digests: a few gzip tar layers, a config with
architecture/os/variant/created/Env/Labels/Cmd/rootfs/history, as a Docker schema2 or OCI
manifest, and Docker manifest lists / OCI indexes over several platforms. Everything is
deterministic (gzip ``mtime=0``, fixed tar metadata) so the same inputs give the same digests,
and ``salt`` makes an image unique when a test needs distinct digests. No Docker engine: images
are pushed with the distribution API (HEAD blob, POST upload, PUT ``?digest=``, PUT manifest),
which Distribution 2.8 accepts; :func:`write_oci_layout` writes a directory skopeo can read
(``skopeo copy oci:<dir>:<tag> ...``).
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from imagestreams.oci import mediatypes

__all__ = [
    "Blob",
    "BuiltImage",
    "BuiltIndex",
    "Pusher",
    "build_image",
    "build_index",
    "digest_of",
    "make_layer",
    "write_oci_layout",
]

DEFAULT_PLATFORMS = (("amd64", "linux", ""), ("arm64", "linux", "v8"), ("ppc64le", "linux", ""))


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, indent=3).encode()


@dataclasses.dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes = dataclasses.field(repr=False)

    @property
    def digest(self) -> str:
        return digest_of(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "size": self.size, "digest": self.digest}


@dataclasses.dataclass(frozen=True)
class BuiltImage:
    """A single-platform image: manifest bytes plus the blobs it references."""

    manifest: bytes = dataclasses.field(repr=False)
    media_type: str
    config: Blob
    layers: tuple[Blob, ...]
    diff_ids: tuple[str, ...]
    platform: tuple[str, str, str]

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)

    @property
    def blobs(self) -> tuple[Blob, ...]:
        return (*self.layers, self.config)


@dataclasses.dataclass(frozen=True)
class BuiltIndex:
    """A Docker manifest list or OCI index and its children."""

    manifest: bytes = dataclasses.field(repr=False)
    media_type: str
    children: tuple[BuiltImage, ...]

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)


def make_layer(content: bytes, name: str = "file.bin") -> tuple[bytes, str]:
    """A gzip tar holding one file: (compressed bytes, diff_id of the uncompressed tar)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, compresslevel=1, mtime=0), digest_of(tar_bytes)


def build_image(
    *,
    fmt: str = "oci",
    arch: str = "amd64",
    os: str = "linux",
    variant: str = "",
    layers: int = 2,
    layer_seed: str = "base",
    salt: str = "",
    labels: dict[str, str] | None = None,
    env: Sequence[str] = ("PATH=/usr/local/bin:/usr/bin:/bin",),
    cmd: Sequence[str] = ("/bin/sh",),
    created: str = "2024-01-02T03:04:05Z",
    shared_layers: Sequence[tuple[bytes, str]] | None = None,
) -> BuiltImage:
    """An image; ``fmt`` is ``oci`` or ``docker`` (schema2).

    Layers are derived from ``layer_seed`` (same seed -> same layers, shared between images);
    ``salt`` only changes the config, so images differ in digest but share layers.
    """
    if fmt not in ("oci", "docker"):
        raise ValueError(fmt)
    layer_type = mediatypes.OCI_LAYER_GZIP if fmt == "oci" else mediatypes.DOCKER_LAYER
    pairs = (
        list(shared_layers)
        if shared_layers is not None
        else [
            make_layer(hashlib.sha256(f"{layer_seed}/{i}".encode()).digest() * 8, f"layer{i}.bin")
            for i in range(layers)
        ]
    )
    config_doc: dict[str, Any] = {
        "architecture": arch,
        "os": os,
        "created": created,
        "author": "imagestreams tests",
        "config": {
            "Env": list(env),
            "Cmd": list(cmd),
            "Labels": dict(labels or {}) | ({"salt": salt} if salt else {}),
        },
        "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in pairs]},
        "history": [{"created": created, "created_by": f"layer {i}"} for i in range(len(pairs))],
    }
    if variant:
        config_doc["variant"] = variant
    config = Blob(
        mediatypes.OCI_CONFIG if fmt == "oci" else mediatypes.DOCKER_CONFIG, _dumps(config_doc)
    )
    layer_blobs = tuple(Blob(layer_type, data) for data, _ in pairs)
    media_type = mediatypes.OCI_MANIFEST if fmt == "oci" else mediatypes.DOCKER_SCHEMA2
    manifest = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": config.descriptor(),
        "layers": [layer.descriptor() for layer in layer_blobs],
    }
    return BuiltImage(
        manifest=_dumps(manifest),
        media_type=media_type,
        config=config,
        layers=layer_blobs,
        diff_ids=tuple(diff for _, diff in pairs),
        platform=(arch, os, variant),
    )


def build_index(
    *,
    fmt: str = "oci",
    platforms: Sequence[tuple[str, str, str]] = DEFAULT_PLATFORMS,
    salt: str = "",
) -> BuiltIndex:
    """A multi-platform list: an OCI index (``oci``) or a Docker manifest list (``docker``)."""
    children = tuple(
        build_image(fmt=fmt, arch=a, os=o, variant=v, layer_seed=f"{a}{v}", salt=salt)
        for a, o, v in platforms
    )
    media_type = mediatypes.OCI_INDEX if fmt == "oci" else mediatypes.DOCKER_MANIFEST_LIST
    entries = []
    for child in children:
        arch, os, variant = child.platform
        platform = {"architecture": arch, "os": os} | ({"variant": variant} if variant else {})
        entries.append(
            {
                "mediaType": child.media_type,
                "size": len(child.manifest),
                "digest": child.digest,
                "platform": platform,
            }
        )
    doc = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    return BuiltIndex(manifest=_dumps(doc), media_type=media_type, children=children)


def write_oci_layout(path: Path, refs: dict[str, BuiltImage | BuiltIndex]) -> Path:
    """An OCI image layout directory with ``refs`` (tag -> image or index) in ``index.json``."""
    blobs_dir = path / "blobs" / "sha256"
    blobs_dir.mkdir(parents=True, exist_ok=True)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')

    def put(data: bytes) -> None:
        (blobs_dir / digest_of(data).split(":", 1)[1]).write_bytes(data)

    entries = []
    for tag, item in refs.items():
        images = item.children if isinstance(item, BuiltIndex) else (item,)
        for image in images:
            for blob in image.blobs:
                put(blob.data)
            put(image.manifest)
        put(item.manifest)
        entries.append(
            {
                "mediaType": item.media_type,
                "digest": item.digest,
                "size": len(item.manifest),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        )
    index = {"schemaVersion": 2, "mediaType": mediatypes.OCI_INDEX, "manifests": entries}
    (path / "index.json").write_text(json.dumps(index))
    return path


class Pusher:
    """Pushes images to a registry over the distribution API (plain HTTP, optional Basic auth)."""

    def __init__(self, host: str, *, username: str = "", password: str = "") -> None:
        headers = {}
        if username:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.host = host
        self._http = httpx.Client(base_url=f"http://{host}", headers=headers, timeout=30)
        self._known: set[tuple[str, str]] = set()
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Pusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.requests += 1
        response = self._http.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url} -> {response.status_code}: {response.text[:300]}")
        return response

    def push_blob(self, repo: str, blob: Blob) -> None:
        if (repo, blob.digest) in self._known:
            return
        self.requests += 1
        if self._http.head(f"/v2/{repo}/blobs/{blob.digest}").status_code != 200:
            location = self._call("POST", f"/v2/{repo}/blobs/uploads/").headers["location"]
            sep = "&" if "?" in location else "?"
            self._call(
                "PUT",
                f"{location}{sep}digest={blob.digest}",
                content=blob.data,
                headers={"Content-Type": "application/octet-stream"},
            )
        self._known.add((repo, blob.digest))

    def push_manifest(self, repo: str, ref: str, manifest: bytes, media_type: str) -> str:
        response = self._call(
            "PUT",
            f"/v2/{repo}/manifests/{ref}",
            content=manifest,
            headers={"Content-Type": media_type},
        )
        return str(response.headers.get("docker-content-digest", digest_of(manifest)))

    def push_image(self, repo: str, tag: str, image: BuiltImage) -> str:
        for blob in image.blobs:
            self.push_blob(repo, blob)
        return self.push_manifest(repo, tag, image.manifest, image.media_type)

    def push_index(self, repo: str, tag: str, index: BuiltIndex) -> str:
        for child in index.children:
            self.push_image(repo, child.digest, child)
        return self.push_manifest(repo, tag, index.manifest, index.media_type)

    def push_many(
        self, repo: str, count: int, *, prefix: str = "t", fmt: str = "oci"
    ) -> dict[str, str]:
        """``count`` tags sharing layers, each with a unique config: tag -> manifest digest."""
        base = build_image(fmt=fmt, layer_seed=f"many/{repo}")
        shared = list(zip((b.data for b in base.layers), base.diff_ids, strict=True))
        pushed: dict[str, str] = {}
        for i in range(count):
            tag = f"{prefix}{i}"
            image = build_image(fmt=fmt, salt=f"{repo}:{tag}", shared_layers=shared)
            pushed[tag] = self.push_image(repo, tag, image)
        return pushed
