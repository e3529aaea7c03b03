"""``Covers``, ``CompactRules`` and the escalation message, then escalation prevention through
the real role and binding stores."""

from __future__ import annotations

import pytest

from imagestreams import errors
from imagestreams.rbac.escalation import covers, escalation_message
from imagestreams.rbac.rules import GROUP, PolicyRule
from imagestreams.rest.context import RequestContext, User
from tests.unit.rbac.conftest import Env

IS = "image.openshift.io"


def _r(
    verbs: tuple[str, ...],
    resources: tuple[str, ...] = (),
    groups: tuple[str, ...] = (IS,),
    names: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
) -> PolicyRule:
    return PolicyRule(verbs, groups if resources else (), resources, names, urls)


COVER_CASES = [
    pytest.param(
        [_r(("get", "list"), ("imagestreams",))], [_r(("get",), ("imagestreams",))], [], id="subset"
    ),
    pytest.param(
        [_r(("get",), ("imagestreams",))],
        [_r(("get", "list"), ("imagestreams",))],
        [_r(("list",), ("imagestreams",))],
        id="missing-verb",
    ),
    pytest.param([_r(("*",), ("*",), ("*",))], [_r(("delete",), ("images",))], [], id="star"),
    pytest.param(
        [_r(("get",), ("*/layers",))],
        [_r(("get",), ("imagestreams/layers",))],
        [],
        id="star-subresource",
    ),
    pytest.param(
        [_r(("get",), ("*/layers",))],
        [_r(("get",), ("imagestreams",))],
        [_r(("get",), ("imagestreams",))],
        id="star-sub-not-resource",
    ),
    pytest.param(
        [_r(("get",), ("imagestreams",), names=("a",))],
        [_r(("get",), ("imagestreams",))],
        [_r(("get",), ("imagestreams",))],
        id="named-owner-does-not-cover-all",
    ),
    pytest.param(
        [_r(("get",), ("imagestreams",))],
        [_r(("get",), ("imagestreams",), names=("a", "b"))],
        [],
        id="unnamed-owner-covers-names",
    ),
    pytest.param(
        [_r(("get",), urls=("/apis/*",))], [_r(("get",), urls=("/apis/x",))], [], id="url-prefix"
    ),
    pytest.param(
        [_r(("get",), urls=("/apis",))],
        [_r(("get",), urls=("/apis/x",))],
        [_r(("get",), urls=("/apis/x",))],
        id="url-exact-only",
    ),
]


@pytest.mark.parametrize(("owner", "servant", "missing"), COVER_CASES)
def test_covers(
    owner: list[PolicyRule], servant: list[PolicyRule], missing: list[PolicyRule]
) -> None:
    ok, got = covers(owner, servant)
    assert got == missing
    assert ok is (not missing)


def test_escalation_message_is_compacted_and_sorted() -> None:
    _, missing = covers([], [_r(("get", "list"), ("imagestreams", "images"))])
    assert escalation_message("bob", ("system:authenticated",), missing) == (
        'user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
        "currently held:\n"
        '{APIGroups:["image.openshift.io"], Resources:["images"], Verbs:["get" "list"]}\n'
        '{APIGroups:["image.openshift.io"], Resources:["imagestreams"], Verbs:["get" "list"]}'
    )


BOB = User("bob", groups=("system:authenticated",))
NS = "proj"


def _binding(name: str, role: str, user: str, kind: str = "ClusterRole") -> dict[str, object]:
    return {
        "metadata": {"name": name, "namespace": NS},
        "roleRef": {"apiGroup": GROUP, "kind": kind, "name": role},
        "subjects": [{"kind": "User", "apiGroup": GROUP, "name": user}],
    }


async def test_role_write_needs_the_permissions(env: Env) -> None:
    await env.namespace(NS)
    await env.create("rolebindings", _binding("bob-edit", "edit", "bob"), NS)
    held = {
        "metadata": {"name": "r1", "namespace": NS},
        "rules": [{"verbs": ["get"], "apiGroups": [IS], "resources": ["imagestreams"]}],
    }
    created = await env.create("roles", held, NS, user=BOB)
    assert created["metadata"]["name"] == "r1"
    extra = {
        "metadata": {"name": "r2", "namespace": NS},
        "rules": [{"verbs": ["get"], "apiGroups": [IS], "resources": ["images"]}],
    }
    with pytest.raises(errors.Forbidden) as err:
        await env.create("roles", extra, NS, user=BOB)
    assert err.value.message == (
        'roles.rbac.authorization.k8s.io "r2" is forbidden: user "bob" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently '
        'held:\n{APIGroups:["image.openshift.io"], Resources:["images"], Verbs:["get"]}'
    )


async def test_binding_write_needs_the_role_or_bind(env: Env) -> None:
    await env.namespace(NS)
    await env.create("rolebindings", _binding("bob-view", "view", "bob"), NS)
    # bob holds view: he may hand out system:image-puller (a subset) but not edit
    await env.create(
        "rolebindings", _binding("pullers", "system:image-puller", "carol"), NS, user=BOB
    )
    with pytest.raises(errors.Forbidden) as err:
        await env.create("rolebindings", _binding("editors", "edit", "carol"), NS, user=BOB)
    assert err.value.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "editors" is forbidden: user "bob" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently '
        "held:\n"
    )
    # the bind verb on that one role lifts the restriction
    await env.create(
        "roles",
        {
            "metadata": {"name": "binder", "namespace": NS},
            "rules": [
                {
                    "verbs": ["bind"],
                    "apiGroups": [GROUP],
                    "resources": ["clusterroles"],
                    "resourceNames": ["edit"],
                }
            ],
        },
        NS,
    )
    await env.create("rolebindings", _binding("bob-binder", "binder", "bob", "Role"), NS)
    created = await env.create("rolebindings", _binding("editors", "edit", "carol"), NS, user=BOB)
    assert created["roleRef"]["name"] == "edit"


async def test_missing_role_is_forbidden_for_non_admins(env: Env) -> None:
    await env.namespace(NS)
    with pytest.raises(errors.Forbidden) as err:
        await env.create("rolebindings", _binding("x", "no-such-role", "carol"), NS, user=BOB)
    assert err.value.message == (
        'rolebindings.rbac.authorization.k8s.io "x" is forbidden: '
        'clusterrole.rbac.authorization.k8s.io "no-such-role" not found'
    )


async def test_aggregation_rule_needs_full_authority(env: Env) -> None:
    await env.create(
        "clusterrolebindings",
        {
            "metadata": {"name": "bob-admin"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "User", "apiGroup": GROUP, "name": "bob"}],
        },
    )
    role = {
        "metadata": {"name": "agg"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]},
    }
    with pytest.raises(errors.Forbidden) as err:
        await env.create("clusterroles", role, user=BOB)
    assert err.value.message == (
        'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin '
        "privileges to use the aggregationRule"
    )


async def test_new_binding_takes_effect_on_the_next_decision(env: Env) -> None:
    await env.namespace(NS)
    can = env.access.authorizer.can
    assert await can(BOB, "get", IS, "imagestreams", "layers", NS, "s") is False
    await env.create("rolebindings", _binding("pull", "system:image-puller", "bob"), NS)
    assert await can(BOB, "get", IS, "imagestreams", "layers", NS, "s") is True
    await env.access.stores["rolebindings"].delete(RequestContext(namespace=NS), "pull", {})
    assert await can(BOB, "get", IS, "imagestreams", "layers", NS, "s") is False
