"""Roles and bindings, compiled in memory, and the rule walk RBAC decisions are made from.

``PolicyIndex`` keeps four ``WatchCache``s (roles, cluster roles, role bindings, cluster role
bindings) and, on every change, recompiles only the object that changed: rules become tuples of
``PolicyRule`` and subjects become sets of user names, group names and service-account user names,
so checking whether a binding applies is a set lookup. ``visit`` is kube's ``VisitRulesFor``:
cluster role bindings first, then the role bindings of the request's namespace; each rule comes
with the description kube prints in ``RBAC: allowed by ...``, and a binding whose role is missing
yields kube's resolution error instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from imagestreams.rbac.cache import WatchCache
from imagestreams.rbac.rules import GROUP, PolicyRule, Subject, service_account_username
from imagestreams.storage import interface as st

__all__ = ["Binding", "PolicyIndex", "Visit", "prefix_for"]

Obj = dict[str, Any]
Visit = tuple[str, PolicyRule | None, str]
"""``(source description, rule, error)``: a rule that applies, or an error resolving one."""

RESOURCES = ("roles", "clusterroles", "rolebindings", "clusterrolebindings")


def prefix_for(resource: str) -> str:
    """The storage prefix ``rest.store.GenericStore`` uses for an RBAC resource."""
    return f"/registry/{GROUP}/{resource}/"


def _rules(obj: Obj) -> tuple[PolicyRule, ...]:
    return tuple(PolicyRule.from_dict(r) for r in obj.get("rules") or [] if isinstance(r, dict))


@dataclass(frozen=True, slots=True)
class Binding:
    """A compiled RoleBinding or ClusterRoleBinding."""

    name: str
    namespace: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]
    users: frozenset[str]
    groups: frozenset[str]

    @classmethod
    def compile(cls, obj: Obj) -> Binding:
        md = obj.get("metadata") or {}
        namespace = md.get("namespace", "") or ""
        ref = obj.get("roleRef") or {}
        subjects = tuple(
            Subject.from_dict(s) for s in obj.get("subjects") or [] if isinstance(s, dict)
        )
        users: set[str] = set()
        groups: set[str] = set()
        for s in subjects:
            if s.kind == "User":
                users.add(s.name)
            elif s.kind == "Group":
                groups.add(s.name)
            elif s.kind == "ServiceAccount" and (s.namespace or namespace):
                users.add(service_account_username(s.namespace or namespace, s.name))
        return cls(
            name=md.get("name", ""),
            namespace=namespace,
            role_kind=str(ref.get("kind", "")),
            role_name=str(ref.get("name", "")),
            subjects=subjects,
            users=frozenset(users),
            groups=frozenset(groups),
        )

    def applies(self, user: str, groups: frozenset[str]) -> Subject | None:
        """The first subject that names this user (``appliesTo``), else ``None``."""
        if user not in self.users and self.groups.isdisjoint(groups):
            return None
        for s in self.subjects:
            if s.kind == "User" and s.name == user:
                return s
            if s.kind == "Group" and s.name in groups:
                return s
            if s.kind == "ServiceAccount":
                ns = s.namespace or self.namespace
                if ns and user == service_account_username(ns, s.name):
                    return s
        return None

    def describe(self, subject: Subject) -> str:
        if self.namespace:
            return (
                f'RoleBinding "{self.name}/{self.namespace}" of {self.role_kind} '
                f'"{self.role_name}" to {subject.describe(self.namespace)}'
            )
        return (
            f'ClusterRoleBinding "{self.name}" of {self.role_kind} "{self.role_name}" to '
            f"{subject.describe('')}"
        )


class PolicyIndex:
    """The RBAC objects of one storage, compiled and kept current."""

    def __init__(self, storage: st.Storage) -> None:
        self.caches = {r: WatchCache(storage, prefix_for(r)) for r in RESOURCES}
        self.cluster_roles: dict[str, tuple[PolicyRule, ...]] = {}
        self.roles: dict[tuple[str, str], tuple[PolicyRule, ...]] = {}
        self.cluster_bindings: dict[str, Binding] = {}
        self.bindings: dict[str, dict[str, Binding]] = {}
        self._targets: dict[str, int] = {}
        self.caches["clusterroles"].listen(self._on_cluster_role)
        self.caches["roles"].listen(self._on_role)
        self.caches["clusterrolebindings"].listen(self._on_cluster_binding)
        self.caches["rolebindings"].listen(self._on_binding)

    # -- cache listeners ------------------------------------------------------------------
    @staticmethod
    def _key_parts(key: str, prefix: str) -> list[str]:
        return key[len(prefix) :].split("/")

    def _on_cluster_role(self, key: str, obj: Obj | None) -> None:
        (name,) = self._key_parts(key, prefix_for("clusterroles"))[-1:]
        if obj is None:
            self.cluster_roles.pop(name, None)
        else:
            self.cluster_roles[name] = _rules(obj)

    def _on_role(self, key: str, obj: Obj | None) -> None:
        ns, name = self._key_parts(key, prefix_for("roles"))[:2]
        if obj is None:
            self.roles.pop((ns, name), None)
        else:
            self.roles[(ns, name)] = _rules(obj)

    def _on_cluster_binding(self, key: str, obj: Obj | None) -> None:
        name = self._key_parts(key, prefix_for("clusterrolebindings"))[-1]
        if obj is None:
            self.cluster_bindings.pop(name, None)
        else:
            self.cluster_bindings[name] = Binding.compile(obj)

    def _on_binding(self, key: str, obj: Obj | None) -> None:
        ns, name = self._key_parts(key, prefix_for("rolebindings"))[:2]
        if obj is None:
            in_ns = self.bindings.get(ns)
            if in_ns is not None:
                in_ns.pop(name, None)
                if not in_ns:
                    del self.bindings[ns]
        else:
            self.bindings.setdefault(ns, {})[name] = Binding.compile(obj)

    # -- lifecycle and freshness ----------------------------------------------------------
    async def start(self) -> None:
        for cache in self.caches.values():
            await cache.start()

    async def stop(self) -> None:
        for cache in self.caches.values():
            await cache.stop()

    def note_write(self, resource: str, revision: int) -> None:
        if resource in self.caches:
            self._targets[resource] = max(self._targets.get(resource, 0), revision)

    async def fresh(self) -> None:
        """Wait (briefly) until every write this process made is in the index."""
        for resource, target in self._targets.items():
            cache = self.caches[resource]
            if cache.revision < target:
                await cache.wait_for(target)

    # -- rule resolution ------------------------------------------------------------------
    def role_rules(self, kind: str, name: str, namespace: str) -> tuple[PolicyRule, ...]:
        """``GetRoleReferenceRules``; raises ``LookupError`` with kube's error text."""
        if kind == "ClusterRole":
            rules = self.cluster_roles.get(name)
            if rules is None:
                raise LookupError(f'clusterrole.{GROUP} "{name}" not found')
            return rules
        if kind == "Role":
            rules = self.roles.get((namespace, name))
            if rules is None:
                raise LookupError(f'role.{GROUP} "{name}" not found')
            return rules
        raise LookupError(f'unsupported role reference kind: "{kind}"')

    def visit(self, user: str, groups: frozenset[str], namespace: str) -> Iterator[Visit]:
        """``VisitRulesFor``: every rule that applies to the user in ``namespace``."""
        scopes: list[list[Binding]] = [list(self.cluster_bindings.values())]
        if namespace:
            scopes.append(list(self.bindings.get(namespace, {}).values()))
        for scope in scopes:
            for binding in scope:
                subject = binding.applies(user, groups)
                if subject is None:
                    continue
                try:
                    rules = self.role_rules(binding.role_kind, binding.role_name, binding.namespace)
                except LookupError as e:
                    yield "", None, str(e)
                    continue
                source = binding.describe(subject)
                for rule in rules:
                    yield source, rule, ""

    def rules_for(
        self, user: str, groups: frozenset[str], namespace: str
    ) -> tuple[list[PolicyRule], list[str]]:
        """``RulesFor``: the rules and the resolution errors."""
        rules: list[PolicyRule] = []
        errs: list[str] = []
        for _, rule, err in self.visit(user, groups, namespace):
            if rule is not None:
                rules.append(rule)
            if err:
                errs.append(err)
        return rules, errs
