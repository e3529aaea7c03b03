"""Asynchronous facts that the (synchronous) stream strategies need, resolved on demand.

Tag processing reads *other* image streams, the cross-namespace check asks the authorizer, and
limit enforcement reads LimitRanges — all asynchronous, while ``rest.strategy.Strategy`` hooks
are synchronous. The image stream stores therefore run each write inside ``resolve``: strategy
code asks the request's ``Lookups`` (found through a context variable) for a fact; a fact not
known yet raises ``NeedLookup``, ``resolve`` fetches it and re-runs the write from scratch.
Writes only reach storage after validation, so a re-run has no side effects. Stores prefetch
what a request obviously needs, so re-runs are rare.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Fetcher", "LookupKey", "Lookups", "NeedLookup", "current", "resolve"]

Obj = dict[str, Any]
LookupKey = tuple[str, str, str]
"""``("stream", ns, name)``, ``("access", ns, name)`` or ``("limits", ns, "")``."""
Fetcher = Callable[[LookupKey], Awaitable[Any]]
T = TypeVar("T")

_MAX_ROUNDS = 32
_CURRENT: contextvars.ContextVar[Lookups | None] = contextvars.ContextVar(
    "image_lookups", default=None
)


class NeedLookup(Exception):
    """Raised by strategy code for a fact the request has not fetched yet."""

    def __init__(self, key: LookupKey) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Lookups:
    """Facts of one request: other streams (``None`` = absent), authorizer answers, limits."""

    facts: dict[LookupKey, Any] = field(default_factory=dict)

    def _get(self, key: LookupKey) -> Any:
        if key not in self.facts:
            raise NeedLookup(key)
        return self.facts[key]

    def stream(self, namespace: str, name: str) -> Obj | None:
        value: Obj | None = self._get(("stream", namespace, name))
        return value

    def can_read_layers(self, namespace: str, name: str) -> bool:
        return bool(self._get(("access", namespace, name)))

    def limits(self, namespace: str) -> list[Obj]:
        value: list[Obj] = self._get(("limits", namespace, ""))
        return value


def current() -> Lookups:
    """The lookups of the running write (an empty set outside ``resolve``: every fact raises)."""
    return _CURRENT.get() or Lookups()


async def resolve(
    fetch: Fetcher,
    attempt: Callable[[], Awaitable[T]],
    prefetch: tuple[LookupKey, ...] = (),
) -> T:
    """Run ``attempt`` until it needs no unknown fact; ``fetch`` supplies each missing one."""
    lookups = Lookups()
    for key in dict.fromkeys(prefetch):
        lookups.facts[key] = await fetch(key)
    for _ in range(_MAX_ROUNDS):
        token = _CURRENT.set(lookups)
        try:
            return await attempt()
        except NeedLookup as need:
            missing = need.key
        finally:
            _CURRENT.reset(token)
        lookups.facts[missing] = await fetch(missing)
    raise RuntimeError("image stream write needed too many lookups")
