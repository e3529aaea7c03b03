"""What one request carries into the REST layer: namespace, caller, dry-run, warnings.

The HTTP server builds it; stores and strategies read it. It is deliberately free of HTTP types so
that the controllers' in-process client can call stores directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["AccessCheck", "RequestContext", "User"]


@dataclass(frozen=True, slots=True)
class User:
    """The authenticated caller, as the REST layer sees it."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()


AccessCheck = Callable[[User, str, str, str, str, str, str], Awaitable[bool]]
"""``(user, verb, group, resource, subresource, namespace, name) -> allowed``: lets a store ask
the authorizer a second question (e.g. "may this user read the source stream's layers?")."""


async def _allow_all(
    user: User, verb: str, group: str, resource: str, subresource: str, namespace: str, name: str
) -> bool:
    return True


@dataclass(slots=True)
class RequestContext:
    namespace: str = ""
    user: User = field(default_factory=lambda: User("system:admin", groups=("system:masters",)))
    dry_run: bool = False
    field_manager: str = ""
    """The ``fieldManager`` query parameter (required for server-side apply)."""
    user_agent: str = ""
    """The request's User-Agent: names the field manager of non-apply writes without one."""
    applying: bool = False
    """Set for a server-side apply: the object's managedFields were computed by the apply, so
    the store records no Update entry for the write."""
    warnings: list[str] = field(default_factory=list)
    can: AccessCheck = _allow_all
    query: Mapping[str, str] = field(default_factory=dict)
    """The request's query parameters, for virtual resources whose GET takes options (e.g.
    selectors on ``imagestreams/secrets``)."""
    done: asyncio.Event | None = None
    """Set when the server shuts down: long-running calls (watches) end cleanly."""
