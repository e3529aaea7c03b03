"""Run the registry side of an ``ImageStreamImport``: fill ``status.images``/``status.repository``.

This is openshift-apiserver's ``ImageStreamImporter.Import`` (spec §13.2 steps 5-6, §13.5-13.7):

* ``spec.images`` are deduplicated by (registry, repository, tag or digest, import mode,
  preferred platform) and each unique one is fetched once; every spec entry gets its own
  status, in spec order, with ``tag`` set for tag imports;
* ``spec.repository`` lists the repository's tags, imports the first
  ``max_images_per_repository`` in upstream's priority order and reports the rest as
  ``additionalTags``; the repository status is ``ImportFailed`` when some tags failed;
* if any spec image fails with "incorrect username or password", the whole import is repeated
  anonymously and images that still fail with ``Unauthorized`` keep their first status (public
  images behind a wrong pull secret still import, as upstream).

Fetching runs concurrently, bounded by ``concurrency`` per request and by the pool's limit per
registry. Writing results into the stream is the REST resource's job, not this module's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from imagestreams.api.image_v1 import (
    ANNOTATION_PREFER_ARCH,
    ANNOTATION_PREFER_OS,
    ImageImportStatus,
    ImageStream,
    ImageStreamImport,
    RepositoryImportStatus,
)
from imagestreams.api.meta import Status
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.importer import status as st
from imagestreams.importer.credentials import ANONYMOUS, CredentialChain
from imagestreams.importer.fetch import Fetched, Fetcher, SubManifestFailed, Target
from imagestreams.importer.pool import ClientPool
from imagestreams.importer.tags import sort_repository_tags
from imagestreams.oci import errors as oci

__all__ = ["DEFAULT_MAX_IMAGES_PER_REPOSITORY", "Importer", "Progress"]

log = logging.getLogger(__name__)

DEFAULT_MAX_IMAGES_PER_REPOSITORY = 50
Progress = Callable[[int, int], None]
"""``(done, total)`` callback for repository imports."""


@dataclass
class _Job:
    target: Target
    result: Fetched | None = None
    error: Status | None = None
    indexes: list[int] = field(default_factory=list)


def _tag_annotations(stream: ImageStream | None, tag: str) -> tuple[str, str]:
    if stream is None:
        return "", ""
    for ref in stream.spec.tags:
        if ref.name == tag:
            annotations = ref.annotations or {}
            return annotations.get(ANNOTATION_PREFER_ARCH, ""), annotations.get(
                ANNOTATION_PREFER_OS, ""
            )
    return "", ""


class Importer:
    """Imports images for ImageStreamImport requests through one shared :class:`ClientPool`."""

    def __init__(
        self,
        pool: ClientPool | None = None,
        *,
        max_images_per_repository: int = DEFAULT_MAX_IMAGES_PER_REPOSITORY,
        concurrency: int = 16,
    ) -> None:
        self.pool = pool or ClientPool()
        self.fetcher = Fetcher(self.pool)
        self.max_images_per_repository = max_images_per_repository
        self.concurrency = concurrency

    async def close(self) -> None:
        await self.pool.close()

    async def run(
        self,
        isi: ImageStreamImport,
        stream: ImageStream | None,
        credentials: CredentialChain = ANONYMOUS,
        progress: Progress | None = None,
    ) -> None:
        """Fill ``isi.status.images`` and ``isi.status.repository`` (not ``status.import``)."""
        await self._run_once(isi, stream, credentials, progress)
        if not credentials or not any(st.is_bad_credentials(s.status) for s in isi.status.images):
            return
        first = [s.status for s in isi.status.images]
        await self._run_once(isi, stream, ANONYMOUS, progress)
        for i, image in enumerate(isi.status.images):
            if image.status.reason == "Unauthorized":
                image.status = first[i]

    async def _run_once(
        self,
        isi: ImageStreamImport,
        stream: ImageStream | None,
        credentials: CredentialChain,
        progress: Progress | None,
    ) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        jobs: dict[Target, _Job] = {}
        statuses = [ImageImportStatus() for _ in isi.spec.images]
        for i, spec in enumerate(isi.spec.images):
            name = spec.from_.name
            try:
                ref = DockerImageReference.parse(name)
            except InvalidReference as exc:
                statuses[i].status = st.invalid_name(name, str(exc))
                continue
            arch, os_name = "", ""
            if not ref.id:
                to = spec.to.name if spec.to is not None else ""
                arch, os_name = _tag_annotations(stream, to or ref.tag or "latest")
                ref = DockerImageReference(
                    registry=ref.registry,
                    namespace=ref.namespace,
                    name=ref.name,
                    tag=ref.tag or "latest",
                )
            else:
                ref = DockerImageReference(
                    registry=ref.registry, namespace=ref.namespace, name=ref.name, id=ref.id
                )
            target = Target(
                ref, spec.import_policy.insecure, spec.import_policy.import_mode, arch, os_name
            )
            jobs.setdefault(target, _Job(target)).indexes.append(i)

        async def one(job: _Job) -> None:
            async with limit:
                await self._fetch(job, credentials)

        repo_task: asyncio.Task[RepositoryImportStatus] | None = None
        if isi.spec.repository is not None:
            repo_task = asyncio.ensure_future(
                self._repository(isi, credentials, limit, jobs, progress)
            )
        await asyncio.gather(*(one(job) for job in jobs.values()))
        for job in jobs.values():
            for i in job.indexes:
                statuses[i] = _status_of(job)
        isi.status.images = statuses
        if repo_task is not None:
            isi.status.repository = await repo_task

    async def _fetch(self, job: _Job, credentials: CredentialChain) -> None:
        target = job.target
        credential = credentials.first(target.host, target.repository)
        try:
            job.result = await self.fetcher.fetch(target, credential)
        except SubManifestFailed as exc:
            log.info("import of %s failed: %s", exc.ref.exact(), exc.error)
            job.error = st.status_for(exc.error, exc.ref)
        except (oci.RegistryError, ValueError) as exc:
            log.info("import of %s failed: %s", target.ref.exact(), exc)
            job.error = st.status_for(exc, target.ref)

    async def _repository(
        self,
        isi: ImageStreamImport,
        credentials: CredentialChain,
        limit: asyncio.Semaphore,
        spec_jobs: dict[Target, _Job],
        progress: Progress | None,
    ) -> RepositoryImportStatus:
        spec = isi.spec.repository
        assert spec is not None
        result = RepositoryImportStatus()
        try:
            ref = DockerImageReference.parse(spec.from_.name).as_repository()
        except InvalidReference as exc:
            result.status = st.invalid_name(spec.from_.name, str(exc))
            return result
        policy = spec.import_policy
        base = Target(ref, policy.insecure, policy.import_mode)
        client = self.pool.client(
            base.host, base.insecure, credentials.first(base.host, base.repository)
        )
        try:
            listed = await self.pool.call(base.host, lambda: client.list_tags(base.repository))
        except (oci.RegistryError, ValueError) as exc:
            result.status = st.status_for(exc, ref)
            return result
        wanted, additional = sort_repository_tags(listed, self.max_images_per_repository)
        done_tags = {
            t.ref.tag: job
            for t, job in spec_jobs.items()
            if t.ref.repository_name() == ref.repository_name()
            and t.host == base.host
            and t.import_mode == policy.import_mode
            and not t.prefer_arch
            and not t.prefer_os
        }
        jobs = [
            _Job(Target(_with_tag(ref, tag), policy.insecure, policy.import_mode)) for tag in wanted
        ]
        finished = 0

        async def one(job: _Job) -> None:
            nonlocal finished
            async with limit:
                await self._fetch(job, credentials)
            finished += 1
            if progress is not None:
                progress(finished, len(jobs))

        await asyncio.gather(*(one(job) for job in jobs))
        for tag in additional:
            spec_job = done_tags.get(tag)
            if spec_job is not None and spec_job.result is not None:
                jobs.append(spec_job)
            else:
                result.additional_tags.append(tag)
        failures = 0
        for job in jobs:
            item = _status_of(job)
            item.tag = job.target.ref.tag
            failures += item.status.status != "Success"
            result.images.append(item)
        if failures == 0:
            result.status = st.success()
        else:
            message = (
                "one of the images from this repository failed to import"
                if failures == 1
                else f"{failures} of the images from this repository failed to import"
            )
            result.status = Status(status="Failure", reason="ImportFailed", message=message)
        return result


def _with_tag(ref: DockerImageReference, tag: str) -> DockerImageReference:
    return DockerImageReference(
        registry=ref.registry, namespace=ref.namespace, name=ref.name, tag=tag
    )


def _status_of(job: _Job) -> ImageImportStatus:
    tag = job.target.ref.tag
    if job.error is not None:
        return ImageImportStatus(status=job.error, tag=tag)
    if job.result is None:
        message = (
            f'unknown error while importing tag "{tag}" from repository'
            f' "{job.target.repository}" with import mode "{job.target.import_mode}",'
            " please try again."
        )
        return ImageImportStatus(status=st.internal_error(message), tag=tag)
    return ImageImportStatus(
        status=st.success(),
        image=job.result.image,
        tag=tag,
        manifests=list(job.result.manifests),
    )
