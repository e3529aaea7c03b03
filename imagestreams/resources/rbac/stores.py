"""Stores of roles and bindings: the generic store plus escalation checks and cache freshness.

As kube's ``policybased`` storages, a create or update of a role is refused (403) when it would
grant its writer something the writer does not hold, and so is a binding to such a role; the check
runs before validation, as upstream's does. Updates that leave rules (or roleRef and subjects)
unchanged are not checked, so metadata edits stay possible. After each write the access-control
system is told the revision, so the next authorization in this process sees the change.
"""

from __future__ import annotations

from typing import Any

from imagestreams.api import scheme
from imagestreams.resources.rbac.access import AccessControl
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj
from imagestreams.rest.store import GenericStore, NamespaceCheck, StorageObserver
from imagestreams.rest.strategy import Strategy
from imagestreams.storage import interface as st

__all__ = ["RbacStore"]

_ROLES = ("roles", "clusterroles")


def _policy_part(resource: str, obj: Obj) -> Any:
    if resource in _ROLES:
        return obj.get("rules"), obj.get("aggregationRule")
    return obj.get("roleRef"), obj.get("subjects")


class RbacStore(GenericStore):
    """GenericStore for one of the four RBAC kinds."""

    def __init__(
        self,
        info: scheme.ResourceInfo,
        strategy: Strategy,
        storage: st.Storage,
        access: AccessControl,
        *,
        namespace_check: NamespaceCheck | None = None,
        observe: StorageObserver | None = None,
    ) -> None:
        super().__init__(info, strategy, storage, namespace_check=namespace_check, observe=observe)
        self.access = access

    async def _guard(self, ctx: RequestContext, obj: Obj) -> None:
        md = obj.get("metadata") or {}
        namespace = (md.get("namespace") or ctx.namespace) if self.info.namespaced else ""
        name = str(md.get("name", "") or md.get("generateName", ""))
        plural = self.info.plural
        if plural in _ROLES:
            rules = obj.get("rules")
            await self.access.check_role_write(
                ctx.user, plural, namespace, name,
                [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else [],
                aggregation=plural == "clusterroles" and obj.get("aggregationRule") is not None,
            )  # fmt: skip
        else:
            ref = obj.get("roleRef")
            await self.access.check_binding_write(
                ctx.user, plural, namespace, name, ref if isinstance(ref, dict) else {}
            )

    def _noted(self, obj: Obj) -> Obj:
        rv = (obj.get("metadata") or {}).get("resourceVersion", "")
        if isinstance(rv, str) and rv.isdigit():
            self.access.note_write(self.info.plural, int(rv))
        return obj

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        await self._guard(ctx, obj)
        created = await super().create(ctx, obj)
        return created if ctx.dry_run else self._noted(created)

    async def _write_update(
        self, ctx: RequestContext, name: str, key: str, new: Obj, old: Obj, revision: int
    ) -> Obj:
        if _policy_part(self.info.plural, new) != _policy_part(self.info.plural, old):
            await self._guard(ctx, new)
        stored = await super()._write_update(ctx, name, key, new, old, revision)
        return stored if ctx.dry_run else self._noted(stored)

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        obj, finished = await super().delete(ctx, name, options)
        if not ctx.dry_run:
            self._noted(obj)
        return obj, finished
