"""Fetch one tag or digest from a registry and turn it into Images (spec §13.5, §13.6).

:class:`Fetcher` is the per-image half of the importer: given a repository, a tag or digest,
an import mode and platform preference, it returns the ``Image`` (and, for lists kept under
``PreserveOriginal``, the child Images) or raises a registry error. It is where the request
budget is spent, so it is careful about it:

* a new tag costs one manifest GET plus one config GET (configs cached per credential);
* a tag seen before costs one ``HEAD``: when the registry still reports the digest we imported
  last time, the cached result is returned without any GET (beyond upstream, which re-fetches
  everything on every scheduled check);
* manifests fetched by digest (list children, digest imports) are cached per repository.

Every request goes through :meth:`ClientPool.call`, i.e. the registry's concurrency limit and
``Retry-After`` back-off.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import msgspec

from imagestreams.api.image_v1 import IMPORT_MODE_PRESERVE_ORIGINAL, Image
from imagestreams.api.reference import DockerImageReference
from imagestreams.importer.images import image_from_list, image_from_manifest
from imagestreams.importer.pool import ClientPool, LRUCache, credential_key
from imagestreams.oci import errors as oci, manifests
from imagestreams.oci.client import RegistryClient
from imagestreams.oci.credentials import Credential
from imagestreams.oci.manifests import Manifest, ManifestList

__all__ = ["Fetched", "Fetcher", "SubManifestFailed", "Target"]


@dataclass(frozen=True, slots=True)
class Target:
    """What to fetch: ``ref`` is the reference as written (registry/namespace/name) with the
    tag *or* digest to import set."""

    ref: DockerImageReference
    insecure: bool = False
    import_mode: str = ""
    prefer_arch: str = ""
    prefer_os: str = ""

    @property
    def host(self) -> str:
        return self.ref.registry or "docker.io"

    @property
    def repository(self) -> str:
        """The path in the registry (``library/busybox`` on Docker Hub)."""
        defaults = self.ref.docker_client_defaults()
        return f"{defaults.namespace}/{defaults.name}" if defaults.namespace else defaults.name

    @property
    def preserve_lists(self) -> bool:
        return self.import_mode == IMPORT_MODE_PRESERVE_ORIGINAL


@dataclass(slots=True)
class Fetched:
    """An import result: the tag's image, its list children, and the digest the tag named."""

    image: Image
    manifests: list[Image] = field(default_factory=list)
    top_digest: str = ""


class SubManifestFailed(Exception):
    """A child of a list kept under ``PreserveOriginal`` failed: upstream's
    ``importSubManifests`` reports the error against the child's own reference
    (``<repository>@<child digest>``), not the tag's."""

    def __init__(self, ref: DockerImageReference, error: oci.RegistryError | ValueError) -> None:
        super().__init__(str(error))
        self.ref = ref
        self.error = error


_TagKey = tuple[str, str, str, str, str, str, tuple[str, str] | None]


class Fetcher:
    """Imports single references through a shared :class:`ClientPool`."""

    def __init__(self, pool: ClientPool, *, tag_cache_size: int = 20_000) -> None:
        self.pool = pool
        self._tags: LRUCache[_TagKey, Fetched] = LRUCache(tag_cache_size)

    async def fetch(self, target: Target, credential: Credential | None) -> Fetched:
        client = self.pool.client(target.host, target.insecure, credential)
        repo = target.repository
        ref = target.ref
        if ref.id:
            raw, media_type, digest = await self._by_digest(client, target, credential, ref.id)
            return await self._build(client, target, credential, raw, media_type, digest)
        tag = ref.tag or "latest"
        key: _TagKey = (
            target.host,
            repo,
            tag,
            target.import_mode,
            target.prefer_arch,
            target.prefer_os,
            credential_key(credential),
        )
        cached = self._tags.get(key)
        if cached is not None:
            head = await self.pool.call(target.host, lambda: client.head_manifest(repo, tag))
            if head is None:
                self._tags.pop(key)
                raise oci.ManifestUnknown(f"manifest {repo}:{tag} is unknown", http_status=404)
            if head.digest == cached.top_digest:
                return _with_reference(cached, target.ref)
        raw, media_type, digest = await self.pool.call(
            target.host, lambda: client.get_manifest(repo, tag)
        )
        fetched = await self._build(client, target, credential, raw, media_type, digest)
        self._tags.put(key, fetched)
        return _with_reference(fetched, target.ref)

    async def _by_digest(
        self, client: RegistryClient, target: Target, credential: Credential | None, digest: str
    ) -> tuple[bytes, str, str]:
        repo = target.repository
        key = (target.host, repo, credential_key(credential), digest)
        hit = self.pool.manifests.get(key)
        if hit is not None:
            return hit[0], hit[1], digest
        raw, media_type, verified = await self.pool.call(
            target.host, lambda: client.get_manifest(repo, digest)
        )
        self.pool.manifests.put(key, (raw, media_type))
        return raw, media_type, verified

    async def _config(
        self, client: RegistryClient, target: Target, credential: Credential | None, digest: str
    ) -> bytes:
        key = (target.host, credential_key(credential), digest)
        hit = self.pool.configs.get(key)
        if hit is not None:
            return hit
        repo = target.repository
        config = await self.pool.call(target.host, lambda: client.get_blob(repo, digest))
        self.pool.configs.put(key, config)
        return config

    def _pull_spec(self, target: Target, digest: str) -> str:
        return _by_digest_ref(target, digest).exact()

    async def _single(
        self,
        client: RegistryClient,
        target: Target,
        credential: Credential | None,
        manifest: Manifest,
        raw: bytes,
    ) -> Image:
        config = await self._config(client, target, credential, manifest.config.digest)
        return image_from_manifest(manifest, raw, config, self._pull_spec(target, manifest.digest))

    async def _child(
        self, client: RegistryClient, target: Target, credential: Credential | None, digest: str
    ) -> Image:
        raw, media_type, verified = await self._by_digest(client, target, credential, digest)
        parsed = manifests.parse(raw, media_type, verified)
        if isinstance(parsed, ManifestList):
            raise oci.Unsupported(f"manifest list {digest} is nested in another manifest list")
        return await self._single(client, target, credential, parsed, raw)

    async def _build(
        self,
        client: RegistryClient,
        target: Target,
        credential: Credential | None,
        raw: bytes,
        media_type: str,
        digest: str,
    ) -> Fetched:
        parsed = manifests.parse(raw, media_type, digest)
        if isinstance(parsed, Manifest):
            image = await self._single(client, target, credential, parsed, raw)
            return Fetched(image, [], digest)
        if not target.preserve_lists:
            chosen = manifests.select_platform(parsed, target.prefer_arch, target.prefer_os)
            image = await self._child(client, target, credential, chosen.digest)
            return Fetched(image, [], digest)
        image = image_from_list(parsed, self._pull_spec(target, digest))
        results = await asyncio.gather(
            *(self._child(client, target, credential, e.digest) for e in parsed.manifests),
            return_exceptions=True,
        )
        children: list[Image] = []
        # Upstream imports the children in list order and stops at the first failure.
        for entry, result in zip(parsed.manifests, results, strict=True):
            if isinstance(result, oci.RegistryError | ValueError):
                raise SubManifestFailed(_by_digest_ref(target, entry.digest), result) from result
            if isinstance(result, BaseException):
                raise result
            children.append(result)
        return Fetched(image, children, digest)


def _by_digest_ref(target: Target, digest: str) -> DockerImageReference:
    return DockerImageReference(
        registry=target.ref.registry,
        namespace=target.ref.namespace,
        name=target.ref.name,
        id=digest,
    )


def _with_reference(cached: Fetched, ref: DockerImageReference) -> Fetched:
    """A copy of a (cached) result, pointed at the repository as the caller wrote it; callers
    may change the copy's top-level fields without touching the cache."""

    def repoint(image: Image) -> Image:
        spec = DockerImageReference(
            registry=ref.registry, namespace=ref.namespace, name=ref.name, id=image.metadata.name
        ).exact()
        return msgspec.structs.replace(image, docker_image_reference=spec)

    return Fetched(repoint(cached.image), [repoint(m) for m in cached.manifests], cached.top_digest)
