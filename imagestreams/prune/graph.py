"""What the cluster holds and uses: the inputs of image pruning and the references among them.

An image may only go when nothing needs it. Upstream's pruner (``oc``'s ``imageprune``) decides
"in use" from pod specs and build inputs alone: a container image ``host/ns/name@digest`` keeps
the ImageStreamImage ``ns/name@digest``, ``host/ns/name[:tag]`` keeps the ImageStreamTag
``ns/name:tag`` (``latest`` by default; the host is ignored, since it cannot be known whether it
is the integrated registry). Pods count when Running or Pending or younger than the
keep-younger-than cutoff; every replication controller, deployment config, replica set,
deployment, daemon set, stateful set, job, cron job, build and build config counts. A reference
that does not parse is an error unless ``--ignore-invalid-refs``.

The registry side of an image is its blobs (:func:`image_blobs`): the layers, plus the config for
schema 2 and OCI manifests (lists have none); the manifest itself is a blob too, counted apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from imagestreams.api.reference import (
    DockerImageReference,
    InvalidReference,
    parse_image_stream_image_name,
    parse_image_stream_tag_name,
)

__all__ = [
    "CONFIG_MEDIA_TYPES",
    "ZERO_TIME",
    "BadReference",
    "Cluster",
    "ImageRef",
    "Obj",
    "Referrer",
    "TagRef",
    "Usage",
    "analyze_usage",
    "created",
    "image_blobs",
    "parse_time",
    "references_sample",
]

Obj = dict[str, Any]
ZERO_TIME: Final = datetime(1, 1, 1, tzinfo=UTC)
"""Go's zero ``time.Time``: what a missing timestamp compares as."""
CONFIG_MEDIA_TYPES: Final = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    }
)
"""Manifest types whose image config is a separate blob (``dockerImageMetadata.Id``)."""
_ACTIVE_PHASES: Final = frozenset({"Running", "Pending"})


def parse_time(value: Any) -> datetime:
    """An RFC 3339 timestamp; missing or malformed is the zero time."""
    if not isinstance(value, str) or not value:
        return ZERO_TIME
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return ZERO_TIME
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def created(obj: Obj) -> datetime:
    """``metadata.creationTimestamp``."""
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


@dataclass(frozen=True, slots=True, order=True)
class TagRef:
    namespace: str
    name: str
    tag: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.tag}"


@dataclass(frozen=True, slots=True, order=True)
class ImageRef:
    namespace: str
    name: str
    digest: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}@{self.digest}"


@dataclass(frozen=True, slots=True)
class Referrer:
    """The object holding a reference (``pod/x namespace=y``)."""

    resource: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if not self.namespace:
            return f"{self.resource}/{self.name}"
        return f"{self.resource}/{self.name} namespace={self.namespace}"


def references_sample(refs: list[Referrer]) -> str:
    """At most three referrers, then ``, and N more`` (for five or more)."""
    if not refs:
        return ""
    limit, suffix = len(refs), ""
    if limit >= 5:
        limit, suffix = 3, f", and {len(refs) - 3} more"
    return ", ".join(str(r) for r in refs[:limit]) + suffix


class BadReference(Exception):
    """An image reference in some object that does not parse (upstream ``ErrBadReference``)."""

    def __init__(
        self, referrer: Referrer, subreferrer: str, target_kind: str, reference: str, cause: str
    ) -> None:
        where = str(referrer) + (f": {subreferrer}" if subreferrer else "")
        super().__init__(f'{where}: invalid {target_kind} reference "{reference}": {cause}')


@dataclass
class Cluster:
    """Everything pruning reads; lists are the objects as the API returns them."""

    images: dict[str, Obj] = field(default_factory=dict)
    """Every Image by name."""
    streams: dict[str, Obj] = field(default_factory=dict)
    """Image streams by ``namespace/name``."""
    pods: list[Obj] = field(default_factory=list)
    rcs: list[Obj] = field(default_factory=list)
    dcs: list[Obj] = field(default_factory=list)
    rss: list[Obj] = field(default_factory=list)
    deployments: list[Obj] = field(default_factory=list)
    dss: list[Obj] = field(default_factory=list)
    builds: list[Obj] = field(default_factory=list)
    bcs: list[Obj] = field(default_factory=list)
    ssets: list[Obj] = field(default_factory=list)
    jobs: list[Obj] = field(default_factory=list)
    cronjobs: list[Obj] = field(default_factory=list)
    limit_ranges: dict[str, list[Obj]] = field(default_factory=dict)
    """LimitRanges by namespace."""


@dataclass
class Usage:
    """Who uses which ImageStreamTag / ImageStreamImage."""

    tags: dict[TagRef, list[Referrer]] = field(default_factory=dict)
    images: dict[ImageRef, list[Referrer]] = field(default_factory=dict)


def _meta(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _dig(obj: Obj, *path: str) -> Obj:
    for key in path:
        value = obj.get(key)
        obj = value if isinstance(value, dict) else {}
    return obj


class _Analyzer:
    def __init__(self, cutoff: datetime, ignore_invalid_refs: bool) -> None:
        self.cutoff = cutoff
        self.ignore = ignore_invalid_refs
        self.usage = Usage()
        self.errors: list[BadReference] = []

    def _bad(self, err: BadReference) -> None:
        if not self.ignore:
            self.errors.append(err)

    def image_reference(self, referrer: Referrer, sub: str, spec: str) -> None:
        try:
            ref = DockerImageReference.parse(spec)
        except InvalidReference as exc:
            self._bad(BadReference(referrer, sub, "image", spec, str(exc)))
            return
        if not ref.registry or not ref.namespace or "/" in ref.name:
            return
        if not ref.id:
            tag = TagRef(ref.namespace, ref.name, ref.tag or "latest")
            self.usage.tags.setdefault(tag, []).append(referrer)
            return
        image = ImageRef(ref.namespace, ref.name, ref.id)
        self.usage.images.setdefault(image, []).append(referrer)

    def pod_spec(self, referrer: Referrer, spec: Obj) -> None:
        for key, label in (("initContainers", "init container"), ("containers", "container")):
            for container in spec.get(key) or ():
                if not isinstance(container, dict):
                    continue
                image = str(container.get("image") or "")
                if not image.strip():
                    continue
                sub = f"{label} {container.get('name', '')}"
                self.image_reference(referrer, sub, image)

    def build_strategy(self, referrer: Referrer, strategy: Obj) -> None:
        source: Obj | None = None
        for key in ("sourceStrategy", "dockerStrategy", "customStrategy"):
            if isinstance(strategy.get(key), dict):
                from_ = strategy[key].get("from")
                source = from_ if isinstance(from_, dict) else None
                break
        if source is None:
            return
        kind, name = str(source.get("kind") or ""), str(source.get("name") or "")
        namespace = str(source.get("namespace") or "") or referrer.namespace
        if kind == "DockerImage":
            if name.strip():
                self.image_reference(referrer, "", name)
        elif kind == "ImageStreamImage":
            try:
                stream, digest = parse_image_stream_image_name(name)
            except InvalidReference as exc:
                self._bad(BadReference(referrer, "", "ImageStreamImage", name, str(exc)))
                return
            image_key = ImageRef(namespace, stream, digest)
            self.usage.images.setdefault(image_key, []).append(referrer)
        elif kind == "ImageStreamTag":
            try:
                stream, tag = parse_image_stream_tag_name(name)
            except InvalidReference as exc:
                self._bad(BadReference(referrer, "", "ImageStreamTag", name, str(exc)))
                return
            tag_key = TagRef(namespace, stream, tag)
            self.usage.tags.setdefault(tag_key, []).append(referrer)

    def pods(self, pods: Iterable[Obj]) -> None:
        for pod in pods:
            phase = str(_dig(pod, "status").get("phase") or "")
            if phase not in _ACTIVE_PHASES and created(pod) < self.cutoff:
                continue
            self.pod_spec(Referrer("pod", *_meta(pod)), _dig(pod, "spec"))

    def templates(self, resource: str, objs: Iterable[Obj], *path: str) -> None:
        for obj in objs:
            self.pod_spec(Referrer(resource, *_meta(obj)), _dig(obj, *path))

    def builds(self, resource: str, objs: Iterable[Obj]) -> None:
        for obj in objs:
            self.build_strategy(Referrer(resource, *_meta(obj)), _dig(obj, "spec", "strategy"))


def analyze_usage(
    cluster: Cluster, cutoff: datetime, ignore_invalid_refs: bool = False
) -> tuple[Usage, list[BadReference]]:
    """Which tags and images the cluster's workloads and builds use, and the references that
    did not parse (empty with ``ignore_invalid_refs``). ``cutoff``: pods created before it that
    are neither Running nor Pending do not count."""
    a = _Analyzer(cutoff, ignore_invalid_refs)
    a.pods(cluster.pods)
    a.templates("replicationcontroller", cluster.rcs, "spec", "template", "spec")
    a.templates("deploymentconfig", cluster.dcs, "spec", "template", "spec")
    a.templates("replicaset", cluster.rss, "spec", "template", "spec")
    a.templates("deployment", cluster.deployments, "spec", "template", "spec")
    a.templates("daemonset", cluster.dss, "spec", "template", "spec")
    a.builds("build", cluster.builds)
    a.builds("buildconfig", cluster.bcs)
    a.templates("statefulset", cluster.ssets, "spec", "template", "spec")
    a.templates("job", cluster.jobs, "spec", "template", "spec")
    a.templates("cronjob", cluster.cronjobs, "spec", "jobTemplate", "spec", "template", "spec")
    return a.usage, a.errors


def image_blobs(image: Obj) -> list[str]:
    """The layers and (schema 2 / OCI) config digest of ``image``; raises ``ValueError`` when
    the metadata it needs is missing."""
    blobs = [
        str(layer.get("name") or "")
        for layer in image.get("dockerImageLayers") or ()
        if isinstance(layer, dict)
    ]
    media_type = str(image.get("dockerImageManifestMediaType") or "")
    if media_type in (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ):
        return blobs
    metadata = image.get("dockerImageMetadata")
    if not isinstance(metadata, dict):
        name = (image.get("metadata") or {}).get("name", "")
        raise ValueError(f"failed to read metadata for image {name}")
    config = str(metadata.get("Id") or "")
    if media_type in CONFIG_MEDIA_TYPES and config:
        blobs.append(config)
    return blobs
