"""The one API client interface the controllers and the CLI talk through.

Controllers run inside ``imagestreams serve`` (in-process: calls go straight to the REST
objects, no HTTP, no serialisation) or alone against a remote API server
(``--components controllers``: HTTP with a kubeconfig). Both implement :class:`ApiClient`, so
controller code never knows which one it has. Objects are JSON dicts, as everywhere in the REST
layer; failures are :class:`imagestreams.errors.ApiError` (the HTTP client rebuilds them from the
server's ``Status`` with :class:`StatusError`, keeping code, reason and message).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from imagestreams import errors

__all__ = [
    "IMAGE_STREAMS",
    "IMAGE_STREAM_IMPORTS",
    "SECRETS",
    "ApiClient",
    "GroupVersionResource",
    "Obj",
    "StatusError",
    "WatchEvent",
]

Obj = dict[str, Any]
GroupVersionResource = tuple[str, str, str]
"""``(group, version, plural)``; the core group is ``""``."""
WatchEvent = tuple[str, Obj]

IMAGE_STREAMS: GroupVersionResource = ("image.openshift.io", "v1", "imagestreams")
IMAGE_STREAM_IMPORTS: GroupVersionResource = ("image.openshift.io", "v1", "imagestreamimports")
SECRETS: GroupVersionResource = ("", "v1", "secrets")


class StatusError(errors.ApiError):
    """An API failure as the server reported it (any code/reason)."""

    def __init__(self, status: Obj) -> None:
        details = status.get("details") or {}
        super().__init__(
            str(status.get("message", "")),
            name=str(details.get("name", "")),
            group=str(details.get("group", "")),
            kind=str(details.get("kind", "")),
            causes=list(details.get("causes") or ()),
            retry_after=details.get("retryAfterSeconds"),
        )
        self.code = int(status.get("code") or 500)
        self.reason = str(status.get("reason", ""))


class ApiClient(Protocol):
    """What controllers and commands need from an API server."""

    async def get(self, resource: GroupVersionResource, namespace: str, name: str) -> Obj:
        """The object, or raises ``errors.NotFound`` (or a StatusError with code 404)."""
        ...

    async def list(self, resource: GroupVersionResource, namespace: str = "") -> Obj:
        """A list object (``items``, ``metadata.resourceVersion``); namespace ``""`` = all."""
        ...

    def watch(
        self, resource: GroupVersionResource, namespace: str = "", resource_version: str = ""
    ) -> AsyncIterator[WatchEvent]:
        """Changes after ``resource_version``; ends when the server ends the watch. An
        ``ERROR`` event carries a Status (410 Expired: list again)."""
        ...

    async def create(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj: ...

    async def update(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj: ...

    async def close(self) -> None: ...
