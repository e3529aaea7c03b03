"""Field selectors of the generic kinds, as kube-apiserver's ToSelectableFields."""

from __future__ import annotations

import pytest

from imagestreams.api import scheme
from imagestreams.resources.core.strategies import strategy_for


def _fields(group: str, plural: str, obj: dict[str, object]) -> dict[str, str]:
    info = scheme.find(group, "v1", plural, "")
    assert info is not None
    return dict(strategy_for(info).field_set(obj))


@pytest.mark.parametrize(
    ("group", "plural", "obj", "expected"),
    [
        pytest.param(
            "", "events",
            {"metadata": {"name": "e", "namespace": "n"},
             "involvedObject": {"kind": "Pod", "name": "p", "uid": "u1"},
             "reason": "Pulled", "type": "Normal", "reportingComponent": "kubelet"},
            {"involvedObject.kind": "Pod", "involvedObject.name": "p", "involvedObject.uid": "u1",
             "reason": "Pulled", "type": "Normal", "source": "kubelet",
             "reportingComponent": "kubelet", "involvedObject.namespace": ""},
            id="event-source-falls-back-to-reporting-component",
        ),
        pytest.param(
            "", "pods",
            {"metadata": {"name": "p", "namespace": "n"},
             "spec": {"nodeName": "n1", "hostNetwork": True},
             "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}]}},
            {"spec.nodeName": "n1", "spec.hostNetwork": "true", "status.phase": "Running",
             "status.podIP": "10.0.0.5", "spec.restartPolicy": ""},
            id="pod",
        ),
        pytest.param(
            "apps", "replicasets", {"metadata": {"name": "r"}, "status": {"replicas": 3}},
            {"status.replicas": "3"}, id="replicaset",
        ),
        pytest.param(
            "batch", "jobs", {"metadata": {"name": "j"}}, {"status.successful": "0"}, id="job",
        ),
    ],
)  # fmt: skip
def test_selectable_fields(
    group: str, plural: str, obj: dict[str, object], expected: dict[str, str]
) -> None:
    fields = _fields(group, plural, obj)
    assert {k: fields[k] for k in expected} == expected
    assert fields["metadata.name"] == obj["metadata"]["name"]  # type: ignore[index]


def test_configmaps_keep_only_the_metadata_fields() -> None:
    assert set(_fields("", "configmaps", {"metadata": {"name": "c"}})) == {
        "metadata.name",
        "metadata.namespace",
    }
