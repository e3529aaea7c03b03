"""The RBAC authorizer: kube-apiserver's ``--authorization-mode=RBAC`` behind ``server.authz``.

One object answers every access question of the server: the HTTP layer's ``authorize``
(``server.authz.Authorizer``), the REST layer's secondary checks (``can``, a
``rest.context.AccessCheck``: "may this user read the source stream's layers?"), the review
resources (``decide``, ``rules_for``) and the escalation checks of role and binding writes. As in
kube-apiserver, members of ``system:masters`` are allowed before RBAC is consulted (the privileged
group authorizer), and RBAC never denies: it allows or has no opinion, and the reason is empty
unless a binding referred to a missing role.
"""

from __future__ import annotations

from imagestreams import errors
from imagestreams.rbac import escalation
from imagestreams.rbac.index import PolicyIndex
from imagestreams.rbac.rules import GROUP, PolicyRule, rule_allows
from imagestreams.resources.rbac.access import AccessDecision, AccessRequest, RulesReview
from imagestreams.rest.context import User
from imagestreams.server import authn, authz

__all__ = ["RBACAuthorizer"]

_ROLE_RESOURCES = ("roles", "clusterroles")


class RBACAuthorizer:
    """Privileged groups, then RBAC over a ``PolicyIndex``."""

    def __init__(self, index: PolicyIndex) -> None:
        self.index = index

    # -- the core decision ----------------------------------------------------------------
    async def decide(self, request: AccessRequest) -> AccessDecision:
        user = request.user
        if authn.SYSTEM_MASTERS in user.groups:
            return AccessDecision(allowed=True)
        await self.index.fresh()
        groups = frozenset(user.groups)
        errs: list[str] = []
        for source, rule, err in self.index.visit(user.name, groups, request.namespace):
            if rule is not None and rule_allows(
                rule,
                verb=request.verb,
                resource_request=request.resource_request,
                api_group=request.api_group,
                resource=request.resource,
                subresource=request.subresource,
                name=request.name,
                path=request.path,
            ):
                return AccessDecision(allowed=True, reason=f"RBAC: allowed by {source}")
            if err:
                errs.append(err)
        if errs:
            text = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
            return AccessDecision(allowed=False, reason=f"RBAC: {text}")
        return AccessDecision(allowed=False)

    # -- server.authz.Authorizer -----------------------------------------------------------
    async def authorize(self, attrs: authz.Attributes) -> tuple[authz.Decision, str]:
        user = attrs.user
        if authn.SYSTEM_MASTERS in user.groups:
            # The fast path every admin request takes; ``decide`` grants the same.
            return authz.Decision.ALLOW, ""
        decision = await self.decide(
            AccessRequest(
                user=User(user.name, user.uid, user.groups),
                verb=attrs.verb,
                api_group=attrs.api_group,
                api_version=attrs.api_version,
                resource=attrs.resource,
                subresource=attrs.subresource,
                name=attrs.name,
                namespace=attrs.namespace,
                resource_request=attrs.resource_request,
                path=attrs.path,
            )
        )
        if decision.allowed:
            return authz.Decision.ALLOW, decision.reason
        return authz.Decision.NO_OPINION, decision.reason

    # -- rest.context.AccessCheck -----------------------------------------------------------
    async def can(
        self,
        user: User,
        verb: str,
        group: str,
        resource: str,
        subresource: str,
        namespace: str,
        name: str,
    ) -> bool:
        return await authz.allowed(self, user, verb, group, resource, subresource, namespace, name)

    # -- reviews ---------------------------------------------------------------------------
    async def rules_for(self, user: User, namespace: str) -> RulesReview:
        """``SelfSubjectRulesReview``: privileged users get kube's full-authority rules."""
        if authn.SYSTEM_MASTERS in user.groups:
            rules: list[PolicyRule] = list(escalation.FULL_AUTHORITY)
            errs: list[str] = []
        else:
            await self.index.fresh()
            rules, errs = self.index.rules_for(user.name, frozenset(user.groups), namespace)
        resource_rules: list[dict[str, object]] = []
        non_resource_rules: list[dict[str, object]] = []
        for rule in rules:
            if rule.non_resource_urls:
                non_resource_rules.append(
                    {"verbs": list(rule.verbs), "nonResourceURLs": list(rule.non_resource_urls)}
                )
            else:
                resource_rules.append(rule.to_dict())  # no nonResourceURLs on this branch
        error = ""
        if errs:
            error = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
        return RulesReview(resource_rules, non_resource_rules, bool(errs), error)

    # -- escalation ------------------------------------------------------------------------
    async def _confirm(
        self, user: User, namespace: str, resource: str, name: str, wanted: list[PolicyRule]
    ) -> None:
        await self.index.fresh()
        owned, errs = self.index.rules_for(user.name, frozenset(user.groups), namespace)
        ok, missing = escalation.covers(owned, wanted)
        if not ok:
            raise errors.Forbidden.for_resource(
                resource, GROUP, name,
                escalation.escalation_message(user.name, user.groups, missing, errs),
            )  # fmt: skip

    async def check_role_write(
        self,
        user: User,
        resource: str,
        namespace: str,
        name: str,
        rules: list[dict[str, object]],
        aggregation: bool,
    ) -> None:
        if authn.SYSTEM_MASTERS in user.groups:
            return
        if aggregation:
            owned, _ = self.index.rules_for(user.name, frozenset(user.groups), namespace)
            if not escalation.covers(owned, escalation.FULL_AUTHORITY)[0]:
                raise errors.Forbidden.for_resource(
                    resource, GROUP, name, escalation.AGGREGATION_MESSAGE
                )
        if resource in _ROLE_RESOURCES and await self.can(
            user, "escalate", GROUP, resource, "", namespace, name
        ):
            return
        wanted = [PolicyRule.from_dict(r) for r in rules if isinstance(r, dict)]
        await self._confirm(user, namespace, resource, name, wanted)

    async def check_binding_write(
        self, user: User, resource: str, namespace: str, name: str, role_ref: dict[str, object]
    ) -> None:
        if authn.SYSTEM_MASTERS in user.groups:
            return
        kind, role = str(role_ref.get("kind", "")), str(role_ref.get("name", ""))
        target = "clusterroles" if kind == "ClusterRole" else "roles"
        if await self.can(user, "bind", GROUP, target, "", namespace, role):
            return
        try:
            wanted = list(self.index.role_rules(kind, role, namespace))
        except LookupError as e:
            raise errors.Forbidden.for_resource(resource, GROUP, name, str(e)) from None
        await self._confirm(user, namespace, resource, name, wanted)

    def note_write(self, resource: str, revision: int) -> None:
        self.index.note_write(resource, revision)
