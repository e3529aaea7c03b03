"""An installed image group over a real SQLite storage in ``tmp_path`` (no HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.resource import Resource
from imagestreams.storage.sqlite import SQLiteStorage

REGISTRY = "registry.local:5000"
G = ("image.openshift.io", "v1")


@dataclass
class Api:
    installed: install.Installed
    storage: SQLiteStorage
    denied: set[tuple[str, str]]

    def r(self, plural: str, sub: str = "") -> Resource:
        return self.installed.resources[(*G, plural, sub)]

    def core(self, plural: str) -> Resource:
        return self.installed.resources[("", "v1", plural, "")]

    def ctx(self, namespace: str = "ns") -> RequestContext:
        async def can(
            user: User, verb: str, group: str, res: str, sub: str, ns: str, name: str
        ) -> bool:
            assert (verb, group, res, sub) == ("get", G[0], "imagestreams", "layers")
            return (ns, name) not in self.denied

        return RequestContext(namespace=namespace, can=can)

    async def stored(self, namespace: str, name: str) -> bytes:
        kv = await self.storage.get(f"/registry/image.openshift.io/imagestreams/{namespace}/{name}")
        return kv.value


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    storage = SQLiteStorage(tmp_path / "state.db")
    await storage.open()
    installed = install.build(storage, extensions=(image_extension(REGISTRY, "public.example"),))
    await install.bootstrap(installed)
    for ns in ("ns", "other"):
        await installed.namespaces.create(RequestContext(), {"metadata": {"name": ns}})
    yield Api(installed, storage, set())
    await installed.namespaces.close()
    await storage.close()


def tag(name: str, kind: str, src: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "from": {"kind": kind, "name": src, **kw.pop("from_", {})}, **kw}
