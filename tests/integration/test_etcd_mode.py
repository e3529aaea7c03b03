"""Distributed mode: two API servers over one real etcd see the same objects and events."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.integration.etcd_fixture import EtcdServer, etcd_server
from tests.integration.server_fixture import start_server

pytestmark = [pytest.mark.integration, pytest.mark.etcd]
__all__ = ["etcd_server"]


def test_two_servers_share_state_and_watch(etcd_server: EtcdServer, tmp_path: Path) -> None:
    hosts = ",".join(e.removeprefix("http://") for e in etcd_server.endpoints)
    url = f"etcd://{hosts}/imagestreams-test"
    with (
        start_server(tmp_path / "a", "--storage", url, plain_http=True) as a,
        start_server(tmp_path / "b", "--storage", url, plain_http=True) as b,
        a.client() as ha,
        b.client() as hb,
    ):
        assert (
            ha.post("/api/v1/namespaces", json={"metadata": {"name": "shared"}}).status_code == 201
        )
        rv = hb.get("/api/v1/namespaces/shared/configmaps").json()["metadata"]["resourceVersion"]
        events: list[dict] = []

        def watch() -> None:
            with hb.stream(
                "GET",
                "/api/v1/namespaces/shared/configmaps",
                params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "5"},
            ) as r:
                for line in r.iter_lines():
                    if line:
                        events.append(json.loads(line))
                        if len(events) == 2:
                            return

        t = threading.Thread(target=watch)
        t.start()
        created = ha.post(
            "/api/v1/namespaces/shared/configmaps",
            json={"metadata": {"name": "c"}, "data": {"v": "1"}},
        )
        assert created.status_code == 201
        seen = hb.get("/api/v1/namespaces/shared/configmaps/c").json()
        assert seen["metadata"]["uid"] == created.json()["metadata"]["uid"]
        seen["data"]["v"] = "2"
        assert hb.put("/api/v1/namespaces/shared/configmaps/c", json=seen).status_code == 200
        stale = created.json()
        stale["data"]["v"] = "3"
        assert ha.put("/api/v1/namespaces/shared/configmaps/c", json=stale).status_code == 409
        t.join(10)
        assert [(e["type"], e["object"]["data"]["v"]) for e in events] == [
            ("ADDED", "1"),
            ("MODIFIED", "2"),
        ]
