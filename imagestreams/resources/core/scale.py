"""The ``/scale`` subresource of Deployments, ReplicaSets, StatefulSets and
ReplicationControllers: an ``autoscaling/v1`` ``Scale`` view of the parent's replica count.

This is what ``kubectl scale`` (a merge patch of ``spec.replicas`` on ``/scale``) and
autoscalers talk to. As kube-apiserver's ``scaleFrom*`` functions build it: metadata is the
parent's name, namespace, uid, resourceVersion and creationTimestamp; ``spec.replicas`` is the
parent's (1 when unset, the API default); ``status.replicas`` is the parent's status count and
``status.selector`` its label selector in string form (``a=b,c in (d,e)``, requirements sorted
by key). A write changes only the parent's ``spec.replicas``, through the parent's own update
(strategy, generation bump, optimistic concurrency on the Scale's resourceVersion when given).
"""

from __future__ import annotations

from typing import Any

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj, PatchFn, Resource
from imagestreams.rest.store import GenericStore
from imagestreams.validation import field

__all__ = ["SCALABLE", "ScaleSubresource", "selector_string"]

SCALABLE = (
    ("", "v1", "replicationcontrollers"),
    ("apps", "v1", "deployments"),
    ("apps", "v1", "replicasets"),
    ("apps", "v1", "statefulsets"),
)
"""``(group, version, plural)`` of the kinds with a ``/scale`` subresource."""


def _requirement(expression: Any) -> tuple[str, str]:
    if not isinstance(expression, dict):
        return "", ""
    key = str(expression.get("key", ""))
    operator = expression.get("operator")
    values = ",".join(sorted(str(v) for v in expression.get("values") or ()))
    if operator == "In":
        return key, f"{key} in ({values})"
    if operator == "NotIn":
        return key, f"{key} notin ({values})"
    if operator == "Exists":
        return key, key
    if operator == "DoesNotExist":
        return key, f"!{key}"
    return key, ""


def selector_string(selector: Any, *, label_map: bool = False) -> str:
    """A label selector as ``labels.Selector.String()`` prints it; ``label_map`` for a
    ReplicationController's plain ``map[string]string`` selector."""
    if not isinstance(selector, dict):
        return ""
    labels = selector if label_map else selector.get("matchLabels") or {}
    parts = [(str(k), f"{k}={v}") for k, v in labels.items()] if isinstance(labels, dict) else []
    if not label_map:
        parts += [_requirement(e) for e in selector.get("matchExpressions") or ()]
    return ",".join(text for _, text in sorted(parts, key=lambda p: p[0]) if text)


class ScaleSubresource(Resource):
    """``<parent>/scale``: get, update and patch of the parent's replica count."""

    def __init__(self, info: scheme.ResourceInfo, parent: GenericStore) -> None:
        super().__init__(info)
        self.parent = parent

    def to_scale(self, obj: Obj) -> Obj:
        md = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        replicas = spec.get("replicas")
        label_map = self.info.plural == "replicationcontrollers"
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                key: md[key]
                for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                if key in md
            },
            "spec": {"replicas": 1 if replicas is None else replicas},
            "status": {
                "replicas": status.get("replicas") or 0,
                "selector": selector_string(spec.get("selector"), label_map=label_map),
            },
        }

    def _replicas(self, scale: Obj, name: str) -> int:
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise errors.BadRequest(
                f'Scale in version "v1" cannot be handled as a Scale: spec.replicas: expected '
                f"int32, got {type(replicas).__name__}"
            )
        if replicas < 0:
            raise errors.Invalid(
                "Scale",
                "autoscaling",
                name,
                [field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        return replicas

    def _write(self, scale: Obj, current: Obj, name: str) -> Obj:
        """``current`` (the parent) with the Scale's replicas; the Scale's resourceVersion, if
        any, is kept as a precondition for the parent's write."""
        replicas = self._replicas(scale, name)
        pinned = (scale.get("metadata") or {}).get("resourceVersion")
        md = current.setdefault("metadata", {})
        if pinned:
            md["resourceVersion"] = str(pinned)
        spec = current.get("spec")
        if not isinstance(spec, dict):
            spec = current["spec"] = {}
        spec["replicas"] = replicas
        return current

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        return self.to_scale(await self.parent.get(ctx, name))

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        stored = await self.parent.guaranteed_update(
            ctx, name, lambda current: self._write(obj, current, name)
        )
        return self.to_scale(stored), False

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        def apply(current: Obj) -> Obj:
            scale = fn(self.to_scale(current))
            # A patch that leaves the resourceVersion as it was read pins nothing new.
            return self._write(scale, current, name)

        return self.to_scale(await self.parent.guaranteed_update(ctx, name, apply))
