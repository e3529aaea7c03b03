"""Strategic-merge-patch metadata: which lists merge by which key, per kind.

Kubernetes reads ``patchStrategy``/``patchMergeKey`` struct tags from its Go types
(``k8s.io/api/core/v1/types.go`` and friends, ``openshift/api image/v1/types.go``). We store JSON
dicts, so the same facts are written down here as data: for each ``(apiVersion, kind)`` a map from
the dotted JSON path of a field (list indices left out, e.g. ``spec.template.spec.containers.env``)
to ``(patchStrategy, patchMergeKey)``. Fields not listed behave like untagged Go fields: maps
merge, lists are replaced. A kind without an entry does not support strategic merge patch at all
(kube-apiserver answers 415 for those, as it does for custom resources).

Only tags that are in Kubernetes 1.32 (and OpenShift's image API) are listed; alpha fields added
later are not.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "PATCH_META",
    "PatchMeta",
    "lookup",
    "supports_strategic_merge",
]

PatchMeta = tuple[str, str]
"""``(patchStrategy, patchMergeKey)``; the strategy may be ``merge,retainKeys`` like the Go tag."""

Table = dict[str, PatchMeta]

_MERGE = "merge"
_NONE: PatchMeta = ("", "")


def _under(prefix: str, table: Mapping[str, PatchMeta]) -> Table:
    return {f"{prefix}.{path}": meta for path, meta in table.items()}


# metav1.ObjectMeta
_OBJECT_META: Table = {
    "ownerReferences": (_MERGE, "uid"),
    "finalizers": (_MERGE, ""),
}

# corev1.Container / EphemeralContainerCommon
_CONTAINER: Table = {
    "ports": (_MERGE, "containerPort"),
    "env": (_MERGE, "name"),
    "volumeMounts": (_MERGE, "mountPath"),
    "volumeDevices": (_MERGE, "devicePath"),
}

# corev1.PodSpec
_POD_SPEC: Table = {
    "volumes": ("merge,retainKeys", "name"),
    "initContainers": (_MERGE, "name"),
    "containers": (_MERGE, "name"),
    "ephemeralContainers": (_MERGE, "name"),
    "imagePullSecrets": (_MERGE, "name"),
    "hostAliases": (_MERGE, "ip"),
    "topologySpreadConstraints": (_MERGE, "topologyKey"),
    "schedulingGates": (_MERGE, "name"),
    "resourceClaims": ("merge,retainKeys", "name"),
    **_under("initContainers", _CONTAINER),
    **_under("containers", _CONTAINER),
    **_under("ephemeralContainers", _CONTAINER),
}

# corev1.ContainerStatus
_CONTAINER_STATUS: Table = {
    "volumeMounts": (_MERGE, "mountPath"),
    "allocatedResourcesStatus": (_MERGE, "name"),
}

# corev1.PodStatus
_POD_STATUS: Table = {
    "conditions": (_MERGE, "type"),
    "hostIPs": (_MERGE, "ip"),
    "podIPs": (_MERGE, "ip"),
    "resourceClaimStatuses": ("merge,retainKeys", "name"),
    **_under("initContainerStatuses", _CONTAINER_STATUS),
    **_under("containerStatuses", _CONTAINER_STATUS),
    **_under("ephemeralContainerStatuses", _CONTAINER_STATUS),
}

# corev1.PodTemplateSpec
_POD_TEMPLATE: Table = {**_under("metadata", _OBJECT_META), **_under("spec", _POD_SPEC)}

_CONDITIONS_BY_TYPE: Table = {"status.conditions": (_MERGE, "type")}


def _kind(*parts: Mapping[str, PatchMeta]) -> Table:
    table: Table = _under("metadata", _OBJECT_META)
    for part in parts:
        table.update(part)
    return table


def _workload(*extra: Mapping[str, PatchMeta]) -> Table:
    """Deployment/ReplicaSet/DaemonSet/StatefulSet/Job/RC: a pod template and conditions."""
    return _kind(_under("spec.template", _POD_TEMPLATE), _CONDITIONS_BY_TYPE, *extra)


# image.openshift.io/v1 Image
_IMAGE: Table = {
    "dockerImageMetadata": ("replace", ""),
    "signatures": (_MERGE, "name"),
    "signatures.conditions": (_MERGE, "type"),
}

_PVC_TEMPLATE: Table = {
    **_under("metadata", _OBJECT_META),
    "status.conditions": (_MERGE, "type"),
}

PATCH_META: dict[tuple[str, str], Table] = {
    ("v1", "Namespace"): _kind(_CONDITIONS_BY_TYPE),
    ("v1", "Secret"): _kind(),
    ("v1", "ServiceAccount"): _kind({"secrets": (_MERGE, "name")}),
    ("v1", "ConfigMap"): _kind(),
    ("v1", "Pod"): _kind(_under("spec", _POD_SPEC), _under("status", _POD_STATUS)),
    ("v1", "ReplicationController"): _workload(),
    ("v1", "LimitRange"): _kind(),
    ("v1", "Event"): _kind(),
    ("apps/v1", "Deployment"): _workload({"spec.strategy": ("retainKeys", "")}),
    ("apps/v1", "ReplicaSet"): _workload(),
    ("apps/v1", "StatefulSet"): _workload(_under("spec.volumeClaimTemplates", _PVC_TEMPLATE)),
    ("apps/v1", "DaemonSet"): _workload(),
    ("batch/v1", "Job"): _workload(),
    ("batch/v1", "CronJob"): _kind(
        _under("spec.jobTemplate.metadata", _OBJECT_META),
        _under("spec.jobTemplate.spec.template", _POD_TEMPLATE),
    ),
    ("image.openshift.io/v1", "Image"): _kind(_IMAGE),
    ("image.openshift.io/v1", "ImageStream"): _kind(
        {"spec.tags": (_MERGE, "name"), "status.tags": (_MERGE, "tag")}
    ),
    ("image.openshift.io/v1", "ImageStreamTag"): _kind(
        _under("image", _IMAGE), _under("image.metadata", _OBJECT_META)
    ),
    ("image.openshift.io/v1", "ImageTag"): _kind(
        _under("image", _IMAGE), _under("image.metadata", _OBJECT_META)
    ),
}


def supports_strategic_merge(api_version: str, kind: str) -> bool:
    """True for kinds with Go types behind them (built-ins and the image API)."""
    return (api_version, kind) in PATCH_META


def lookup(kind_key: tuple[str, str], path: str) -> PatchMeta:
    """``(strategy, mergeKey)`` of the field at dotted ``path``; ``("", "")`` when untagged."""
    return PATCH_META.get(kind_key, {}).get(path, _NONE)
