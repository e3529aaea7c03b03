"""The HTTP API client of the client commands: ``HttpClient`` plus the verbs oc needs.

``oc tag -d`` deletes ImageStreamTags, ``oc set image-lookup`` patches image streams and resolves
resource types through discovery (``--list``); the shared
:class:`~imagestreams.client.http.HttpClient` (used by the controllers too) has none of that,
so the commands use this subclass. Failures are the same ``StatusError`` as for the other verbs.
"""

from __future__ import annotations

from typing import Any

from imagestreams.client.http import HttpClient
from imagestreams.client.protocol import IMAGE_STREAMS, GroupVersionResource, Obj

__all__ = [
    "IMAGE_STREAMS",
    "IMAGE_STREAM_TAGS",
    "STRATEGIC_MERGE_PATCH",
    "ImageClient",
]

IMAGE_STREAM_TAGS: GroupVersionResource = ("image.openshift.io", "v1", "imagestreamtags")
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"


class ImageClient(HttpClient):
    """``HttpClient`` with ``delete``, ``patch``, label-selected ``list`` and raw ``GET``s
    (discovery documents)."""

    async def get_path(self, path: str) -> Obj:
        """GET an absolute API path such as ``/apis`` or ``/api/v1``."""
        return await self._call("GET", path)

    async def delete(self, resource: GroupVersionResource, namespace: str, name: str) -> Obj:
        return await self._call("DELETE", self.path(resource, namespace, name))

    async def patch(
        self,
        resource: GroupVersionResource,
        namespace: str,
        name: str,
        patch: Obj,
        *,
        content_type: str = STRATEGIC_MERGE_PATCH,
    ) -> Obj:
        return await self._call(
            "PATCH",
            self.path(resource, namespace, name),
            json=patch,
            headers={"Content-Type": content_type},
        )

    async def list_selected(
        self, resource: GroupVersionResource, namespace: str = "", label_selector: str = ""
    ) -> Obj:
        params: dict[str, Any] = {"labelSelector": label_selector} if label_selector else {}
        return await self._call("GET", self.path(resource, namespace), params=params)
