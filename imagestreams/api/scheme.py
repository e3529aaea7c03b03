"""The resource table: one entry per served resource, read by discovery, routing, OpenAPI,
the REST layer and the CLI, so that none of them keeps its own list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ALL_VERBS",
    "CORE_RESOURCES",
    "CRD_RESOURCE",
    "ResourceInfo",
    "by_group_version",
    "find",
    "group_versions",
    "register",
    "resources",
]

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """What discovery says about one resource or subresource."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    singular: str = ""
    subresource: str = ""
    """Non-empty for ``imagestreams/status`` style entries (``plural`` is then the parent)."""
    list_kind: str = ""
    response_kind: str = ""
    """Kind of a subresource's object (e.g. ``ImageStreamLayers``); defaults to ``kind``."""
    response_group: str | None = None
    response_version: str | None = None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def name(self) -> str:
        """The discovery name: ``imagestreams`` or ``imagestreams/status``."""
        return f"{self.plural}/{self.subresource}" if self.subresource else self.plural

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind_name(self) -> str:
        return self.list_kind or f"{self.kind}List"


def _core(
    kind: str, plural: str, *, group: str = "", version: str = "v1", **kw: object
) -> ResourceInfo:
    return ResourceInfo(group=group, version=version, kind=kind, plural=plural, **kw)  # type: ignore[arg-type]


_GET_ONLY = ("get", "patch", "update")


def _scale(kind: str, plural: str, group: str = "") -> ResourceInfo:
    return _core(
        kind,
        plural,
        group=group,
        subresource="scale",
        verbs=_GET_ONLY,
        response_kind="Scale",
        response_group="autoscaling",
        response_version="v1",
    )


CORE_RESOURCES: tuple[ResourceInfo, ...] = (
    _core(
        "Namespace",
        "namespaces",
        namespaced=False,
        short_names=("ns",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    ),
    _core("Namespace", "namespaces", namespaced=False, subresource="status", verbs=_GET_ONLY),
    _core("Namespace", "namespaces", namespaced=False, subresource="finalize", verbs=("update",)),
    _core("Secret", "secrets"),
    _core("ServiceAccount", "serviceaccounts", short_names=("sa",)),
    _core("ConfigMap", "configmaps", short_names=("cm",)),
    _core("Pod", "pods", short_names=("po",), categories=("all",)),
    _core("Pod", "pods", subresource="status", verbs=_GET_ONLY),
    _core(
        "ReplicationController", "replicationcontrollers", short_names=("rc",), categories=("all",)
    ),
    _core("ReplicationController", "replicationcontrollers", subresource="status", verbs=_GET_ONLY),
    _scale("ReplicationController", "replicationcontrollers"),
    _core("LimitRange", "limitranges", short_names=("limits",)),
    _core("Event", "events", short_names=("ev",)),
    _core("Deployment", "deployments", group="apps", short_names=("deploy",), categories=("all",)),
    _core("Deployment", "deployments", group="apps", subresource="status", verbs=_GET_ONLY),
    _scale("Deployment", "deployments", "apps"),
    _core("ReplicaSet", "replicasets", group="apps", short_names=("rs",), categories=("all",)),
    _core("ReplicaSet", "replicasets", group="apps", subresource="status", verbs=_GET_ONLY),
    _scale("ReplicaSet", "replicasets", "apps"),
    _core("StatefulSet", "statefulsets", group="apps", short_names=("sts",), categories=("all",)),
    _core("StatefulSet", "statefulsets", group="apps", subresource="status", verbs=_GET_ONLY),
    _scale("StatefulSet", "statefulsets", "apps"),
    _core("DaemonSet", "daemonsets", group="apps", short_names=("ds",), categories=("all",)),
    _core("DaemonSet", "daemonsets", group="apps", subresource="status", verbs=_GET_ONLY),
    _core("Job", "jobs", group="batch", categories=("all",)),
    _core("Job", "jobs", group="batch", subresource="status", verbs=_GET_ONLY),
    _core("CronJob", "cronjobs", group="batch", short_names=("cj",), categories=("all",)),
    _core("CronJob", "cronjobs", group="batch", subresource="status", verbs=_GET_ONLY),
)

CRD_RESOURCE = _core(
    "CustomResourceDefinition",
    "customresourcedefinitions",
    group="apiextensions.k8s.io",
    namespaced=False,
    verbs=("get", "list"),
    short_names=("crd", "crds"),
    categories=("api-extensions",),
)
"""Read-only and always empty: kubectl lists CRDs while validating kinds it cannot find."""

_TABLE: list[ResourceInfo] = [*CORE_RESOURCES, CRD_RESOURCE]


@dataclass
class _Index:
    by_key: dict[tuple[str, str, str, str], ResourceInfo] = field(default_factory=dict)


def register(*infos: ResourceInfo) -> None:
    """Add resources (used by the image group at import time of its scheme module)."""
    for info in infos:
        if info not in _TABLE:
            _TABLE.append(info)


def resources() -> list[ResourceInfo]:
    return list(_TABLE)


def find(group: str, version: str, plural: str, subresource: str = "") -> ResourceInfo | None:
    for info in _TABLE:
        if (info.group, info.version, info.plural, info.subresource) == (
            group,
            version,
            plural,
            subresource,
        ):
            return info
    return None


def group_versions() -> list[tuple[str, str]]:
    """Distinct (group, version) pairs in table order; the core group is ``""``."""
    seen: list[tuple[str, str]] = []
    for info in _TABLE:
        gv = (info.group, info.version)
        if gv not in seen:
            seen.append(gv)
    return seen


def by_group_version(group: str, version: str) -> list[ResourceInfo]:
    return [i for i in _TABLE if i.group == group and i.version == version]
