"""Generic verb handlers: one function per verb, bound to whichever ``rest.Resource`` the path
names. They parse options, call the resource, and serialise; they never build error JSON
(``server.app`` turns raised ``ApiError``s into Status responses).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from imagestreams import errors
from imagestreams.rest import apply as applying, patch as patching, table
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions, parse_list_options
from imagestreams.rest.resource import Obj, Resource
from imagestreams.rest.store import GenericStore
from imagestreams.server import authz, negotiation
from imagestreams.server.authn import UserInfo
from imagestreams.server.requestinfo import RequestInfo
from imagestreams.validation import field

__all__ = ["dispatch"]

_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)


def _dry_run(query: Mapping[str, str], values: list[str]) -> bool:
    for value in values:
        if value != "All":
            raise errors.BadRequest(f'unsupported dryRun value "{value}"; only "All" is allowed')
    return bool(values)


def _table(
    resource: Resource, objs: list[Obj], list_meta: dict[str, Any], query: Mapping[str, str]
) -> Obj:
    include = query.get("includeObject", "Metadata")
    if include not in ("None", "Metadata", "Object"):
        include = "Metadata"
    columns = resource.columns or table.default_columns()
    if include == "Object":
        # Row objects are full objects, TypeMeta included (kubectl --sort-by reads them), even
        # where the plain list leaves it out of its items.
        typed = {"kind": resource.info.kind, "apiVersion": resource.info.api_version}
        objs = [obj if "kind" in obj else {**typed, **obj} for obj in objs]
    return table.build_table(objs, columns, list_meta=list_meta, include_object=include)  # type: ignore[arg-type]


async def _body(request: Request, expect: str) -> Any:
    raw = await request.body()
    if not raw:
        raise errors.BadRequest("the request body is empty")
    return negotiation.decode_body(raw, request.headers.get("content-type", ""), expect=expect)


def _object_body(value: Any, resource: Resource) -> Obj:
    if not isinstance(value, dict):
        raise errors.BadRequest(
            f"the object provided is unrecognized (must be of type {resource.info.kind}): "
            "couldn't get version/kind; json parse error: expected an object"
        )
    kind, api_version = value.get("kind"), value.get("apiVersion")
    if (kind and kind != resource.info.kind) or (
        api_version and api_version != resource.info.api_version
    ):
        if resource.info.subresource and kind == resource.info.kind:
            return value
        info = resource.info
        if info.response_kind and kind == info.response_kind:
            # A subresource with its own kind (``deployments/scale`` takes autoscaling/v1 Scale).
            group = info.group if info.response_group is None else info.response_group
            version = info.version if info.response_version is None else info.response_version
            if api_version in (None, f"{group}/{version}" if group else version):
                return value
        raise errors.BadRequest(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource.info.api_version})"
            if api_version != resource.info.api_version
            else f"the object provided is unrecognized (must be of type {resource.info.kind}): "
            f"{kind}"
        )
    return value


async def dispatch(
    request: Request,
    info: RequestInfo,
    resource: Resource,
    ctx: RequestContext,
    stopping: asyncio.Event,
) -> Response:
    """Run one verb against ``resource``."""
    query = request.query_params
    verb = info.verb
    fmt = negotiation.response_format(request.headers.get("accept", ""))
    ctx.dry_run = _dry_run(query, query.getlist("dryRun"))
    ctx.field_manager = query.get("fieldManager", "")
    ctx.user_agent = request.headers.get("user-agent", "")
    headers: dict[str, str] = {}

    def respond(obj: Obj, code: int = 200) -> Response:
        if ctx.warnings:
            headers["Warning"] = ", ".join(f'299 - "{_quote(w)}"' for w in ctx.warnings)
        if fmt == "table" and obj.get("kind") != "Status":
            obj = _table(
                resource,
                [obj],
                {"resourceVersion": obj.get("metadata", {}).get("resourceVersion", "")},
                query,
            )
        return negotiation.json_response(obj, code, "yaml" if fmt == "yaml" else "json", headers)

    if verb == "get":
        ctx.query = query
        return respond(await resource.get(ctx, info.name))
    if verb == "list":
        opts = parse_list_options(query)
        listed = await resource.list(ctx, opts)
        if fmt == "table":
            return negotiation.json_response(
                _table(resource, listed["items"], listed["metadata"], query)
            )
        return respond(listed)
    if verb == "watch":
        ctx.done = stopping
        opts = parse_list_options(query, watch=True)
        if info.name:
            name_sel = f"metadata.name={info.name}"
            opts = ListOptions(
                **{
                    **_opts_dict(opts),
                    "field_selector": ",".join(s for s in (opts.field_selector, name_sel) if s),
                }
            )
        return _watch_response(resource, ctx, opts, fmt, query, stopping)
    validation = _field_validation(query)
    if verb == "create":
        obj = _object_body(await _body(request, resource.info.kind), resource)
        _check_fields(resource, obj, validation, ctx)
        if info.name and resource.info.subresource:
            obj.setdefault("metadata", {}).setdefault("name", info.name)
        created = await resource.create(ctx, obj)
        code = int(created.get("code") or 201) if created.get("kind") == "Status" else 201
        return respond(created, code)
    if verb == "update":
        obj = _object_body(await _body(request, resource.info.kind), resource)
        _check_fields(resource, obj, validation, ctx)
        stored, was_created = await resource.update(ctx, info.name, obj)
        return respond(stored, 201 if was_created else 200)
    if verb == "patch":
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip()
        # Server-side apply needs a stored object; virtual resources keep the three types.
        accepted = _PATCH_TYPES if isinstance(resource, GenericStore) else _PATCH_TYPES[:3]
        if content_type not in accepted:
            raise errors.UnsupportedMediaType(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(accepted)}"
            )
        is_apply = content_type == applying.APPLY_PATCH
        applying.validate_patch_options(
            apply=is_apply, field_manager=ctx.field_manager, force_given="force" in query
        )
        raw = await request.body()
        if is_apply and isinstance(resource, GenericStore):
            return await _server_side_apply(request, info, resource, ctx, raw, validation, respond)
        kind_key = (resource.info.api_version, resource.info.kind)

        def apply(current: Obj) -> Obj:
            patched = patching.apply_patch(content_type, current, raw, kind_key)
            _check_fields(resource, patched, validation, ctx)
            return patched

        return respond(await resource.patch(ctx, info.name, apply))
    if verb == "delete":
        options = await _delete_options(request, query, ctx)
        obj, finished = await resource.delete(ctx, info.name, options)
        return respond(obj, 200 if finished else 202)
    if verb == "deletecollection":
        opts = parse_list_options(query)
        options = await _delete_options(request, query, ctx)
        return respond(await resource.delete_collection(ctx, opts, options))
    raise errors.MethodNotAllowed("the server does not allow this method on the requested resource")


async def _server_side_apply(
    request: Request,
    info: RequestInfo,
    store: GenericStore,
    ctx: RequestContext,
    raw: bytes,
    validation: str,
    respond: Callable[[Obj, int], Response],
) -> Response:
    """``application/apply-patch+yaml`` (``rest.apply``): 201 when the apply created the
    object, which also needs the ``create`` verb."""
    config = applying.decode_config(raw)
    applying.check_config(config, store.info.api_version, store.info.kind)
    _check_fields(store, config, validation, ctx)

    async def check_create() -> None:
        attrs = authz.Attributes(
            user=UserInfo(ctx.user.name, ctx.user.uid, ctx.user.groups),
            verb="create",
            api_group=info.api_group,
            api_version=info.api_version,
            resource=info.resource,
            subresource=info.subresource,
            name=info.name,
            namespace=info.namespace,
            resource_request=True,
            path=request.url.path,
        )
        allowed = await ctx.can(
            ctx.user,
            "create",
            info.api_group,
            info.resource,
            info.subresource,
            info.namespace,
            info.name,
        )
        if not allowed:
            raise authz.forbidden_error(attrs)

    force = applying.parse_force(request.query_params.get("force"))
    obj, created = await applying.server_side_apply(
        store, ctx, info.name, config, force=force, check_create=check_create
    )
    return respond(obj, 201 if created else 200)


async def _delete_options(request: Request, query: Any, ctx: RequestContext) -> Obj:
    """``DeleteOptions`` from the body (kubectl sends them there, ``dryRun`` included) and the
    query; a body ``dryRun`` makes the request a dry run just as ``?dryRun=All`` does."""
    options: Obj = {}
    raw = await request.body()
    if raw:
        decoded = negotiation.decode_body(
            raw, request.headers.get("content-type", ""), expect="DeleteOptions"
        )
        if isinstance(decoded, dict):
            options = decoded
    body_dry_run = options.get("dryRun")
    if body_dry_run:
        values = body_dry_run if isinstance(body_dry_run, list) else [body_dry_run]
        ctx.dry_run = _dry_run(query, [str(v) for v in values]) or ctx.dry_run
    for key in ("propagationPolicy", "gracePeriodSeconds"):
        if key in query:
            options[key] = query[key]
    policy = options.get("propagationPolicy")
    if policy and policy not in ("Orphan", "Background", "Foreground"):
        raise errors.Invalid(
            "DeleteOptions",
            "meta.k8s.io",
            "",
            [
                field.not_supported(
                    "propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]
                )
            ],
        )
    return options


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _field_validation(query: Mapping[str, str]) -> str:
    mode = query.get("fieldValidation", "Warn") or "Warn"
    if mode not in ("Ignore", "Warn", "Strict"):
        raise errors.BadRequest(
            f"fieldValidation must be one of Ignore, Warn, or Strict, got {mode!r}"
        )
    return mode


def _check_fields(resource: Resource, obj: Obj, mode: str, ctx: RequestContext) -> None:
    """``fieldValidation``: Strict refuses unknown fields, Warn and Ignore drop them (Warn
    also says so in a ``Warning`` header), as kube-apiserver's typed decoding does."""
    unknown = resource.unknown_fields(obj)
    if not unknown:
        return
    if mode == "Strict":
        raise errors.BadRequest(
            "strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown)
        )
    if mode == "Warn":
        ctx.warnings.extend(f'unknown field "{f}"' for f in unknown)
    resource.drop_fields(obj, unknown)


def _opts_dict(opts: ListOptions) -> dict[str, Any]:
    return {name: getattr(opts, name) for name in opts.__slots__}


def _watch_response(
    resource: Resource,
    ctx: RequestContext,
    opts: ListOptions,
    fmt: str,
    query: Mapping[str, str],
    stopping: asyncio.Event,
) -> Response:
    events = resource.watch(ctx, opts)

    async def stream() -> AsyncIterator[bytes]:
        # ctx.done (the server's stopping event) ends the watch between events; errors after
        # the 200 was sent become a final ERROR event, as kube-apiserver sends them.
        iterator = events.__aiter__()
        try:
            while True:
                try:
                    kind, obj = await iterator.__anext__()
                except StopAsyncIteration:
                    return
                except errors.ApiError as exc:
                    kind, obj = "ERROR", exc.status()
                yield _event_bytes(resource, kind, obj, fmt, query)
                if kind == "ERROR":
                    return
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()

    return StreamingResponse(
        stream(),
        media_type=negotiation.JSON,
        headers={"Cache-Control": "no-cache, private", "X-Accel-Buffering": "no"},
    )


def _event_bytes(
    resource: Resource, kind: str, obj: Obj, fmt: str, query: Mapping[str, str]
) -> bytes:
    if kind in ("ERROR", "BOOKMARK"):
        return _encode_event(resource, kind, obj, "json", query)
    md = obj.get("metadata") or {}
    key = (
        md.get("uid", ""),
        md.get("resourceVersion", ""),
        kind,
        fmt,
        query.get("includeObject", ""),
    )
    if not key[0] or not key[1]:
        return _encode_event(resource, kind, obj, fmt, query)
    return resource.encoded_events.get_or_make(
        key, lambda: _encode_event(resource, kind, obj, fmt, query)
    )


def _encode_event(
    resource: Resource, kind: str, obj: Obj, fmt: str, query: Mapping[str, str]
) -> bytes:
    if fmt == "table":
        obj = _table(
            resource,
            [obj],
            {"resourceVersion": obj.get("metadata", {}).get("resourceVersion", "")},
            query,
        )
    payload, _ = negotiation.encode({"type": kind, "object": obj})
    return payload + b"\n"
