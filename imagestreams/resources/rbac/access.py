"""The questions the RBAC REST resources ask of the access-control system, as plain types.

The stores of roles and bindings must refuse escalation, the review resources must evaluate
access for an arbitrary user, and TokenReview must authenticate a token. The code that answers
(``imagestreams.rbac``, ``imagestreams.server.satokens``) sits above this layer, so the resources
depend only on the ``AccessControl`` protocol defined here and receive an implementation from the
composition root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from imagestreams.rest.context import User

__all__ = [
    "AccessControl",
    "AccessDecision",
    "AccessRequest",
    "AuthenticatedUser",
    "RulesReview",
    "TokenReviewer",
]

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """``authorizer.Attributes`` for one question (a SubjectAccessReview or a store check)."""

    user: User
    verb: str
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""
    resource_request: bool = True
    path: str = ""


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """``SubjectAccessReviewStatus``."""

    allowed: bool
    denied: bool = False
    reason: str = ""
    evaluation_error: str = ""


@dataclass(frozen=True, slots=True)
class RulesReview:
    """``SubjectRulesReviewStatus``: the rules as JSON dicts, as the review returns them."""

    resource_rules: list[Obj]
    non_resource_rules: list[Obj]
    incomplete: bool = False
    evaluation_error: str = ""


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    """``authenticationv1.UserInfo`` of a TokenReview or SelfSubjectReview."""

    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class AccessControl(Protocol):
    """What the RBAC resources need from the authorizer."""

    async def decide(self, request: AccessRequest) -> AccessDecision:
        """The full authorization chain's answer (privileged groups, then RBAC)."""
        ...

    async def rules_for(self, user: User, namespace: str) -> RulesReview:
        """Every rule that applies to ``user`` in ``namespace`` (cluster-wide ones included)."""
        ...

    async def check_role_write(
        self,
        user: User,
        resource: str,
        namespace: str,
        name: str,
        rules: list[Obj],
        aggregation: bool,
    ) -> None:
        """Raise ``errors.Forbidden`` if writing these rules would escalate ``user``."""
        ...

    async def check_binding_write(
        self, user: User, resource: str, namespace: str, name: str, role_ref: Obj
    ) -> None:
        """Raise ``errors.Forbidden`` if binding ``role_ref`` would escalate ``user``."""
        ...

    def note_write(self, resource: str, revision: int) -> None:
        """A role or binding was written at ``revision``; later decisions must see it."""
        ...


class TokenReviewer(Protocol):
    """Authenticates a bearer token for TokenReview."""

    def review_token(
        self, token: str, audiences: tuple[str, ...]
    ) -> tuple[AuthenticatedUser | None, tuple[str, ...], str]:
        """``(user or None, audiences the token is valid for, error text)``."""
        ...
