"""Reliability through the real API: SIGKILL mid-write, concurrent read-modify-write, bad input."""

from __future__ import annotations

import concurrent.futures
import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.server_fixture import RunningServer, start_server

pytestmark = pytest.mark.integration


def test_sigkill_during_200_concurrent_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    with start_server(data, plain_http=True) as server:
        killed = threading.Event()

        def writer(i: int) -> None:
            name = f"w-{i:03d}"
            body = {"metadata": {"name": name}, "data": {"payload": f"{i}-" + "x" * 2000}}
            try:
                with server.client() as http:
                    r = http.post("/api/v1/namespaces/default/configmaps", json=body)
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                with lock:
                    acknowledged[name] = r.json()["metadata"]["resourceVersion"]

        def killer() -> None:
            while len(acknowledged) < 60:
                time.sleep(0.005)
            server.proc.send_signal(signal.SIGKILL)
            killed.set()

        k = threading.Thread(target=killer)
        k.start()
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            list(pool.map(writer, range(200)))
        k.join(30)
        assert killed.is_set()
        server.proc.wait(10)
    assert 60 <= len(acknowledged) < 200
    with start_server(data, plain_http=True) as again, again.client() as http:
        listed = http.get("/api/v1/namespaces/default/configmaps").json()["items"]
    stored = {i["metadata"]["name"]: i for i in listed}
    missing = set(acknowledged) - set(stored)
    assert not missing, f"acknowledged writes lost: {sorted(missing)}"
    for name, obj in stored.items():
        i = int(name.removeprefix("w-"))
        assert obj["data"]["payload"] == f"{i}-" + "x" * 2000, "half-written object"
    for name, rv in acknowledged.items():
        assert stored[name]["metadata"]["resourceVersion"] == rv


def test_20_concurrent_read_modify_write_updaters_lose_nothing(api_server: RunningServer) -> None:
    with api_server.client() as http:
        http.post(
            "/api/v1/namespaces/default/configmaps",
            json={"metadata": {"name": "counter"}, "data": {"log": ""}},
        )
    successes: list[str] = []
    conflicts: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def updater(i: int) -> None:
        with api_server.client() as http:
            barrier.wait()
            for attempt in range(3):
                obj = http.get("/api/v1/namespaces/default/configmaps/counter").json()
                obj["data"]["log"] += f"[{i}.{attempt}]"
                r = http.put("/api/v1/namespaces/default/configmaps/counter", json=obj)
                with lock:
                    if r.status_code == 200:
                        successes.append(f"[{i}.{attempt}]")
                    else:
                        assert r.status_code == 409, r.text
                        assert r.json()["reason"] == "Conflict"
                        conflicts.append(i)

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        list(pool.map(updater, range(20)))
    with api_server.client() as http:
        final = http.get("/api/v1/namespaces/default/configmaps/counter").json()["data"]["log"]
    assert successes, "some update must win"
    assert len(successes) + len(conflicts) == 60
    for mark in successes:
        assert mark in final, f"lost update {mark}"
    assert final.count("[") == len(successes)


@pytest.mark.parametrize(
    ("content", "ctype", "code", "reason"),
    [
        pytest.param(
            b'{"metadata": {"name": "x"', "application/json", 400, "BadRequest", id="malformed-json"
        ),
        pytest.param(
            json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}).encode(),
            "application/json",
            400,
            "BadRequest",
            id="wrong-kind",
        ),
        pytest.param(
            json.dumps({"metadata": {"name": "x" * 300}}).encode(),
            "application/json",
            422,
            "Invalid",
            id="invalid-name",
        ),
        pytest.param(b"[]", "application/json", 400, "BadRequest", id="not-an-object"),
        pytest.param(
            b"\x00\x01",
            "application/octet-stream",
            415,
            "UnsupportedMediaType",
            id="unknown-content-type",
        ),
        pytest.param(
            b"k8s\x00garbage",
            "application/vnd.kubernetes.protobuf",
            415,
            "UnsupportedMediaType",
            id="broken-protobuf",
        ),
    ],
)
def test_bad_input_leaves_storage_untouched(
    api_server: RunningServer, content: bytes, ctype: str, code: int, reason: str
) -> None:
    with api_server.client() as http:
        before = http.get("/api/v1/namespaces/default/configmaps").json()["metadata"]
        r = http.post(
            "/api/v1/namespaces/default/configmaps",
            content=content,
            headers={"Content-Type": ctype},
        )
        assert (r.status_code, r.json()["reason"]) == (code, reason)
        after = http.get("/api/v1/namespaces/default/configmaps").json()["metadata"]
    assert after["resourceVersion"] == before["resourceVersion"]


@pytest.mark.parametrize(
    ("mode", "code", "stored_extra"),
    [
        pytest.param("Strict", 400, None, id="strict-rejects"),
        pytest.param("Warn", 201, False, id="warn-drops-and-warns"),
        pytest.param("Ignore", 201, False, id="ignore-drops-silently"),
    ],
)
def test_field_validation_of_unknown_fields(
    api_server: RunningServer, mode: str, code: int, stored_extra: bool | None
) -> None:
    name = f"fv-{mode.lower()}"
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "bogus": 1},
        "data": {"a": "b"},
        "spek": {"x": 1},
    }
    with api_server.client() as http:
        r = http.post(
            "/api/v1/namespaces/default/configmaps", json=body, params={"fieldValidation": mode}
        )
        assert r.status_code == code, r.text
        if mode == "Strict":
            assert r.json()["reason"] == "BadRequest"
            assert r.json()["message"] == (
                'strict decoding error: unknown field "metadata.bogus", unknown field "spek"'
            )
            assert http.get(f"/api/v1/namespaces/default/configmaps/{name}").status_code == 404
            return
        stored = r.json()
        assert "spek" not in stored and "bogus" not in stored["metadata"]
        warning = r.headers.get("Warning", "")
        if mode == "Warn":
            assert 'unknown field \\"spek\\"' in warning
        else:
            assert warning == ""
