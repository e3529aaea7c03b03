"""A real access system over a real (file) SQLite store, bootstrapped as the server does."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from imagestreams.rbac.system import AccessSystem
from imagestreams.resources import install
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.resource import Obj
from imagestreams.server import authn
from imagestreams.storage.sqlite import SQLiteStorage


@dataclass
class Env:
    access: AccessSystem
    installed: install.Installed

    async def create(
        self, plural: str, obj: Obj, namespace: str = "", user: User | None = None
    ) -> Obj:
        ctx = RequestContext(namespace=namespace)
        if user is not None:
            ctx.user = user
        return await self.access.stores[plural].create(ctx, obj)

    async def namespace(self, name: str) -> None:
        await self.installed.namespaces.create(RequestContext(), {"metadata": {"name": name}})


async def _env(tmp_path: pathlib.Path) -> AsyncIterator[Env]:
    storage = SQLiteStorage(tmp_path / "state.db")
    await storage.open()
    access = AccessSystem(storage, tmp_path, authn.TokenAuthenticator({}))
    installed = install.build(storage, extensions=(access.extension,))
    await install.bootstrap(installed)
    await access.start()
    try:
        yield Env(access, installed)
    finally:
        await access.stop()
        await installed.namespaces.close()
        await storage.close()


@pytest.fixture
async def env(tmp_path: pathlib.Path) -> AsyncIterator[Env]:
    async for value in _env(tmp_path):
        yield value


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Env]:
    async for value in _env(tmp_path_factory.mktemp("rbac")):
        yield value
