"""Talking to the integrated registry while pruning, as ``oc adm prune images`` does.

The registry is found like upstream finds it: ``--registry-url``, else the host of the youngest
managed image's ``dockerImageReference``, else of an image stream's
``status.dockerImageRepository``. Before anything is deleted it is pinged (``GET /``, then the
old ``/healthz``) over HTTPS, and also over plain HTTP when insecure connections are allowed
(``--force-insecure``, an ``http://`` URL, a private or loopback address, or an insecure
kubeconfig) -- the first protocol that answers 200 is used for every later call.

Deletions are the registry's own API, authenticated with the user's API token as the Basic
password: ``DELETE /v2/<ns>/<stream>/blobs/<digest>`` (a repository's layer link),
``DELETE /v2/<ns>/<stream>/manifests/<digest>`` (its manifest link) and
``DELETE /admin/blobs/<digest>`` (the blob itself, needs cluster ``delete images``). A 404 counts
as done; any other non-2xx answer is an error reading as Go's ``resp.Status`` (``401
Unauthorized``).
"""

from __future__ import annotations

import ipaddress
import secrets
import ssl
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from imagestreams.api.image_v1 import ANNOTATION_IMAGE_MANAGED
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.prune.graph import Obj, created

__all__ = [
    "RegistryClient",
    "RegistryFailure",
    "determine_registry_host",
    "is_private_address",
    "ping",
    "validate_registry_url",
]

_TIMEOUT: Final = 30.0


class RegistryFailure(Exception):
    """A registry call that did not succeed; ``str()`` is what oc prints."""


def validate_registry_url(value: str) -> str:
    """``""`` when ``value`` is ``[http[s]://]host[:port][/]``, else upstream's reason."""
    scheme, sep, _ = value.partition("://")
    if sep and scheme not in ("http", "https"):
        return f"unsupported scheme: {scheme}"
    try:
        parts = urlsplit(value if sep else f"https://{value}")
    except ValueError as exc:
        return str(exc)
    if parts.path not in ("", "/"):
        return "no path after <host>[:<port>] is allowed"
    if parts.query:
        return "no query arguments are allowed after <host>[:<port>]"
    if not parts.netloc:
        return "no host name specified"
    return ""


def determine_registry_host(images: dict[str, Obj], streams: list[Obj]) -> str:
    """The registry host of the youngest managed image, else of a stream's repository."""
    managed = [
        image
        for image in images.values()
        if ((image.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION_IMAGE_MANAGED)
        == "true"
    ]
    pull_spec = ""
    if managed:
        managed.sort(key=created, reverse=True)
        pull_spec = str(managed[0].get("dockerImageReference") or "")
    else:
        for stream in sorted(streams, key=created, reverse=True):
            repository = str((stream.get("status") or {}).get("dockerImageRepository") or "")
            if repository:
                pull_spec = repository
    if not pull_spec:
        raise RegistryFailure("no managed image found")
    try:
        ref = DockerImageReference.parse(pull_spec)
    except InvalidReference as exc:
        raise RegistryFailure(f'unable to parse "{pull_spec}": {exc}') from None
    if not ref.registry:
        raise RegistryFailure(f"{pull_spec} does not include a registry")
    return ref.registry


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local addresses and ``localhost`` (with or without a port)."""
    host = urlsplit(f"//{address.split('://', 1)[-1]}").hostname or ""
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


def _status(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _aggregate(errors: list[str]) -> str:
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


@dataclass
class RegistryClient:
    """Authenticated calls to one registry base URL (``scheme://host``)."""

    base_url: str
    http: httpx.AsyncClient

    @classmethod
    def open(cls, base_url: str, token: str, verify: ssl.SSLContext | bool) -> RegistryClient:
        http = httpx.AsyncClient(
            auth=httpx.BasicAuth(secrets.token_hex(3)[:5], token),
            verify=verify,
            timeout=_TIMEOUT,
        )
        return cls(base_url.rstrip("/"), http)

    async def close(self) -> None:
        await self.http.aclose()

    async def _delete(self, path: str) -> None:
        try:
            response = await self.http.delete(self.base_url + path)
        except httpx.HTTPError as exc:
            raise RegistryFailure(str(exc) or type(exc).__name__) from None
        if response.status_code == 404:
            return
        if response.status_code < 200 or response.status_code >= 400:
            raise RegistryFailure(_status(response))

    async def delete_layer_link(self, repository: str, digest: str) -> None:
        await self._delete(f"/v2/{repository}/blobs/{digest}")

    async def delete_manifest(self, repository: str, digest: str) -> None:
        await self._delete(f"/v2/{repository}/manifests/{digest}")

    async def delete_blob(self, digest: str) -> None:
        await self._delete(f"/admin/blobs/{digest}")


async def ping(
    registry: str, token: str, verify: ssl.SSLContext | bool, insecure: bool
) -> RegistryClient:
    """A client for the first protocol on which ``registry`` answers its health check, or
    :class:`RegistryFailure` with every attempt's error."""
    scheme, sep, host = registry.partition("://")
    if sep:
        protocols = [scheme]
    else:
        host = registry
        protocols = ["https", "http"] if insecure or is_private_address(registry) else ["https"]
    tls: Any = False if insecure else verify
    errors: list[str] = []
    for path in ("/", "/healthz"):
        errors, retry_path = [], False
        for protocol in protocols:
            client = RegistryClient.open(f"{protocol}://{host}", token, tls)
            try:
                response = await client.http.get(client.base_url + path)
            except httpx.HTTPError as exc:
                errors.append(str(exc) or type(exc).__name__)
                if protocol == "https" and not insecure and "SSL" in str(exc):
                    errors.append(
                        "\n* Append --force-insecure if you really want to prune the registry"
                        " using insecure connection."
                    )
                await client.close()
                continue
            if response.status_code == 200:
                return client
            await client.close()
            errors.append(f"unexpected status: {_status(response)}")
            retry_path = True
        if not retry_path:
            break
    raise RegistryFailure(_aggregate(errors))
