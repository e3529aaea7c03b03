"""The integrated registry's ASGI application: ``/v2/...``, ``/openshift/token``, the
pruner's ``/admin/blobs/<digest>`` (``admin.py``) and the signature extension
``/extensions/v2/<ns>/<stream>/signatures/<digest>`` (``signatures.py``).

It is served by the same process and listener as the API (``mount`` puts it in front of the API
application by path prefix), reads and writes image metadata through the API's in-process
resources, and keeps content under ``<data-dir>/registry``. Each request is routed by its path
(distribution's URL layout), given the access records distribution derives from the method
(``GET``/``HEAD`` pull; ``POST``/``PUT``/``PATCH`` pull+push; ``DELETE`` ``*``, except cancelling
an upload, which is a push; a mount adds a pull of its source), authenticated and authorized
(``auth.py``), then handled. Every response carries ``Docker-Distribution-Api-Version:
registry/2.0`` and ``X-Registry-Supports-Signatures: 1``; every failure is distribution's JSON
error body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagestreams.distribution import admin, blobhandlers, manifests, signatures, tags
from imagestreams.distribution.auth import Access, AccessController, Authenticator, split_repository
from imagestreams.distribution.errors import (
    API_VERSION_HEADER,
    ERROR_CONTENT_TYPE,
    RegistryError,
)
from imagestreams.distribution.imagestreams import ImageStreams, ResourceKey
from imagestreams.distribution.repository import Registry
from imagestreams.rest.context import AccessCheck
from imagestreams.rest.resource import Resource

__all__ = ["RegistryApp", "build", "handles", "mount"]

log = logging.getLogger(__name__)

TOKEN_PATH: Final = "/openshift/token"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_ROUTE_RE: Final = re.compile(
    rf"^/v2/(?P<name>{_COMPONENT}(?:/{_COMPONENT})*)/"
    r"(?:(?P<tags>tags/list)|manifests/(?P<reference>[^/]+)"
    r"|blobs/uploads/?(?P<upload>[^/]*)|blobs/(?P<digest>[^/]+))$"
)
_HEADERS: Final = (API_VERSION_HEADER, signatures.SUPPORTS_SIGNATURES_HEADER)
_METHODS: Final = {
    "base": ("GET", "HEAD"),
    "catalog": ("GET",),
    "tags": ("GET",),
    "manifest": ("GET", "HEAD", "PUT", "DELETE"),
    "blob": ("GET", "HEAD", "DELETE"),
    "upload": ("GET", "POST", "PATCH", "PUT", "DELETE"),
}


def handles(path: str) -> bool:
    """Does ``path`` belong to the registry (rather than the API)?"""
    return path in ("/v2", TOKEN_PATH) or path.startswith(
        ("/v2/", admin.ADMIN_PREFIX, signatures.EXTENSIONS_PREFIX)
    )


def _route(path: str) -> tuple[str, str, str] | None:
    """``(kind, repository, argument)`` of a ``/v2`` path; ``None`` for an unknown path."""
    if path in ("/v2", "/v2/"):
        return "base", "", ""
    if path == "/v2/_catalog":
        return "catalog", "", ""
    match = _ROUTE_RE.match(path)
    if match is None:
        return None
    name = match.group("name")
    if match.group("tags"):
        return "tags", name, ""
    if match.group("reference") is not None:
        return "manifest", name, match.group("reference")
    if match.group("upload") is not None:
        return "upload", name, match.group("upload")
    return "blob", name, match.group("digest")


def _records(kind: str, method: str, name: str, request: Request) -> list[Access]:
    if kind == "base":
        return []
    if kind == "catalog":
        return [Access("registry", "catalog", "*")]
    if method in ("GET", "HEAD"):
        return [Access("repository", name, "pull")]
    if method == "DELETE":
        return [Access("repository", name, "push" if kind == "upload" else "*")]
    records = [Access("repository", name, "pull"), Access("repository", name, "push")]
    source = request.query_params.get("from", "")
    if kind == "upload" and method == "POST" and request.query_params.get("mount") and source:
        records.append(Access("repository", source, "pull"))
    return records


class RegistryApp:
    """The ASGI callable for registry paths."""

    def __init__(self, registry: Registry, access: AccessController) -> None:
        self.registry = registry
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return

        async def send_versioned(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((name.lower().encode(), value.encode()) for name, value in _HEADERS),
                ]
            await send(message)

        request = Request(scope, receive)
        try:
            response = await self._serve(request)
        except RegistryError as exc:
            response = Response(exc.body(), exc.status, headers=exc.headers)
            response.headers["Content-Type"] = ERROR_CONTENT_TYPE
        except Exception:
            log.exception("registry error serving %s %s", request.method, request.url.path)
            err = RegistryError("UNKNOWN")
            response = Response(err.body(), 500, media_type=ERROR_CONTENT_TYPE)
        await response(scope, receive, send_versioned)

    def _realm(self, request: Request) -> str:
        host = request.headers.get("host") or f"{self.registry.registry_host}"
        return f"{request.url.scheme}://{host}{TOKEN_PATH}"

    async def _serve(self, request: Request) -> Response:
        path = request.url.path
        if path == TOKEN_PATH:
            if request.method != "GET":
                raise RegistryError("UNSUPPORTED")
            status, body = self.access.token_response(
                request.headers, request.query_params.getlist("scope")
            )
            return Response(body, status, media_type="application/json")
        if path.startswith(admin.ADMIN_PREFIX):
            return await self._admin(request)
        if path.startswith(signatures.EXTENSIONS_PREFIX):
            return await self._signatures(request)
        route = _route(path)
        if route is None:  # as distribution's router: a plain-text 404
            return PlainTextResponse("404 page not found\n", 404)
        kind, name, argument = route
        method = request.method
        if method not in _METHODS[kind]:
            raise RegistryError("UNSUPPORTED")
        records = _records(kind, method, name, request)
        user = self.access.authenticate(request.headers, self._realm(request), records)
        decision = await self.access.authorize(user, records)
        reg = self.registry
        if kind == "base":
            return Response(b"{}", 200, media_type="application/json; charset=utf-8")
        if kind == "catalog":
            return await tags.catalog(reg, request.query_params)
        namespace, stream = split_repository(name)
        if kind == "tags":
            return await tags.tags_list(reg, request.query_params, namespace, stream)
        if kind == "manifest":
            if method in ("GET", "HEAD"):
                return await manifests.get_manifest(reg, request, namespace, stream, argument)
            if method == "PUT":
                return await manifests.put_manifest(reg, request, user, namespace, stream, argument)
            return await manifests.delete_manifest(reg, namespace, stream, argument)
        if kind == "upload":
            return await blobhandlers.upload(reg, request, decision, namespace, stream, argument)
        if method == "DELETE":
            return await blobhandlers.delete_blob(reg, namespace, stream, argument)
        return await blobhandlers.blob(reg, request, namespace, stream, argument)

    async def _signatures(self, request: Request) -> Response:
        """``GET``/``PUT /extensions/v2/<ns>/<stream>/signatures/<digest>``."""
        match = signatures.SIGNATURES_RE.match(request.url.path)
        if match is None:
            return PlainTextResponse("404 page not found\n", 404)
        if request.method not in ("GET", "PUT"):
            raise RegistryError("UNSUPPORTED")
        name, digest = match.group("name"), match.group("digest")
        records = [Access("signature", name, "get" if request.method == "GET" else "put")]
        user = self.access.authenticate(request.headers, self._realm(request), records)
        await self.access.authorize(user, records)
        namespace, stream = split_repository(name)
        streams = self.registry.streams
        if request.method == "GET":
            return await signatures.get_signatures(streams, namespace, stream, digest)
        return await signatures.put_signature(streams, request, user, namespace, stream, digest)

    async def _admin(self, request: Request) -> Response:
        """``DELETE /admin/blobs/<digest>`` (image pruning), access ``admin``/``prune``."""
        match = admin.ADMIN_BLOB_RE.match(request.url.path)
        if match is None:
            return PlainTextResponse("404 page not found\n", 404)
        if request.method != "DELETE":
            raise RegistryError("UNSUPPORTED")
        records = [Access("admin", "", "prune")]
        user = self.access.authenticate(request.headers, self._realm(request), records)
        await self.access.authorize(user, records)
        return await admin.delete_stored_blob(self.registry, match.group("digest"))


def build(
    *,
    data_dir: Path,
    resources: Mapping[ResourceKey, Resource],
    authenticator: Authenticator,
    can: AccessCheck,
    registry_host: str,
    own_hosts: tuple[str, ...] = (),
) -> RegistryApp:
    """The registry over the API's ``resources``; content under ``data_dir/registry``.

    ``authenticator``: the API server's (``AccessSystem.authenticator``); ``can``: the RBAC
    authorizer's ``can``; ``registry_host``: the internal registry hostname the image group
    uses for ``status.dockerImageRepository``; ``own_hosts``: other names of this registry.
    """
    root = data_dir / "registry"
    root.mkdir(parents=True, exist_ok=True)
    registry = Registry(root, ImageStreams(resources, can), registry_host, own_hosts)
    return RegistryApp(registry, AccessController(authenticator, can))


def mount(registry: ASGIApp, api: ASGIApp) -> ASGIApp:
    """One ASGI app: registry paths to ``registry``, everything else to ``api``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and handles(scope["path"]):
            await registry(scope, receive, send)
        else:
            await api(scope, receive, send)

    return app
