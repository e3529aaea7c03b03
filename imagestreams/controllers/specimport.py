"""The image stream import controller: import spec tags whose generation is newer (spec §14.1).

Watches image streams (through the shared informer) and, for each stream that
``decisions.needs_import``, POSTs an ``ImageStreamImport`` (``import: true``) naming the tags
that need it, with the stream's ``resourceVersion`` and ``uid`` as preconditions. The server
writes success (history) or failure (an ``ImportSuccess=False`` condition at the new
generation); both make the tag's observed generation catch up, so nothing is imported twice and
a failing tag is not retried in a loop. Bumping the tag generation (``generation: 0`` in a PUT,
``imagestreams tag``) asks for another attempt.

Request errors (the server unreachable, 5xx) are retried with per-key exponential back-off up
to ``max_retries``; 404/409 mean the stream was deleted or changed meanwhile, and the informer
delivers the new state anyway, so they are dropped. After an import the scheduled controller is
told (``on_imported``) so it does not re-check the stream right away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream
from imagestreams.client.protocol import IMAGE_STREAM_IMPORTS, ApiClient, Obj
from imagestreams.controllers.decisions import build_import
from imagestreams.controllers.informer import Informer, object_key
from imagestreams.controllers.workqueue import WorkQueue, process

__all__ = ["ImageStreamImportController", "post_import"]

log = logging.getLogger(__name__)


async def post_import(client: ApiClient, stream: ImageStream) -> Obj | None:
    """POST the import ``stream`` needs (None when it needs none); raises API errors."""
    isi = build_import(stream)
    if isi is None:
        return None
    return await client.create(IMAGE_STREAM_IMPORTS, stream.metadata.namespace, isi)


class ImageStreamImportController:
    def __init__(
        self,
        client: ApiClient,
        informer: Informer,
        *,
        workers: int = 4,
        max_retries: int = 15,
        on_imported: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.informer = informer
        self.workers = workers
        self.max_retries = max_retries
        self.on_imported = on_imported
        self.queue: WorkQueue[str] = WorkQueue(base_delay=0.5, max_delay=300.0)
        self.imports = 0
        informer.handlers.append(self.handle)

    def handle(self, event: str, old: Obj | None, new: Obj | None) -> None:
        if new is None or event == "DELETED":
            return
        if old is not None and (old.get("metadata") or {}).get("resourceVersion") == (
            new.get("metadata") or {}
        ).get("resourceVersion"):
            return
        self.queue.add(object_key(new))

    async def sync(self, key: str) -> bool:
        """Import what stream ``key`` needs; True when an import was requested."""
        obj = self.informer.get(key)
        if obj is None:
            return False
        stream = msgspec.convert(obj, ImageStream)
        result = await post_import(self.client, stream)
        if result is None:
            return False
        self.imports += 1
        if self.on_imported is not None:
            self.on_imported(key)
        return True

    def _failed(self, key: str, exc: Exception) -> bool:
        if isinstance(exc, errors.ApiError) and exc.code in (404, 409):
            log.info("import of %s skipped: %s", key, exc.message)
            return False
        if self.queue.num_requeues(key) < self.max_retries:
            log.warning("import of %s failed, retrying: %s", key, exc)
            return True
        log.error("import of %s failed, giving up: %s", key, exc)
        return False

    async def run(self) -> None:
        await asyncio.gather(
            *(process(self.queue, self.sync, self._failed) for _ in range(self.workers))
        )
