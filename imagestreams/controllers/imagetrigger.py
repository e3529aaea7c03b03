"""The image trigger controller: keep annotated workloads' images at their tags (spec §14.3).

Workloads (``apps/v1`` Deployments, StatefulSets, DaemonSets and ``batch/v1`` CronJobs, the
kinds openshift-controller-manager wires) that carry ``image.openshift.io/triggers`` name, per
container, an ImageStreamTag to follow. Whenever the tag resolves (library-go's
``ResolveLatestTaggedImage``: the newest event of ``status.tags[tag]``, through the integrated
registry by digest when the spec tag's ``referencePolicy`` is Local) to something other than the
container's image, the controller writes the resolved pull spec into the container and updates
the object. Nothing else in the object changes.

It reacts to both sides: a stream event queues every object whose triggers name that stream
(an index kept from the workload informers), and an object event queues the object, so a user
who overwrites a triggered image gets it put back (upstream's "reconciles after the image is
overwritten"). Paused triggers, tags without history and streams that do not exist are skipped
until something changes. A malformed annotation or field path is logged and the object left
alone; its next change is looked at again. Update conflicts and server errors are retried with
per-object back-off (1 s doubling to 30 s).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterable

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream
from imagestreams.api.imagetrigger import (
    TRIGGER_ANNOTATION,
    ObjectFieldTrigger,
    TriggerError,
    container_for_field_path,
    parse_triggers,
    split_stream_tag,
)
from imagestreams.client.protocol import ApiClient, GroupVersionResource, Obj
from imagestreams.controllers.informer import Handler, Informer, object_key
from imagestreams.controllers.workqueue import WorkQueue, process
from imagestreams.resources.image.pullspec import resolve_reference

__all__ = ["TRIGGERED_RESOURCES", "ImageTriggerController", "resolve_latest_tagged_image"]

log = logging.getLogger(__name__)

TRIGGERED_RESOURCES: tuple[tuple[GroupVersionResource, str], ...] = (
    (("apps", "v1", "deployments"), "Deployment"),
    (("apps", "v1", "daemonsets"), "DaemonSet"),
    (("apps", "v1", "statefulsets"), "StatefulSet"),
    (("batch", "v1", "cronjobs"), "CronJob"),
)
"""What is watched for the annotation, with each resource's kind."""

_Key = tuple[GroupVersionResource, str]
"""``(resource, "namespace/name")``."""


def resolve_latest_tagged_image(stream: ImageStream, tag: str, repository: str = "") -> str:
    """The pull spec consumers of ``stream:tag`` get, or ``""`` when the tag has no history.
    ``repository`` stands in for a stream without ``status.dockerImageRepository``."""
    history = next((t for t in stream.status.tags if t.tag == tag), None)
    if history is None or not history.items:
        return ""
    spec_tag = next((t for t in stream.spec.tags if t.name == tag), None)
    return resolve_reference(
        spec_tag, history.items[0], stream.status.docker_image_repository or repository
    )


def _triggers(obj: Obj) -> list[ObjectFieldTrigger]:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(TRIGGER_ANNOTATION)
    if not isinstance(value, str) or not value:
        return []
    return parse_triggers(value)


def _stream_keys(obj: Obj) -> set[str]:
    """``namespace/stream`` of every active ImageStreamTag trigger on ``obj`` (for the index)."""
    namespace = (obj.get("metadata") or {}).get("namespace", "")
    try:
        triggers = _triggers(obj)
    except TriggerError:
        return set()
    keys = set()
    for trigger in triggers:
        split = split_stream_tag(trigger.name)
        if trigger.paused or trigger.kind != "ImageStreamTag" or split is None:
            continue
        keys.add(f"{trigger.namespace or namespace}/{split[0]}")
    return keys


class ImageTriggerController:
    def __init__(
        self,
        client: ApiClient,
        streams: Informer,
        *,
        registry_hostname: str = "",
        workers: int = 2,
        resources: Iterable[tuple[GroupVersionResource, str]] = TRIGGERED_RESOURCES,
    ) -> None:
        self.client = client
        self.streams = streams
        self.registry_hostname = registry_hostname
        self.workers = workers
        self.kinds = dict(resources)
        self.informers = {gvr: Informer(client, gvr) for gvr in self.kinds}
        self.queue: WorkQueue[_Key] = WorkQueue(base_delay=1.0, max_delay=30.0)
        self.updates = 0
        self._by_stream: dict[str, set[_Key]] = {}
        self._streams_of: dict[_Key, set[str]] = {}
        streams.handlers.append(self._stream_changed)
        for gvr, informer in self.informers.items():
            informer.handlers.append(self._object_handler(gvr))

    # -- events ------------------------------------------------------------------------------
    def _stream_changed(self, event: str, old: Obj | None, new: Obj | None) -> None:
        if new is None:
            return
        for key in list(self._by_stream.get(object_key(new), ())):
            self.queue.add(key)

    def _object_handler(self, gvr: GroupVersionResource) -> Handler:
        def handle(event: str, old: Obj | None, new: Obj | None) -> None:
            key = (gvr, object_key(new if new is not None else old or {}))
            self._index(key, _stream_keys(new) if new is not None else set())
            if new is not None and TRIGGER_ANNOTATION in (
                (new.get("metadata") or {}).get("annotations") or {}
            ):
                self.queue.add(key)

        return handle

    def _index(self, key: _Key, streams: set[str]) -> None:
        for stream in self._streams_of.pop(key, set()) - streams:
            holders = self._by_stream.get(stream)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self._by_stream[stream]
        if streams:
            self._streams_of[key] = streams
            for stream in streams:
                self._by_stream.setdefault(stream, set()).add(key)

    # -- reconciling -----------------------------------------------------------------------
    def _resolve(self, namespace: str, stream_name: str, tag: str) -> str:
        cached = self.streams.get(f"{namespace}/{stream_name}")
        if cached is None:
            return ""
        stream = msgspec.convert(cached, ImageStream)
        fallback = (
            f"{self.registry_hostname}/{namespace}/{stream_name}" if self.registry_hostname else ""
        )
        return resolve_latest_tagged_image(stream, tag, fallback)

    def updated_object(self, obj: Obj, kind: str) -> Obj | None:
        """A copy of ``obj`` with its triggered images applied, or None when none differs.
        Raises ``TriggerError`` for a bad annotation or field path (nothing is applied)."""
        namespace = (obj.get("metadata") or {}).get("namespace", "")
        result: Obj | None = None
        for trigger in _triggers(obj):
            split = split_stream_tag(trigger.name)
            if trigger.paused or split is None:
                continue
            resolved = self._resolve(trigger.namespace or namespace, *split)
            if not resolved:
                continue
            target = result if result is not None else obj
            try:
                container = container_for_field_path(target, kind, trigger.field_path)
            except LookupError:
                continue  # the path is for another kind of object
            if container.get("image") == resolved:
                continue
            if result is None:
                result = copy.deepcopy(obj)
                container = container_for_field_path(result, kind, trigger.field_path)
            container["image"] = resolved
        return result

    async def sync(self, key: _Key) -> bool:
        """Apply the triggers of one object; True when it was updated."""
        gvr, name_key = key
        obj = self.informers[gvr].get(name_key)
        if obj is None:
            return False
        try:
            changed = self.updated_object(obj, self.kinds[gvr])
        except TriggerError as exc:
            log.warning("image triggers of %s %s not applied: %s", gvr[2], name_key, exc)
            return False
        if changed is None:
            return False
        await self.client.update(gvr, changed["metadata"].get("namespace", ""), changed)
        self.updates += 1
        log.info("image trigger updated %s %s", gvr[2], name_key)
        return True

    def _failed(self, key: _Key, exc: Exception) -> bool:
        if isinstance(exc, errors.ApiError):
            if exc.code == 404:
                return False
            # 409: the informer brings the new version; try again after it.
            log.info("image trigger update of %s %s: %s", key[0][2], key[1], exc.message)
        else:
            log.error("image trigger of %s %s failed", key[0][2], key[1], exc_info=exc)
        return True

    async def run(self) -> None:
        """Run the workload informers and the workers until cancelled."""
        await asyncio.gather(
            *(informer.run() for informer in self.informers.values()),
            *(process(self.queue, self.sync, self._failed) for _ in range(self.workers)),
        )
