"""Resumable blob uploads (``POST``/``PATCH``/``PUT .../blobs/uploads/``), streamed to disk.

An upload is a directory ``<root>/uploads/<uuid>/`` holding the bytes received so far (``data``)
and the repository it was started for (``repository``; an upload id used under another repository
is BLOB_UPLOAD_UNKNOWN, as distribution's repository-scoped upload store answers). Chunks are
appended as they arrive and hashed incrementally while this process lives; after a restart the
digest is recomputed from the file when the upload completes. Completion verifies the digest the
client names and renames the file into the blob store, so an upload never copies its bytes twice
and never holds them in memory.

The offset is the file size. ``Content-Range: <start>-<end>`` on a chunk must start at the
current offset (RANGE_INVALID, 416, otherwise), which is how clients notice a lost chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import shutil
import uuid
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Final

from imagestreams.distribution.blobs import CHUNK_SIZE, BlobStore, check_digest
from imagestreams.distribution.errors import RegistryError

__all__ = ["UploadStore", "parse_content_range"]

_UUID_RE: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_RANGE_RE: Final = re.compile(r"^(?:bytes[ =])?([0-9]+)-([0-9]+)$")


def parse_content_range(value: str) -> tuple[int, int]:
    """``<start>-<end>`` of a chunk's ``Content-Range``; malformed or reversed is RANGE_INVALID."""
    match = _RANGE_RE.match(value.strip())
    if match is None:
        raise RegistryError("RANGE_INVALID", detail=value[:80])
    start, end = int(match.group(1)), int(match.group(2))
    if end < start:
        raise RegistryError("RANGE_INVALID", detail=value[:80])
    return start, end


class UploadStore:
    """Upload sessions under ``<root>/uploads``; completed uploads move into ``blobs``."""

    def __init__(self, root: Path, blobs: BlobStore) -> None:
        self.root = root / "uploads"
        self.blobs = blobs
        self._hashers: dict[str, tuple[hashlib._Hash, int]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _dir(self, upload_id: str) -> Path:
        return self.root / upload_id

    def _check(self, repository: str, upload_id: str) -> Path:
        if not _UUID_RE.match(upload_id):
            raise RegistryError("BLOB_UPLOAD_UNKNOWN", detail=upload_id[:80])
        directory = self._dir(upload_id)
        try:
            owner = (directory / "repository").read_text()
        except FileNotFoundError:
            raise RegistryError("BLOB_UPLOAD_UNKNOWN", detail=upload_id) from None
        if owner != repository:
            raise RegistryError("BLOB_UPLOAD_UNKNOWN", detail=upload_id)
        return directory

    def lock(self, upload_id: str) -> asyncio.Lock:
        return self._locks.setdefault(upload_id, asyncio.Lock())

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, repository: str) -> str:
        upload_id = str(uuid.uuid4())
        directory = self._dir(upload_id)
        directory.mkdir(parents=True)
        (directory / "data").touch()
        (directory / "repository").write_text(repository)
        self._hashers[upload_id] = (hashlib.sha256(), 0)
        return upload_id

    def offset(self, repository: str, upload_id: str) -> int:
        return (self._check(repository, upload_id) / "data").stat().st_size

    async def append(
        self,
        repository: str,
        upload_id: str,
        chunks: AsyncIterable[bytes],
        content_range: str | None = None,
    ) -> int:
        """Append a chunk; returns the new offset."""
        directory = self._check(repository, upload_id)
        data = directory / "data"
        async with self.lock(upload_id):
            offset = data.stat().st_size
            if content_range:
                start, _ = parse_content_range(content_range)
                if start != offset:
                    raise RegistryError("RANGE_INVALID", detail=f"expected start {offset}")
            hasher, hashed = self._hashers.get(upload_id, (None, -1))
            if hasher is None or hashed != offset:
                hasher = None  # resumed in another process life: rehash on completion
            with data.open("ab") as f:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    f.write(chunk)
                    offset += len(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
            if hasher is not None:
                self._hashers[upload_id] = (hasher, offset)
            else:
                self._hashers.pop(upload_id, None)
            return offset

    async def finish(
        self,
        repository: str,
        upload_id: str,
        digest: str,
        chunks: AsyncIterable[bytes],
        content_range: str | None = None,
    ) -> int:
        """Append the last chunk, verify ``digest`` and store the blob; returns its size."""
        if not digest:
            raise RegistryError("DIGEST_INVALID", message="digest missing")
        check_digest(digest)
        offset = await self.append(repository, upload_id, chunks, content_range)
        directory = self._dir(upload_id)
        async with self.lock(upload_id):
            entry = self._hashers.get(upload_id)
            if entry is not None and entry[1] == offset:
                actual = "sha256:" + entry[0].hexdigest()
            else:
                actual = await asyncio.to_thread(_hash_file, directory / "data")
            if actual != digest:
                self._forget(upload_id)  # as distribution: a failed commit cancels the upload
                raise RegistryError("DIGEST_INVALID", detail=f"digest {digest} != {actual}")
            self.blobs.adopt(directory / "data", digest)
        self._forget(upload_id)
        return offset

    def cancel(self, repository: str, upload_id: str) -> None:
        self._check(repository, upload_id)
        self._forget(upload_id)

    def _forget(self, upload_id: str) -> None:
        self._hashers.pop(upload_id, None)
        self._locks.pop(upload_id, None)
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self._dir(upload_id))


def _hash_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            hasher.update(chunk)
    return "sha256:" + hasher.hexdigest()
