"""Carrying out a prune: read the cluster, then stage 1 and stage 2 through the API and registry.

Every deletion is announced with oc's line (``Deleting layer link <digest> in repository <repo>``,
``Deleting <n> items from image stream <ns>/<name>``, ``Deleting manifest link ...``,
``Deleting blob <digest>``, ``Deleting image <name>``) and only then performed, so a dry run
(no ``api``/``registry``) prints exactly what a confirmed run would do and counts it the same.
A failure is printed on stderr with oc's wording and collected; the run goes on (one stream's
update failing stops only that stream). Stream history is written through ``/status`` on a
freshly read copy, re-planned and retried on conflicts as upstream's ``RetryOnConflict`` does; a
stream deleted meanwhile is skipped. Images are deleted with a zero grace period, unless every
one of their blob deletions failed.

Up to ``workers`` streams (then images) are processed at once; their output is buffered per
object and written in plan order, so it reads the same however the calls interleave.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from imagestreams import errors
from imagestreams.client.http import HttpClient
from imagestreams.client.protocol import IMAGE_STREAMS, GroupVersionResource
from imagestreams.prune.graph import Cluster, Obj, Usage
from imagestreams.prune.plan import (
    Algorithm,
    ImagePlan,
    Stats,
    plan_images,
    plan_stream,
    stream_is_young,
)
from imagestreams.prune.registry import RegistryClient, RegistryFailure

__all__ = ["IMAGES", "Executor", "Output", "PruneClient", "load_cluster"]

IMAGES: GroupVersionResource = ("image.openshift.io", "v1", "images")
_CONFLICT_RETRIES: Final = 5
_PAGE: Final = 5000
_LISTS: Final[tuple[tuple[str, GroupVersionResource, str], ...]] = (
    # (Cluster field, resource, tolerated failure: "" none, "NotFound", "Forbidden")
    ("pods", ("", "v1", "pods"), ""),
    ("rcs", ("", "v1", "replicationcontrollers"), ""),
    ("bcs", ("build.openshift.io", "v1", "buildconfigs"), "NotFound"),
    ("builds", ("build.openshift.io", "v1", "builds"), "NotFound"),
    ("dss", ("apps", "v1", "daemonsets"), "Forbidden"),
    ("deployments", ("apps", "v1", "deployments"), "Forbidden"),
    ("dcs", ("apps.openshift.io", "v1", "deploymentconfigs"), "NotFound"),
    ("rss", ("apps", "v1", "replicasets"), "Forbidden"),
    ("ssets", ("apps", "v1", "statefulsets"), ""),
    ("jobs", ("batch", "v1", "jobs"), ""),
    ("cronjobs", ("batch", "v1", "cronjobs"), ""),
)


class PruneClient(HttpClient):
    """``HttpClient`` plus paged lists, ``/status`` updates and Image deletion."""

    async def list_items(
        self, resource: GroupVersionResource, namespace: str = "", limit: int = 0
    ) -> list[Obj]:
        items: list[Obj] = []
        params: dict[str, Any] = {"limit": limit} if limit else {}
        while True:
            page = await self._call("GET", self.path(resource, namespace), params=params)
            items.extend(i for i in page.get("items") or () if isinstance(i, dict))
            token = (page.get("metadata") or {}).get("continue") or ""
            if not limit or not token:
                return items
            params = {"limit": limit, "continue": token}

    async def update_status(self, stream: Obj) -> Obj:
        meta = stream.get("metadata") or {}
        path = self.path(IMAGE_STREAMS, str(meta.get("namespace", "")), str(meta.get("name", "")))
        return await self._call("PUT", path + "/status", json=stream)

    async def delete_image(self, name: str) -> None:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
        await self._call("DELETE", self.path(IMAGES, "", name), json=options)


def _is(exc: errors.ApiError, reason: str, code: int) -> bool:
    return exc.reason == reason or (not exc.reason and exc.code == code)


async def load_cluster(client: PruneClient, namespace: str, warn: Callable[[str], None]) -> Cluster:
    """Everything pruning reads (``namespace`` ``""`` = all), in upstream's order and with its
    tolerance of clusters without builds or deployment configs."""
    cluster = Cluster()
    for attr, resource, tolerated in _LISTS:
        try:
            setattr(cluster, attr, await client.list_items(resource, namespace))
        except errors.ApiError as exc:
            if tolerated == "NotFound" and _is(exc, "NotFound", 404):
                continue
            if tolerated == "Forbidden" and _is(exc, "Forbidden", 403):
                warn(
                    f"Failed to list {resource[2]}: {exc.message}\n"
                    " - * Make sure to update clusterRoleBindings."
                )
                continue
            raise
    for limit_range in await client.list_items(("", "v1", "limitranges"), namespace):
        ns = str((limit_range.get("metadata") or {}).get("namespace") or "")
        cluster.limit_ranges.setdefault(ns, []).append(limit_range)
    for stream in await client.list_items(IMAGE_STREAMS, namespace):
        meta = stream.get("metadata") or {}
        cluster.streams[f"{meta.get('namespace', '')}/{meta.get('name', '')}"] = stream
    for image in await client.list_items(IMAGES, "", _PAGE):
        cluster.images[str((image.get("metadata") or {}).get("name") or "")] = image
    return cluster


@dataclass
class Output:
    """One object's lines (``(to_stderr, text)``), its counts and its errors."""

    lines: list[tuple[bool, str]] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    errors: list[str] = field(default_factory=list)

    def out(self, text: str) -> None:
        self.lines.append((False, text))

    def err(self, text: str) -> None:
        self.lines.append((True, text))


class Executor:
    """Runs both stages; ``api``/``registry`` ``None`` = only describe (dry run, or
    ``--prune-registry=false`` for the registry)."""

    def __init__(
        self,
        cluster: Cluster,
        usage: Usage,
        algo: Algorithm,
        *,
        api: PruneClient | None,
        registry: RegistryClient | None,
        write: Callable[[bool, str], None],
        workers: int = 5,
    ) -> None:
        self.cluster = cluster
        self.usage = usage
        self.algo = algo
        self.api = api
        self.registry = registry
        self.write = write
        self.workers = max(workers, 1)

    async def _each(
        self, keys: list[str], unit: Callable[[str, Output], Awaitable[None]]
    ) -> Output:
        limiter = asyncio.Semaphore(self.workers)

        async def one(key: str) -> Output:
            output = Output()
            async with limiter:
                await unit(key, output)
            return output

        total = Output()
        for output in await asyncio.gather(*(one(k) for k in keys)):
            for to_err, text in output.lines:
                self.write(to_err, text)
            total.stats.add(output.stats)
            total.errors.extend(output.errors)
        return total

    async def run(self) -> tuple[Stats, list[str]]:
        """Stage 1, then (cluster-wide runs only) stage 2: the counts and the errors."""
        stage1 = await self._each(sorted(self.cluster.streams), self._stream)
        stats, errs = stage1.stats, stage1.errors
        if not self.algo.namespace:
            try:
                plans = plan_images(self.cluster.images, self.cluster.streams, self.algo)
            except ValueError as exc:
                return stats, [*errs, str(exc)]
            by_name = {plan.name: plan for plan in plans}

            async def image_unit(name: str, output: Output) -> None:
                await self._image(by_name[name], output)

            stage2 = await self._each([p.name for p in plans], image_unit)
            stats.add(stage2.stats)
            errs.extend(stage2.errors)
        return stats, errs

    # -- stage 1 ---------------------------------------------------------------------------
    async def _stream(self, key: str, output: Output) -> None:
        stream = self.cluster.streams[key]
        if stream_is_young(stream, self.algo):
            return
        deleted_links: set[str] = set()
        problems: list[str] = []
        try:
            await self._stream_attempts(key, stream, deleted_links, problems, output)
        finally:
            output.stats.deleted_layer_links += len(deleted_links)
            output.errors.extend(f"imagestream {key}: {p}" for p in problems)

    async def _stream_attempts(
        self, key: str, stream: Obj, links: set[str], problems: list[str], output: Output
    ) -> None:
        c = self.cluster
        for attempt in range(_CONFLICT_RETRIES):
            fresh = stream
            if self.api is not None:
                namespace, _, name = key.partition("/")
                try:
                    fresh = await self.api.get(IMAGE_STREAMS, namespace, name)
                except errors.ApiError as exc:
                    if _is(exc, "NotFound", 404):
                        c.streams.pop(key, None)
                        return
                    problems.append(str(exc))
                    return
            plan = plan_stream(fresh, c.images, self.usage, c.limit_ranges, self.algo)
            if plan.warning:
                output.err(f"warning: {plan.warning}")
                return
            repo = plan.repository
            for blob in plan.layer_links:
                if blob in links:
                    continue
                output.out(f"Deleting layer link {blob} in repository {repo}")
                if await self._registry_call(
                    output,
                    self.registry.delete_layer_link(repo, blob) if self.registry else None,
                    f"error deleting repository {repo} layer link {blob} from the registry",
                    problems,
                    f"failed to delete layer link {blob}",
                ):
                    links.add(blob)
            if not plan.removed:
                # As oc: stage 2 then sees this fresh copy, so images tagged into the stream
                # since the first listing are protected too.
                c.streams[key] = fresh
                return
            output.out(f"Deleting {len(plan.removed)} items from image stream {repo}")
            updated = plan.stream
            if self.api is not None:
                try:
                    updated = await self.api.update_status(plan.stream)
                except errors.ApiError as exc:
                    output.err(
                        f"error updating image stream {repo} to remove image references: {exc}"
                    )
                    if _is(exc, "NotFound", 404):
                        c.streams.pop(key, None)
                        return
                    if _is(exc, "Conflict", 409) and attempt + 1 < _CONFLICT_RETRIES:
                        continue
                    problems.append(str(exc))
                    return
            c.streams[key] = updated
            output.stats.deleted_items += len(plan.removed)
            output.stats.updated_streams += 1
            for digest in plan.manifest_links:
                output.out(f"Deleting manifest link {digest} in repository {repo}")
                if await self._registry_call(
                    output,
                    self.registry.delete_manifest(repo, digest) if self.registry else None,
                    f"error deleting manifest link {digest} from repository {repo}",
                    problems,
                    f"failed to delete manifest link {digest}",
                ):
                    output.stats.deleted_manifest_links += 1
            return

    @staticmethod
    async def _registry_call(
        output: Output,
        call: Awaitable[None] | None,
        printed: str,
        problems: list[str],
        collected: str,
    ) -> bool:
        if call is None:
            return True
        try:
            await call
        except RegistryFailure as exc:
            output.err(f"{printed}: {exc}")
            problems.append(f"{collected}: {exc}")
            return False
        return True

    # -- stage 2 ---------------------------------------------------------------------------
    async def _image(self, plan: ImagePlan, output: Output) -> None:
        problems: list[str] = []
        if plan.error:
            problems.append(plan.error)
        else:
            await self._delete_image(plan, output, problems)
        output.errors.extend(f"image {plan.name}: {p}" for p in problems)

    async def _delete_image(self, plan: ImagePlan, output: Output, problems: list[str]) -> None:
        failures = 0
        for blob in plan.blobs:
            output.out(f"Deleting blob {blob}")
            what = "manifest blob" if plan.manifest_blob and blob == plan.name else "blob"
            if await self._registry_call(
                output,
                self.registry.delete_blob(blob) if self.registry else None,
                f"error deleting blob {blob} from the registry",
                problems,
                f"failed to delete {what} {blob}",
            ):
                output.stats.deleted_blobs += 1
            else:
                failures += 1
        if output.stats.deleted_blobs == 0 and failures > 0:
            return
        output.out(f"Deleting image {plan.name}")
        if self.api is not None:
            try:
                await self.api.delete_image(plan.name)
            except errors.ApiError as exc:
                output.err(f"error deleting image {plan.name} from server: {exc}")
                if not _is(exc, "NotFound", 404):
                    problems.append(f"failed to delete image {plan.name}: {exc}")
                return
        output.stats.deleted_images += 1
