"""``ApiClient`` over the REST objects of this process (controllers inside ``serve``).

Calls go straight to ``rest.Resource`` verbs with a ``RequestContext`` for the controller's own
identity: no HTTP, no JSON round trip, no authorization (the controllers are part of the server,
as openshift-controller-manager's loopback client is trusted). Objects are deep-copied on the
way in, because stores and strategies normalise request bodies in place.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping

from imagestreams import errors
from imagestreams.client.protocol import GroupVersionResource, Obj, WatchEvent
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Resource

__all__ = ["CONTROLLER_USER", "USER_AGENT", "InProcessClient"]

CONTROLLER_USER = User(
    "system:serviceaccount:openshift-infra:image-import-controller",
    groups=("system:serviceaccounts", "system:serviceaccounts:openshift-infra", "system:masters"),
)
USER_AGENT = "openshift-controller-manager"
ResourceKey = tuple[str, str, str, str]


class InProcessClient:
    """Talks to ``resources`` (the ``Installed.resources`` mapping) directly."""

    def __init__(
        self, resources: Mapping[ResourceKey, Resource], user: User = CONTROLLER_USER
    ) -> None:
        self._resources = resources
        self._user = user

    def _resource(self, resource: GroupVersionResource) -> Resource:
        found = self._resources.get((*resource, ""))
        if found is None:
            group, version, plural = resource
            raise errors.NotFound(
                f"the server could not find the requested resource ({plural}.{group}/{version})"
            )
        return found

    def _ctx(self, namespace: str) -> RequestContext:
        # The field manager of the controllers' writes, as openshift-controller-manager's
        # User-Agent names it upstream.
        return RequestContext(namespace=namespace, user=self._user, user_agent=USER_AGENT)

    async def get(self, resource: GroupVersionResource, namespace: str, name: str) -> Obj:
        return await self._resource(resource).get(self._ctx(namespace), name)

    async def list(self, resource: GroupVersionResource, namespace: str = "") -> Obj:
        return await self._resource(resource).list(self._ctx(namespace), ListOptions())

    async def watch(
        self, resource: GroupVersionResource, namespace: str = "", resource_version: str = ""
    ) -> AsyncIterator[WatchEvent]:
        opts = ListOptions(resource_version=resource_version, watch=True)
        async for event in self._resource(resource).watch(self._ctx(namespace), opts):
            yield event

    async def create(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj:
        return await self._resource(resource).create(self._ctx(namespace), copy.deepcopy(obj))

    async def update(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj:
        name = (obj.get("metadata") or {}).get("name", "")
        stored, _ = await self._resource(resource).update(
            self._ctx(namespace), name, copy.deepcopy(obj)
        )
        return stored

    async def close(self) -> None:
        return None
