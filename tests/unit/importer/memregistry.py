"""An in-memory distribution registry behind ``httpx.MockTransport`` for importer unit tests.

Unit tests may not open sockets, so the importer's request budget (GETs, HEADs, 429 handling)
is checked against this small registry; the real docker-registry is used by the integration
tests. Images come from ``tests/oci_images.py``.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable

import httpx

from tests.oci_images import BuiltImage, BuiltIndex

__all__ = ["MemRegistry"]

_PATH = re.compile(r"^/v2/(?P<repo>.+)/(?P<kind>manifests|blobs|tags)/(?P<ref>[^/]+)$")


class MemRegistry:
    def __init__(self) -> None:
        self.manifests: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.tags: dict[str, dict[str, str]] = collections.defaultdict(dict)
        self.blobs: dict[str, bytes] = {}
        self.calls: collections.Counter[str] = collections.Counter()
        self.log: list[str] = []
        self.hook: Callable[[httpx.Request], httpx.Response | None] | None = None

    def push(self, repo: str, tag: str, item: BuiltImage | BuiltIndex) -> str:
        images = item.children if isinstance(item, BuiltIndex) else (item,)
        for image in images:
            for blob in image.blobs:
                self.blobs[blob.digest] = blob.data
            self.manifests[(repo, image.digest)] = (image.manifest, image.media_type)
        self.manifests[(repo, item.digest)] = (item.manifest, item.media_type)
        self.tags[repo][tag] = item.digest
        return item.digest

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.method] += 1
        self.log.append(f"{request.method} {request.url.path}")
        if self.hook is not None:
            hooked = self.hook(request)
            if hooked is not None:
                return hooked
        match = _PATH.match(request.url.path)
        if match is None:
            return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
        repo, kind, ref = match["repo"], match["kind"], match["ref"]
        if kind == "tags":
            return httpx.Response(200, json={"name": repo, "tags": sorted(self.tags[repo])})
        if kind == "blobs":
            data = self.blobs.get(ref)
            if data is None:
                return httpx.Response(404, json={"errors": [{"code": "BLOB_UNKNOWN"}]})
            return httpx.Response(200, content=data)
        digest = self.tags[repo].get(ref, ref)
        found = self.manifests.get((repo, digest))
        if found is None:
            return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})
        body, media_type = found
        headers = {"Content-Type": media_type, "Docker-Content-Digest": digest}
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return httpx.Response(200, headers=headers)
        return httpx.Response(200, headers=headers, content=body)
