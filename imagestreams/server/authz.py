"""May this user do this: the authorizer seam and kube-apiserver's forbidden messages.

Handlers never decide access themselves. They build ``Attributes`` (from ``RequestInfo`` and
the authenticated user) and ask an ``Authorizer``, which answers ALLOW, DENY or NO_OPINION plus a
reason, exactly like ``k8s.io/apiserver/pkg/authorization/authorizer``; the stores' second
questions (``rest.context.AccessCheck``) go through the same seam via ``allowed``. Today's policy is
``AllowAllAuthenticated``; RBAC can replace it later without touching a handler.

A refusal is rendered as kube-apiserver's ``ForbiddenStatusError`` does (responsewriters/errors.go),
so scripts matching on ``User "x" cannot get resource "imagestreams" ...`` keep working.
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Protocol

from imagestreams.errors import Forbidden
from imagestreams.rest.context import User
from imagestreams.server.authn import ALL_AUTHENTICATED, ANONYMOUS, UserInfo
from imagestreams.server.requestinfo import RequestInfo

__all__ = [
    "AllowAllAuthenticated",
    "Attributes",
    "Authorizer",
    "Decision",
    "allowed",
    "forbidden_error",
    "forbidden_message",
    "go_quote",
]


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


class Attributes(NamedTuple):
    """``authorizer.AttributesRecord``: who wants to do what to which object. (An immutable
    tuple: one is built per request, and a frozen dataclass cost three times as much.)"""

    user: UserInfo
    verb: str
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""
    resource_request: bool = False
    path: str = ""

    @classmethod
    def from_request(cls, user: UserInfo, info: RequestInfo) -> Attributes:
        """Attributes for an HTTP request, as kube's ``GetAuthorizerAttributes``."""
        return cls(
            user=user,
            verb=info.verb,
            api_group=info.api_group,
            api_version=info.api_version,
            resource=info.resource,
            subresource=info.subresource,
            name=info.name,
            namespace=info.namespace,
            resource_request=info.is_resource_request,
            path=info.path,
        )


class Authorizer(Protocol):
    """Decides one request; the reason is shown to the client after a DENY or NO_OPINION."""

    async def authorize(self, attrs: Attributes) -> tuple[Decision, str]: ...


class AllowAllAuthenticated:
    """Every authenticated user may do everything; anonymous requests get no permission."""

    async def authorize(self, attrs: Attributes) -> tuple[Decision, str]:
        user = attrs.user
        if user.name != ANONYMOUS.name and ALL_AUTHENTICATED in user.groups:
            return Decision.ALLOW, ""
        return Decision.DENY, ""


async def allowed(
    authorizer: Authorizer,
    user: User,
    verb: str,
    group: str,
    resource: str,
    subresource: str,
    namespace: str,
    name: str,
) -> bool:
    """A ``rest.context.AccessCheck`` answered by ``authorizer``: a resource request's
    attributes (no version, no path) and True only for ALLOW."""
    attrs = Attributes(
        user=UserInfo(user.name, user.uid, user.groups),
        verb=verb,
        api_group=group,
        api_version="",
        resource=resource,
        subresource=subresource,
        name=name,
        namespace=namespace,
        resource_request=True,
    )
    decision, _ = await authorizer.authorize(attrs)
    return decision is Decision.ALLOW


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(s: str) -> str:
    """Go's ``%q`` of a string: double-quoted, with backslash escapes for ``"``, ``\\``, control
    characters and other non-printable runes (``\\x``, ``\\u``, ``\\U``)."""
    out = ['"']
    for ch in s:
        esc = _GO_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch == " " or ch.isprintable():
            out.append(ch)
        else:
            cp = ord(ch)
            if cp < 0x80:
                out.append(f"\\x{cp:02x}")
            elif cp <= 0xFFFF:
                out.append(f"\\u{cp:04x}")
            else:
                out.append(f"\\U{cp:08x}")
    out.append('"')
    return "".join(out)


def _sanitize(text: str) -> str:
    """kube keeps error text from looking like HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def forbidden_message(attrs: Attributes, reason: str = "") -> str:
    """The text after ``is forbidden:``, e.g. ``User "alice" cannot get resource "imagestreams"
    in API group "image.openshift.io" in the namespace "proj": <reason>``."""
    user, verb = go_quote(attrs.user.name), attrs.verb
    if not attrs.resource_request:
        msg = f"User {user} cannot {verb} path {go_quote(attrs.path)}"
    else:
        resource = attrs.resource
        if attrs.subresource:
            resource = f"{resource}/{attrs.subresource}"
        what = f"User {user} cannot {verb} resource {go_quote(resource)} in API group " + (
            go_quote(attrs.api_group)
        )
        if attrs.namespace:
            msg = f"{what} in the namespace {go_quote(attrs.namespace)}"
        else:
            msg = f"{what} at the cluster scope"
    msg = _sanitize(msg)
    return f"{msg}: {reason}" if reason else msg


def forbidden_error(attrs: Attributes, reason: str = "") -> Forbidden:
    """The 403 kube-apiserver answers: ``errors.NewForbidden(group/resource, name, message)``.

    Non-resource requests have an empty group/resource, so their message starts ``forbidden: ``.
    """
    message = forbidden_message(attrs, reason)
    if attrs.resource_request and (attrs.resource or attrs.api_group):
        q = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
        head = f"{q} {go_quote(attrs.name)}" if attrs.name else q
        text = f"{head} is forbidden: {message}"
        return Forbidden(text, name=attrs.name, group=attrs.api_group, kind=attrs.resource)
    return Forbidden(f"forbidden: {message}")
