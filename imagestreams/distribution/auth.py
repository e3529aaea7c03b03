"""Who may pull and push: OpenShift's registry access controller over the API's own tokens.

Clients authenticate to the integrated registry with their *API* token, either directly
(``Authorization: Bearer <token>``) or as the password of any user name (``Basic``, what
``podman login -p $(oc whoami -t)`` sends). A request without credentials is challenged with
``WWW-Authenticate: Bearer realm="<scheme>://<host>/openshift/token"``; that token endpoint hands
back the presented password as the bearer token, or the literal ``anonymous`` without
credentials, which later requests present to act as ``system:anonymous``.

Authorization is one access check per access record, as upstream's ``auth.go`` does through
SelfSubjectAccessReviews: ``pull`` = ``get imagestreams/layers`` on ``<ns>/<name>``, ``push`` =
``update imagestreams/layers``, ``*`` (deletes) and ``admin``/``prune`` (blob removal by the
image pruner) = cluster ``delete images``, the catalog = cluster ``list imagestreams``; the
signature extension's ``signature``/``get`` = ``get imagestreams/layers`` and ``signature``/``put``
= ``create imagesignatures`` named after the stream, in its namespace (upstream's local SAR). A
denied ``pull`` is forgiven only when the same request also pushes to a *different* repository:
it is a cross-repository mount source, and the mount is then simply not done (the client
uploads the blob instead). Bad or unknown tokens and denials are a 401 with a ``Basic
realm=openshift,error="..."`` challenge and distribution's ``UNAUTHORIZED`` body listing the
requested access.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import msgspec

from imagestreams.distribution.errors import RegistryError
from imagestreams.rest.context import AccessCheck, User

__all__ = [
    "ANONYMOUS",
    "ANONYMOUS_TOKEN",
    "Access",
    "AccessController",
    "Authenticator",
    "Decision",
    "parse_scope",
    "split_repository",
]

ANONYMOUS_TOKEN: Final = "anonymous"
ANONYMOUS: Final = User("system:anonymous", groups=("system:unauthenticated",))
IMAGE_GROUP: Final = "image.openshift.io"
BASIC_REALM: Final = "openshift"

_TOKEN_REQUIRED = "authorization header required"
_TOKEN_INVALID = "failed to decode credentials"
_ACCESS_DENIED = "access denied"


class _UserInfo(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def uid(self) -> str: ...
    @property
    def groups(self) -> tuple[str, ...]: ...


class Authenticator(Protocol):
    """The API server's authenticator (``server.authn.Authenticator``), structurally."""

    def authenticate(self, headers: Mapping[str, str]) -> _UserInfo | None: ...


@dataclass(frozen=True, slots=True)
class Access:
    """One access record: ``repository``/``registry`` resource, its name, the action."""

    type: str
    name: str
    action: str

    def detail(self) -> dict[str, str]:
        """The record as distribution serializes ``auth.Access`` in error details."""
        return {"Type": self.type, "Class": "", "Name": self.name, "Action": self.action}


@dataclass(slots=True)
class Decision:
    """The authenticated caller and the pull records that were denied but deferred (mounts)."""

    user: User
    denied_pulls: set[str] = field(default_factory=set)

    def may_pull(self, repository: str) -> bool:
        return repository not in self.denied_pulls


def split_repository(name: str) -> tuple[str, str]:
    """``<namespace>/<stream>``; anything else is NAME_INVALID (upstream answers a bare 400)."""
    namespace, slash, stream = name.partition("/")
    if not slash or not namespace or not stream or "/" in stream:
        raise RegistryError(
            "NAME_INVALID",
            message="repository namespace required" if not slash else "invalid repository name",
            detail=name,
        )
    return namespace, stream


def _basic_password(value: str) -> str | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon else None


class AccessController:
    """Authenticates a request's credentials and checks its access records."""

    def __init__(self, authenticator: Authenticator, can: AccessCheck) -> None:
        self.authenticator = authenticator
        self.can = can

    # -- authentication ----------------------------------------------------------------------
    def token_of(self, headers: Mapping[str, str], realm: str) -> str:
        """The API token a request presents (``""`` for the anonymous token)."""
        scheme, _, value = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and value:
            return "" if value == ANONYMOUS_TOKEN else value
        if scheme.lower() == "basic":
            password = _basic_password(value)
            if not password:
                raise self._challenge(_TOKEN_INVALID, ())
            return password
        raise RegistryError(
            "UNAUTHORIZED",
            detail=None,
            headers={"WWW-Authenticate": f'Bearer realm="{realm}"'},
        )

    def user_for(self, token: str) -> User | None:
        """The user of an API token; ``""`` is anonymous; ``None`` = not a valid token."""
        if not token:
            return ANONYMOUS
        info = self.authenticator.authenticate({"authorization": f"Bearer {token}"})
        if info is None or info.name == ANONYMOUS.name:
            return None
        return User(info.name, info.uid, tuple(info.groups))

    def authenticate(
        self, headers: Mapping[str, str], realm: str, records: Sequence[Access] = ()
    ) -> User:
        try:
            token = self.token_of(headers, realm)
        except RegistryError as exc:
            if exc.detail is None and records:
                exc.detail = [r.detail() for r in records]
            raise
        user = self.user_for(token)
        if user is None:
            raise self._challenge(_ACCESS_DENIED, records)
        return user

    # -- authorization -----------------------------------------------------------------------
    async def authorize(self, user: User, records: Sequence[Access]) -> Decision:
        decision = Decision(user)
        pushes: set[str] = set()
        deferred: set[str] = set()
        cluster_checked: set[tuple[str, str]] = set()
        for record in records:
            if record.type == "repository":
                namespace, stream = split_repository(record.name)
                if record.action == "*":
                    check = ("delete", "images")
                elif record.action in ("pull", "push"):
                    verb = "get" if record.action == "pull" else "update"
                    if record.action == "push":
                        pushes.add(record.name)
                    allowed = await self.can(
                        user, verb, IMAGE_GROUP, "imagestreams", "layers", namespace, stream
                    )
                    if not allowed:
                        if record.action != "pull":
                            raise self._challenge(_ACCESS_DENIED, records)
                        deferred.add(record.name)
                    continue
                else:
                    raise RegistryError("UNSUPPORTED", message="unsupported action")
            elif record.type == "signature":
                namespace, stream = split_repository(record.name)
                if record.action == "get":
                    verb, resource, sub = "get", "imagestreams", "layers"
                elif record.action == "put":
                    verb, resource, sub = "create", "imagesignatures", ""
                else:
                    raise RegistryError("UNSUPPORTED", message="unsupported action")
                if not await self.can(user, verb, IMAGE_GROUP, resource, sub, namespace, stream):
                    raise self._challenge(_ACCESS_DENIED, records)
                continue
            elif record.type == "registry" and record.name == "catalog":
                check = ("list", "imagestreams")
            elif record.type == "admin":
                if record.action != "prune":
                    raise RegistryError("UNSUPPORTED", message="unsupported action")
                check = ("delete", "images")
            else:
                raise RegistryError("UNSUPPORTED", message="unsupported resource")
            if check not in cluster_checked:
                if not await self.can(user, check[0], IMAGE_GROUP, check[1], "", "", ""):
                    raise self._challenge(_ACCESS_DENIED, records)
                cluster_checked.add(check)
        for name in deferred:
            if not pushes or name in pushes:
                raise self._challenge(_ACCESS_DENIED, records)
        decision.denied_pulls = deferred
        return decision

    @staticmethod
    def _challenge(reason: str, records: Sequence[Access]) -> RegistryError:
        return RegistryError(
            "UNAUTHORIZED",
            detail=[r.detail() for r in records] or None,
            headers={"WWW-Authenticate": f'Basic realm={BASIC_REALM},error="{reason}"'},
        )

    # -- the token endpoint ------------------------------------------------------------------
    def token_response(
        self, headers: Mapping[str, str], scopes: Sequence[str]
    ) -> tuple[int, bytes]:
        """``GET /openshift/token``: ``(status, JSON body)``."""
        for scope in scopes:
            for record in parse_scope(scope):
                if record.type in ("repository", "signature"):
                    try:
                        split_repository(record.name)
                    except RegistryError as exc:
                        return 401, _json({"details": exc.message})
        value = headers.get("authorization", "")
        if not value:
            return 200, _json({"token": ANONYMOUS_TOKEN, "access_token": ANONYMOUS_TOKEN})
        scheme, _, credentials = value.strip().partition(" ")
        password = _basic_password(credentials) if scheme.lower() == "basic" else None
        if not password or self.user_for(password) is None:
            return 401, b""
        return 200, _json({"token": password, "access_token": password})


def parse_scope(scope: str) -> list[Access]:
    """``repository:ns/name:pull,push`` (several space-separated) -> access records; a resource
    type may carry a class (``repository(plugin):...``), which is ignored."""
    records: list[Access] = []
    for item in scope.split():
        head, _, actions = item.rpartition(":")
        kind, _, name = head.partition(":")
        kind = kind.split("(", 1)[0]
        if not kind or not name:
            continue
        records.extend(Access(kind, name, action) for action in actions.split(",") if action)
    return records


def _json(doc: Any) -> bytes:
    return msgspec.json.encode(doc) + b"\n"
