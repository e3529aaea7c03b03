"""``DELETE /admin/blobs/<digest>``: the pruner's blob removal (upstream's ``admin.go``).

Deleting through ``/v2/<repo>/blobs/<digest>`` only unlinks a blob from one repository; the bytes
stay for every other repository that links or lists them. Image pruning decides globally when no
image needs a blob any more, and then removes the content itself with this call. Access is the
access record ``admin``/``prune`` (cluster ``delete images``, see ``auth.py``). As upstream's
vacuum, a blob that is already gone is not an error: the answer is always ``204 No Content``.
Repository links left pointing at the digest are harmless: a blob is served only when it is on
disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Final

from starlette.responses import Response

from imagestreams.distribution.repository import Registry

__all__ = ["ADMIN_BLOB_RE", "ADMIN_PREFIX", "delete_stored_blob"]

ADMIN_PREFIX: Final = "/admin/"
ADMIN_BLOB_RE: Final = re.compile(
    r"^/admin/blobs/(?P<digest>[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$"
)


async def delete_stored_blob(reg: Registry, digest: str) -> Response:
    """Remove the blob's content from the store (idempotent)."""
    path = reg.blobs.path(digest)
    async with reg.blobs.lock(digest):
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)
    return Response(b"", 204)
