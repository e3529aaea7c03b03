"""Reconciling the bootstrap policy at start, and the defaults every namespace gets.

``reconcile`` is kube-apiserver's ``rbac/bootstrap-roles`` post-start hook: a missing bootstrap
role or binding is created; an existing one whose ``rbac.authorization.kubernetes.io/autoupdate``
annotation is not ``"false"`` gets the rules (or subjects, or aggregation selectors) it lacks
appended, and labels/annotations it lacks added; nothing an administrator added is removed. A
binding whose ``roleRef`` differs is deleted and re-created, since ``roleRef`` is immutable.

``ensure_namespace`` is what OpenShift's controllers do for each namespace: the ``default``,
``builder`` and ``deployer`` service accounts and the ``system:image-pullers``,
``system:image-builders`` and ``system:deployers`` role bindings. They are created only when
missing, so an administrator may delete a binding's subjects to disable it.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from imagestreams import errors
from imagestreams.rbac import escalation, policy, policy_platform
from imagestreams.rbac.rules import PolicyRule, Subject
from imagestreams.rest.context import RequestContext
from imagestreams.rest.store import GenericStore

__all__ = [
    "DEFAULT_ROLE_BINDINGS",
    "DEFAULT_SERVICE_ACCOUNTS",
    "ensure_namespace",
    "reconcile",
    "reconcile_role",
]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
DEFAULT_SERVICE_ACCOUNTS = ("default", "builder", "deployer")
DEFAULT_ROLE_BINDINGS = frozenset(
    b["metadata"]["name"] for b in policy.namespace_role_bindings("namespace")
)
"""Names of the bindings every namespace gets (re-created when deleted)."""


def _merge_meta(existing: Obj, expected: Obj) -> bool:
    changed = False
    md, want = existing.setdefault("metadata", {}), expected.get("metadata", {})
    for key in ("labels", "annotations"):
        have = md.get(key) or {}
        merged = {**(want.get(key) or {}), **have}
        if merged != have:
            md[key] = merged
            changed = True
    return changed


def _autoupdate(obj: Obj) -> bool:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return bool(annotations.get(policy.AUTOUPDATE, "true") != "false")


def reconcile_role(existing: Obj, expected: Obj) -> bool:
    """Bring ``existing`` up to ``expected`` in place; True when it changed."""
    changed = _merge_meta(existing, expected)
    if expected.get("aggregationRule") is not None:
        want = expected["aggregationRule"].get("clusterRoleSelectors", [])
        agg = existing.setdefault("aggregationRule", {})
        have = agg.setdefault("clusterRoleSelectors", [])
        for selector in want:
            if selector not in have:
                have.append(selector)
                changed = True
        return changed
    owned = [PolicyRule.from_dict(r) for r in existing.get("rules") or []]
    wanted = [PolicyRule.from_dict(r) for r in expected.get("rules") or []]
    _, missing = escalation.covers(owned, wanted)
    if missing:
        existing["rules"] = list(existing.get("rules") or []) + [r.to_dict() for r in missing]
        changed = True
    return changed


def _reconcile_binding(existing: Obj, expected: Obj) -> bool:
    changed = _merge_meta(existing, expected)
    have = existing.setdefault("subjects", [])
    keys = {Subject.from_dict(s) for s in have if isinstance(s, dict)}
    for subject in expected.get("subjects", []):
        if Subject.from_dict(subject) not in keys:
            have.append(subject)
            changed = True
    return changed


async def _ensure(store: GenericStore, ctx: RequestContext, expected: Obj, binding: bool) -> None:
    name = expected["metadata"]["name"]
    try:
        existing = await store.get(ctx, name)
    except errors.NotFound:
        try:
            await store.create(ctx, copy.deepcopy(expected))
            return
        except errors.AlreadyExists:
            # Another API server on the same etcd bootstrapped it a moment ago.
            existing = await store.get(ctx, name)
    if not _autoupdate(existing):
        return
    if binding and existing.get("roleRef") != expected.get("roleRef"):
        await store.delete(ctx, name, {})
        await store.create(ctx, copy.deepcopy(expected))
        return

    def fix(obj: Obj) -> Obj:
        if binding:
            _reconcile_binding(obj, expected)
        else:
            reconcile_role(obj, expected)
        return obj

    probe = copy.deepcopy(existing)
    if (_reconcile_binding if binding else reconcile_role)(probe, expected):
        await store.guaranteed_update(ctx, name, fix)


async def reconcile(
    cluster_roles: GenericStore,
    cluster_bindings: GenericStore,
    roles: GenericStore | None = None,
    bindings: GenericStore | None = None,
) -> None:
    """Create or update every bootstrap ClusterRole and ClusterRoleBinding, and (given the
    namespaced stores) the bootstrap Roles and RoleBindings of the ``openshift`` namespace."""
    ctx = RequestContext()
    for role in (*policy.CLUSTER_ROLES, *policy_platform.CLUSTER_ROLES):
        await _ensure(cluster_roles, ctx, role, binding=False)
    for binding in (*policy.CLUSTER_ROLE_BINDINGS, *policy_platform.CLUSTER_ROLE_BINDINGS):
        await _ensure(cluster_bindings, ctx, binding, binding=True)
    if roles is None or bindings is None:
        return
    for role, role_binding in policy_platform.NAMESPACED:
        local = RequestContext(namespace=role["metadata"]["namespace"])
        try:
            await _ensure(roles, local, role, binding=False)
            await _ensure(bindings, local, role_binding, binding=True)
        except errors.NotFound:  # the namespace was deleted by an administrator
            log.info("namespace %s is gone; its bootstrap roles are not created", local.namespace)


async def _create_missing(store: GenericStore, ctx: RequestContext, obj: Obj) -> None:
    try:
        await store.get(ctx, obj["metadata"]["name"])
    except errors.NotFound:
        # Another writer won the race, or the namespace is going away.
        with contextlib.suppress(errors.AlreadyExists, errors.Forbidden, errors.NotFound):
            await store.create(ctx, obj)


async def ensure_namespace(namespace: str, accounts: GenericStore, bindings: GenericStore) -> None:
    """The default service accounts and role bindings of one namespace."""
    ctx = RequestContext(namespace=namespace)
    try:
        for name in DEFAULT_SERVICE_ACCOUNTS:
            sa = {"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": {"name": name, "namespace": namespace}}  # fmt: skip
            await _create_missing(accounts, ctx, sa)
        for binding in policy.namespace_role_bindings(namespace):
            await _create_missing(bindings, ctx, binding)
    except errors.ApiError as e:
        log.warning("defaults of namespace %s not created: %s", namespace, e.message)
