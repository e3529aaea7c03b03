"""Per-registry auth state of a ``RegistryClient``: which scheme, which credential, which token.

Split from the client so the request logic reads as "send, and on 401 ask the authorizer once".
The authorizer remembers the last usable challenge (Bearer preferred over Basic, as Docker does)
so later requests authenticate up front instead of paying a 401 round trip each; it picks the
credential for a repository from an explicit :class:`Credential` or a :class:`Keyring` (first
match, like upstream's ``configs[0]``); and it fetches bearer tokens from the challenge's realm
through the client's :class:`~imagestreams.oci.exchange.Exchanger`, caching them per
(realm, service, scope, user) in a single-flight :class:`~imagestreams.oci.auth.TokenCache`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

import httpx

from imagestreams.oci import auth, errors
from imagestreams.oci.credentials import Credential, Keyring
from imagestreams.oci.exchange import Exchanger
from imagestreams.oci.responses import distribution_error_text, error_for

__all__ = ["Authorizer"]

_MAX_TOKEN_BODY: Final = 1024 * 1024


class Authorizer:
    """Challenge, credentials and bearer tokens for one registry host."""

    def __init__(
        self,
        registry_host: str,
        exchanger: Exchanger,
        *,
        credential: Credential | None,
        keyring: Keyring | None,
        on_token_request: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry_host = registry_host
        self._exchanger = exchanger
        self._credential = credential
        self._keyring = keyring
        self._on_token_request = on_token_request
        self._tokens = auth.TokenCache(clock)
        self.challenge: auth.Challenge | None = None

    def credential_for(self, repository: str) -> Credential | None:
        """The explicit credential, else the keyring's best match for the repository."""
        if self._credential is not None:
            return self._credential
        if self._keyring is not None:
            return self._keyring.first(self._registry_host, repository)
        return None

    def learn(self, challenges: list[auth.Challenge]) -> auth.Challenge | None:
        """Remember the usable challenge among ``challenges`` (Bearer with a realm, or Basic)."""
        for scheme in ("bearer", "basic"):
            for challenge in challenges:
                if challenge.scheme == scheme and (scheme == "basic" or challenge.realm):
                    self.challenge = challenge
                    return challenge
        return None

    def forget_token(self, challenge: auth.Challenge, scope: str, cred: Credential | None) -> None:
        """Drop a cached token the registry has just rejected."""
        user = cred.username if cred else ""
        self._tokens.invalidate(auth.TokenKey(challenge.realm, challenge.service, scope, user))

    async def authorization(
        self, challenge: auth.Challenge | None, scope: str, cred: Credential | None, url: str = ""
    ) -> str | None:
        """The ``Authorization`` value to send under ``challenge`` (None: send nothing); ``url``
        is the request it is for (named in a token server's refusal)."""
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            return auth.basic_header(cred.username, cred.password) if cred else None
        user = cred.username if cred else ""
        key = auth.TokenKey(challenge.realm, challenge.service, scope, user)

        async def fetch(now: float) -> auth.BearerToken:
            return await self._fetch_token(challenge, scope, cred, now, url)

        return "Bearer " + await self._tokens.get(key, fetch)

    async def _fetch_token(
        self, challenge: auth.Challenge, scope: str, cred: Credential | None, now: float, url: str
    ) -> auth.BearerToken:
        realm = httpx.URL(challenge.realm)
        if realm.scheme not in ("http", "https") or not realm.host:
            raise errors.ProtocolError("the registry's token realm is not an http(s) URL")
        token_url = realm.copy_merge_params(auth.token_query(challenge, scope))
        response, body = await self._exchanger.exchange(
            "GET",
            str(token_url),
            accept="application/json",
            authorization=auth.basic_header(cred.username, cred.password) if cred else None,
            limit=_MAX_TOKEN_BODY,
            what="a registry token",
            on_send=lambda _: self._on_token_request(),
        )
        if response.status_code in (401, 403):
            token_error = distribution_error_text(response.status_code, body)
            if cred is None:
                raise errors.Unauthorized(
                    "the registry's token server requires credentials and none were found",
                    token_error=token_error,
                    request_url=url,
                )
            raise errors.Unauthorized(
                "the registry's token server refused the credentials",
                had_credentials=True,
                token_error=token_error,
                request_url=url,
            )
        if not 200 <= response.status_code < 300:
            raise error_for(response, body, "a registry token")
        return auth.parse_token_response(body, now)
