"""Field selectors of the generic kinds beyond ``metadata.name``/``metadata.namespace``.

These are kube-apiserver's ``ToSelectableFields`` of each kind (``pkg/registry/core/event``,
``core/pod``, ``core/replicationcontroller``, ``apps/replicaset``, ``batch/job``): kubectl
relies on them, e.g. ``kubectl describe`` lists a resource's events with
``involvedObject.name=...,involvedObject.namespace=...,involvedObject.kind=...`` and
``kubectl events --for`` likewise. Values are read from the object as stored (no defaulting).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FIELDS"]

Obj = dict[str, Any]


def _part(obj: Obj, name: str) -> Obj:
    value = obj.get(name)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _event(obj: Obj) -> dict[str, str]:
    involved = _part(obj, "involvedObject")
    source = _text(_part(obj, "source").get("component")) or _text(obj.get("reportingComponent"))
    fields = {
        f"involvedObject.{name}": _text(involved.get(name))
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion")
    }
    fields["involvedObject.fieldPath"] = _text(involved.get("fieldPath"))
    fields["reason"] = _text(obj.get("reason"))
    fields["reportingComponent"] = _text(obj.get("reportingComponent"))
    fields["source"] = source
    fields["type"] = _text(obj.get("type"))
    return fields


def _pod(obj: Obj) -> dict[str, str]:
    spec, status = _part(obj, "spec"), _part(obj, "status")
    ips = status.get("podIPs")
    first = ips[0] if isinstance(ips, list) and ips and isinstance(ips[0], dict) else {}
    return {
        "spec.nodeName": _text(spec.get("nodeName")),
        "spec.restartPolicy": _text(spec.get("restartPolicy")),
        "spec.schedulerName": _text(spec.get("schedulerName")),
        "spec.serviceAccountName": _text(spec.get("serviceAccountName")),
        "spec.hostNetwork": _text(bool(spec.get("hostNetwork"))),
        "status.phase": _text(status.get("phase")),
        "status.podIP": _text(first.get("ip") or status.get("podIP")),
        "status.nominatedNodeName": _text(status.get("nominatedNodeName")),
    }


def _replicas(obj: Obj) -> dict[str, str]:
    return {"status.replicas": _text(_part(obj, "status").get("replicas") or 0)}


def _job(obj: Obj) -> dict[str, str]:
    return {"status.successful": _text(_part(obj, "status").get("succeeded") or 0)}


FIELDS: dict[tuple[str, str], Callable[[Obj], dict[str, str]]] = {
    ("", "events"): _event,
    ("", "pods"): _pod,
    ("", "replicationcontrollers"): _replicas,
    ("apps", "replicasets"): _replicas,
    ("batch", "jobs"): _job,
}
"""``(group, plural)`` → the kind's own selectable fields."""
