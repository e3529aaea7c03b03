"""Server-side Table rendering: age formatting, negotiation, and kube's printer cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from imagestreams.resources.core_columns import COLUMNS
from imagestreams.rest import table

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        pytest.param(timedelta(seconds=-3), "<invalid>", id="future-beyond-skew"),
        pytest.param(timedelta(seconds=-1.5), "0s", id="future-within-skew"),
        pytest.param(timedelta(0), "0s", id="zero"),
        pytest.param(timedelta(seconds=5), "5s", id="seconds"),
        pytest.param(timedelta(seconds=119), "119s", id="just-under-two-minutes"),
        pytest.param(timedelta(minutes=2), "2m", id="two-minutes"),
        pytest.param(timedelta(minutes=3, seconds=20), "3m20s", id="minutes-seconds"),
        pytest.param(timedelta(minutes=9, seconds=59), "9m59s", id="under-ten-minutes"),
        pytest.param(timedelta(minutes=10, seconds=30), "10m", id="ten-minutes-drops-seconds"),
        pytest.param(timedelta(minutes=179), "179m", id="under-three-hours"),
        pytest.param(timedelta(hours=3), "3h", id="three-hours"),
        pytest.param(timedelta(hours=7, minutes=59), "7h59m", id="hours-minutes"),
        pytest.param(timedelta(hours=8, minutes=30), "8h", id="eight-hours"),
        pytest.param(timedelta(hours=47), "47h", id="under-two-days"),
        pytest.param(timedelta(days=2, hours=3), "2d3h", id="days-hours"),
        pytest.param(timedelta(days=7, hours=23), "7d23h", id="under-eight-days"),
        pytest.param(timedelta(days=8, hours=5), "8d", id="eight-days"),
        pytest.param(timedelta(days=729), "729d", id="under-two-years"),
        pytest.param(timedelta(days=730), "2y", id="two-years"),
        pytest.param(timedelta(days=365 * 3 + 40), "3y40d", id="years-days"),
        pytest.param(timedelta(days=365 * 10 + 40), "10y", id="ten-years"),
    ],
)
def test_human_duration(delta: timedelta, expected: str) -> None:
    assert table.human_duration(delta) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        pytest.param(timedelta(seconds=59), "59s", id="seconds"),
        pytest.param(timedelta(minutes=3, seconds=20), "3m", id="minutes"),
        pytest.param(timedelta(hours=23, minutes=59), "23h", id="hours"),
        pytest.param(timedelta(days=364), "364d", id="days"),
        pytest.param(timedelta(days=800), "2y", id="years"),
    ],
)
def test_short_human_duration(delta: timedelta, expected: str) -> None:
    assert table.short_human_duration(delta) == expected


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        pytest.param(None, "<unknown>", id="missing"),
        pytest.param("", "<unknown>", id="empty"),
        pytest.param("not-a-time", "<unknown>", id="garbage"),
        pytest.param("2026-11-29T11:56:40Z", "3m20s", id="rfc3339"),
        pytest.param("2026-11-27T09:00:00.123456Z", "2d2h", id="microtime"),
        pytest.param("2026-11-29T13:56:40+02:00", "3m20s", id="offset"),
    ],
)
def test_translate_timestamp_since(timestamp: Any, expected: str) -> None:
    cols = [table.Column("Age", getter=lambda o: table.translate_timestamp_since(o["t"]))]
    built = table.build_table([{"t": timestamp}], cols, list_meta={}, now=NOW)
    assert built["rows"][0]["cells"] == [expected]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(
            "application/json;as=Table;v=v1;g=meta.k8s.io,"
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
            "v1",
            id="kubectl-get",
        ),
        pytest.param("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "v1beta1", id="beta"),
        pytest.param("application/json", None, id="plain-json"),
        pytest.param("", None, id="no-accept"),
        pytest.param(
            "application/json, application/json;as=Table;v=v1;g=meta.k8s.io", None, id="json-first"
        ),
        pytest.param(
            "application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io",
            "v1",
            id="q-values",
        ),
        pytest.param("application/json;as=Table;v=v2;g=meta.k8s.io", None, id="unknown-version"),
        pytest.param(
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
            None,
            id="other-as",
        ),
    ],
)
def test_table_negotiation(accept: str, expected: str | None) -> None:
    assert table.table_version(accept) == expected
    assert table.wants_table(accept) is (expected is not None)


DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "prod",
        "creationTimestamp": "2026-11-27T09:00:00Z",
        "labels": {"app": "web"},
    },
    "spec": {
        "replicas": 3,
        "selector": {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
        },
        "template": {
            "spec": {
                "containers": [
                    {"name": "nginx", "image": "nginx:1.25"},
                    {"name": "sidecar", "image": "busybox"},
                ]
            }
        },
    },
    "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1},
}


@pytest.mark.parametrize(
    ("key", "obj", "cells"),
    [
        pytest.param(
            ("apps", "deployments"),
            DEPLOYMENT,
            [
                "web",
                "1/3",
                2,
                1,
                "2d3h",
                "nginx,sidecar",
                "nginx:1.25,busybox",
                "app=web,tier in (a,b)",
            ],
            id="deployment",
        ),
        pytest.param(
            ("apps", "deployments"),
            {"metadata": {"name": "fresh"}, "spec": {}},
            ["fresh", "0/1", 0, 0, "<unknown>", "", "", ""],
            id="deployment-defaults",
        ),
        pytest.param(
            ("", "secrets"),
            {
                "metadata": {"name": "creds", "creationTimestamp": "2026-11-29T11:59:55Z"},
                "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": "e30="},
            },
            ["creds", "kubernetes.io/dockerconfigjson", 1, "5s"],
            id="secret",
        ),
        pytest.param(
            ("", "secrets"),
            {
                "metadata": {"name": "s"},
                "data": {"a": "", "b": ""},
                "stringData": {"b": "x", "c": "y"},
            },
            ["s", "Opaque", 3, "<unknown>"],
            id="secret-default-type-and-stringdata",
        ),
        pytest.param(
            ("", "namespaces"),
            {
                "metadata": {"name": "prod", "creationTimestamp": "2016-11-29T12:00:00Z"},
                "status": {"phase": "Terminating"},
            },
            ["prod", "Terminating", "10y"],
            id="namespace",
        ),
        pytest.param(
            ("", "namespaces"),
            {"metadata": {"name": "new", "creationTimestamp": "2026-11-29T11:00:00Z"}},
            ["new", "Active", "60m"],
            id="namespace-default-phase",
        ),
        pytest.param(
            ("", "limitranges"),
            {"metadata": {"name": "lr", "creationTimestamp": "2026-11-29T13:00:00+01:00"}},
            ["lr", "2026-11-29T12:00:00Z"],
            id="limitrange-default-columns",
        ),
        pytest.param(
            ("", "pods"),
            {
                "metadata": {"name": "p", "creationTimestamp": "2026-11-29T11:30:00Z"},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "n1"},
                "status": {
                    "phase": "Running",
                    "podIPs": [{"ip": "10.0.0.7"}],
                    "containerStatuses": [
                        {
                            "name": "a",
                            "ready": True,
                            "restartCount": 2,
                            "state": {"running": {}},
                            "lastState": {"terminated": {"finishedAt": "2026-11-29T11:55:00Z"}},
                        },
                        {
                            "name": "b",
                            "ready": False,
                            "restartCount": 0,
                            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        },
                    ],
                },
            },
            [
                "p",
                "1/2",
                "CrashLoopBackOff",
                "2 (5m ago)",
                "30m",
                "10.0.0.7",
                "n1",
                "<none>",
                "<none>",
            ],
            id="pod-waiting",
        ),
        pytest.param(
            ("", "pods"),
            {
                "metadata": {"name": "init"},
                "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]},
                "status": {"initContainerStatuses": [{"name": "i", "state": {"running": {}}}]},
            },
            ["init", "0/1", "Init:0/1", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
            id="pod-initializing",
        ),
        pytest.param(
            ("batch", "cronjobs"),
            {"metadata": {"name": "cj"}, "spec": {"schedule": "*/5 * * * *"}},
            ["cj", "*/5 * * * *", "<none>", "False", 0, "<none>", "<unknown>", "", "", "<none>"],
            id="cronjob-defaults",
        ),
        pytest.param(
            ("batch", "jobs"),
            {
                "metadata": {"name": "j"},
                "spec": {"parallelism": 3},
                "status": {
                    "succeeded": 1,
                    "startTime": "2026-11-29T11:00:00Z",
                    "completionTime": "2026-11-29T11:03:20Z",
                    "conditions": [{"type": "Complete", "status": "True"}],
                },
            },
            ["j", "Complete", "1/1 of 3", "3m20s", "<unknown>", "", "", "<none>"],
            id="job",
        ),
        pytest.param(
            ("", "events"),
            {
                "metadata": {"name": "e1"},
                "type": "Warning",
                "reason": "Failed",
                "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{a}"},
                "source": {"component": "kubelet", "host": "n1"},
                "message": " boom \n",
                "firstTimestamp": "2026-11-29T11:00:00Z",
                "lastTimestamp": "2026-11-29T11:59:00Z",
                "count": 4,
            },
            [
                "60s",
                "Warning",
                "Failed",
                "pod/p",
                "spec.containers{a}",
                "kubelet, n1",
                "boom",
                "60m",
                4,
                "e1",
            ],
            id="event",
        ),
    ],
)
def test_cells(key: tuple[str, str], obj: dict[str, Any], cells: list[Any]) -> None:
    built = table.build_table([obj], COLUMNS[key], list_meta={}, now=NOW)
    assert built["rows"][0]["cells"] == cells


def test_table_shape_and_row_object() -> None:
    built = table.build_table(
        [DEPLOYMENT],
        COLUMNS[("apps", "deployments")][:2],
        list_meta={"resourceVersion": "42", "continue": "", "remainingItemCount": 0},
        now=NOW,
    )
    assert built == {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "42", "remainingItemCount": 0},
        "columnDefinitions": [
            {
                "name": "Name",
                "type": "string",
                "format": "name",
                "description": table.NAME_DESCRIPTION,
                "priority": 0,
            },
            {
                "name": "Ready",
                "type": "string",
                "format": "",
                "description": "Number of the pod with ready state",
                "priority": 0,
            },
        ],
        "rows": [
            {
                "cells": ["web", "1/3"],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": DEPLOYMENT["metadata"],
                },
            }
        ],
    }


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        pytest.param("None", None, id="none"),
        pytest.param("Object", DEPLOYMENT, id="object"),
    ],
)
def test_include_object(include: table.IncludeObject, expected: Any) -> None:
    built = table.build_table(
        [DEPLOYMENT], [], list_meta={}, include_object=include, no_headers=True
    )
    assert (built["columnDefinitions"], built["rows"][0]["object"]) == (None, expected)


def test_default_columns_match_kube_default_convertor() -> None:
    assert [c.definition() for c in table.default_columns()] == [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": table.NAME_DESCRIPTION,
            "priority": 0,
        },
        {
            "name": "Created At",
            "type": "date",
            "format": "",
            "description": table.CREATED_DESCRIPTION,
            "priority": 0,
        },
    ]
    built = table.build_table([{"metadata": {"name": "x"}}], table.default_columns(), list_meta={})
    assert built["rows"][0]["cells"] == ["x", "0001-01-01T00:00:00Z"]


@pytest.mark.parametrize(
    ("key", "names"),
    [
        pytest.param(("", "namespaces"), ["Name", "Status", "Age"], id="namespaces"),
        pytest.param(("", "secrets"), ["Name", "Type", "Data", "Age"], id="secrets"),
        pytest.param(("", "serviceaccounts"), ["Name", "Secrets", "Age"], id="serviceaccounts"),
        pytest.param(("", "configmaps"), ["Name", "Data", "Age"], id="configmaps"),
        pytest.param(("", "limitranges"), ["Name", "Created At"], id="limitranges"),
        pytest.param(
            ("", "events"), ["Last Seen", "Type", "Reason", "Object", "Message"], id="events"
        ),
        pytest.param(("apps", "statefulsets"), ["Name", "Ready", "Age"], id="statefulsets"),
        pytest.param(
            ("batch", "jobs"), ["Name", "Status", "Completions", "Duration", "Age"], id="jobs"
        ),
    ],
)
def test_default_visible_columns(key: tuple[str, str], names: list[str]) -> None:
    assert [c.name for c in COLUMNS[key] if c.priority == 0] == names
