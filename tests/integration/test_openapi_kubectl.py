"""The real kubectl against discovery + OpenAPI from our modules (no --validate=false).

A throwaway Starlette app serves only ``server.discovery``, ``server.openapi`` and
``rest.table`` output plus an in-memory echo store, so this checks exactly what kubectl parses:
aggregated discovery, the v3 documents it validates and patches with, and server-side tables.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imagestreams.api import scheme
from imagestreams.api.scheme import ALL_VERBS, ResourceInfo
from imagestreams.resources.core_columns import COLUMNS
from imagestreams.rest import table
from imagestreams.server import discovery, openapi

pytestmark = pytest.mark.integration

BIN = Path("/usr/lib/google-cloud-sdk/bin")
IMAGE = "image.openshift.io"


def _ensure_image_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register a few image entries (those ``api.image_scheme`` has not), locally to this module."""
    monkeypatch.setattr(scheme, "_TABLE", list(scheme._TABLE))
    tag_verbs = tuple(v for v in ALL_VERBS if v not in ("watch", "deletecollection"))
    for info in (
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStream",
            "imagestreams",
            short_names=("is",),
            categories=("all",),
            singular="imagestream",
        ),
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStream",
            "imagestreams",
            subresource="status",
            verbs=("get", "patch", "update"),
        ),
        ResourceInfo(
            IMAGE,
            "v1",
            "ImageStreamTag",
            "imagestreamtags",
            verbs=tag_verbs,
            short_names=("istag",),
        ),
    ):
        if scheme.find(info.group, info.version, info.plural, info.subresource) is None:
            scheme.register(info)


class EchoStore:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, str, str]] = []  # method, path, query, content-type
        self.lock = threading.Lock()


def _status(code: int, reason: str, message: str) -> JSONResponse:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return JSONResponse(body, status_code=code)


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


def make_app(store: EchoStore) -> Starlette:
    async def root(request: Request) -> Response:
        core = request.url.path == "/api"
        fmt = discovery.negotiate_discovery(request.headers.get("accept", ""))
        if fmt != "legacy":
            doc = discovery.aggregated_discovery(core=core, fmt=fmt)
            return Response(json.dumps(doc), media_type=discovery.aggregated_content_type(fmt))
        return JSONResponse(
            discovery.api_versions("127.0.0.1") if core else discovery.api_group_list()
        )

    async def version(request: Request) -> Response:
        return JSONResponse(discovery.version_info())

    async def openapi_v2(request: Request) -> Response:
        r = openapi.serve_v2(request.headers.get("accept", ""))
        return Response(r.body, r.status, r.headers)

    async def openapi_v3(request: Request) -> Response:
        r = openapi.serve_v3(
            request.url.path,
            request.headers.get("accept", ""),
            request.query_params.get("hash"),
            request.headers.get("if-none-match"),
        )
        return Response(r.body, r.status, r.headers)

    async def api(request: Request) -> Response:
        path, method = request.url.path, request.method
        parts = path.strip("/").split("/")
        group, version, rest = (
            ("", parts[1], parts[2:])
            if parts[0] == "api"
            else (parts[1], parts[2] if len(parts) > 2 else "", parts[3:])
        )
        with store.lock:
            store.requests.append(
                (method, path, request.url.query, request.headers.get("content-type", ""))
            )
        if not version:
            doc = discovery.api_group(group)
            return JSONResponse(doc) if doc else _status(404, "NotFound", "not found")
        if not rest:
            doc = discovery.api_resource_list(group, version)
            return JSONResponse(doc) if doc else _status(404, "NotFound", "not found")
        plural = rest[2] if rest[0] == "namespaces" and len(rest) > 2 else rest[0]
        info = scheme.find(group, version, plural)
        if info is None:
            return _status(404, "NotFound", "the server could not find the requested resource")
        body = await request.body()
        with store.lock:
            if method == "GET" and (path in store.objects or len(rest) in (2, 4)):
                if path not in store.objects:
                    return _status(404, "NotFound", f'{plural} "{rest[-1]}" not found')
                items = [store.objects[path]]
                if not table.wants_table(request.headers.get("accept", "")):
                    return JSONResponse(items[0])
            else:
                items = [o for p, o in store.objects.items() if p.startswith(path + "/")]
            if method == "GET":
                if table.wants_table(request.headers.get("accept", "")):
                    cols = COLUMNS.get((group, plural)) or table.default_columns()
                    return JSONResponse(
                        table.build_table(items, cols, list_meta={"resourceVersion": "7"})
                    )
                return JSONResponse(
                    {
                        "kind": f"{info.kind}List",
                        "apiVersion": info.api_version,
                        "metadata": {"resourceVersion": "7"},
                        "items": items,
                    }
                )
            if method == "POST":
                obj = json.loads(body)
                obj.setdefault("metadata", {})["creationTimestamp"] = "2026-01-01T00:00:00Z"
                store.objects[f"{path}/{obj['metadata']['name']}"] = obj
                return JSONResponse(obj, status_code=201)
            if method == "PATCH" and path in store.objects:
                patched = _merge(copy.deepcopy(store.objects[path]), json.loads(body))
                store.objects[path] = patched
                return JSONResponse(patched)
        return _status(405, "MethodNotAllowed", "not supported by the echo server")

    return Starlette(
        routes=[
            Route("/api", root),
            Route("/apis", root),
            Route("/version", version),
            Route("/openapi/v2", openapi_v2),
            Route("/openapi/v3", openapi_v3),
            Route("/openapi/v3/{rest:path}", openapi_v3),
            Route("/{prefix:path}", api, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
        ]
    )


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, EchoStore]]:
    patcher = pytest.MonkeyPatch()
    _ensure_image_entries(patcher)
    store = EchoStore()
    config = uvicorn.Config(make_app(store), host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "echo server did not start"
        time.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", store
    srv.should_exit = True
    thread.join(timeout=10)
    patcher.undo()


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web-%(v)s, namespace: default}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
"""
IMAGESTREAM = """apiVersion: image.openshift.io/v1
kind: ImageStream
metadata: {name: is-%(v)s, namespace: default}
spec:
  lookupPolicy: {local: %(local)s}
"""

VERSIONS = [pytest.param(v, id=f"kubectl-{v}") for v in ("1.32", "1.33")]


def kubectl(
    url: str, version: str, *args: str, stdin: str | None = None, cache: str
) -> subprocess.CompletedProcess[str]:
    binary = BIN / f"kubectl.{version}"
    if not binary.exists():
        pytest.skip(f"{binary} is not installed")
    cmd = ["timeout", "60", str(binary), "--server", url, "--token=x", "--cache-dir", cache, *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=90, check=False)


def _sent(store: EchoStore, method: str, suffix: str) -> list[tuple[str, str, str, str]]:
    return [r for r in store.requests if r[0] == method and r[1].endswith(suffix)]


@pytest.mark.parametrize("version", VERSIONS)
def test_apply_deployment_validates_server_side(
    server: tuple[str, EchoStore], version: str
) -> None:
    url, store = server
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")
    v = version.replace(".", "")
    first = kubectl(
        url, version, "apply", "-f", "-", cache=cache, stdin=DEPLOYMENT % {"v": v, "replicas": 3}
    )
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == f"deployment.apps/web-{v} created\n"
    (post,) = _sent(store, "POST", "/namespaces/default/deployments")[-1:]
    assert "fieldValidation=Strict" in post[2]

    second = kubectl(
        url, version, "apply", "-f", "-", cache=cache, stdin=DEPLOYMENT % {"v": v, "replicas": 5}
    )
    assert (second.returncode, second.stderr) == (0, "")
    assert second.stdout == f"deployment.apps/web-{v} configured\n"
    patch = _sent(store, "PATCH", f"/deployments/web-{v}")[-1]
    assert "fieldValidation=Strict" in patch[2]
    assert patch[3] == "application/strategic-merge-patch+json"  # kubectl's compiled-in types
    assert (
        store.objects[f"/apis/apps/v1/namespaces/default/deployments/web-{v}"]["spec"]["replicas"]
        == 5
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_apply_imagestream_uses_strategic_merge_patch(
    server: tuple[str, EchoStore], version: str
) -> None:
    url, store = server
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")
    v = version.replace(".", "")
    created = kubectl(
        url, version, "apply", "-f", "-", cache=cache, stdin=IMAGESTREAM % {"v": v, "local": "true"}
    )
    assert (created.returncode, created.stdout, created.stderr) == (
        0,
        f"imagestream.image.openshift.io/is-{v} created\n",
        "",
    )
    changed = kubectl(
        url,
        version,
        "apply",
        "-f",
        "-",
        cache=cache,
        stdin=IMAGESTREAM % {"v": v, "local": "false"},
    )
    assert (changed.returncode, changed.stdout, changed.stderr) == (
        0,
        f"imagestream.image.openshift.io/is-{v} configured\n",
        "",
    )
    patch = _sent(store, "PATCH", f"/imagestreams/is-{v}")[-1]
    assert (patch[3], "fieldValidation=Strict" in patch[2]) == (
        "application/strategic-merge-patch+json",  # computed from the full v3 schema
        True,
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_explain_reads_v3_schema(server: tuple[str, EchoStore], version: str) -> None:
    url, _ = server
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")
    out = kubectl(url, version, "explain", "deployments.spec", cache=cache)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:3] == [
        "GROUP:      apps",
        "KIND:       Deployment",
        "VERSION:    v1",
    ]
    assert "FIELD: spec <Object>" in out.stdout
    meta = kubectl(url, version, "explain", "imagestreams.metadata.labels", cache=cache)
    assert meta.returncode == 0, meta.stderr
    assert "FIELD: labels <map[string]string>" in meta.stdout


@pytest.mark.parametrize("version", VERSIONS)
def test_discovery_short_names_and_tables(server: tuple[str, EchoStore], version: str) -> None:
    url, _ = server
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")
    res = kubectl(url, version, "api-resources", "--api-group", IMAGE, cache=cache)
    assert res.returncode == 0, res.stderr
    rows = [line.split() for line in res.stdout.splitlines()]
    assert ["imagestreams", "is", "image.openshift.io/v1", "true", "ImageStream"] in rows
    apply = kubectl(
        url,
        version,
        "apply",
        "-f",
        "-",
        cache=cache,
        stdin=DEPLOYMENT % {"v": "t" + version.replace(".", ""), "replicas": 2},
    )
    assert apply.returncode == 0, apply.stderr
    got = kubectl(
        url, version, "get", "deploy", f"web-t{version.replace('.', '')}", "-o", "wide", cache=cache
    )
    assert got.returncode == 0, got.stderr
    header, row = (line.split() for line in got.stdout.splitlines())
    assert header == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert row[1:4] == ["0/2", "0", "0"] and row[5:] == ["nginx", "nginx:1.25", "app=web"]
