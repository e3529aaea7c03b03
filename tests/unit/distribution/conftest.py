"""The registry over a real installed API (SQLite, image group, RBAC), called in-process.

No sockets: requests go through ``httpx.ASGITransport`` straight into the registry's ASGI app.
Users come from a static token table: ``admin`` (system:masters), ``alice`` (no bindings),
``bob`` (``system:image-puller`` in ``ns``), ``carol`` (``system:image-builder`` in ``ns``, so
she may push and create streams there, and pull nowhere else), ``dave`` (``system:image-pusher``
in ``ns``: he may push to existing streams but not create one), ``erin`` (``system:image-signer``
bound in ``ns`` only) and ``frank`` (``system:image-signer`` cluster-wide).
Manifest pulls send :data:`ACCEPT` (every type, as skopeo and our own client do) unless a test is
about content negotiation.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from imagestreams.distribution.app import RegistryApp, build
from imagestreams.oci.mediatypes import MANIFEST_ACCEPT
from imagestreams.rbac.system import AccessSystem
from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj, Resource
from imagestreams.server import authn
from imagestreams.storage.sqlite import SQLiteStorage
from tests.oci_images import Blob, BuiltImage, BuiltIndex

REGISTRY = "registry.test:5000"
IMAGE = ("image.openshift.io", "v1")
TOKENS = {
    "admin": "admin-token",
    "alice": "alice-token",
    "bob": "bob-token",
    "carol": "carol-token",
    "dave": "dave-token",
    "erin": "erin-token",
    "frank": "frank-token",
}
ACCEPT = {"Accept": MANIFEST_ACCEPT}


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


def pulling(user: str) -> dict[str, str]:
    """Credentials of ``user`` plus the full manifest ``Accept`` header."""
    return {**bearer(user), **ACCEPT}


def basic(user: str, name: str = "anyone") -> dict[str, str]:
    raw = base64.b64encode(f"{name}:{TOKENS[user]}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class Env:
    app: RegistryApp
    installed: install.Installed
    http: httpx.AsyncClient
    root: Path

    def r(self, plural: str, sub: str = "") -> Resource:
        return self.installed.resources[(*IMAGE, plural, sub)]

    async def stream(self, namespace: str, name: str) -> Obj:
        return await self.r("imagestreams").get(RequestContext(namespace=namespace), name)

    async def push_blob(self, repo: str, blob: Blob, user: str = "admin") -> httpx.Response:
        return await self.http.post(
            f"/v2/{repo}/blobs/uploads/?digest={blob.digest}",
            content=blob.data,
            headers=bearer(user),
        )

    async def push_image(
        self, repo: str, ref: str, image: BuiltImage, user: str = "admin"
    ) -> httpx.Response:
        for blob in image.blobs:
            assert (await self.push_blob(repo, blob, user)).status_code == 201
        return await self.http.put(
            f"/v2/{repo}/manifests/{ref}",
            content=image.manifest,
            headers={**bearer(user), "Content-Type": image.media_type},
        )

    async def push_index(
        self, repo: str, tag: str, index: BuiltIndex, user: str = "admin"
    ) -> httpx.Response:
        """Children by digest first, then the list by ``tag`` (what ``skopeo copy --all``
        does)."""
        for child in index.children:
            assert (await self.push_image(repo, child.digest, child, user)).status_code == 201
        return await self.http.put(
            f"/v2/{repo}/manifests/{tag}",
            content=index.manifest,
            headers={**bearer(user), "Content-Type": index.media_type},
        )


def _binding(name: str, role: str, user: str) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "ns"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}],
    }


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    storage = SQLiteStorage(tmp_path / "state.db")
    await storage.open()
    users = {
        token: authn.ADMIN if name == "admin" else authn.UserInfo(name, f"uid-{name}")
        for name, token in TOKENS.items()
    }
    access = AccessSystem(storage, tmp_path, authn.TokenAuthenticator(users))
    installed = install.build(storage, extensions=(image_extension(REGISTRY), access.extension))
    await install.bootstrap(installed)
    await access.start()
    for namespace in ("ns", "other"):
        await installed.namespaces.create(RequestContext(), {"metadata": {"name": namespace}})
    bindings = access.stores["rolebindings"]
    ctx = RequestContext(namespace="ns")
    await bindings.create(ctx, _binding("bob-pull", "system:image-puller", "bob"))
    await bindings.create(ctx, _binding("carol-build", "system:image-builder", "carol"))
    await bindings.create(ctx, _binding("dave-push", "system:image-pusher", "dave"))
    await bindings.create(ctx, _binding("erin-sign", "system:image-signer", "erin"))
    cluster_binding = _binding("frank-sign", "system:image-signer", "frank")
    del cluster_binding["metadata"]["namespace"]
    await access.stores["clusterrolebindings"].create(RequestContext(), cluster_binding)
    await access.index.fresh()
    app = build(
        data_dir=tmp_path,
        resources=installed.resources,
        authenticator=access.authenticator,
        can=access.authorizer.can,
        registry_host=REGISTRY,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{REGISTRY}") as http:
        yield Env(app, installed, http, tmp_path / "registry")
    await access.stop()
    await installed.namespaces.close()
    await storage.close()
