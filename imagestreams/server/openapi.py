"""OpenAPI v3 (per group-version) and v2 documents, built from the resource table and cached.

Why kubectl needs them: ``kubectl apply`` validates by default, and kubectl 1.27+ first asks
the server whether it validates itself. It reads ``/openapi/v3``, fetches the group-version
document and looks for a ``PATCH`` operation carrying our kind's
``x-kubernetes-group-version-kind`` and a ``fieldValidation`` query parameter; if found it
sends ``fieldValidation=Strict`` and skips client-side validation. Kinds without a ``PATCH``
(``ImageStreamMapping``, ``ImageStreamImport``, ``SubjectAccessReview``, ...) make kubectl 1.32+
fall back to ``/openapi/v2`` in *protobuf*, the only document kubectl 1.27/1.28 read. A kind not
found there is checked against the ``Namespace`` ``PATCH``'s ``fieldValidation`` and then
against the server's CustomResourceDefinitions: a CRD is left to the server, anything else is
validated client-side with its v2 schema. kubectl 1.27/1.28 also build ``apply``'s strategic
merge patches and ``explain`` from the v2 models; newer ones read the v3 documents.

So ``/openapi/v2`` is negotiated like kube-openapi's handler does it: the Accept clauses sorted by
``q`` and specificity, the first one matching JSON or either protobuf spelling wins, nothing
matching is a 406. Protobuf is gnostic's ``openapi.v2.Document`` (``openapi_proto``) encoded
from the very JSON document, sharing its ``ETag`` (responses vary by ``Accept``). A 406 here
would be fatal, not harmless: client-go reports it as "failed to download openapi" and
``kubectl create -f`` of a kind without ``PATCH`` fails.

Schemas: the image kinds get full schemas generated from their msgspec models
(``openapi_models``), with the strategic-merge extensions kubectl patches by, and their PATCH
operations list ``application/strategic-merge-patch+json``: ``kubectl apply`` then sends a
three-way strategic merge patch, which is empty (``unchanged``) when the file did not change,
as against OpenShift. Built-in kinds keep open ``spec``/``status`` schemas (``openapi_schemas``).

# compat: PATCH operations of kinds with open schemas do not list
# ``application/strategic-merge-patch+json`` (the server still accepts it): kubectl would compute
# the patch from the v3 schema and fail with "unable to find api field" on any field the open
# schema leaves out. Unlisted, kubectl uses its compiled-in types for built-in kinds (the same
# patch a real cluster gets) and a merge patch for anything else, as for a CRD.

Documents are computed once per resource table (``scheme.register`` after the first request
recomputes them) and served with an ``ETag``; a request carrying the current ``?hash=`` is
immutable and cacheable for a year, an old hash is redirected to the current one.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field

import msgspec
from starlette.responses import Response

from imagestreams.api import scheme
from imagestreams.server.openapi_models import model_schemas
from imagestreams.server.openapi_paths import Obj, group_version_paths
from imagestreams.server.openapi_proto import (
    PROTOBUF_V2,
    PROTOBUF_V2_CONTENT_TYPE,
    ProtoConversionError,
    document_to_protobuf,
    negotiate_v2,
)
from imagestreams.server.openapi_schemas import kind_schemas, meta_schemas

__all__ = [
    "PROTOBUF_V2",
    "PROTOBUF_V2_CONTENT_TYPE",
    "Reply",
    "gv_key",
    "negotiate_v2",
    "respond",
    "serve_v2",
    "serve_v3",
    "v2_document",
    "v3_document",
    "v3_root",
]

log = logging.getLogger(__name__)
_TITLE = "Kubernetes"
_VERSION = "v1.32.4+imagestreams"
_SECURITY = {
    "BearerToken": {
        "type": "apiKey",
        "description": "Bearer Token authentication",
        "name": "authorization",
        "in": "header",
    }
}


def gv_key(group: str, version: str) -> str:
    """The ``/openapi/v3`` root key of a group-version: ``api/v1`` or ``apis/apps/v1``."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def v3_document(group: str, version: str) -> Obj | None:
    """The OpenAPI 3.0 document of one group-version (None if not served)."""
    infos = scheme.by_group_version(group, version)
    if not infos:
        return None
    generated = model_schemas(group, version)
    open_schemas = {k: v for k, v in kind_schemas(infos).items() if k not in generated}
    return {
        "openapi": "3.0.0",
        "info": {"title": _TITLE, "version": _VERSION},
        "paths": group_version_paths(group, version, infos),
        "components": {
            "schemas": {**meta_schemas(), **generated, **open_schemas},
            "securitySchemes": _SECURITY,
        },
    }


# --- v2 -------------------------------------------------------------------------------------


def _v2_refs(value: object) -> object:
    """v3 references as v2 ones: ``#/definitions/``, and ``allOf: [{$ref}]`` unwrapped.

    OpenAPI 3 documents wrap a reference that has siblings (``description``, ``default``) in a
    one-element ``allOf``; kube-apiserver's v2 document writes ``$ref`` beside them instead.
    kubectl's v2 models (1.27/1.28 strategic merge patches, ``explain``) only follow a direct
    ``$ref``: behind ``allOf`` a list's items would be an untyped value and ``apply`` would
    replace the whole list instead of merging it by key.
    """
    if isinstance(value, dict):
        out = {k: _v2_refs(v) for k, v in value.items()}
        wrapped = out.get("allOf")
        if isinstance(wrapped, list) and len(wrapped) == 1 and set(wrapped[0]) == {"$ref"}:
            del out["allOf"]
            out = {"$ref": wrapped[0]["$ref"], **out}
        target = out.get("$ref")
        if isinstance(target, str):
            out["$ref"] = target.replace("#/components/schemas/", "#/definitions/")
        return out
    if isinstance(value, list):
        return [_v2_refs(v) for v in value]
    return value


def _v2_parameter(param: Obj) -> Obj:
    converted = {k: v for k, v in param.items() if k != "schema"}
    converted.update(param.get("schema", {}))
    return converted


def _v2_operation(op: Obj) -> Obj:
    out = {k: v for k, v in op.items() if k not in ("requestBody", "responses", "parameters")}
    params = [_v2_parameter(p) for p in op.get("parameters", [])]
    body = op.get("requestBody")
    if body:
        content = body["content"]
        out["consumes"] = sorted(content)
        first = next(iter(content.values()))
        params.insert(
            0,
            {
                "name": "body",
                "in": "body",
                "required": body.get("required", False),
                "schema": first["schema"],
            },
        )
    if params:
        out["parameters"] = params
    produces: list[str] = []
    responses: Obj = {}
    for code, response in op["responses"].items():
        content = response.get("content", {})
        produces.extend(t for t in content if t not in produces)
        entry: Obj = {"description": response["description"]}
        if content:
            entry["schema"] = next(iter(content.values()))["schema"]
        responses[code] = entry
    out["produces"] = produces
    out["schemes"] = ["https"]
    out["responses"] = responses
    return out


def v2_document() -> Obj:
    """One Swagger 2.0 document for every group-version (``/openapi/v2`` as JSON)."""
    paths: Obj = {}
    definitions: Obj = {}
    for group, version in scheme.group_versions():
        doc = v3_document(group, version)
        if doc is None:
            continue
        definitions.update(doc["components"]["schemas"])
        for path, item in doc["paths"].items():
            paths[path] = {
                k: [_v2_parameter(p) for p in v] if k == "parameters" else _v2_operation(v)
                for k, v in item.items()
            }
    converted = _v2_refs({"paths": paths, "definitions": definitions})
    assert isinstance(converted, dict)
    return {
        "swagger": "2.0",
        "info": {"title": _TITLE, "version": _VERSION},
        **converted,
        "securityDefinitions": _SECURITY,
        "security": [{"BearerToken": []}],
    }


# --- cache and serving --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Blob:
    body: bytes
    etag: str
    """Upper-case hex SHA-512 of the body, as kube-openapi computes it."""

    @classmethod
    def of(cls, doc: Obj) -> _Blob:
        body = msgspec.json.encode(doc)
        return cls(body, hashlib.sha512(body).hexdigest().upper())


@dataclass(frozen=True, slots=True)
class _V2:
    """``/openapi/v2`` in both encodings; the protobuf reuses the JSON's ``ETag``."""

    json: _Blob
    protobuf: _Blob | None
    """None when gnostic would refuse the document (served as 503, like kube-openapi)."""

    @classmethod
    def of(cls, doc: Obj) -> _V2:
        json_blob = _Blob.of(doc)
        try:
            protobuf: _Blob | None = _Blob(document_to_protobuf(doc), json_blob.etag)
        except ProtoConversionError as exc:
            log.error("OpenAPI v2 protobuf: %s", exc)
            protobuf = None
        return cls(json_blob, protobuf)


@dataclass(slots=True)
class _Docs:
    key: tuple[scheme.ResourceInfo, ...]
    modified: str
    groups: dict[str, _Blob] = field(default_factory=dict)
    root: _Blob | None = None
    v2: _V2 | None = None


_lock = threading.Lock()
_docs: _Docs | None = None


def _current() -> _Docs:
    global _docs
    key = tuple(scheme.resources())
    with _lock:
        if _docs is None or _docs.key != key:
            docs = _Docs(key, email.utils.formatdate(time.time(), usegmt=True))
            for group, version in scheme.group_versions():
                document = v3_document(group, version)
                if document is not None:
                    docs.groups[gv_key(group, version)] = _Blob.of(document)
            docs.root = _Blob.of(_root_of(docs.groups))
            _docs = docs
        return _docs


def _root_of(groups: dict[str, _Blob]) -> Obj:
    return {
        "paths": {
            name: {"serverRelativeURL": f"/openapi/v3/{name}?hash={blob.etag}"}
            for name, blob in groups.items()
        }
    }


def v3_root() -> Obj:
    """``GET /openapi/v3``: where each group-version document lives, with its hash."""
    return _root_of(_current().groups)


@dataclass(frozen=True, slots=True)
class Reply:
    """A ready HTTP answer; the router copies it into its response type."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _accepts_json(accept: str) -> bool:
    for clause in (accept or "*/*").split(","):
        media = clause.split(";", 1)[0].strip().lower()
        if media in ("application/json", "*/*", "application/*"):
            return True
    return False


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or f'"{etag}"' in tags


def _send(
    blob: _Blob,
    modified: str,
    if_none_match: str | None,
    extra: dict[str, str],
    content_type: str = "application/json",
) -> Reply:
    headers = {"ETag": f'"{blob.etag}"', "Last-Modified": modified, "Vary": "Accept", **extra}
    if _matches(if_none_match, blob.etag):
        return Reply(304, b"", headers)
    return Reply(200, blob.body, {"Content-Type": content_type, **headers})


def serve_v2(accept: str, if_none_match: str | None = None) -> Reply:
    """``GET /openapi/v2``: JSON or gnostic protobuf as ``accept`` asks (see module docs)."""
    content_type = negotiate_v2(accept)
    if content_type is None:
        return Reply(406, b"", {"Vary": "Accept"})
    docs = _current()
    with _lock:
        if docs.v2 is None:
            docs.v2 = _V2.of(v2_document())
        v2 = docs.v2
    blob = v2.json if content_type == "application/json" else v2.protobuf
    if blob is None:
        return Reply(503, b"", {"Vary": "Accept"})
    return _send(blob, docs.modified, if_none_match, {}, content_type)


def serve_v3(
    path: str, accept: str = "", query_hash: str | None = None, if_none_match: str | None = None
) -> Reply:
    """``GET /openapi/v3`` and ``/openapi/v3/<api/v1|apis/g/v>[?hash=...]``."""
    docs = _current()
    name = path.rstrip("/").removeprefix("/openapi/v3").strip("/")
    if not name:
        assert docs.root is not None
        return _send(docs.root, docs.modified, if_none_match, {})
    blob = docs.groups.get(name)
    if blob is None:
        return Reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
    if not _accepts_json(accept):
        return Reply(406, b"", {"Vary": "Accept"})
    extra: dict[str, str] = {}
    if query_hash:
        if query_hash != blob.etag:
            location = f"/openapi/v3/{name}?hash={blob.etag}"
            return Reply(301, b"", {"Location": location, "Vary": "Accept"})
        expires = email.utils.formatdate(time.time() + 365 * 86400, usegmt=True)
        extra = {"Cache-Control": "public, immutable", "Expires": expires}
    return _send(blob, docs.modified, if_none_match, extra)


def respond(
    parts: list[str], query: dict[str, str], accept: str, if_none_match: str | None = None
) -> Response:
    """Starlette adapter: ``parts`` is the path after ``/openapi`` split on ``/``."""
    if parts == ["v2"]:
        reply = serve_v2(accept, if_none_match)
    elif parts[:1] == ["v3"]:
        path = "/openapi/" + "/".join(parts)
        reply = serve_v3(path, accept, query.get("hash"), if_none_match)
    else:
        reply = Reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
    return Response(reply.body, reply.status, reply.headers)
