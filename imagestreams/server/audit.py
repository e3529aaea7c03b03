"""The audit log: one ``audit.k8s.io/v1`` Event per JSON line, at the Metadata level.

kube-apiserver's ``--audit-log-path`` with a policy of "Metadata for everything that mutates or
is refused": each mutating request (every verb but get, list and watch) and each request answered
401 or 403 produces one ``ResponseComplete`` event naming the user and groups, the verb, the
object (resource, subresource, namespace, name, API group and version), the response code, the
authorization decision and its reason, and when the request arrived and finished. Bodies are never
recorded (that is what Metadata level means), so no token, secret value or object content can reach
the log; error messages are recorded only for 401/403, whose text the server composes from names.

``AuditMiddleware`` wraps the whole ASGI app, so it sees every request, gives it an ``Audit-Id``
response header as kube does, and learns the response code from the response start. The API
server tells it who the user was and what the authorizer said through ``note_user`` and
``note_decision``, which are no-ops when auditing is off. For a create, the middleware reads the
name from the request body as it streams past (kube records it in ``objectRef`` too).
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagestreams.api import protobuf
from imagestreams.server import authn
from imagestreams.server.requestinfo import RequestInfo, request_info

__all__ = [
    "SCOPE_KEY",
    "AuditLog",
    "AuditMiddleware",
    "AuditRecord",
    "note_decision",
    "note_impersonated",
    "note_user",
]

SCOPE_KEY = "imagestreams.audit"
_UNAUDITED_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
_REASONS = {401: "Unauthorized", 403: "Forbidden"}
_MAX_PEEK = 3 * 1024 * 1024


def _timestamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class AuditLog:
    """An append-only JSON-lines sink; ``-`` means standard output."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._owned = path != "-"
        self._out: TextIO
        if self._owned:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            self._out = target.open("a", encoding="utf-8")
            target.chmod(0o600)
        else:
            self._out = sys.stdout

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def close(self) -> None:
        if self._owned:
            self._out.close()


@dataclass
class AuditRecord:
    """What is known about one request while it runs."""

    info: RequestInfo
    method: str
    uri: str
    source_ips: list[str]
    user_agent: str
    received: datetime.datetime = field(default_factory=_now)
    audit_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user: authn.UserInfo | None = None
    impersonated: authn.UserInfo | None = None
    decision: str = ""
    reason: str = ""
    code: int = 0
    message: str = ""
    created_name: str = ""

    @property
    def wanted(self) -> bool:
        """Metadata-level policy: mutations and refusals."""
        return self.info.is_mutating or self.code in _REASONS

    def event(self) -> dict[str, Any]:
        user = _user_info(self.user)
        event: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": "audit.k8s.io/v1",
            "level": "Metadata",
            "auditID": self.audit_id,
            "stage": "ResponseComplete",
            "requestURI": self.uri,
            "verb": self.info.verb,
            "user": user,
        }
        if self.impersonated is not None:
            event["impersonatedUser"] = _user_info(self.impersonated)
        event |= {
            "sourceIPs": self.source_ips,
            "userAgent": self.user_agent,
        }
        info = self.info
        if info.is_resource_request:
            ref: dict[str, str] = {"resource": info.resource}
            if info.namespace:
                ref["namespace"] = info.namespace
            if info.name or self.created_name:
                ref["name"] = info.name or self.created_name
            if info.api_group:
                ref["apiGroup"] = info.api_group
            ref["apiVersion"] = info.api_version
            if info.subresource:
                ref["subresource"] = info.subresource
            event["objectRef"] = ref
        status: dict[str, Any] = {"metadata": {}, "code": self.code}
        if self.code >= 300:
            status["status"] = "Failure"
            if self.code in _REASONS:
                status["reason"] = _REASONS[self.code]
                if self.message:
                    status["message"] = self.message
        event["responseStatus"] = status
        event["requestReceivedTimestamp"] = _timestamp(self.received)
        event["stageTimestamp"] = _timestamp(_now())
        if self.decision:
            annotations = {"authorization.k8s.io/decision": self.decision}
            if self.reason:
                annotations["authorization.k8s.io/reason"] = self.reason
            event["annotations"] = annotations
        return event


def _user_info(who: authn.UserInfo | None) -> dict[str, Any]:
    """``authenticationv1.UserInfo`` as the audit event carries it."""
    out: dict[str, Any] = {}
    if who is not None:
        out["username"] = who.name
        if who.uid:
            out["uid"] = who.uid
        if who.groups:
            out["groups"] = list(who.groups)
    return out


def _record(scope: Scope) -> AuditRecord | None:
    record = scope.get(SCOPE_KEY)
    return record if isinstance(record, AuditRecord) else None


def note_user(scope: Scope, user: authn.UserInfo | None) -> None:
    """Tell the audit log who the caller is (no-op without auditing)."""
    record = _record(scope)
    if record is not None:
        record.user = user


def note_impersonated(scope: Scope, user: authn.UserInfo) -> None:
    """Tell the audit log whom the caller impersonates (``impersonatedUser``)."""
    record = _record(scope)
    if record is not None:
        record.impersonated = user


def note_decision(scope: Scope, allowed: bool, reason: str, message: str = "") -> None:
    """Tell the audit log what the authorizer decided; ``message`` is the 403 text, if any."""
    record = _record(scope)
    if record is not None:
        record.decision = "allow" if allowed else "forbid"
        record.reason = reason
        record.message = message


def _created_name(body: bytes, content_type: str) -> str:
    """``metadata.name`` of a create body (kube puts it into ``objectRef`` even at Metadata
    level); only the name is kept, never the object."""
    try:
        if content_type.split(";", 1)[0].strip() == protobuf.MEDIA_TYPE:
            obj: Any = protobuf.decode_k8s_protobuf(body)
        else:
            obj = json.loads(body)
    except (ValueError, protobuf.ProtobufDecodeError):
        return ""
    md = obj.get("metadata") if isinstance(obj, dict) else None
    name = md.get("name") if isinstance(md, dict) else None
    return name if isinstance(name, str) else ""


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class AuditMiddleware:
    """Records one event per audited request into ``log``."""

    def __init__(self, app: ASGIApp, log: AuditLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("path", "") in _UNAUDITED_PATHS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        raw_query = bytes(scope.get("query_string") or b"").decode("latin-1")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        ips = [ip.strip() for ip in _header(scope, b"x-forwarded-for").split(",") if ip.strip()]
        client = scope.get("client")
        if client and client[0] not in ips:
            ips.append(str(client[0]))
        record = AuditRecord(
            info=request_info(scope.get("method", "GET"), path, query),
            method=scope.get("method", "GET"),
            uri=path + ("?" + raw_query if raw_query else ""),
            source_ips=ips,
            user_agent=_header(scope, b"user-agent"),
        )
        scope[SCOPE_KEY] = record
        peek = record.info.verb == "create" and not record.info.name
        chunks: list[bytes] = []
        size = 0

        async def receive_peeking() -> Message:
            nonlocal size
            message = await receive()
            if message.get("type") == "http.request" and size <= _MAX_PEEK:
                chunk = bytes(message.get("body") or b"")
                size += len(chunk)
                chunks.append(chunk)
            return message

        async def send_with_id(message: Message) -> None:
            if message.get("type") == "http.response.start":
                record.code = int(message.get("status", 0))
                headers = list(message.get("headers") or [])
                headers.append((b"audit-id", record.audit_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive_peeking if peek else receive, send_with_id)
        finally:
            if record.code == 0:
                record.code = 500
            if peek and chunks and size <= _MAX_PEEK:
                record.created_name = _created_name(
                    b"".join(chunks), _header(scope, b"content-type")
                )
            if record.wanted:
                self.log.write(record.event())
