"""User impersonation (``Impersonate-User``/``-Group``/``-Uid``/``-Extra-*`` headers).

Why: ``kubectl --as alice`` and ``kubectl auth can-i ... --as alice`` send these headers, and an
administrator relies on the answer being alice's, not their own. kube-apiserver's
``WithImpersonation`` filter runs after authentication and before authorization: every requested
identity part needs the ``impersonate`` verb on ``users``/``groups``/``serviceaccounts`` (core
group) or ``uids``/``userextras/<key>`` (``authentication.k8s.io``); the request then runs as the
impersonated user, and the audit event names both. A server that ignored the headers would
silently answer with the caller's own rights.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from imagestreams import errors
from imagestreams.server import authz
from imagestreams.server.authn import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, UserInfo

__all__ = ["HEADER_PREFIX", "impersonate", "requested"]

HEADER_PREFIX = "impersonate-"
_USER = "impersonate-user"
_GROUP = "impersonate-group"
_UID = "impersonate-uid"
_EXTRA = "impersonate-extra-"
_SA_PREFIX = "system:serviceaccount:"
_AUTHN_GROUP = "authentication.k8s.io"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@dataclass(frozen=True)
class _Request:
    """One identity part asked for (kube builds a ``v1.ObjectReference`` per part)."""

    kind: str  # User, ServiceAccount, Group, UserExtra, UID
    name: str
    namespace: str = ""
    extra_key: str = ""

    def go_value(self) -> str:
        """``%v`` of the ObjectReference kube puts into its error text."""
        api_version = "authentication.k8s.io/v1" if self.kind in ("UserExtra", "UID") else ""
        fields = (self.kind, self.namespace, self.name, "", api_version, "", self.extra_key)
        return "{" + " ".join(fields) + "}"


def _split_service_account(username: str) -> tuple[str, str] | None:
    """``serviceaccount.SplitUsername``: a valid namespace and name, else not a service account."""
    if not username.startswith(_SA_PREFIX):
        return None
    parts = username[len(_SA_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace):
        return None
    if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        return None
    return namespace, name


def requested(headers: Iterable[tuple[str, str]]) -> list[_Request]:
    """The identity parts the headers ask for, in kube's order (user, groups, extras, uid).

    Raises ``InternalError`` for groups/extras/uid without a user, as kube does.
    """
    pairs = [(k.lower(), v) for k, v in headers]
    out: list[_Request] = []
    user = next((v for k, v in pairs if k == _USER), "")
    if user:
        sa = _split_service_account(user)
        if sa is not None:
            out.append(_Request("ServiceAccount", sa[1], namespace=sa[0]))
        else:
            out.append(_Request("User", user))
    others = [_Request("Group", v) for k, v in pairs if k == _GROUP]
    for k, v in pairs:
        if k.startswith(_EXTRA):
            key = urllib.parse.unquote(k[len(_EXTRA) :])
            others.append(_Request("UserExtra", v, extra_key=key))
    uid = next((v for k, v in pairs if k == _UID), "")
    if uid:
        others.append(_Request("UID", uid))
    out.extend(others)
    if others and not user:
        listed = "[" + " ".join(r.go_value() for r in out) + "]"
        raise errors.InternalError(f"requested {listed} without impersonating a user")
    return out


def _attributes(caller: UserInfo, req: _Request) -> authz.Attributes:
    group, resource, subresource = "", "", ""
    if req.kind == "ServiceAccount":
        resource = "serviceaccounts"
    elif req.kind == "User":
        resource = "users"
    elif req.kind == "Group":
        resource = "groups"
    elif req.kind == "UserExtra":
        group, resource, subresource = _AUTHN_GROUP, "userextras", req.extra_key
    else:
        group, resource = _AUTHN_GROUP, "uids"
    return authz.Attributes(
        user=caller,
        verb="impersonate",
        api_group=group,
        api_version="v1",
        resource=resource,
        subresource=subresource,
        name=req.name,
        namespace=req.namespace,
        resource_request=True,
    )


async def impersonate(
    authorizer: authz.Authorizer, caller: UserInfo, headers: Iterable[tuple[str, str]]
) -> UserInfo | None:
    """The user the request runs as, or ``None`` when no impersonation is asked for.

    Raises ``Forbidden`` (kube's message shape, e.g. ``users "alice" is forbidden: User "bob"
    cannot impersonate resource "users" in API group "" at the cluster scope``) when the caller
    may not impersonate one of the parts.
    """
    parts = requested(headers)
    if not parts:
        return None
    groups_given = any(p.kind == "Group" for p in parts)
    username, uid = "", ""
    groups: list[str] = []
    extra: dict[str, tuple[str, ...]] = {}
    for part in parts:
        attrs = _attributes(caller, part)
        decision, reason = await authorizer.authorize(attrs)
        if decision is not authz.Decision.ALLOW:
            raise authz.forbidden_error(attrs, reason)
        if part.kind == "ServiceAccount":
            username = f"{_SA_PREFIX}{part.namespace}:{part.name}"
            if not groups_given:
                groups = ["system:serviceaccounts", f"system:serviceaccounts:{part.namespace}"]
        elif part.kind == "User":
            username = part.name
        elif part.kind == "Group":
            groups.append(part.name)
        elif part.kind == "UserExtra":
            extra[part.extra_key] = (*extra.get(part.extra_key, ()), part.name)
        else:
            uid = part.name
    if username != ANONYMOUS.name:
        if ALL_AUTHENTICATED not in groups and ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    return UserInfo(username, uid, tuple(groups), extra)
