"""Periodic compaction, as kube-apiserver's ``--etcd-compaction-interval``.

Every interval we compact up to the revision observed one interval earlier, so history is kept
for at least one full interval: watches and paged lists that started within it can finish, older
ones get ``410 Expired`` and re-list, exactly the contract Kubernetes clients are written for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from imagestreams.storage.interface import Storage, StorageError

__all__ = ["Compactor"]

log = logging.getLogger(__name__)


class Compactor:
    def __init__(self, storage: Storage, interval: float) -> None:
        self.storage = storage
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        previous = await self.storage.current_revision()
        while True:
            await asyncio.sleep(self.interval)
            try:
                if previous > await self.storage.compacted_revision():
                    await self.storage.compact(previous)
                previous = await self.storage.current_revision()
            except StorageError:
                log.warning("compaction failed; retrying next interval", exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
