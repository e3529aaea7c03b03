"""``kubectl get`` columns for the generic Kubernetes kinds we store (pods, deployments, ...).

The cells reproduce kube's ``pkg/printers/internalversion`` printers, computed from the stored
JSON. kube-apiserver renders tables with ``Wide: true`` and lets kubectl hide priority-1
columns, so every column here always has a cell. Nothing runs controllers for these kinds, so
READY and friends come from whatever ``status`` the object carries (``0/3`` for a fresh
Deployment). Where kube-apiserver would have defaulted a field on create (``spec.replicas`` to
1, ``Secret.type`` to ``Opaque``, a Pod's phase to ``Pending``, a Namespace's to ``Active``) we
print the default so the output reads like a real cluster's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imagestreams.resources import pod_columns
from imagestreams.resources.core_column_docs import DESCRIPTIONS as D
from imagestreams.resources.pod_columns import (
    Obj,
    as_dict,
    as_list,
    container_cells,
    format_label_selector,
    format_labels,
    get,
    selector_string,
)
from imagestreams.rest.table import (
    Column,
    age_column,
    default_columns,
    human_duration,
    name_column,
    parse_time,
    translate_timestamp_since,
)

__all__ = ["COLUMNS", "format_label_selector", "format_labels", "selector_string"]

_CONTAINERS = "Names of each container in the template."
_IMAGES = "Images referenced by each container in the template."
_READY = "Number of the pod with ready state"


def _col(
    name: str, getter: Callable[[Obj], Any], desc: str, *, type_: str = "string", wide: bool = False
) -> Column:
    return Column(name, type_, "", desc, 1 if wide else 0, getter)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _status_int(field: str) -> Callable[[Obj], int]:
    return lambda obj: _int(get(obj, "status", field))


def _replicas(obj: Obj) -> int:
    """``spec.replicas`` as kube-apiserver defaults it (1 when unset)."""
    value = get(obj, "spec", "replicas")
    return value if isinstance(value, int) else 1


def _template_containers(path: tuple[str, ...]) -> tuple[Column, Column]:
    return (
        _col("Containers", lambda o: container_cells(get(o, *path))[0], _CONTAINERS, wide=True),
        _col("Images", lambda o: container_cells(get(o, *path))[1], _IMAGES, wide=True),
    )


_POD_TEMPLATE = ("spec", "template", "spec", "containers")


# --- per-kind cells -----------------------------------------------------------------------


def _job_status(obj: Obj) -> str:
    conditions = as_list(get(obj, "status", "conditions"))

    def has(kind: str) -> bool:
        for cond in conditions:
            if as_dict(cond).get("type") == kind:
                return as_dict(cond).get("status") == "True"
        return False

    if has("Complete"):
        return "Complete"
    if has("Failed"):
        return "Failed"
    if get(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    if has("Suspended"):
        return "Suspended"
    if has("FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(obj: Obj) -> str:
    succeeded = _int(get(obj, "status", "succeeded"))
    completions, parallelism = get(obj, "spec", "completions"), get(obj, "spec", "parallelism")
    if completions is None and parallelism is None:
        completions = 1  # SetDefaults_Job
    if isinstance(completions, int):
        return f"{succeeded}/{completions}"
    if _int(parallelism) > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _job_duration(obj: Obj) -> str:
    start = parse_time(get(obj, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(get(obj, "status", "completionTime"))
    if end is None:
        return translate_timestamp_since(get(obj, "status", "startTime"))
    return human_duration(end - start)


def _bool_ptr(value: Any, default: bool | None) -> str:
    value = default if value is None else value
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def _event_timestamps(obj: Obj) -> tuple[str, str, int]:
    first = translate_timestamp_since(obj.get("firstTimestamp"))
    if parse_time(obj.get("firstTimestamp")) is None:
        first = translate_timestamp_since(obj.get("eventTime"))
    last = translate_timestamp_since(obj.get("lastTimestamp"))
    if parse_time(obj.get("lastTimestamp")) is None:
        last = first
    count = _int(obj.get("count"))
    series = obj.get("series")
    if isinstance(series, dict):
        last = translate_timestamp_since(series.get("lastObservedTime"))
        count = _int(series.get("count"))
    elif count == 0:
        count = 1  # singleton events of the events.k8s.io API carry no count
    return first, last, count


def _event_target(obj: Obj) -> str:
    kind = str(get(obj, "involvedObject", "kind") or "").lower()
    name = get(obj, "involvedObject", "name")
    return f"{kind}/{name}" if name else kind


def _event_source(obj: Obj) -> str:
    component = get(obj, "source", "component") or obj.get("reportingComponent") or ""
    instance = get(obj, "source", "host") or obj.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else str(component)


def _secret_data(obj: Obj) -> int:
    # kube folds stringData into data on write; count both in case the store kept it
    return len(set(as_dict(obj.get("data"))) | set(as_dict(obj.get("stringData"))))


_NAME = name_column()
_AGE = age_column()
_JOB_SELECTOR = _col(
    "Selector",
    lambda o: format_label_selector(get(o, "spec", "selector")),
    D["JobSpec.selector"],
    wide=True,
)

COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "namespaces"): [
        _NAME,
        _col(
            "Status", lambda o: get(o, "status", "phase") or "Active", "The status of the namespace"
        ),
        _AGE,
    ],
    ("", "secrets"): [
        _NAME,
        _col("Type", lambda o: o.get("type") or "Opaque", D["Secret.type"]),
        _col("Data", _secret_data, D["Secret.data"]),
        _AGE,
    ],
    ("", "serviceaccounts"): [
        _NAME,
        _col("Secrets", lambda o: len(as_list(o.get("secrets"))), D["ServiceAccount.secrets"]),
        _AGE,
    ],
    ("", "configmaps"): [
        _NAME,
        _col(
            "Data",
            lambda o: len(as_dict(o.get("data"))) + len(as_dict(o.get("binaryData"))),
            D["ConfigMap.data"],
        ),
        _AGE,
    ],
    ("", "pods"): pod_columns.columns(_NAME, _AGE),
    ("", "replicationcontrollers"): [
        _NAME,
        _col("Desired", _replicas, D["ReplicationControllerSpec.replicas"], type_="integer"),
        _col(
            "Current",
            _status_int("replicas"),
            D["ReplicationControllerStatus.replicas"],
            type_="integer",
        ),
        _col(
            "Ready",
            _status_int("readyReplicas"),
            D["ReplicationControllerStatus.readyReplicas"],
            type_="integer",
        ),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
        _col(
            "Selector",
            lambda o: format_labels(get(o, "spec", "selector")),
            D["ReplicationControllerSpec.selector"],
            wide=True,
        ),
    ],
    ("", "limitranges"): default_columns(),
    ("", "events"): [
        _col("Last Seen", lambda o: _event_timestamps(o)[1], D["Event.lastTimestamp"]),
        _col("Type", lambda o: o.get("type", ""), D["Event.type"]),
        _col("Reason", lambda o: o.get("reason", ""), D["Event.reason"]),
        _col("Object", _event_target, D["Event.involvedObject"]),
        _col(
            "Subobject",
            lambda o: get(o, "involvedObject", "fieldPath") or "",
            D["ObjectReference.fieldPath"],
            wide=True,
        ),
        _col("Source", _event_source, D["Event.source"], wide=True),
        _col("Message", lambda o: str(o.get("message") or "").strip(), D["Event.message"]),
        _col("First Seen", lambda o: _event_timestamps(o)[0], D["Event.firstTimestamp"], wide=True),
        _col("Count", lambda o: _event_timestamps(o)[2], D["Event.count"], wide=True),
        Column("Name", "string", "name", _NAME.description, 1, _NAME.getter),
    ],
    ("apps", "deployments"): [
        _NAME,
        _col(
            "Ready", lambda o: f"{_int(get(o, 'status', 'readyReplicas'))}/{_replicas(o)}", _READY
        ),
        _col(
            "Up-to-date",
            _status_int("updatedReplicas"),
            D["DeploymentStatus.updatedReplicas"],
        ),
        _col(
            "Available",
            _status_int("availableReplicas"),
            D["DeploymentStatus.availableReplicas"],
        ),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
        _col(
            "Selector",
            lambda o: selector_string(get(o, "spec", "selector")),
            D["DeploymentSpec.selector"],
            wide=True,
        ),
    ],
    ("apps", "replicasets"): [
        _NAME,
        _col("Desired", _replicas, D["ReplicaSetSpec.replicas"], type_="integer"),
        _col(
            "Current",
            _status_int("replicas"),
            D["ReplicaSetStatus.replicas"],
            type_="integer",
        ),
        _col(
            "Ready",
            _status_int("readyReplicas"),
            D["ReplicaSetStatus.readyReplicas"],
            type_="integer",
        ),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
        _col(
            "Selector",
            lambda o: format_label_selector(get(o, "spec", "selector")),
            D["ReplicaSetSpec.selector"],
            wide=True,
        ),
    ],
    ("apps", "statefulsets"): [
        _NAME,
        _col(
            "Ready", lambda o: f"{_int(get(o, 'status', 'readyReplicas'))}/{_replicas(o)}", _READY
        ),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
    ],
    ("apps", "daemonsets"): [
        _NAME,
        *(
            _col(
                title,
                _status_int(field),
                D[f"DaemonSetStatus.{field}"],
                type_="integer",
            )
            for title, field in (
                ("Desired", "desiredNumberScheduled"),
                ("Current", "currentNumberScheduled"),
                ("Ready", "numberReady"),
                ("Up-to-date", "updatedNumberScheduled"),
                ("Available", "numberAvailable"),
            )
        ),
        _col(
            "Node Selector",
            lambda o: format_labels(get(o, "spec", "template", "spec", "nodeSelector")),
            D["PodSpec.nodeSelector"],
        ),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
        _col(
            "Selector",
            lambda o: format_label_selector(get(o, "spec", "selector")),
            D["DaemonSetSpec.selector"],
            wide=True,
        ),
    ],
    ("batch", "jobs"): [
        _NAME,
        _col("Status", _job_status, "Status of the job."),
        _col("Completions", _job_completions, D["JobStatus.succeeded"]),
        _col("Duration", _job_duration, "Time required to complete the job."),
        _AGE,
        *_template_containers(_POD_TEMPLATE),
        _JOB_SELECTOR,
    ],
    ("batch", "cronjobs"): [
        _NAME,
        _col("Schedule", lambda o: get(o, "spec", "schedule") or "", D["CronJobSpec.schedule"]),
        _col(
            "Timezone", lambda o: get(o, "spec", "timeZone") or "<none>", D["CronJobSpec.timeZone"]
        ),
        _col(
            "Suspend",
            lambda o: _bool_ptr(get(o, "spec", "suspend"), False),
            D["CronJobSpec.suspend"],
            type_="boolean",
        ),
        _col(
            "Active",
            lambda o: len(as_list(get(o, "status", "active"))),
            D["CronJobStatus.active"],
            type_="integer",
        ),
        _col(
            "Last Schedule",
            lambda o: (
                translate_timestamp_since(get(o, "status", "lastScheduleTime"))
                if get(o, "status", "lastScheduleTime")
                else "<none>"
            ),
            D["CronJobStatus.lastScheduleTime"],
        ),
        _AGE,
        *_template_containers(("spec", "jobTemplate", "spec", "template", "spec", "containers")),
        _col(
            "Selector",
            lambda o: format_label_selector(get(o, "spec", "jobTemplate", "spec", "selector")),
            D["JobSpec.selector"],
            wide=True,
        ),
    ],
}
