"""The registry auth dance: ``WWW-Authenticate`` challenges, Basic, and bearer tokens.

A registry says how it wants to be spoken to in its 401 answer: ``Basic realm="..."`` (htpasswd)
or ``Bearer realm="<token url>",service="<svc>",scope="repository:<repo>:pull"`` (the
distribution token spec). For Bearer the client GETs ``realm?service=..&scope=..`` (with Basic
credentials when it has any) and sends the returned token. Tokens are cached per
(realm, service, scope, user) until shortly before they expire, and fetching is single-flight, so
a burst of concurrent imports from one repository asks the token server once.

This module is pure: parsing, cache and token-response decoding. The HTTP round trip is the
client's, passed in as a coroutine factory.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from imagestreams.oci import errors

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "BearerToken",
    "Challenge",
    "TokenCache",
    "TokenKey",
    "basic_header",
    "parse_challenges",
    "parse_token_response",
    "repository_scope",
    "token_query",
]

# The token spec: "If omitted, this should be assumed to be 60 seconds."
DEFAULT_TOKEN_LIFETIME: Final = 60.0
# Stop using a token this long before it expires, so it cannot expire in flight.
_EXPIRY_MARGIN: Final = 5.0
_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge; ``scheme`` is lower case, param names too."""

    scheme: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")

    @property
    def service(self) -> str:
        return self.params.get("service", "")

    @property
    def scope(self) -> str:
        return self.params.get("scope", "")


def _tokenize(header: str) -> list[tuple[str, str]]:
    """Split into ``("t", token)``, ``("q", quoted)``, ``("=", "")`` and ``(",", "")`` items."""
    items: list[tuple[str, str]] = []
    i, n = 0, len(header)
    while i < n:
        c = header[i]
        if c in " \t":
            i += 1
        elif c in "=,":
            items.append((c, ""))
            i += 1
        elif c == '"':
            i += 1
            buf: list[str] = []
            while i < n and header[i] != '"':
                if header[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(header[i])
                i += 1
            i += 1
            items.append(("q", "".join(buf)))
        else:
            start = i
            while i < n and (header[i] in _TOKEN_CHARS or header[i] == "/"):
                i += 1
            if i == start:  # a stray character: skip it rather than loop forever
                i += 1
                continue
            items.append(("t", header[start:i]))
    return items


def parse_challenges(headers: Iterable[str]) -> list[Challenge]:
    """All challenges in the given ``WWW-Authenticate`` header values, in order.

    Handles several challenges in one header (``Basic realm="a", Bearer realm="b"``), quoted
    strings with escapes, unquoted values, and schemes without parameters. Malformed parameters
    are dropped rather than failing the request.
    """
    result: list[Challenge] = []
    for header in headers:
        items = _tokenize(header)
        i = 0
        while i < len(items):
            kind, value = items[i]
            if kind != "t":
                i += 1
                continue
            scheme = value.lower()
            params: dict[str, str] = {}
            i += 1
            while i < len(items):
                kind, value = items[i]
                if kind == ",":
                    i += 1
                elif kind == "t" and i + 1 < len(items) and items[i + 1][0] == "=":
                    if i + 2 < len(items) and items[i + 2][0] in ("t", "q"):
                        params[value.lower()] = items[i + 2][1]
                        i += 3
                    else:  # ``name=`` with nothing usable after it
                        i += 2
                elif kind == "t":  # a token without ``=``: the next challenge's scheme
                    break
                else:  # a stray ``=`` or quoted string
                    i += 1
            result.append(Challenge(scheme, params))
    return result


def repository_scope(repository: str, actions: str = "pull") -> str:
    """``repository:<name>:<actions>``, the scope a read of ``repository`` needs."""
    return f"repository:{repository}:{actions}"


def basic_header(username: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic."""
    raw = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def token_query(challenge: Challenge, scope: str) -> dict[str, str]:
    """Query parameters for the token request of ``challenge`` at ``scope``."""
    query: dict[str, str] = {}
    if challenge.service:
        query["service"] = challenge.service
    if scope:
        query["scope"] = scope
    return query


@dataclasses.dataclass(frozen=True, slots=True)
class BearerToken:
    """A token and the monotonic time after which it must not be used."""

    token: str = dataclasses.field(repr=False)
    expires_at: float

    def __repr__(self) -> str:
        return f"BearerToken(expires_at={self.expires_at!r})"


def parse_token_response(body: bytes, now: float) -> BearerToken:
    """Decode a token server's JSON answer; ``now`` is the monotonic clock at request time.

    ``token`` wins over ``access_token`` (both are allowed by the spec); ``expires_in`` defaults
    to 60 s and is clamped to at least 60 s like the distribution client does.
    """
    try:
        doc: Any = json.loads(body)
    except ValueError as exc:
        raise errors.ProtocolError("token server returned invalid JSON") from exc
    if not isinstance(doc, dict):
        raise errors.ProtocolError("token server returned a non-object")
    token = doc.get("token") or doc.get("access_token")
    if not isinstance(token, str) or not token:
        raise errors.ProtocolError("token server returned no token")
    lifetime = doc.get("expires_in")
    if not isinstance(lifetime, int | float) or isinstance(lifetime, bool) or lifetime <= 0:
        lifetime = DEFAULT_TOKEN_LIFETIME
    lifetime = max(float(lifetime), DEFAULT_TOKEN_LIFETIME)
    issued = doc.get("issued_at")
    if isinstance(issued, str):
        try:
            age = time.time() - datetime.fromisoformat(issued.replace("Z", "+00:00")).timestamp()
        except ValueError:
            age = 0.0
        # A skewed token-server clock must not make the token look older (or newer) than it is
        # by more than its lifetime; only subtract a plausible age.
        if 0 < age < lifetime:
            lifetime -= age
    return BearerToken(token=token, expires_at=now + lifetime - _EXPIRY_MARGIN)


@dataclasses.dataclass(frozen=True, slots=True)
class TokenKey:
    """What a cached token is valid for."""

    realm: str
    service: str
    scope: str
    username: str


class TokenCache:
    """Bearer tokens by :class:`TokenKey`, single-flight per key; safe for concurrent tasks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[TokenKey, BearerToken] = {}
        self._locks: dict[TokenKey, asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._tokens)

    def peek(self, key: TokenKey) -> str | None:
        """The cached, unexpired token for ``key`` without fetching."""
        cached = self._tokens.get(key)
        if cached is not None and cached.expires_at > self._clock():
            return cached.token
        return None

    def invalidate(self, key: TokenKey) -> None:
        """Forget ``key`` (the registry rejected its token)."""
        self._tokens.pop(key, None)

    async def get(self, key: TokenKey, fetch: Callable[[float], Awaitable[BearerToken]]) -> str:
        """The token for ``key``; ``fetch(now)`` is awaited at most once per expiry."""
        token = self.peek(key)
        if token is not None:
            return token
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self.peek(key)
            if token is not None:
                return token
            fresh = await fetch(self._clock())
            self._tokens[key] = fresh
            return fresh.token
