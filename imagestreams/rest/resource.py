"""The verb surface every served resource offers to the HTTP layer.

Stored kinds get all verbs from ``rest.store.GenericStore``; virtual resources (ImageStreamTag,
ImageStreamImport, ...) subclass ``Resource`` and implement only the verbs upstream has. A verb that
is not overridden answers 405 MethodNotAllowed, as kube-apiserver does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from imagestreams import errors
from imagestreams._util.lru import Lru
from imagestreams.api import scheme
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.table import Column

__all__ = ["Obj", "PatchFn", "Resource", "WatchEvent"]

Obj = dict[str, Any]
PatchFn = Callable[[Obj], Obj]
WatchEvent = tuple[str, Obj]
"""``("ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR", object)``."""


class Resource:
    """Base class: every verb is unsupported until a subclass says otherwise."""

    columns: list[Column] | None = None

    def __init__(self, info: scheme.ResourceInfo) -> None:
        self.info = info
        self.encoded_events: Lru[tuple[str, str, str, str, str], bytes] = Lru(512)
        """Watch event bytes by (uid, resourceVersion, type, format, includeObject): one
        encoding per event however many watchers deliver it."""

    def unknown_fields(self, obj: Obj) -> list[str]:
        """Paths of fields in a request body this resource does not know, in body order
        (``fieldValidation``); the default knows every field."""
        return []

    def drop_fields(self, obj: Obj, paths: list[str]) -> None:
        """Remove the ``unknown_fields`` paths, as a typed decode would."""
        for path in paths:
            *parents, last = path.split(".")
            node: object = obj
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node.pop(last, None)

    def _unsupported(self, verb: str) -> errors.ApiError:
        """What kube-apiserver answers for a verb this resource lacks: a watch of a listable
        resource is ``NewMethodNotSupported``; a collection path with no route at all (no
        list, create or deletecollection) is 404; any other method is go-restful's 405."""
        verbs = self.info.verbs
        group_resource = f"{self.info.plural}.{self.info.group}" if self.info.group else ""
        if verb == "watch" and "list" in verbs:
            qualified = group_resource or self.info.plural
            return errors.MethodNotAllowed(
                f'watch is not supported on resources of kind "{qualified}"',
                group=self.info.group,
                kind=self.info.plural,
            )
        collection = ("list", "watch", "create", "deletecollection")
        if verb in ("list", "watch") and not any(v in verbs for v in collection):
            return errors.NotFound("the server could not find the requested resource")
        return errors.MethodNotAllowed(
            "the server does not allow this method on the requested resource"
        )

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        raise self._unsupported("get")

    async def list(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        raise self._unsupported("list")

    def watch(self, ctx: RequestContext, opts: ListOptions) -> AsyncIterator[WatchEvent]:
        raise self._unsupported("watch")

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        raise self._unsupported("create")

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        """Returns the stored object and whether it was created."""
        raise self._unsupported("update")

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        raise self._unsupported("patch")

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        """Returns the object (or a Status) and whether deletion finished immediately."""
        raise self._unsupported("delete")

    async def delete_collection(self, ctx: RequestContext, opts: ListOptions, options: Obj) -> Obj:
        raise self._unsupported("deletecollection")
