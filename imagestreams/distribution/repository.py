"""One registry's state and the rules for what a repository ``<ns>/<stream>`` may serve.

:class:`Registry` ties the blob store, the upload store, the image API and pull-through
together; the HTTP handlers (``manifests.py``, ``blobhandlers.py``, ``tags.py``) stay thin.

Which blobs a repository serves follows upstream's ``imagestreamhasblob``: a blob is readable
through ``ns/name`` when it was pushed or mounted there (a local link) or when the stream's
layers view lists it (a layer, config or manifest of an image in its history), never merely
because some other repository holds it; the well-known empty layers are the exception (public
once stored, as upstream's ``isEmptyDigest``). A listed blob that is not on disk is fetched
through pull-through from the stream's sources and then kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from imagestreams.distribution.blobs import BlobStore, is_empty_digest
from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.imagestreams import ImageStreams, stream_is_insecure
from imagestreams.distribution.manifestformat import MAX_MANIFEST_SIZE, media_type_of
from imagestreams.distribution.pullthrough import PullThrough, candidates
from imagestreams.distribution.uploads import UploadStore
from imagestreams.rest.resource import Obj

__all__ = ["BlobInfo", "Registry"]


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """A blob a repository may serve: its size (``-1`` unknown) and whether it is on disk."""

    digest: str
    size: int
    local: bool


@dataclass
class Registry:
    """Everything the registry's handlers share."""

    root: Path
    streams: ImageStreams
    registry_host: str
    """``host[:port]`` written into pushed images' ``dockerImageReference``."""
    own_hosts: tuple[str, ...] = ()
    """Other names of this registry (never pulled through from)."""
    blobs: BlobStore = field(init=False)
    uploads: UploadStore = field(init=False)
    pullthrough: PullThrough = field(init=False)

    def __post_init__(self) -> None:
        self.blobs = BlobStore(self.root)
        self.uploads = UploadStore(self.root, self.blobs)
        self.pullthrough = PullThrough(self.blobs, (self.registry_host, *self.own_hosts))

    @property
    def hosts(self) -> frozenset[str]:
        return self.pullthrough.own_hosts

    # -- blobs of a repository -----------------------------------------------------------------
    async def find_blob(self, namespace: str, name: str, digest: str) -> BlobInfo:
        """The blob as ``namespace/name`` may serve it, or BLOB_UNKNOWN."""
        repository = f"{namespace}/{name}"
        size = self.blobs.size(digest)
        if size is not None and (
            is_empty_digest(digest) or self.blobs.is_linked(repository, digest)
        ):
            return BlobInfo(digest, size, True)
        layers = await self.streams.layers(namespace, name)
        listed = ((layers or {}).get("blobs") or {}).get(digest)
        if listed is None:
            raise RegistryError("BLOB_UNKNOWN", detail=digest)
        if size is not None:
            return BlobInfo(digest, size, True)
        hint = listed.get("size") if isinstance(listed, dict) else None
        return BlobInfo(digest, hint if isinstance(hint, int) else -1, False)

    async def fetch_blob(self, namespace: str, name: str, digest: str) -> int:
        """Make a listed-but-absent blob local through pull-through; its size, or BLOB_UNKNOWN."""
        stream = await self.streams.stream(namespace, name)
        if stream is not None:
            sources = candidates(stream, digest, stream_is_insecure(stream), self.hosts)
            secrets = await self.streams.pull_secrets(namespace)
            if sources and await self.pullthrough.blob(sources, digest, secrets):
                size = self.blobs.size(digest)
                if size is not None:
                    return size
        raise RegistryError("BLOB_UNKNOWN", detail=digest)

    async def mountable(self, source: str, digest: str) -> bool:
        """May a blob be mounted from repository ``source`` (``ns/name``)? It must be local and
        belong to the source repository."""
        if self.blobs.size(digest) is None:
            return False
        if is_empty_digest(digest) or self.blobs.is_linked(source, digest):
            return True
        namespace, _, name = source.partition("/")
        layers = await self.streams.layers(namespace, name)
        return digest in ((layers or {}).get("blobs") or {})

    # -- manifests of a repository -------------------------------------------------------------
    async def manifest_bytes(
        self, namespace: str, name: str, stream: Obj, digest: str, media_type_hint: str
    ) -> tuple[bytes, str] | None:
        """The raw manifest ``digest`` from disk, the Image object, or pull-through."""
        raw = self.blobs.read(digest, MAX_MANIFEST_SIZE)
        if raw is not None:
            return raw, media_type_hint or media_type_of(raw)
        image = await self.streams.image(digest)
        stored = (image or {}).get("dockerImageManifest")
        if isinstance(stored, str) and stored:
            data = stored.encode()
            if "sha256:" + hashlib.sha256(data).hexdigest() == digest:
                await self.blobs.put(data)
                hint = (image or {}).get("dockerImageManifestMediaType") or ""
                return data, str(hint) or media_type_of(data)
        sources = candidates(stream, digest, stream_is_insecure(stream), self.hosts)
        if not sources:
            return None
        secrets = await self.streams.pull_secrets(namespace)
        return await self.pullthrough.manifest(sources, digest, secrets)
