"""The image authorization matrix through the real RBAC authorizer: every bootstrap role x every
image resource and subresource x every verb, granted cluster-wide (ClusterRoleBinding) and in one
namespace (RoleBinding, which can never reach the cluster-scoped images and imagesignatures)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from imagestreams.rbac.rules import GROUP
from imagestreams.rest.context import User
from tests.unit.rbac.conftest import Env
from tests.unit.rbac.image_matrix import CLUSTER_SCOPED, EXPECTED, cells

pytestmark = pytest.mark.asyncio(loop_scope="module")

IMAGE = "image.openshift.io"
NS = "proj"


def _user(prefix: str, role: str) -> User:
    return User(f"{prefix}-{role}", groups=("system:authenticated",))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bound(module_env: Env) -> Env:
    await module_env.namespace(NS)
    for role in EXPECTED:
        subject = {"kind": "User", "apiGroup": GROUP, "name": f"crb-{role}"}
        await module_env.create(
            "clusterrolebindings",
            {
                "metadata": {"name": f"test-{role}"},
                "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
                "subjects": [subject],
            },
        )
        await module_env.create(
            "rolebindings",
            {
                "metadata": {"name": f"test-{role}", "namespace": NS},
                "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "User", "apiGroup": GROUP, "name": f"rb-{role}"}],
            },
            namespace=NS,
        )
    return module_env


def _split(resource: str) -> tuple[str, str]:
    plural, _, sub = resource.partition("/")
    return plural, sub


CASES = [
    pytest.param(role, resource, verb, allowed, id=f"{role}-{resource}-{verb}")
    for role, resource, verb, allowed in cells()
]


@pytest.mark.parametrize(("role", "resource", "verb", "allowed"), CASES)
async def test_cluster_role_binding(
    bound: Env, role: str, resource: str, verb: str, allowed: bool
) -> None:
    plural, sub = _split(resource)
    ns = "" if resource in CLUSTER_SCOPED else NS
    got = await bound.access.authorizer.can(_user("crb", role), verb, IMAGE, plural, sub, ns, "x")
    assert got is allowed


@pytest.mark.parametrize(("role", "resource", "verb", "allowed"), CASES)
async def test_role_binding(bound: Env, role: str, resource: str, verb: str, allowed: bool) -> None:
    plural, sub = _split(resource)
    user = _user("rb", role)
    if resource in CLUSTER_SCOPED:
        assert await bound.access.authorizer.can(user, verb, IMAGE, plural, sub, "", "x") is False
        return
    assert await bound.access.authorizer.can(user, verb, IMAGE, plural, sub, NS, "x") is allowed
    # the grant stops at the namespace boundary
    assert await bound.access.authorizer.can(user, verb, IMAGE, plural, sub, "other", "x") is False


async def test_image_rules_also_cover_the_legacy_group(bound: Env) -> None:
    user = _user("crb", "system:image-puller")
    can = bound.access.authorizer.can
    assert await can(user, "get", "", "imagestreams", "layers", NS, "x") is True
    assert await can(user, "get", "apps", "imagestreams", "layers", NS, "x") is False
