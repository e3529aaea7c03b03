"""The Pod columns of ``kubectl get pods`` and the helpers the other printers share.

A Pod's READY/STATUS/RESTARTS cells are the most intricate of kube's printers (init containers,
restartable "sidecar" init containers, waiting/terminated reasons, ``Terminating``), so they get
a module of their own. The logic follows ``printPod`` in kube's
``pkg/printers/internalversion/printers.go``, reading the stored JSON instead of Go structs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from imagestreams.resources.core_column_docs import DESCRIPTIONS as D
from imagestreams.rest.table import Column, parse_time, translate_timestamp_since

__all__ = [
    "Obj",
    "as_dict",
    "as_list",
    "columns",
    "container_cells",
    "format_label_selector",
    "format_labels",
    "get",
    "pod_cells",
    "selector_string",
]

Obj = dict[str, Any]


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def get(obj: Any, *path: str) -> Any:
    """``obj[p0][p1]...`` or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def container_cells(containers: Any) -> tuple[str, str]:
    """``layoutContainerCells``: comma-joined container names and images."""
    items = [as_dict(c) for c in as_list(containers)]
    return (
        ",".join(str(c.get("name", "")) for c in items),
        ",".join(str(c.get("image", "")) for c in items),
    )


# --- label formatting (apimachinery labels / metav1 helpers) --------------------------------


def format_labels(labels: Any) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when empty."""
    text = ",".join(sorted(f"{k}={v}" for k, v in as_dict(labels).items()))
    return text or "<none>"


def selector_string(selector: Any) -> str:
    """``LabelSelectorAsSelector(sel).String()``; ``<invalid>`` for a bad operator."""
    if not isinstance(selector, dict):
        return ""  # labels.Nothing()
    reqs: list[tuple[str, str]] = [
        (str(k), f"{k}={v}") for k, v in as_dict(selector.get("matchLabels")).items()
    ]
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key, op = str(expr.get("key", "")), expr.get("operator")
        values = ",".join(sorted(str(v) for v in as_list(expr.get("values"))))
        if op == "In":
            reqs.append((key, f"{key} in ({values})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({values})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return "<invalid>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)


def format_label_selector(selector: Any) -> str:
    """``metav1.FormatLabelSelector``: like ``selector_string`` but ``<none>`` when empty."""
    text = selector_string(selector)
    return "<error>" if text == "<invalid>" else (text or "<none>")


def _count(status: Obj) -> int:
    value = status.get("restartCount")
    return value if isinstance(value, int) else 0


def _restartable(container: Any) -> bool:
    return as_dict(container).get("restartPolicy") == "Always"


def _later(current: datetime | None, candidate: Any) -> datetime | None:
    when = parse_time(candidate)
    if when is not None and (current is None or when > current):
        return when
    return current


def _condition_true(status: Obj, kind: str) -> bool:
    return any(
        as_dict(c).get("type") == kind and as_dict(c).get("status") == "True"
        for c in as_list(status.get("conditions"))
    )


def pod_cells(pod: Obj) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS exactly as ``printPod`` computes them."""
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    phase = status.get("phase") or "Pending"  # set by the pod strategy on create
    reason = status.get("reason") or phase
    for cond in as_list(status.get("conditions")):
        if as_dict(cond).get("type") == "PodScheduled" and (
            as_dict(cond).get("reason") == "SchedulingGated"
        ):
            reason = "SchedulingGated"

    init_specs = {as_dict(c).get("name"): c for c in as_list(spec.get("initContainers"))}
    total = len(as_list(spec.get("containers"))) + sum(
        1 for c in init_specs.values() if _restartable(c)
    )
    ready = restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    initializing = False
    init_statuses = [as_dict(s) for s in as_list(status.get("initContainerStatuses"))]
    for index, cs in enumerate(init_statuses):
        count = _count(cs)
        finished = get(cs, "lastState", "terminated", "finishedAt")
        restarts += count
        last_restart = _later(last_restart, finished)
        sidecar = _restartable(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        terminated_raw, waiting = get(cs, "state", "terminated"), get(cs, "state", "waiting")
        terminated = as_dict(terminated_raw)
        if isinstance(terminated_raw, dict) and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += 1 if cs.get("ready") else 0
            continue
        initializing = True
        if isinstance(terminated_raw, dict):
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode', 0)}"
        elif isinstance(waiting, dict) and waiting.get("reason") not in (
            None,
            "",
            "PodInitializing",
        ):
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(as_list(spec.get('initContainers')))}"
        break

    if not initializing or _condition_true(status, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed([as_dict(s) for s in as_list(status.get("containerStatuses"))]):
            restarts += _count(cs)
            last_restart = _later(last_restart, get(cs, "lastState", "terminated", "finishedAt"))
            waiting = as_dict(get(cs, "state", "waiting"))
            terminated_raw = get(cs, "state", "terminated")
            terminated = as_dict(terminated_raw)
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated.get("reason"):
                reason = terminated["reason"]
            elif isinstance(terminated_raw, dict):
                if terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{terminated.get('exitCode', 0)}"
            elif cs.get("ready") and isinstance(get(cs, "state", "running"), dict):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if get(pod, "metadata", "deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        ago = translate_timestamp_since(last_restart.isoformat())
        restarts_text = f"{restarts} ({ago} ago)"
    return f"{ready}/{total}", str(reason), restarts_text


def _pod_ip(pod: Obj) -> str:
    ips = as_list(get(pod, "status", "podIPs"))
    ip = as_dict(ips[0]).get("ip") if ips else ""
    return str(ip) if ip else "<none>"


def _readiness_gates(pod: Obj) -> str:
    gates = [as_dict(g) for g in as_list(get(pod, "spec", "readinessGates"))]
    if not gates:
        return "<none>"
    status = as_dict(pod.get("status"))
    true = sum(
        1
        for gate in gates
        for cond in [
            next(
                (
                    as_dict(c)
                    for c in as_list(status.get("conditions"))
                    if as_dict(c).get("type") == gate.get("conditionType")
                ),
                {},
            )
        ]
        if cond.get("status") == "True"
    )
    return f"{true}/{len(gates)}"


def columns(name: Column, age: Column) -> list[Column]:
    """The Pod table: NAME READY STATUS RESTARTS AGE, then IP NODE NOMINATED NODE GATES."""
    return [
        name,
        Column(
            "Ready",
            "string",
            "",
            "The aggregate readiness state of this pod for accepting traffic.",
            0,
            lambda o: pod_cells(o)[0],
        ),
        Column(
            "Status",
            "string",
            "",
            "The aggregate status of the containers in this pod.",
            0,
            lambda o: pod_cells(o)[1],
        ),
        Column(
            "Restarts",
            "string",
            "",
            "The number of times the containers in this pod have been restarted and when "
            "the last container in this pod has restarted.",
            0,
            lambda o: pod_cells(o)[2],
        ),
        age,
        Column("IP", "string", "", D["PodStatus.podIP"], 1, _pod_ip),
        Column(
            "Node",
            "string",
            "",
            D["PodSpec.nodeName"],
            1,
            lambda o: get(o, "spec", "nodeName") or "<none>",
        ),
        Column(
            "Nominated Node",
            "string",
            "",
            D["PodStatus.nominatedNodeName"],
            1,
            lambda o: get(o, "status", "nominatedNodeName") or "<none>",
        ),
        Column("Readiness Gates", "string", "", D["PodSpec.readinessGates"], 1, _readiness_gates),
    ]
