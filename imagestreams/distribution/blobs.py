"""The registry's content-addressed blob store and per-repository links, on the local disk.

Every layer, config and manifest is one file ``<root>/blobs/sha256/<2 hex>/<64 hex>``. Content
only ever arrives through :meth:`BlobStore.ingest`: the bytes stream into a temporary file under
``<root>/tmp`` while their SHA-256 is computed, the digest is compared with the one the client
announced, the file is fsynced and then renamed into place, so a blob path either does not exist
or holds exactly the bytes its name promises (a crash leaves at most a stray temp file). Reads
stream in bounded chunks; nothing holds a whole blob in memory.

A blob existing on disk does not make it readable through every repository: like distribution,
a repository *links* the blobs pushed or mounted into it (``<root>/repositories/<ns>/<name>/
_layers/<hex>``), and the registry serves a blob for ``ns/name`` only when linked there or listed
in that stream's layers view (see ``repository.py``). The two well-known empty layers
(:data:`EMPTY_DIGESTS`: the empty blob and the gzipped empty tar that Docker writes for
metadata-only steps) are public, as upstream's ``isEmptyDigest``: once stored, any repository
serves them; they reveal nothing about an image.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO, Final

from imagestreams.distribution.errors import RegistryError

__all__ = [
    "CHUNK_SIZE",
    "DIGEST_RE",
    "EMPTY_DIGESTS",
    "BlobStore",
    "check_digest",
    "is_empty_digest",
]

CHUNK_SIZE: Final = 256 * 1024
DIGEST_RE: Final = re.compile(r"^sha256:([a-f0-9]{64})$")
_ANY_DIGEST_RE: Final = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
EMPTY_DIGESTS: Final = frozenset(
    {
        # sha256 of zero bytes
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        # sha256 of the gzipped empty tar (1024 zero bytes)
        "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
    }
)


def is_empty_digest(digest: str) -> bool:
    """Is ``digest`` one of the public empty layers?"""
    return digest in EMPTY_DIGESTS


def check_digest(value: str) -> str:
    """The hex part of a ``sha256:`` digest; other algorithms are UNSUPPORTED, garbage is
    DIGEST_INVALID (distribution's ``digest.Parse`` errors)."""
    match = DIGEST_RE.match(value)
    if match is not None:
        return match.group(1)
    if _ANY_DIGEST_RE.match(value) and not value.startswith("sha256:"):
        raise RegistryError("UNSUPPORTED", message="unsupported digest algorithm", detail=value)
    raise RegistryError("DIGEST_INVALID", message="invalid digest", detail=value)


class BlobStore:
    """Blobs and repository links under ``root`` (``<data-dir>/registry``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._locks: dict[str, asyncio.Lock] = {}

    # -- paths ---------------------------------------------------------------------------------
    def path(self, digest: str) -> Path:
        hex_part = check_digest(digest)
        return self.root / "blobs" / "sha256" / hex_part[:2] / hex_part

    def _link(self, repository: str, digest: str, kind: str) -> Path:
        return self.root / "repositories" / repository / kind / check_digest(digest)

    # -- queries -------------------------------------------------------------------------------
    def size(self, digest: str) -> int | None:
        """The blob's size, or ``None`` when it is not stored."""
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, digest: str, limit: int) -> bytes | None:
        """A small blob (a manifest or config) whole, or ``None``; larger than ``limit`` raises."""
        path = self.path(digest)
        try:
            with path.open("rb") as f:
                data = f.read(limit + 1)
        except FileNotFoundError:
            return None
        if len(data) > limit:
            raise RegistryError("UNKNOWN", message=f"blob {digest} is larger than {limit} bytes")
        return data

    async def stream(
        self, digest: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes ``[start, end]`` (inclusive; ``end=None`` = to the end) in bounded chunks."""
        path = self.path(digest)
        with path.open("rb") as f:
            f.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await asyncio.to_thread(f.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    # -- links ---------------------------------------------------------------------------------
    def link(self, repository: str, digest: str, kind: str = "_layers") -> None:
        """Record that ``repository`` holds ``digest`` (idempotent)."""
        path = self._link(repository, digest, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)

    def is_linked(self, repository: str, digest: str, kind: str = "_layers") -> bool:
        return self._link(repository, digest, kind).exists()

    def unlink(self, repository: str, digest: str, kind: str = "_layers") -> bool:
        try:
            self._link(repository, digest, kind).unlink()
        except FileNotFoundError:
            return False
        return True

    # -- writes --------------------------------------------------------------------------------
    def lock(self, digest: str) -> asyncio.Lock:
        """One writer per digest (pull-through fetches of the same blob wait for each other)."""
        return self._locks.setdefault(digest, asyncio.Lock())

    def temp_path(self) -> Path:
        self._tmp.mkdir(parents=True, exist_ok=True)
        return self._tmp / f"ingest-{secrets.token_hex(12)}"

    async def ingest(
        self,
        chunks: AsyncIterable[bytes],
        expected: str | None = None,
        *,
        expected_size: int | None = None,
    ) -> tuple[str, int]:
        """Stream ``chunks`` into the store; returns ``(digest, size)``.

        With ``expected`` the content must hash to it (DIGEST_INVALID otherwise, and nothing is
        stored); with ``expected_size`` the length must match (SIZE_INVALID).
        """
        if expected is not None:
            check_digest(expected)
        tmp = self.temp_path()
        hasher = hashlib.sha256()
        size = 0
        try:
            with tmp.open("wb") as f:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    hasher.update(chunk)
                    size += len(chunk)
                    f.write(chunk)
                await asyncio.to_thread(_flush, f)
            digest = "sha256:" + hasher.hexdigest()
            if expected_size is not None and size != expected_size:
                raise RegistryError("SIZE_INVALID", detail=f"expected {expected_size}, got {size}")
            if expected is not None and digest != expected:
                raise RegistryError("DIGEST_INVALID", detail=f"digest {expected} != {digest}")
            self.adopt(tmp, digest)
            return digest, size
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def adopt(self, source: Path, digest: str) -> None:
        """Move a verified file into place (same filesystem); an existing blob wins."""
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            source.unlink(missing_ok=True)
            return
        os.replace(source, target)

    async def put(self, data: bytes) -> str:
        """Store a small in-memory document (a manifest); returns its digest."""

        async def one() -> AsyncIterator[bytes]:
            yield data

        digest, _ = await self.ingest(one())
        return digest


def _flush(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())
