"""Which objects the image policy looks into, and the rewrite of their container images.

The covered kinds are upstream's default resolution rules minus the OpenShift-only ones
(DeploymentConfigs and Builds are not served here): pods, replication controllers, the ``apps``
workloads and the ``batch`` jobs and cron jobs. Only create and update of the main resource are
admitted; objects with a controller owner reference are skipped (their controller's template was
already resolved). ``initContainers`` then ``containers`` are examined (ephemeral containers are
not); on update only containers whose image differs from the stored container of the same name
are, unless the ``resolve-names`` annotation was switched, and a Job's images are never rewritten
on update (its template is immutable).

``admit`` reports each rewrite as an ``ImageChange`` so the webhook can turn the same decisions
into a JSONPatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagestreams import errors
from imagestreams.resources.imagepolicy.resolve import (
    RESOLVE_NAMES_ANNOTATION,
    ImageLookup,
    Resolver,
)

__all__ = ["COVERED", "ImageChange", "admit", "json_pointer", "resolve_all_names"]

Obj = dict[str, Any]
GroupResource = tuple[str, str]
Path = tuple[str | int, ...]

_TEMPLATE = ("spec", "template")

COVERED: dict[GroupResource, tuple[str, Path | None]] = {
    ("", "pods"): ("Pod", None),
    ("", "replicationcontrollers"): ("ReplicationController", _TEMPLATE),
    ("apps", "daemonsets"): ("DaemonSet", _TEMPLATE),
    ("apps", "deployments"): ("Deployment", _TEMPLATE),
    ("apps", "statefulsets"): ("StatefulSet", _TEMPLATE),
    ("apps", "replicasets"): ("ReplicaSet", _TEMPLATE),
    ("batch", "jobs"): ("Job", _TEMPLATE),
    ("batch", "cronjobs"): ("CronJob", ("spec", "jobTemplate", "spec", "template")),
    # Only reachable through the webhook: upstream's defaults still name the old group.
    ("extensions", "daemonsets"): ("DaemonSet", _TEMPLATE),
    ("extensions", "deployments"): ("Deployment", _TEMPLATE),
    ("extensions", "replicasets"): ("ReplicaSet", _TEMPLATE),
}
"""``(group, resource)`` → (kind, path of the pod template; None: the object is the pod)."""

_NO_IMAGES = "No list of images available for this object"
_NO_POD_SPEC = "No PodSpec available for this object"
_SKIP_ON_UPDATE = frozenset({("batch", "jobs")})


@dataclass(frozen=True, slots=True)
class ImageChange:
    """One rewritten ``image`` field: its path in the object and both values."""

    path: Path
    old: str
    new: str


def json_pointer(path: Path) -> str:
    """RFC 6901 pointer for ``path``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _at(obj: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _pod_spec(obj: Obj, template: Path | None) -> tuple[Obj, Path] | None:
    """The pod spec and its path; None when the object has no template (only a replication
    controller can: its ``spec.template`` is optional)."""
    if template is None:
        spec_path: Path = ("spec",)
    else:
        if not isinstance(_at(obj, template), dict):
            return None
        spec_path = (*template, "spec")
    spec = _at(obj, spec_path)
    return (spec if isinstance(spec, dict) else {}), spec_path


def _annotated(meta: Any) -> bool:
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return isinstance(annotations, dict) and annotations.get(RESOLVE_NAMES_ANNOTATION) == "*"


def resolve_all_names(obj: Obj | None, template: Path | None) -> bool:
    """The ``resolve-names: "*"`` annotation on the pod template or on the object itself."""
    if obj is None:
        return False
    if template is not None and _annotated(_at(obj, (*template, "metadata"))):
        return True
    return _annotated(obj.get("metadata"))


def _has_controller(obj: Obj) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences")
    if not isinstance(refs, list):
        return False
    return any(isinstance(r, dict) and r.get("controller") is True for r in refs)


def _containers(spec: Obj) -> list[tuple[str, int, Obj]]:
    found: list[tuple[str, int, Obj]] = []
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            found.extend((key, i, c) for i, c in enumerate(items) if isinstance(c, dict))
    return found


def _same_image(old_spec: Obj | None, name: Any, image: Any) -> bool:
    """Upstream ``hasIdenticalPodSpecImage``: the first old container (init ones first) with the
    same name has the same image."""
    if old_spec is None:
        return False
    for _, _, container in _containers(old_spec):
        if container.get("name", "") == name:
            return bool(container.get("image", "") == image)
    return False


def _forbidden(gr: GroupResource, kind: str, name: str, reason: str) -> errors.Forbidden:
    group_dir = {"": "core"}.get(gr[0], gr[0])
    return errors.Forbidden.for_resource(
        gr[1],
        gr[0],
        name,
        f"unable to apply image policy against objects of type *{group_dir}.{kind}: {reason}",
    )


async def admit(
    lookup: ImageLookup,
    resource: GroupResource,
    namespace: str,
    obj: Obj,
    old: Obj | None,
) -> list[ImageChange]:
    """Rewrite the local-name images of ``obj`` (``old`` is the stored object on update, None on
    create) in place and return the rewrites; raise ``Forbidden`` when a covered object has no
    pod template to examine."""
    covered = COVERED.get(resource)
    if covered is None or _has_controller(obj):
        return []
    kind, template = covered
    name = str((obj.get("metadata") or {}).get("name") or "")
    found = _pod_spec(obj, template)
    if found is None:
        raise _forbidden(resource, kind, name, _NO_IMAGES)
    spec, spec_path = found
    old_spec: Obj | None = None
    if old is not None:
        old_found = _pod_spec(old, template)
        if old_found is None:
            reason = (
                f"old and new pod spec objects were not of the same type *core.{kind} != "
                f"*core.{kind}: {_NO_POD_SPEC}"
            )
            raise _forbidden(resource, kind, name, reason)
        old_spec = old_found[0]
        if resource in _SKIP_ON_UPDATE:
            return []
    force = resolve_all_names(obj, template)
    switched = force != resolve_all_names(old, template)
    resolver = Resolver(lookup, namespace, force)
    changes: list[ImageChange] = []
    for key, index, container in _containers(spec):
        image = container.get("image", "")
        if not isinstance(image, str):
            continue
        if not switched and _same_image(old_spec, container.get("name", ""), image):
            continue
        new = await resolver.resolve(image)
        if new is None or new == image:
            continue
        container["image"] = new
        changes.append(ImageChange((*spec_path, key, index, "image"), image, new))
    return changes
