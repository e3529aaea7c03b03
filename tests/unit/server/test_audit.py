"""The audit middleware over a tiny ASGI app: which requests are logged and the Event shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from imagestreams.server import audit, authn


def _app(code: int, user: authn.UserInfo | None, allowed: bool, reason: str = "") -> audit.ASGIApp:
    async def app(scope: audit.Scope, receive: audit.Receive, send: audit.Send) -> None:
        audit.note_user(scope, user)
        if user is not None:
            audit.note_decision(scope, allowed, reason, "" if allowed else "nope")
        await receive()
        await send({"type": "http.response.start", "status": code, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _call(
    app: audit.ASGIApp, method: str, path: str, query: str = "", body: bytes = b""
) -> list[Any]:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [(b"user-agent", b"kubectl/v1.32"), (b"authorization", b"Bearer SECRET")],
        "client": ("127.0.0.1", 5555),
    }
    await app(scope, receive, send)
    return sent


ALICE = authn.UserInfo("alice", "u1", ("dev", "system:authenticated"))
IS = "/apis/image.openshift.io/v1/namespaces/proj/imagestreams"


@pytest.mark.parametrize(
    ("method", "path", "code", "user", "allowed", "logged"),
    [
        pytest.param("POST", IS, 201, ALICE, True, True, id="create"),
        pytest.param("DELETE", f"{IS}/x", 200, ALICE, True, True, id="delete"),
        pytest.param("GET", f"{IS}/x", 200, ALICE, True, False, id="get-not-logged"),
        pytest.param("GET", f"{IS}/x", 403, ALICE, False, True, id="denied-get"),
        pytest.param("GET", IS, 401, None, False, True, id="unauthenticated"),
        pytest.param("GET", "/healthz", 200, None, False, False, id="health"),
    ],
)
async def test_which_requests_are_logged(
    tmp_path: Path,
    method: str,
    path: str,
    code: int,
    user: authn.UserInfo | None,
    allowed: bool,
    logged: bool,
) -> None:
    log = audit.AuditLog(str(tmp_path / "audit.log"))
    sent = await _call(audit.AuditMiddleware(_app(code, user, allowed), log), method, path)
    log.close()
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert len(lines) == (1 if logged else 0)
    if path != "/healthz":
        headers = dict(sent[0]["headers"])
        assert len(headers[b"audit-id"]) == 36
    assert "SECRET" not in "".join(lines)


async def test_event_shape(tmp_path: Path) -> None:
    log = audit.AuditLog(str(tmp_path / "audit.log"))
    app = audit.AuditMiddleware(_app(403, ALICE, False), log)
    await _call(app, "PUT", f"{IS}/x/layers", "dryRun=All")
    log.close()
    event = json.loads((tmp_path / "audit.log").read_text())
    stamps = (event.pop("requestReceivedTimestamp"), event.pop("stageTimestamp"))
    assert all(s.endswith("Z") and len(s) == 27 for s in stamps)
    assert len(event.pop("auditID")) == 36
    assert event == {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "stage": "ResponseComplete",
        "requestURI": f"{IS}/x/layers?dryRun=All",
        "verb": "update",
        "user": {"username": "alice", "uid": "u1", "groups": ["dev", "system:authenticated"]},
        "sourceIPs": ["127.0.0.1"],
        "userAgent": "kubectl/v1.32",
        "objectRef": {
            "resource": "imagestreams",
            "namespace": "proj",
            "name": "x",
            "apiGroup": "image.openshift.io",
            "apiVersion": "v1",
            "subresource": "layers",
        },
        "responseStatus": {
            "metadata": {},
            "code": 403,
            "status": "Failure",
            "reason": "Forbidden",
            "message": "nope",
        },
        "annotations": {"authorization.k8s.io/decision": "forbid"},
    }


async def test_create_records_the_name_but_not_the_object(tmp_path: Path) -> None:
    log = audit.AuditLog(str(tmp_path / "audit.log"))
    app = audit.AuditMiddleware(_app(201, ALICE, True, "RBAC: allowed by x"), log)
    body = b'{"metadata": {"name": "web"}, "data": {"password": "hunter2"}}'
    await _call(app, "POST", IS, body=body)
    log.close()
    text = (tmp_path / "audit.log").read_text()
    event = json.loads(text)
    assert event["objectRef"]["name"] == "web"
    assert event["annotations"] == {
        "authorization.k8s.io/decision": "allow",
        "authorization.k8s.io/reason": "RBAC: allowed by x",
    }
    assert "hunter2" not in text
