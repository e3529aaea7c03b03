"""Starting and stopping the image controllers (imports, scheduled imports, triggers) as one unit.

``imagestreams serve`` runs them in-process (``InProcessClient`` over the server's resources,
``throttled`` from the shared importer pool); ``--components controllers`` runs them alone
against a remote API server (``HttpClient`` from a kubeconfig). Either way one informer on
image streams feeds all of them; the trigger controller adds informers on the workloads it
watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from imagestreams.client.protocol import IMAGE_STREAMS, ApiClient
from imagestreams.controllers.imagetrigger import ImageTriggerController
from imagestreams.controllers.informer import Informer
from imagestreams.controllers.scheduled import ScheduledImportController
from imagestreams.controllers.specimport import ImageStreamImportController

__all__ = ["ControllerManager", "ControllerSettings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ControllerSettings:
    scheduled_import_interval: float = 900.0
    max_scheduled_imports_per_minute: int = 60
    workers: int = 4
    scheduled: bool = True
    image_triggers: bool = True
    registry_hostname: str = ""
    """Stands in for ``status.dockerImageRepository`` when a triggered stream has none."""


class ControllerManager:
    def __init__(
        self,
        client: ApiClient,
        settings: ControllerSettings = ControllerSettings(),
        *,
        throttled: Callable[[str], float] | None = None,
    ) -> None:
        self.client = client
        self.informer = Informer(client, IMAGE_STREAMS)
        self.scheduled: ScheduledImportController | None = None
        if settings.scheduled and settings.max_scheduled_imports_per_minute > 0:
            self.scheduled = ScheduledImportController(
                client,
                self.informer,
                interval=settings.scheduled_import_interval,
                per_minute=settings.max_scheduled_imports_per_minute,
                throttled=throttled,
            )
        self.imports = ImageStreamImportController(
            client,
            self.informer,
            workers=settings.workers,
            on_imported=self.scheduled.delay if self.scheduled else None,
        )
        self.triggers: ImageTriggerController | None = None
        if settings.image_triggers:
            self.triggers = ImageTriggerController(
                client, self.informer, registry_hostname=settings.registry_hostname
            )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start the informer and the controllers (returns at once)."""
        self._tasks = [
            asyncio.create_task(self.informer.run(), name="informer-imagestreams"),
            asyncio.create_task(self.imports.run(), name="imagestream-import-controller"),
        ]
        if self.scheduled is not None:
            self._tasks.append(
                asyncio.create_task(self.scheduled.run(), name="scheduled-import-controller")
            )
        if self.triggers is not None:
            self._tasks.append(
                asyncio.create_task(self.triggers.run(), name="image-trigger-controller")
            )
        log.info("image controllers started")

    async def stop(self) -> None:
        await self.imports.queue.shutdown()
        if self.triggers is not None:
            await self.triggers.queue.shutdown()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
