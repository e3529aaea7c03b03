"""``ApiClient`` over HTTP(S) with a kubeconfig: controllers run alone, and the CLI.

Kubernetes paths (``/api/v1/...`` for the core group, ``/apis/<group>/<version>/...``), JSON
bodies, bearer tokens; a watch is a streamed ``?watch=true`` GET read line by line. Non-2xx
answers become :class:`~imagestreams.client.protocol.StatusError` built from the server's
``Status`` (or a synthetic one when the body is not a Status), so callers handle local and
remote failures the same way. ``timeout`` bounds ordinary calls; ImageStreamImport calls can take
long (a repository import), so ``create`` accepts its own timeout.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from imagestreams.client.kubeconfig import KubeConfig, load_kubeconfig
from imagestreams.client.protocol import GroupVersionResource, Obj, StatusError, WatchEvent

__all__ = ["HttpClient"]

_WATCH_TIMEOUT = httpx.Timeout(30.0, read=None)


def _status_error(response: httpx.Response) -> StatusError:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return StatusError(body)
    return StatusError(
        {
            "message": response.text[:500] or response.reason_phrase,
            "reason": response.reason_phrase.replace(" ", ""),
            "code": response.status_code,
        }
    )


class HttpClient:
    """A small Kubernetes API client for one server."""

    def __init__(
        self,
        server: str,
        *,
        token: str = "",
        verify: Any = True,
        timeout: float = 60.0,
        user_agent: str = "imagestreams",
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.server = server.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.server, headers=headers, verify=verify, timeout=timeout
        )

    @classmethod
    def from_kubeconfig(cls, config: KubeConfig | None = None, **kw: Any) -> HttpClient:
        config = config or load_kubeconfig()
        return cls(config.server, token=config.token, verify=config.ssl_context(), **kw)

    @staticmethod
    def path(resource: GroupVersionResource, namespace: str = "", name: str = "") -> str:
        group, version, plural = resource
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        if namespace:
            prefix += f"/namespaces/{namespace}"
        path = f"{prefix}/{plural}"
        return f"{path}/{name}" if name else path

    async def _call(self, method: str, url: str, **kw: Any) -> Obj:
        response = await self._http.request(method, url, **kw)
        if response.status_code >= 400:
            raise _status_error(response)
        result: Obj = response.json()
        return result

    async def get(self, resource: GroupVersionResource, namespace: str, name: str) -> Obj:
        return await self._call("GET", self.path(resource, namespace, name))

    async def list(self, resource: GroupVersionResource, namespace: str = "") -> Obj:
        return await self._call("GET", self.path(resource, namespace))

    async def watch(
        self, resource: GroupVersionResource, namespace: str = "", resource_version: str = ""
    ) -> AsyncIterator[WatchEvent]:
        params = {"watch": "true", "allowWatchBookmarks": "true"}
        if resource_version:
            params["resourceVersion"] = resource_version
        url = self.path(resource, namespace)
        async with self._http.stream("GET", url, params=params, timeout=_WATCH_TIMEOUT) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise _status_error(resp)
            async for line in resp.aiter_lines():
                if not line.strip():
                    continue
                event = json.loads(line)
                yield str(event.get("type", "")), event.get("object") or {}

    async def create(
        self,
        resource: GroupVersionResource,
        namespace: str,
        obj: Obj,
        *,
        timeout: float | None = None,
    ) -> Obj:
        kw: dict[str, Any] = {"json": obj}
        if timeout is not None:
            kw["timeout"] = timeout
        return await self._call("POST", self.path(resource, namespace), **kw)

    async def update(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj:
        name = (obj.get("metadata") or {}).get("name", "")
        return await self._call("PUT", self.path(resource, namespace, name), json=obj)

    async def close(self) -> None:
        await self._http.aclose()
