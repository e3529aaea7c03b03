"""ClusterRole aggregation: pure computation, then the controller keeping ``view`` current."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from imagestreams.rbac.aggregation import aggregate_all, aggregated_rules
from imagestreams.rbac.rules import GROUP
from imagestreams.rest.context import RequestContext, User
from tests.unit.rbac.conftest import Env


def _role(
    name: str, labels: dict[str, str], rules: list[dict[str, Any]] | None = None, selects: str = ""
) -> dict[str, Any]:
    role: dict[str, Any] = {"metadata": {"name": name, "labels": labels}, "rules": rules or []}
    if selects:
        role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {selects: "true"}}]}
    return role


R1 = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}
R2 = {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}
R3 = {"verbs": ["create"], "apiGroups": [""], "resources": ["pods"]}


@pytest.mark.parametrize(
    ("roles", "name", "want"),
    [
        pytest.param(
            {"a": _role("a", {}, selects="v"), "b": _role("b", {"v": "true"}, [R1])},
            "a",
            [R1],
            id="one-match",
        ),
        pytest.param(
            {
                "a": _role("a", {}, selects="v"),
                "c": _role("c", {"v": "true"}, [R2, R1]),
                "b": _role("b", {"v": "true"}, [R1]),
            },
            "a",
            [R1, R2],
            id="name-order-dedup",
        ),
        pytest.param({"a": _role("a", {"v": "true"}, [R3], selects="v")}, "a", [], id="not-itself"),
        pytest.param(
            {"a": _role("a", {}, selects="v"), "b": _role("b", {"v": "false"}, [R1])},
            "a",
            [],
            id="label-value-must-match",
        ),
    ],
)
def test_aggregated_rules(roles: dict[str, Any], name: str, want: list[Any]) -> None:
    assert aggregated_rules(roles[name], roles) == want


def test_chained_aggregation_reaches_fixpoint() -> None:
    roles = {
        "admin": _role("admin", {}, selects="to-admin"),
        "edit": _role("edit", {"to-admin": "true"}, selects="to-edit"),
        "part": _role("part", {"to-edit": "true"}, [R3]),
    }
    assert aggregate_all(roles) == {"edit": [R3], "admin": [R3]}
    roles["edit"]["rules"] = [R3]
    roles["admin"]["rules"] = [R3]
    assert aggregate_all(roles) == {}


async def test_controller_updates_view_when_a_labelled_role_appears(env: Env) -> None:
    rule = {"verbs": ["get"], "apiGroups": ["example.com"], "resources": ["widgets"]}
    await env.create(
        "clusterroles",
        {
            "metadata": {
                "name": "widget-viewer",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
            },
            "rules": [rule],
        },
    )
    alice = User("alice", groups=("system:authenticated",))
    await env.create(
        "clusterrolebindings",
        {
            "metadata": {"name": "alice-view"},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "apiGroup": GROUP, "name": "alice"}],
        },
    )
    # The aggregation controller runs in the background: poll for up to 10 s (a busy CI box).
    for _ in range(500):
        view = await env.access.stores["clusterroles"].get(RequestContext(), "view")
        if rule in view["rules"]:
            break
        await asyncio.sleep(0.02)
    assert rule in view["rules"]
    assert await env.access.authorizer.can(alice, "get", "example.com", "widgets", "", "", "w")
