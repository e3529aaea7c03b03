"""Start-up files, extra users, graceful shutdown, durability, compaction and load shedding."""

from __future__ import annotations

import concurrent.futures
import json
import signal
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.server_fixture import start_server

pytestmark = pytest.mark.integration


def test_first_start_writes_private_kubeconfig_and_reuses_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_server(data) as server:
        kc = yaml.safe_load(server.kubeconfig.read_text())
        token = server.token
    assert stat.S_IMODE(server.kubeconfig.stat().st_mode) == 0o600
    cluster = kc["clusters"][0]["cluster"]
    assert cluster["server"] == server.url
    assert cluster["certificate-authority-data"]
    assert kc["users"][0]["user"]["token"] == token
    with start_server(data) as again:
        assert again.token == token
        with again.client() as http:
            assert http.get("/api/v1/namespaces/default").status_code == 200


def test_token_auth_file_users(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('alice-token-123,alice,1001,"devs,qa"\n')
    with start_server(tmp_path / "data", "--token-auth-file", str(tokens)) as server:
        with server.client(token="alice-token-123") as http:
            # Authenticated, but RBAC grants a plain user discovery only.
            assert http.get("/apis").status_code == 200
            denied = http.get("/api/v1/namespaces")
            assert denied.status_code == 403
            assert denied.json()["message"] == (
                'namespaces is forbidden: User "alice" cannot list resource "namespaces" in '
                'API group "" at the cluster scope'
            )
        with server.client(token="wrong") as http:
            r = http.get("/api/v1/namespaces")
            assert r.status_code == 401
            assert r.json()["reason"] == "Unauthorized"
        assert "alice-token-123" not in server.log()


def test_sigterm_ends_watches_cleanly(tmp_path: Path) -> None:
    with start_server(tmp_path / "data", plain_http=True) as server:
        lines: list[bytes] = []
        finished = threading.Event()

        def watch() -> None:
            with (
                server.client() as http,
                http.stream("GET", "/api/v1/namespaces", params={"watch": "true"}) as r,
            ):
                for line in r.iter_lines():
                    lines.append(line.encode())
            finished.set()

        t = threading.Thread(target=watch)
        t.start()
        time.sleep(1)
        rc = server.stop(signal.SIGTERM)
        assert finished.wait(10)
        t.join(5)
    assert rc == 0
    events = [json.loads(line) for line in lines if line]
    assert {e["object"]["metadata"]["name"] for e in events} >= {"default", "kube-system"}


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_server(data, plain_http=True) as server:
        with server.client() as http:
            for i in range(25):
                r = http.post(
                    "/api/v1/namespaces/default/configmaps",
                    json={"metadata": {"name": f"durable-{i}"}, "data": {"i": str(i)}},
                )
                assert r.status_code == 201
        server.stop(signal.SIGKILL)
    with start_server(data, plain_http=True) as server, server.client() as http:
        items = http.get("/api/v1/namespaces/default/configmaps").json()["items"]
        names = {i["metadata"]["name"] for i in items}
        assert {f"durable-{i}" for i in range(25)} <= names


def test_compacted_resource_version_is_expired(tmp_path: Path) -> None:
    with (
        start_server(
            tmp_path / "data", "--etcd-compaction-interval", "0.5", plain_http=True
        ) as server,
        server.client() as http,
    ):
        old = http.get("/api/v1/namespaces/default/configmaps").json()["metadata"]
        for i in range(3):
            http.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": f"c{i}"}})
        time.sleep(1.6)
        http.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "late"}})
        with http.stream(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            params={
                "watch": "true",
                "resourceVersion": old["resourceVersion"],
                "timeoutSeconds": "3",
            },
        ) as r:
            events = [json.loads(line) for line in r.iter_lines() if line]
        assert events[0]["type"] == "ERROR"
        assert events[0]["object"]["code"] == 410
        assert events[0]["object"]["reason"] == "Expired"


def test_overload_is_shed_with_429(tmp_path: Path) -> None:
    with start_server(
        tmp_path / "data",
        "--max-requests-inflight",
        "1",
        "--max-mutating-requests-inflight",
        "1",
        plain_http=True,
    ) as server:
        with server.client() as http:
            for i in range(150):
                http.post(
                    "/api/v1/namespaces/default/configmaps",
                    json={"metadata": {"name": f"load-{i}"}, "data": {"x": "y" * 500}},
                )

        def one(_: int) -> httpx.Response:
            with server.client() as h:
                return h.get("/api/v1/namespaces/default/configmaps")

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(one, range(64)))
        codes = {r.status_code for r in results}
        assert codes <= {200, 429}
        shed = [r for r in results if r.status_code == 429]
        assert shed, "expected some requests to be shed"
        assert shed[0].headers["Retry-After"] == "1"
        assert shed[0].text == "Too many requests, please try again later.\n"
        with (
            server.client() as http,
            http.stream(
                "GET", "/api/v1/namespaces", params={"watch": "true", "timeoutSeconds": "2"}
            ) as w,
        ):
            assert w.status_code == 200
            assert http.get("/api/v1/namespaces/default").status_code == 200
