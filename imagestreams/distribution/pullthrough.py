"""Pull-through: serve images the stream references but this registry never received.

An imported image lives in its source registry; its tag event's ``dockerImageReference`` says
where (``quay.io/org/app@sha256:...``). When a client pulls it through the integrated registry
(``referencePolicy: Local`` hands out exactly such pull specs), the manifest or blob is fetched
from the candidate source repositories of the stream, authenticated with the namespace's pull
secrets (``imagestreams/secrets``), verified against its digest, stored in the local blob store
(so the next pull is local, as upstream's ``mirrorpullthrough`` does) and then served.

Candidates are the event's own reference first, then every other remote repository named in the
stream's history, secure ones before insecure ones (``insecure`` comes from the stream: annotation
``openshift.io/image.insecureRepository`` or an ``importPolicy.insecure`` tag). References to this
registry itself are never candidates. Manifests go through :class:`~imagestreams.oci.client.
RegistryClient` (small, bounded); blobs are streamed straight from the response to the temp file
of the blob store, never held in memory, with the same distribution auth dance (challenge, bearer
token from the realm with the secret's Basic credentials) and redirects that drop
``Authorization`` when they leave the registry's origin.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

import httpx

from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.distribution.blobs import BlobStore
from imagestreams.distribution.imagestreams import status_tags
from imagestreams.oci import auth as oci_auth, errors as oci_errors
from imagestreams.oci.client import RegistryClient
from imagestreams.oci.credentials import Credential, Keyring
from imagestreams.rest.resource import Obj

__all__ = ["PullThrough", "Source", "candidates"]

log = logging.getLogger(__name__)

_MAX_REDIRECTS: Final = 5
_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True, slots=True)
class Source:
    """A remote repository to pull through from."""

    host: str
    repository: str
    insecure: bool


def _source(reference: str, insecure: bool, own_hosts: Collection[str]) -> Source | None:
    try:
        ref = DockerImageReference.parse(reference).docker_client_defaults().as_v2()
    except InvalidReference:
        return None
    if ref.registry in own_hosts or not ref.name:
        return None
    return Source(ref.registry, ref.repository_name(), insecure)


def candidates(
    stream: Obj, digest: str, insecure: bool, own_hosts: Collection[str]
) -> list[Source]:
    """Remote repositories that may hold ``digest``: the repositories of the events naming it
    first, then the rest of the history, secure before insecure, without duplicates."""
    first: list[Source] = []
    rest: list[Source] = []
    for tag in status_tags(stream):
        for item in tag.get("items") or ():
            if not isinstance(item, dict):
                continue
            source = _source(str(item.get("dockerImageReference", "")), insecure, own_hosts)
            if source is None:
                continue
            (first if item.get("image") == digest else rest).append(source)
    ordered: list[Source] = []
    for source in (*first, *rest):
        if source not in ordered:
            ordered.append(source)
    return sorted(ordered, key=lambda s: s.insecure)  # stable: secure sources first


class PullThrough:
    """Fetches manifests and blobs from remote registries into the local blob store."""

    def __init__(self, blobs: BlobStore, own_hosts: Iterable[str]) -> None:
        self.blobs = blobs
        self.own_hosts = frozenset(h for h in own_hosts if h)

    async def manifest(
        self, sources: Iterable[Source], digest: str, secrets: list[Obj]
    ) -> tuple[bytes, str] | None:
        """``(raw manifest, media type)`` of ``digest`` from the first source that has it; the
        manifest is stored in the blob store."""
        keyring = Keyring.from_secrets(secrets)
        for source in sources:
            client = RegistryClient(source.host, insecure=source.insecure, keyring=keyring)
            try:
                raw, media_type, _ = await client.get_manifest(source.repository, digest)
            except oci_errors.RegistryError as exc:
                log.info("pull-through of %s from %s failed: %s", digest, source.host, exc)
                continue
            finally:
                await client.close()
            await self.blobs.put(raw)
            return raw, media_type
        return None

    async def blob(self, sources: Iterable[Source], digest: str, secrets: list[Obj]) -> bool:
        """Fetch blob ``digest`` into the blob store; ``True`` once it is stored."""
        keyring = Keyring.from_secrets(secrets)
        async with self.blobs.lock(digest):
            if self.blobs.size(digest) is not None:
                return True
            for source in sources:
                try:
                    await self._fetch_blob(source, digest, keyring)
                    return True
                except (oci_errors.RegistryError, httpx.HTTPError) as exc:
                    log.info("pull-through of %s from %s failed: %s", digest, source.host, exc)
        return False

    async def _fetch_blob(self, source: Source, digest: str, keyring: Keyring) -> None:
        schemes = ("https", "http") if source.insecure else ("https",)
        credential = keyring.first(source.host, source.repository)
        last: Exception | None = None
        async with httpx.AsyncClient(
            verify=not source.insecure, timeout=_TIMEOUT, follow_redirects=False
        ) as http:
            for scheme in schemes:
                url = f"{scheme}://{source.host}/v2/{source.repository}/blobs/{digest}"
                try:
                    authorization = await self._authorize(http, url, source, credential)
                    await self._download(http, url, authorization, digest)
                    return
                except httpx.TransportError as exc:
                    last = exc
        raise last if last is not None else oci_errors.Unreachable(source.host)

    async def _authorize(
        self, http: httpx.AsyncClient, url: str, source: Source, credential: Credential | None
    ) -> str | None:
        """Probe ``url`` once with HEAD and answer its challenge, if any."""
        response = await http.head(url)
        if response.status_code != 401:
            return None
        challenges = oci_auth.parse_challenges(response.headers.get_list("www-authenticate"))
        user = credential.username if credential is not None else ""
        password = credential.password if credential is not None else ""
        for challenge in challenges:
            if challenge.scheme == "basic" and user:
                return oci_auth.basic_header(user, password)
            if challenge.scheme == "bearer" and challenge.realm:
                scope = oci_auth.repository_scope(source.repository)
                headers = {"Authorization": oci_auth.basic_header(user, password)} if user else {}
                token_response = await http.get(
                    challenge.realm,
                    params=oci_auth.token_query(challenge, scope),
                    headers=headers,
                )
                if token_response.status_code != 200:
                    raise oci_errors.Unauthorized(f"token request for {source.repository} failed")
                token = oci_auth.parse_token_response(token_response.content, 0.0)
                return f"Bearer {token.token}"
        raise oci_errors.Unauthorized(f"no usable credentials for {source.repository}")

    async def _download(
        self, http: httpx.AsyncClient, url: str, authorization: str | None, digest: str
    ) -> None:
        origin = httpx.URL(url).copy_with(path="/", query=None)
        target = url
        for _ in range(_MAX_REDIRECTS + 1):
            same_origin = httpx.URL(target).copy_with(path="/", query=None) == origin
            headers = {"Authorization": authorization} if authorization and same_origin else {}
            async with http.stream("GET", target, headers=headers) as response:
                if response.status_code in (301, 302, 303, 307, 308):
                    target = str(response.url.join(response.headers.get("location", "")))
                    continue
                if response.status_code != 200:
                    raise oci_errors.RegistryError(
                        f"GET blob {digest}: HTTP {response.status_code}",
                        http_status=response.status_code,
                    )
                await self.blobs.ingest(response.aiter_bytes(), digest)
                return
        raise oci_errors.ProtocolError(f"too many redirects fetching blob {digest}")
