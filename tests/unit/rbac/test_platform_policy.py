"""The bootstrap policy around the image roles: shared images in ``openshift``,
cluster-reader, and default bindings that come back when deleted."""

from __future__ import annotations

import asyncio

import pytest

from imagestreams import errors
from imagestreams.rest.context import RequestContext, User
from tests.unit.rbac.conftest import Env

IMAGE = "image.openshift.io"
ANYONE = User("alice", groups=("system:authenticated",))
POD = User(
    "system:serviceaccount:team:default",
    groups=("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"),
)
READER = User("auditor", groups=("system:cluster-readers", "system:authenticated"))


@pytest.mark.parametrize(
    ("user", "verb", "resource", "sub", "namespace", "allowed"),
    [
        pytest.param(ANYONE, "get", "imagestreams", "layers", "openshift", True, id="pull-shared"),
        pytest.param(POD, "get", "imagestreams", "layers", "openshift", True, id="pod-pull"),
        pytest.param(ANYONE, "list", "imagestreamtags", "", "openshift", True, id="list-shared"),
        pytest.param(ANYONE, "update", "imagestreams", "layers", "openshift", False, id="no-push"),
        pytest.param(ANYONE, "get", "imagestreams", "layers", "team", False, id="not-elsewhere"),
        pytest.param(READER, "list", "images", "", "", True, id="cluster-reader-images"),
        pytest.param(READER, "get", "imagestreams", "layers", "team", True, id="reader-layers"),
        pytest.param(READER, "delete", "images", "", "", False, id="reader-cannot-delete"),
    ],
)  # fmt: skip
async def test_platform_grants(
    module_env: Env, user: User, verb: str, resource: str, sub: str, namespace: str, allowed: bool
) -> None:
    can = module_env.access.authorizer.can
    assert await can(user, verb, IMAGE, resource, sub, namespace, "") is allowed


async def test_a_deleted_default_binding_comes_back(env: Env) -> None:
    await env.namespace("team")
    bindings = env.access.stores["rolebindings"]
    ctx = RequestContext(namespace="team")
    for _ in range(100):  # the namespace defaults are created in the background
        try:
            await bindings.get(ctx, "system:image-pullers")
            break
        except errors.NotFound:
            await asyncio.sleep(0.02)
    await bindings.delete(ctx, "system:image-pullers", {})
    for _ in range(100):
        try:
            back = await bindings.get(ctx, "system:image-pullers")
            break
        except errors.NotFound:
            await asyncio.sleep(0.02)
    else:
        raise AssertionError("system:image-pullers was not re-created")
    assert back["subjects"] == [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io",
         "name": "system:serviceaccounts:team"}
    ]  # fmt: skip
