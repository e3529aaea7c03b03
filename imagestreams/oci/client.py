"""``RegistryClient``: the Docker Registry HTTP API v2 / OCI distribution client of the importer.

One client per registry host holds one ``httpx.AsyncClient`` (one connection pool), is safe to
share between concurrent tasks, and does the minimum number of round trips: no ping before work,
a bearer token fetched once per repository scope and reused until it expires, Basic credentials
sent up front once the registry has asked for them. So a newly imported tag costs two registry
requests (manifest + config) and an unchanged tag one ``HEAD``; :attr:`RegistryClient.stats`
counts them by method (token-server requests are counted apart) for the benchmarks to assert.

Remote registries are untrusted: every request runs under connect/read timeouts *and* an overall
deadline (a slow-drip body cannot hold us), bodies are size-bounded while streaming, digests are
verified on the raw bytes, redirects are followed a bounded number of times and never carry
``Authorization`` to another origin, and ``insecure`` means "unverified TLS, or plain HTTP if TLS
fails" for this client only. Failures are :mod:`imagestreams.oci.errors`; nothing secret ever ends
up in a message or ``repr``.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Final, NamedTuple, TypeVar

import httpx

from imagestreams._util.aiohttp_transport import AiohttpTransport
from imagestreams.oci import auth, errors, manifests, mediatypes
from imagestreams.oci.authorizer import Authorizer
from imagestreams.oci.credentials import Credential, Keyring
from imagestreams.oci.exchange import Exchanger, origin
from imagestreams.oci.responses import ERROR_BODY_LIMIT, error_for, next_link

__all__ = [
    "DEFAULT_MAX_BLOB_SIZE",
    "DEFAULT_MAX_MANIFEST_SIZE",
    "ManifestHead",
    "RegistryClient",
    "RequestStats",
    "Timeouts",
]

DEFAULT_MAX_MANIFEST_SIZE: Final = 4 * 1024 * 1024
DEFAULT_MAX_BLOB_SIZE: Final = 8 * 1024 * 1024
_MAX_TAGS_BODY: Final = 16 * 1024 * 1024
_MAX_TAG_PAGES: Final = 10_000
_DOCKER_HUB_API: Final = "registry-1.docker.io"
_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: to connect, between two reads, and for a whole request including its body."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 60.0


@dataclasses.dataclass(slots=True)
class RequestStats:
    """Requests sent to the registry by HTTP method, and to token servers."""

    by_method: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    token_requests: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def reset(self) -> None:
        self.by_method.clear()
        self.token_requests = 0


class ManifestHead(NamedTuple):
    """What a ``HEAD`` of a manifest tells: its digest, media type and size (-1 if unknown)."""

    digest: str
    media_type: str
    size: int


class RegistryClient:
    """An async client for one registry host (``quay.io``, ``127.0.0.1:5000``).

    ``docker.io``/``index.docker.io`` mean ``registry-1.docker.io``. ``credential`` is used for
    every repository; otherwise ``keyring`` is asked per repository. ``insecure`` allows
    unverified TLS and, when TLS fails, plain HTTP (decided on the first request, then kept).
    ``transport`` replaces the network (tests; default:
    :mod:`~imagestreams._util.aiohttp_transport`).
    Keep one client per registry and credential set and share it: it owns the connection pool
    and the token cache; ``close()`` it when done.
    """

    def __init__(
        self,
        registry_host: str,
        *,
        insecure: bool = False,
        credential: Credential | None = None,
        keyring: Keyring | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts = Timeouts(),
        max_manifest_size: int = DEFAULT_MAX_MANIFEST_SIZE,
        max_redirects: int = 10,
        max_connections: int = 32,
        user_agent: str = "imagestreams-importer/0.1",
        clock: Callable[[], float] = time.monotonic,
        trust_env: bool = False,
    ) -> None:
        host = registry_host.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
        if not host or any(c in host for c in "/@?# "):
            raise ValueError(f"invalid registry host {registry_host[:80]!r}")
        self.registry_host = _DOCKER_HUB_API if host in ("docker.io", "index.docker.io") else host
        self.insecure = insecure
        self.stats = RequestStats()
        self._timeouts = timeouts
        self._max_manifest_size = max_manifest_size
        self._scheme: str | None = None if insecure else "https"
        if transport is None and not trust_env:  # env proxies: left to httpx's own transport
            transport = AiohttpTransport(verify=not insecure, max_connections=max_connections)
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=not insecure,
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            follow_redirects=False,
            trust_env=trust_env,
            # httpcore checks every pooled connection on each request: keep the pool as small
            # as the concurrency the caller allows.
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            # identity: a compressed body could expand far past our size limits while decoding
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
        )
        direct = None if trust_env else transport  # trust_env: proxies may be mounted
        self._exchanger = Exchanger(
            self._http, max_redirects=max_redirects, insecure=insecure, transport=direct
        )
        self._auth = Authorizer(
            self.registry_host,
            self._exchanger,
            credential=credential,
            keyring=keyring,
            on_token_request=self._count_token_request,
            clock=clock,
        )

    def _count_token_request(self) -> None:
        self.stats.token_requests += 1

    def __repr__(self) -> str:
        return f"RegistryClient({self.registry_host!r}, insecure={self.insecure})"

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- public API -------------------------------------------------------------------------

    async def ping(self) -> str:
        """Check that the host serves the v2 API; returns the base URL in use."""
        response, _ = await self._deadline(
            self._send("GET", "/v2/", None, None, ERROR_BODY_LIMIT, "the registry API"),
            "the registry API",
        )
        status = response.status_code
        if status == 401:
            self._auth.learn(auth.parse_challenges(response.headers.get_list("www-authenticate")))
        versions = response.headers.get("docker-distribution-api-version", "")
        if status not in (200, 401, 403) and "registry/2.0" not in versions:
            if status == 429 or status >= 500:
                raise error_for(response, b"", "the registry API")
            raise errors.NotV2Registry(
                f"the server at {self.registry_host} does not implement the registry v2 API",
                http_status=status,
            )
        return f"{self._scheme}://{self.registry_host}"

    async def get_manifest(self, repository: str, reference: str) -> tuple[bytes, str, str]:
        """GET a manifest by tag or digest: (raw bytes, media type, verified digest)."""
        manifests.check_repository(repository)
        by_digest = manifests.check_reference(reference)
        what = f"manifest {repository}{'@' if by_digest else ':'}{reference}"
        response, body = await self._call(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            repository,
            accept=mediatypes.MANIFEST_ACCEPT,
            limit=self._max_manifest_size,
            what=what,
        )
        media_type = mediatypes.sniff(response.headers.get("content-type"), body)
        if media_type in mediatypes.SCHEMA1_TYPES:
            raise errors.Unsupported(
                f"{what} is a Docker schema1 manifest, which is not supported;"
                " convert the image to schema2 or OCI"
            )
        if media_type not in mediatypes.SUPPORTED_MANIFEST_TYPES:
            raise errors.Unsupported(f"{what} has unsupported media type {media_type[:120]!r}")
        header = response.headers.get("docker-content-digest")
        if header:
            manifests.verify_digest(body, header)
        if by_digest:
            return body, media_type, manifests.verify_digest(body, reference)
        return body, media_type, manifests.compute_digest(body)

    async def head_manifest(self, repository: str, reference: str) -> ManifestHead | None:
        """HEAD a manifest: its digest, media type and size, or None when it does not exist."""
        manifests.check_repository(repository)
        by_digest = manifests.check_reference(reference)
        what = f"manifest {repository}{'@' if by_digest else ':'}{reference}"
        response, _ = await self._call(
            "HEAD",
            f"/v2/{repository}/manifests/{reference}",
            repository,
            accept=mediatypes.MANIFEST_ACCEPT,
            limit=0,
            what=what,
            missing_ok=True,
        )
        if response.status_code == 404:
            return None
        digest = response.headers.get("docker-content-digest", "")
        if digest:
            manifests.parse_digest(digest)
            if by_digest and digest != reference:
                raise errors.InvalidDigest(
                    f"content integrity error: the registry reports digest {digest} for {what}"
                )
        elif by_digest:
            digest = reference
        else:
            raise errors.ProtocolError(f"the registry sent no Docker-Content-Digest for {what}")
        length = response.headers.get("content-length", "")
        size = int(length) if length.isdigit() else -1
        return ManifestHead(
            digest, mediatypes.base_type(response.headers.get("content-type")), size
        )

    async def get_blob(
        self, repository: str, digest: str, max_size: int = DEFAULT_MAX_BLOB_SIZE
    ) -> bytes:
        """GET a (small) blob such as an image config, verified against ``digest``."""
        manifests.check_repository(repository)
        manifests.parse_digest(digest)
        what = f"blob {repository}@{digest}"
        _, body = await self._call(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            repository,
            accept=None,
            limit=max_size,
            what=what,
        )
        manifests.verify_digest(body, digest)
        return body

    async def list_tags(
        self, repository: str, limit: int | None = None, page_size: int | None = None
    ) -> list[str]:
        """All tags (at most ``limit``), following ``Link: <...>; rel="next"`` pagination."""
        manifests.check_repository(repository)
        path = f"/v2/{repository}/tags/list"
        if page_size:
            path += f"?n={int(page_size)}"
        tags: list[str] = []
        seen: set[str] = set()
        what = f"tags of {repository}"
        for _ in range(_MAX_TAG_PAGES):
            seen.add(path)
            response, body = await self._call(
                "GET",
                path,
                repository,
                accept="application/json",
                limit=_MAX_TAGS_BODY,
                what=what,
            )
            try:
                doc = json.loads(body)
            except ValueError:
                raise errors.ProtocolError(f"invalid JSON in the {what}") from None
            page = doc.get("tags") if isinstance(doc, dict) else None
            if page is not None and not (
                isinstance(page, list) and all(isinstance(t, str) for t in page)
            ):
                raise errors.ProtocolError(f"invalid tag list for {repository}")
            tags.extend(page or ())
            if limit is not None and len(tags) >= limit:
                return tags[:limit]
            link = next_link(response)
            if not link:
                return tags
            target = response.url.join(link)
            if origin(str(target)) != origin(str(response.url)):
                raise errors.ProtocolError(f"the {what} link points to another host")
            path = target.raw_path.decode("ascii")
            if path in seen:
                raise errors.ProtocolError(f"the {what} pagination loops")
        raise errors.ProtocolError(f"the {what} has more than {_MAX_TAG_PAGES} pages")

    # -- plumbing ---------------------------------------------------------------------------

    async def _deadline(self, work: Awaitable[_T], what: str) -> _T:
        try:
            async with asyncio.timeout(self._timeouts.total):
                return await work
        except TimeoutError:
            raise errors.Timeout(
                f"{what} on {self.registry_host} took longer than {self._timeouts.total:g}s"
            ) from None

    async def _call(
        self,
        method: str,
        path: str,
        repository: str,
        *,
        accept: str | None,
        limit: int,
        what: str,
        missing_ok: bool = False,
    ) -> tuple[httpx.Response, bytes]:
        response, body = await self._deadline(
            self._authorized(method, path, repository, accept, limit, what), what
        )
        status = response.status_code
        if 200 <= status < 300 or (missing_ok and status == 404):
            return response, body
        raise error_for(response, body, what)

    async def _authorized(
        self, method: str, path: str, repository: str, accept: str | None, limit: int, what: str
    ) -> tuple[httpx.Response, bytes]:
        cred = self._auth.credential_for(repository)
        scope = auth.repository_scope(repository) if repository else ""
        url = f"{self._scheme or 'https'}://{self.registry_host}{path}"  # named in token errors
        sent = await self._auth.authorization(self._auth.challenge, scope, cred, url)
        response, body = await self._send(method, path, accept, sent, limit, what)
        if response.status_code != 401:
            return response, body
        challenge = self._auth.learn(
            auth.parse_challenges(response.headers.get_list("www-authenticate"))
        )
        if challenge is None:
            raise errors.Unauthorized(
                f"authentication required for {what}, but the registry offers no usable scheme",
                had_credentials=cred is not None,
            )
        if challenge.scheme == "bearer":
            scope = challenge.scope or scope
            self._auth.forget_token(challenge, scope, cred)
        retry = await self._auth.authorization(challenge, scope, cred, str(response.url))
        if retry is not None and retry != sent:
            response, body = await self._send(method, path, accept, retry, limit, what)
            if response.status_code != 401:
                return response, body
        if cred is None:
            raise errors.Unauthorized(
                f"authentication required for {what} and no credentials were found"
            )
        raise errors.Unauthorized(
            f"incorrect username or password for {what}", had_credentials=True
        )

    async def _send(
        self,
        method: str,
        path: str,
        accept: str | None,
        authorization: str | None,
        limit: int,
        what: str,
    ) -> tuple[httpx.Response, bytes]:
        schemes = [self._scheme] if self._scheme else ["https", "http"]
        for attempt, scheme in enumerate(schemes):
            url = f"{scheme}://{self.registry_host}{path}"
            try:
                result = await self._exchanger.exchange(
                    method,
                    url,
                    accept=accept,
                    authorization=authorization,
                    limit=limit,
                    what=what,
                    on_send=self.stats.by_method.update,
                )
            except (errors.Unreachable, errors.Timeout):
                if attempt + 1 < len(schemes):
                    continue
                raise
            self._scheme = scheme
            return result
        raise AssertionError("unreachable")  # pragma: no cover
