"""The real core and image stores over SQLite in ``tmp_path``, with the image policy installed
(no HTTP), and a namespace ``ns`` holding the streams the tables resolve against:

- ``mysql`` (lookup on): ``latest`` → D1 and ``8`` → D2, pushed from ``docker.io/library/mysql``
  with no spec tag (pull spec ``Source``);
- ``php`` (lookup on): ``latest`` tracks ``docker.io/library/php`` with ``referencePolicy: Local``
  and holds D3;
- ``private`` (lookup off): ``latest`` → D1;
- ``empty`` (lookup on) and ``bare`` (lookup off): no tags.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.resources.imagepolicy.install import imagepolicy_extension
from imagestreams.rest.context import RequestContext
from imagestreams.rest.store import GenericStore
from imagestreams.storage.sqlite import SQLiteStorage

REGISTRY = "registry.local:5000"
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
D3 = "sha256:" + "3" * 64
IMAGE = ("image.openshift.io", "v1")

MYSQL_D1 = f"docker.io/library/mysql@{D1}"
MYSQL_D2 = f"docker.io/library/mysql@{D2}"
PHP_LOCAL = f"{REGISTRY}/ns/php@{D3}"

Obj = dict[str, Any]


@dataclass
class Env:
    installed: install.Installed

    def ctx(self) -> RequestContext:
        return RequestContext(namespace="ns")

    def store(self, group: str, plural: str) -> GenericStore:
        return self.installed.stores[(group, "v1", plural, "")]

    async def stream(self, name: str, local: bool, tags: list[Obj] | None = None) -> None:
        body = {
            "metadata": {"name": name},
            "spec": {"lookupPolicy": {"local": local}, "tags": tags or []},
        }
        await self.installed.resources[(*IMAGE, "imagestreams", "")].create(self.ctx(), body)

    async def push(self, stream: str, tag: str, digest: str, source: str) -> None:
        body = {
            "metadata": {"name": stream},
            "tag": tag,
            "image": {"metadata": {"name": digest}, "dockerImageReference": f"{source}@{digest}"},
        }
        await self.installed.resources[(*IMAGE, "imagestreammappings", "")].create(self.ctx(), body)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    storage = SQLiteStorage(tmp_path / "state.db")
    await storage.open()
    installed = install.build(
        storage, extensions=(image_extension(REGISTRY), imagepolicy_extension)
    )
    await install.bootstrap(installed)
    await installed.namespaces.create(RequestContext(), {"metadata": {"name": "ns"}})
    e = Env(installed)
    await e.stream("mysql", True)
    await e.push("mysql", "latest", D1, "docker.io/library/mysql")
    await e.push("mysql", "8", D2, "docker.io/library/mysql")
    php_tag = {
        "name": "latest",
        "from": {"kind": "DockerImage", "name": "docker.io/library/php:latest"},
        "referencePolicy": {"type": "Local"},
    }
    await e.stream("php", True, [php_tag])
    await e.push("php", "latest", D3, "docker.io/library/php")
    await e.stream("private", False)
    await e.push("private", "latest", D1, "docker.io/library/mysql")
    await e.stream("empty", True)
    await e.stream("bare", False)
    yield e
    await installed.namespaces.close()
    await storage.close()
