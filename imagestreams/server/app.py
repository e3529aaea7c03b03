"""The ASGI application of the API server.

One catch-all endpoint parses the request the way kube-apiserver does (``requestinfo``),
authenticates, authorizes, and hands resource requests to ``handlers.dispatch``; discovery,
OpenAPI, health and metrics are answered here. This module is the only place where an
``ApiError`` becomes an HTTP response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from imagestreams import errors
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.resource import Resource
from imagestreams.server import (
    audit,
    authn,
    authz,
    discovery,
    handlers,
    impersonation,
    limits,
    metrics,
    negotiation,
    openapi,
)
from imagestreams.server.requestinfo import RequestInfo, is_long_running, request_info
from imagestreams.storage import interface as st

__all__ = ["ApiServer", "ResourceKey"]

log = logging.getLogger(__name__)

ResourceKey = tuple[str, str, str, str]
"""``(group, version, plural, subresource)``."""

_NOT_FOUND = "the server could not find the requested resource"
_STORAGE_CHECK_SECONDS = 2.0
_IMPERSONATE = impersonation.HEADER_PREFIX.encode()
"""Raw header names are lower-case bytes in ASGI: checked without decoding every header."""


class _EmptyQuery(QueryParams):
    """The query of a request without one; ``Mapping.get`` on Starlette's multidict goes
    through a raised ``KeyError`` each time."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def getlist(self, key: Any) -> list[Any]:
        return []

    def __contains__(self, key: Any) -> bool:
        return False


_NO_QUERY = _EmptyQuery(b"")


class _Headers(Headers):
    """Starlette's ``Headers`` with dict lookups: its own ``get`` scans and decodes every header
    on each call, and a request is asked for its headers about ten times."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope=scope)
        first: dict[str, str] = {}
        impersonating = False
        for name, value in reversed(self._list):
            first[name.decode("latin-1")] = value.decode("latin-1")
            impersonating = impersonating or name.startswith(_IMPERSONATE)
        self._first = first
        self.impersonating = impersonating

    def get(self, key: str, default: Any = None) -> Any:
        value = self._first.get(key.lower())
        return default if value is None else value

    def __getitem__(self, key: str) -> str:
        value = self._first.get(key.lower())
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: Any) -> bool:
        return isinstance(key, str) and key.lower() in self._first


class _ApiRequest(Request):
    """A Starlette ``Request`` with fast header lookups that shares one empty ``QueryParams``
    between the many requests without a query string (most GETs): parsing an empty string cost
    as much as routing."""

    @property
    def headers(self) -> _Headers:
        headers: _Headers | None = self.__dict__.get("_headers")
        if headers is None:
            headers = self._headers = _Headers(self.scope)
        return headers

    @property
    def query_params(self) -> QueryParams:
        if not self.scope.get("query_string"):
            return _NO_QUERY
        return super().query_params


@dataclass
class ApiServer:
    """Everything the HTTP layer needs; ``asgi()`` builds the application."""

    resources: Mapping[ResourceKey, Resource]
    authenticator: authn.Authenticator
    authorizer: authz.Authorizer = field(default_factory=authz.AllowAllAuthenticated)
    metrics: metrics.ApiServerMetrics = field(default_factory=lambda: metrics.METRICS)
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    max_body_bytes: int = 3 * 1024 * 1024
    audit_log: audit.AuditLog | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    ready: bool = False
    storage_check: Callable[[], Awaitable[object]] | None = None
    """Probed by ``/readyz`` (the etcd check): raises when the store cannot be reached."""

    # -- helpers --------------------------------------------------------------------------
    async def _can(
        self,
        user: User,
        verb: str,
        group: str,
        resource: str,
        subresource: str,
        namespace: str,
        name: str,
    ) -> bool:
        return await authz.allowed(
            self.authorizer, user, verb, group, resource, subresource, namespace, name
        )

    def _resource_for(self, info: RequestInfo) -> Resource:
        res = self.resources.get(
            (info.api_group, info.api_version, info.resource, info.subresource)
        )
        if res is None:
            raise errors.NotFound(_NOT_FOUND)
        namespaced = res.info.namespaced
        if not namespaced and info.namespace and not (info.resource == "namespaces"):
            raise errors.NotFound(_NOT_FOUND)
        if namespaced and not info.namespace and info.verb not in ("list", "watch"):
            raise errors.NotFound(_NOT_FOUND)
        return res

    # -- endpoints ------------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        path = request.url.path.rstrip("/")
        if path == "/readyz" and self.storage_check is not None and not self.stopping.is_set():
            try:
                await asyncio.wait_for(self.storage_check(), _STORAGE_CHECK_SECONDS)
            except (st.StorageError, TimeoutError):
                # kube-apiserver's readyz has an etcd check, reported the same way.
                return PlainTextResponse(
                    "[-]etcd failed: reason withheld\nreadyz check failed\n", 500
                )
        if path == "/readyz" and (not self.ready or self.stopping.is_set()):
            # kube-apiserver answers 500 and withholds the reason from unauthenticated callers.
            check = "shutdown" if self.stopping.is_set() else "ready"
            return PlainTextResponse(
                f"[-]{check} failed: reason withheld\nreadyz check failed\n", 500
            )
        return PlainTextResponse("ok")

    async def version(self, request: Request) -> Response:
        return negotiation.json_response(discovery.version_info())

    async def catch_all(self, request: Request) -> Response:
        start = time.perf_counter()
        path = request.scope["path"]
        state = request.scope.get("state") or {}
        info = state.get(limits.REQUEST_INFO_KEY) or request_info(
            request.method, path, request.query_params
        )
        code = 500
        routed = True
        try:
            response = await self._serve(request, info)
            code = response.status_code
            return response
        except errors.ApiError as exc:
            code = exc.code
            routed = exc.code != 404 or exc.message != _NOT_FOUND
            return negotiation.status_response(exc)
        except RecursionError:
            # Only a hostile body nests this deep (Go's decoder stops at 10,000 levels).
            code = 400
            return negotiation.status_response(
                errors.BadRequest("the request body is nested too deeply")
            )
        except st.Unavailable as exc:
            # The store cannot be reached (etcd down): kube answers 500 with the storage
            # error; one log line per request, not a traceback.
            log.warning("storage unavailable serving %s %s: %s", request.method, path, exc)
            return negotiation.status_response(
                errors.InternalError(f"Internal error occurred: {exc}")
            )
        except Exception:
            log.exception("internal error serving %s %s", request.method, path)
            err = errors.InternalError(
                "an error on the server has prevented the request from succeeding"
            )
            return negotiation.status_response(err)
        finally:
            if not is_long_running(info):
                self.metrics.record_request(
                    request.method,
                    info,
                    request.query_params,
                    code,
                    time.perf_counter() - start,
                    content_type=request.headers.get("content-type", ""),
                    routed=routed,
                )

    async def _serve(self, request: Request, info: RequestInfo) -> Response:
        headers = request.headers
        user = self.authenticator.authenticate(headers)
        audit.note_user(request.scope, user)
        if user is None:
            raise errors.Unauthorized("Unauthorized")
        if isinstance(headers, _Headers) and headers.impersonating:
            acting = await impersonation.impersonate(self.authorizer, user, request.headers.items())
            if acting is not None:
                audit.note_impersonated(request.scope, acting)
                user = acting
        attrs = authz.Attributes.from_request(user, info)
        decision, reason = await self.authorizer.authorize(attrs)
        if decision is not authz.Decision.ALLOW:
            denied = authz.forbidden_error(attrs, reason)
            audit.note_decision(request.scope, False, reason, denied.message)
            raise denied
        audit.note_decision(request.scope, True, reason)
        if not info.is_resource_request:
            return self._non_resource(request, info)
        resource = self._resource_for(info)
        ctx = RequestContext(
            namespace=info.namespace if resource.info.namespaced else "",
            user=User(user.name, user.uid, user.groups),
            can=self._can,
        )
        response = await handlers.dispatch(request, info, resource, ctx, self.stopping)
        if info.verb == "watch" and isinstance(response, StreamingResponse):
            response.body_iterator = self._counted(response.body_iterator, request, info, resource)
        return response

    async def _counted(
        self,
        inner: AsyncIterable[Any],
        request: Request,
        info: RequestInfo,
        resource: Resource,
    ) -> AsyncIterator[Any]:
        """Keep the watch gauges up for as long as the stream runs."""
        with (
            self.metrics.longrunning_request(request.method, info, request.query_params),
            self.metrics.watcher(resource.info.group, resource.info.kind),
        ):
            async for chunk in inner:
                yield chunk

    def _non_resource(self, request: Request, info: RequestInfo) -> Response:
        parts = [p for p in info.path.split("/") if p]
        accept = request.headers.get("accept", "")
        if request.method not in ("GET", "HEAD"):
            raise errors.MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        if parts == ["metrics"]:
            payload, ctype = self.metrics.render()
            return Response(payload, media_type=ctype)
        if parts and parts[0] == "openapi":
            return openapi.respond(
                parts[1:], dict(request.query_params), accept, request.headers.get("if-none-match")
            )
        if parts and parts[0] in ("api", "apis"):
            doc = discovery.document(parts, accept)
            if doc is not None:
                body, media = doc
                return Response(body, media_type=media)
        raise errors.NotFound(_NOT_FOUND)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The whole routing table: four fixed paths, everything else is the API. (A router
        cost more per request than the rest of a GET.)"""
        if scope["type"] != "http":
            return
        request: Request = _ApiRequest(scope, receive)
        path = scope["path"]
        if path in ("/healthz", "/livez", "/readyz"):
            response = await self.health(request)
        elif path == "/version":
            response = await self.version(request)
        else:
            response = await self.catch_all(request)
        await response(scope, receive, send)

    def asgi(self) -> ASGIApp:
        app: ASGIApp = self._route
        inner: ASGIApp = limits.BodySizeLimit(app, max_bytes=self.max_body_bytes)
        outer: ASGIApp = limits.InflightLimiter(
            inner,
            max_readonly=self.max_requests_inflight,
            max_mutating=self.max_mutating_requests_inflight,
            metrics=self.metrics,
        )
        if self.audit_log is not None:
            outer = audit.AuditMiddleware(outer, self.audit_log)
        return outer
