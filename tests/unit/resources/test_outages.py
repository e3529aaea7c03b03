"""What the REST layer does around outages and several servers sharing one store: requests
during a storage outage get a Status (no traceback), a second bootstrap racing the first is
harmless, and a namespace left Terminating by a dead server is finished by the sweep."""

from __future__ import annotations

import asyncio
import json
import pathlib
from collections.abc import AsyncIterator

import pytest

from imagestreams import errors
from imagestreams.rbac import bootstrap
from imagestreams.rbac.system import AccessSystem
from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.rest.context import RequestContext
from imagestreams.server import authn, authz
from imagestreams.server.app import ApiServer
from imagestreams.storage.sqlite import SQLiteStorage


@pytest.fixture
async def installed(tmp_path: pathlib.Path) -> AsyncIterator[install.Installed]:
    storage = SQLiteStorage(tmp_path / "s.db")
    await storage.open()
    access = AccessSystem(storage, tmp_path, authn.TokenAuthenticator({}))
    built = install.build(
        storage, extensions=(image_extension("registry.local:5000", ""), access.extension)
    )
    built.access = access  # type: ignore[attr-defined]
    await install.bootstrap(built)
    yield built
    await built.namespaces.close()
    await storage.close()


async def test_two_servers_bootstrapping_at_once_do_not_fail(
    installed: install.Installed,
) -> None:
    access: AccessSystem = installed.access  # type: ignore[attr-defined]
    stores = access.stores
    await asyncio.gather(
        *(
            bootstrap.reconcile(
                stores["clusterroles"], stores["clusterrolebindings"],
                stores["roles"], stores["rolebindings"],
            )
            for _ in range(3)
        )
    )  # fmt: skip
    role = await stores["roles"].get(
        RequestContext(namespace="openshift"), "shared-resource-viewer"
    )
    assert role["metadata"]["name"] == "shared-resource-viewer"


async def test_the_sweep_finishes_a_namespace_left_terminating(
    installed: install.Installed,
) -> None:
    namespaces = installed.namespaces
    await namespaces.create(RequestContext(), {"metadata": {"name": "left"}})
    cms = installed.resources[("", "v1", "configmaps", "")]
    await cms.create(RequestContext(namespace="left"), {"metadata": {"name": "c"}})
    # What a server that died right after accepting the DELETE leaves behind.
    kv = await installed.storage.get("/registry/core/namespaces/left")
    stored = json.loads(kv.value)
    stored["status"] = {"phase": "Terminating"}
    await installed.storage.update(
        kv.key, json.dumps(stored).encode(), expected_revision=kv.mod_revision
    )
    sweep = asyncio.create_task(namespaces.sweep(0.01))
    try:
        for _ in range(200):
            try:
                await namespaces.get(RequestContext(), "left")
            except errors.NotFound:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the Terminating namespace was not finished")
    finally:
        sweep.cancel()
    with pytest.raises(errors.NotFound):
        await cms.get(RequestContext(namespace="left"), "c")


async def test_requests_during_a_storage_outage_get_a_status(
    installed: install.Installed,
) -> None:
    await installed.storage.close()  # the store is gone, as etcd is during an outage
    api = ApiServer(
        resources=installed.resources,
        authenticator=authn.TokenAuthenticator({"t0k3n": authn.ADMIN}),
        authorizer=authz.AllowAllAuthenticated(),
    )
    api.ready = True
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    path = "/api/v1/namespaces/default/configmaps/x"
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "path": path,
        "raw_path": path.encode(), "query_string": b"", "scheme": "http",
        "headers": [(b"authorization", b"Bearer t0k3n")], "root_path": "",
        "server": ("127.0.0.1", 1), "client": ("127.0.0.1", 2),
    }  # fmt: skip
    await api.asgi()(scope, receive, send)
    assert sent[0]["status"] == 500
    status = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))  # type: ignore[misc]
    assert status["reason"] == "InternalError"
    assert status["message"].startswith("Internal error occurred: sqlite storage ")


async def _request(
    api: ApiServer, method: str, path: str, body: bytes = b"", query: bytes = b""
) -> tuple[int, dict[str, object]]:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "http_version": "1.1", "method": method, "path": path,
        "raw_path": path.encode(), "query_string": query, "scheme": "http", "root_path": "",
        "headers": [(b"authorization", b"Bearer t0k3n"), (b"content-type", b"application/json")],
        "server": ("127.0.0.1", 1), "client": ("127.0.0.1", 2),
    }  # fmt: skip
    await api.asgi()(scope, receive, send)
    payload = b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return int(sent[0]["status"]), json.loads(payload)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("method", "body", "query", "message"),
    [
        pytest.param("POST", b'{"metadata":{"name":"x"},"data":' + b'{"a":' * 20000 + b"1"
                     + b"}" * 20001, b"", "the request body is nested too deeply", id="deep"),
        pytest.param("GET", b"", b"limit=99999999999999999999999",
                     'invalid value for limit: strconv.ParseInt: parsing '
                     '"99999999999999999999999": value out of range', id="huge-limit"),
    ],
)  # fmt: skip
async def test_hostile_requests_get_a_bad_request(
    installed: install.Installed, method: str, body: bytes, query: bytes, message: str
) -> None:
    api = ApiServer(
        resources=installed.resources,
        authenticator=authn.TokenAuthenticator({"t0k3n": authn.ADMIN}),
        authorizer=authz.AllowAllAuthenticated(),
    )
    api.ready = True
    code, status = await _request(api, method, "/api/v1/namespaces/default/configmaps", body, query)
    assert (code, status["message"]) == (400, message)


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "code"),
    [
        pytest.param("GET", "/api/v1/namespaces/default/configmaps", b"",
                     b"limit=1&continue=W10=", 400, id="continue-of-a-list"),
        pytest.param("GET", "/apis/image.openshift.io/v1/namespaces/default/imagestreamtags",
                     b"", b"fieldSelector=metadata.name", 400, id="istag-selector"),
        pytest.param("GET", "/apis/image.openshift.io/v1/namespaces/default/imagetags",
                     b"", b"fieldSelector=metadata.name%3D%3Da%3D%3Db", 400, id="itag-selector"),
        pytest.param("POST", "/apis/image.openshift.io/v1/namespaces/default/imagestreams",
                     b'{"metadata":{"name":"a"},"spec":true}', b"", 400, id="stream-spec"),
        pytest.param("POST", "/apis/image.openshift.io/v1/namespaces/default/imagestreams",
                     b'{"metadata":{"name":"b"},"spec":{"tags":1}}', b"", 400, id="stream-tags"),
        pytest.param("POST", "/api/v1/namespaces/default/secrets",
                     b'{"metadata":{"name":"s"},"data":{"k":5}}', b"", 400, id="secret-data"),
    ],
)  # fmt: skip
async def test_wrong_shapes_are_client_errors(
    installed: install.Installed, method: str, path: str, body: bytes, query: bytes, code: int
) -> None:
    api = ApiServer(
        resources=installed.resources,
        authenticator=authn.TokenAuthenticator({"t0k3n": authn.ADMIN}),
        authorizer=authz.AllowAllAuthenticated(),
    )
    api.ready = True
    got, status = await _request(api, method, path, body, query)
    assert (got, status["reason"]) == (code, "BadRequest")
