"""The access-control system, assembled: RBAC, service accounts, reviews and their controllers.

The composition root makes one ``AccessSystem`` per process and uses it in four places:
``extension`` (passed to ``resources.install.build``) registers the RBAC kinds, the review
resources and ``serviceaccounts/token``; ``start`` (after ``install.bootstrap``) fills the caches,
reconciles the bootstrap policy, aggregates ``admin``/``edit``/``view`` and starts the two small
controllers (ClusterRole aggregation, namespace defaults); ``authenticator`` and ``authorizer`` go
to the API server; ``stop`` ends the watches. The controllers are level-driven from watches, as
upstream's are, so no store needs a hook: a new namespace gets its service accounts and role
bindings within milliseconds of being created.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from imagestreams.api import rbac_scheme
from imagestreams.rbac import aggregation, bootstrap
from imagestreams.rbac.authorizer import RBACAuthorizer
from imagestreams.rbac.cache import WatchCache
from imagestreams.rbac.index import PolicyIndex
from imagestreams.resources.install import Installed
from imagestreams.resources.rbac.access import AuthenticatedUser
from imagestreams.resources.rbac.reviews import (
    AccessReviewResource,
    SelfSubjectReviewResource,
    SelfSubjectRulesReviewResource,
    TokenReviewResource,
)
from imagestreams.resources.rbac.stores import RbacStore
from imagestreams.resources.rbac.strategies import BindingStrategy, RoleStrategy
from imagestreams.resources.serviceaccounts.token import TokenRequestResource
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj
from imagestreams.rest.store import GenericStore
from imagestreams.server import authn, satokens
from imagestreams.storage import interface as st

__all__ = ["AccessSystem"]

log = logging.getLogger(__name__)


class AccessSystem:
    """RBAC authorizer + service account authenticator + their resources and controllers."""

    def __init__(
        self,
        storage: st.Storage,
        data_dir: Path,
        static: authn.TokenAuthenticator,
        *,
        issuer: str = satokens.DEFAULT_ISSUER,
    ) -> None:
        self.storage = storage
        self.index = PolicyIndex(storage)
        self.authorizer = RBACAuthorizer(self.index)
        self.signer = satokens.TokenSigner(
            satokens.ensure_signing_key(data_dir), issuer=issuer, api_audiences=(issuer,)
        )
        self.accounts = WatchCache(storage, "/registry/core/serviceaccounts/")
        self.namespace_cache = WatchCache(storage, "/registry/core/namespaces/")
        self.authenticator = satokens.ChainAuthenticator(static, self.signer, self._lookup)
        self.stores: dict[str, GenericStore] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._aggregate_pending = False
        self._running = False
        self._seen: set[str] = set()

    # -- resources -------------------------------------------------------------------------
    def extension(self, installed: Installed) -> None:
        """Register the RBAC kinds, reviews and TokenRequest (an ``install.build`` extension)."""
        for info in rbac_scheme.RBAC_RESOURCES:
            strategy = (
                RoleStrategy(info)
                if info.plural in ("roles", "clusterroles")
                else BindingStrategy(info)
            )
            store = RbacStore(
                info, strategy, installed.storage, self.authorizer,
                namespace_check=installed.namespaces.check if info.namespaced else None,
                observe=installed.observe,
            )  # fmt: skip
            self.stores[info.plural] = store
            installed.add((info.group, info.version, info.plural, ""), store)
        for info in rbac_scheme.REVIEW_RESOURCES:
            key = (info.group, info.version, info.plural, "")
            if info.kind == "TokenReview":
                installed.add(key, TokenReviewResource(info, self))
            elif info.kind == "SelfSubjectReview":
                installed.add(key, SelfSubjectReviewResource(info))
            elif info.kind == "SelfSubjectRulesReview":
                installed.add(key, SelfSubjectRulesReviewResource(info, self.authorizer))
            else:
                installed.add(key, AccessReviewResource(info, self.authorizer))
        accounts = installed.stores[("", "v1", "serviceaccounts", "")]
        self.stores["serviceaccounts"] = accounts
        bound = {
            kind: installed.stores[("", "v1", plural, "")]
            for kind, plural in (("Pod", "pods"), ("Secret", "secrets"))
            if ("", "v1", plural, "") in installed.stores
        }
        info = rbac_scheme.TOKEN_REQUEST
        installed.add(
            (info.group, info.version, info.plural, info.subresource),
            TokenRequestResource(info, accounts, self.signer, bound),
        )

    # -- authentication helpers ------------------------------------------------------------
    def _lookup(self, namespace: str, name: str) -> str | None:
        obj = self.accounts.items.get(f"/registry/core/serviceaccounts/{namespace}/{name}")
        if obj is None:
            return None
        uid = (obj.get("metadata") or {}).get("uid")
        return uid if isinstance(uid, str) else None

    def review_token(
        self, token: str, audiences: tuple[str, ...]
    ) -> tuple[AuthenticatedUser | None, tuple[str, ...], str]:
        """``resources.rbac.access.TokenReviewer`` over service account and static tokens."""
        try:
            user = self.authenticator.review(token, audiences)
            matched = audiences or self.signer.api_audiences
            return AuthenticatedUser(user.name, user.uid, user.groups, user.extra), matched, ""
        except satokens.TokenError:
            pass
        static = self.authenticator.static.authenticate({"authorization": f"Bearer {token}"})
        if static is None or static.name == authn.ANONYMOUS.name:
            return None, (), "invalid bearer token"
        if audiences and not set(audiences) & set(self.signer.api_audiences):
            return None, (), "token audiences is invalid"
        found = AuthenticatedUser(static.name, static.uid, static.groups, static.extra)
        return found, audiences or self.signer.api_audiences, ""

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Fill caches, reconcile the bootstrap policy, start the controllers."""
        await self.index.start()
        await self.accounts.start()
        await bootstrap.reconcile(
            self.stores["clusterroles"],
            self.stores["clusterrolebindings"],
            self.stores["roles"],
            self.stores["rolebindings"],
        )
        await self.index.fresh()
        await self.aggregate()
        self.index.caches["clusterroles"].listen(self._on_cluster_role)
        self.namespace_cache.listen(self._on_namespace)
        self.index.caches["rolebindings"].listen(self._on_role_binding)
        await self.namespace_cache.start()
        for key, obj in list(self.namespace_cache.items.items()):
            self._seen.add(key)
            await self._namespace_defaults(obj)
        self._running = True

    async def stop(self) -> None:
        self._running = False
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.namespace_cache.stop()
        await self.accounts.stop()
        await self.index.stop()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- controllers -----------------------------------------------------------------------
    async def aggregate(self) -> None:
        """Recompute aggregated ClusterRoles (``ClusterRoleAggregationController``)."""
        roles = {
            (obj.get("metadata") or {}).get("name", ""): obj
            for obj in self.index.caches["clusterroles"].items.values()
        }
        store = self.stores["clusterroles"]
        for name, rules in aggregation.aggregate_all(roles).items():

            def apply(obj: Obj, rules: list[Obj] = rules) -> Obj:
                obj["rules"] = rules
                return obj

            try:
                await store.guaranteed_update(RequestContext(), name, apply)
            except Exception:
                log.exception("aggregating clusterrole %s failed", name)

    def _on_cluster_role(self, key: str, obj: Obj | None) -> None:
        if self._running and not self._aggregate_pending:
            self._aggregate_pending = True
            self._spawn(self._aggregate_soon())

    async def _aggregate_soon(self) -> None:
        await asyncio.sleep(0)
        self._aggregate_pending = False
        await self.aggregate()

    def _on_namespace(self, key: str, obj: Obj | None) -> None:
        if obj is None:
            self._seen.discard(key)
        elif self._running and key not in self._seen:
            self._seen.add(key)
            self._spawn(self._namespace_defaults(obj))

    def _on_role_binding(self, key: str, obj: Obj | None) -> None:
        """A deleted default binding comes back, as OpenShift's default-rolebindings
        controller re-creates it (removing its subjects is the way to disable one)."""
        if obj is not None or not self._running:
            return
        namespace, _, name = key.rstrip("/").rpartition("/")
        namespace = namespace.rpartition("/")[2]
        if name not in bootstrap.DEFAULT_ROLE_BINDINGS:
            return
        ns = self.namespace_cache.items.get(f"/registry/core/namespaces/{namespace}")
        if ns is not None:
            self._spawn(self._namespace_defaults(ns))

    async def _namespace_defaults(self, ns: Obj) -> None:
        if (ns.get("status") or {}).get("phase") == "Terminating":
            return
        name = (ns.get("metadata") or {}).get("name", "")
        if name:
            await bootstrap.ensure_namespace(
                name, self.stores["serviceaccounts"], self.stores["rolebindings"]
            )
