"""``POST .../imagestreamimports``: import images from registries, optionally into a stream.

The virtual resource of spec §13 (upstream ``registry/imagestreamimport/rest.go``). One request:

1. decodes and defaults the ``ImageStreamImport``, validates it (422, nothing written);
2. applies ``--allowed-registries-for-import`` unless the caller may ``create images`` or
   ``create imagestreammapping`` (sic) cluster-wide;
3. reads the target stream (``resourceVersion``/``uid`` in the request are preconditions);
4. reads the namespace's pull secrets (the generic secrets store) and the server's credentials;
5. runs the importer (``importer.Importer``) to fill ``status.images``/``status.repository``;
6. ``import: false`` -> answers (raw manifests/configs only where ``includeManifest``);
   ``import: true`` -> records results in the stream (``apply``), creates the Images (an
   existing Image is reused unchanged), and writes the stream through the internal writer
   (spec and status) -- or skips the write when nothing changed and the stream already has the
   ``openshift.io/image.dockerRepositoryCheck`` annotation.

The answer is always 201 with the ISI; per-image failures are statuses, not HTTP errors.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import msgspec

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.api.image_defaults import default_image_stream_import
from imagestreams.api.image_v1 import (
    ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK,
    API_VERSION,
    GROUP,
    Image,
    ImageImportStatus,
    ImageStream,
    ImageStreamImport,
)
from imagestreams.api.meta import ObjectMeta, now
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.importer.credentials import CredentialChain
from imagestreams.importer.images import image_to_dict, strip_for_storage
from imagestreams.importer.importer import Importer
from imagestreams.oci.credentials import Keyring
from imagestreams.resources.image import wire
from imagestreams.resources.imagestreamimport import apply
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Obj, Resource
from imagestreams.validation import field, meta
from imagestreams.validation.imagestream import validate_image_stream_name
from imagestreams.validation.imagestreamimport import (
    validate_image_stream_import,
    validate_registry_allowed_for_import,
)
from imagestreams.validation.whitelist import RegistryWhitelister

__all__ = ["ImageStreamImportREST"]

_KIND = "ImageStreamImport"
_CREATE_CONCURRENCY = 32


def _clear_manifests(isi: ImageStreamImport) -> None:
    """Upstream ``clearManifests``: raw manifest/config only where ``includeManifest``."""

    def clear(status: ImageImportStatus) -> None:
        if status.image is not None:
            status.image.docker_image_manifest = ""
            status.image.docker_image_config = ""

    for spec, status in zip(isi.spec.images, isi.status.images, strict=False):
        if not spec.include_manifest:
            clear(status)
    repository = isi.spec.repository
    repo_status = isi.status.repository
    if repository is not None and repo_status is not None and not repository.include_manifest:
        for status in repo_status.images:
            clear(status)


class ImageStreamImportREST(Resource):
    """The ``imagestreamimports`` resource (create only)."""

    def __init__(
        self,
        info: scheme.ResourceInfo,
        *,
        streams: Resource,
        writer: Resource,
        images: Resource,
        secrets: Resource,
        importer: Importer,
        server_credentials: Keyring | None = None,
        whitelister: RegistryWhitelister | None = None,
        import_mode: str = "Legacy",
    ) -> None:
        super().__init__(info)
        self.streams = streams
        self.writer = writer
        self.images = images
        self.secrets = secrets
        self.importer = importer
        self.server_credentials = server_credentials
        self.whitelister = whitelister
        self.import_mode = import_mode

    # -- validation -------------------------------------------------------------------------

    def _validate(self, ctx: RequestContext, isi: ImageStreamImport) -> None:
        md = msgspec.to_builtins(isi.metadata)
        errs = meta.validate_object_meta(
            md,
            namespaced=True,
            name_fn=validate_image_stream_name,
            path=field.FieldPath.root("metadata"),
        )
        errs.extend(validate_image_stream_import(isi))
        if errs:
            raise errors.Invalid(_KIND, GROUP, isi.metadata.name, errs)

    async def _check_allowed_registries(self, ctx: RequestContext, isi: ImageStreamImport) -> None:
        if self.whitelister is None:
            return
        for resource in ("images", "imagestreammapping"):  # compat: upstream's singular name
            if await ctx.can(ctx.user, "create", GROUP, resource, "", "", ""):
                return
        errs: list[field.FieldError] = []
        checks = [
            (
                field.FieldPath.root("spec", "images").index(i),
                s.from_.name,
                s.import_policy.insecure,
            )
            for i, s in enumerate(isi.spec.images)
        ]
        if isi.spec.repository is not None:
            repo = isi.spec.repository
            checks.append(
                (
                    field.FieldPath.root("spec", "repository"),
                    repo.from_.name,
                    repo.import_policy.insecure,
                )
            )
        for path, name, insecure in checks:
            try:
                ref = DockerImageReference.parse(name)
            except InvalidReference:
                continue
            host, port = ref.registry_host_port(insecure)
            errs.extend(
                validate_registry_allowed_for_import(
                    self.whitelister, path.child("from", "name"), host, port
                )
            )
        if errs:
            raise errors.Invalid(_KIND, GROUP, isi.metadata.name, errs)

    # -- reads ------------------------------------------------------------------------------

    async def _stream(self, ctx: RequestContext, isi: ImageStreamImport) -> ImageStream | None:
        name = isi.metadata.name
        try:
            obj = await self.streams.get(ctx, name)
        except errors.NotFound:
            if isi.metadata.resource_version or isi.metadata.uid:
                raise
            return None
        stream = msgspec.convert(obj, ImageStream)
        requested = isi.metadata.resource_version
        if requested and requested != stream.metadata.resource_version:
            raise errors.Conflict.for_resource(
                "imagestream",
                GROUP,
                name,
                f'the image stream was updated from "{requested}" to'
                f' "{stream.metadata.resource_version}"',
            )
        if isi.metadata.uid and isi.metadata.uid != stream.metadata.uid:
            raise errors.NotFound.for_resource("imagestream", GROUP, name)
        return stream

    async def _credentials(self, ctx: RequestContext) -> CredentialChain:
        listed = await self.secrets.list(ctx, ListOptions())
        return CredentialChain.from_secrets(listed.get("items") or (), self.server_credentials)

    # -- create -----------------------------------------------------------------------------

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        isi = wire.decode_as(obj, ImageStreamImport, _KIND)
        default_image_stream_import(isi, self.import_mode)
        md = isi.metadata
        if md.namespace and ctx.namespace and md.namespace != ctx.namespace:
            raise errors.BadRequest(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        md.namespace = ctx.namespace
        self._validate(ctx, isi)
        await self._check_allowed_registries(ctx, isi)
        stream = await self._stream(ctx, isi)
        md.uid = md.uid or str(uuid.uuid4())
        md.creation_timestamp = now()
        await self.importer.run(isi, stream, await self._credentials(ctx))
        if isi.spec.import_ and not ctx.dry_run:
            await self._write(ctx, isi, stream)
        _clear_manifests(isi)
        result = self._to_dict(isi)
        return result

    def _to_dict(self, isi: ImageStreamImport) -> Obj:
        isi.kind, isi.api_version = _KIND, API_VERSION
        result: Obj = msgspec.to_builtins(isi)
        return result

    async def _create_images(self, ctx: RequestContext, statuses: list[ImageImportStatus]) -> None:
        """Create the Images of successful results (upstream ``cachedImageCreater``: once per
        name; an existing Image is reused as imported). Creations run concurrently, so the
        storage can commit them in groups; each status then carries the stored Image."""
        cluster = RequestContext(namespace="", user=ctx.user, can=ctx.can)
        wanted: dict[str, Image] = {}
        for status in statuses:
            for image in (*status.manifests, status.image):
                if image is not None:
                    wanted.setdefault(image.metadata.name, strip_for_storage(image))
        limit = asyncio.Semaphore(_CREATE_CONCURRENCY)

        async def create(stored: Image) -> Image:
            body = image_to_dict(stored)
            body["kind"], body["apiVersion"] = "Image", API_VERSION
            async with limit:
                try:
                    obj = await self.images.create(cluster, body)
                except errors.AlreadyExists:
                    return stored
            obj.pop("kind", None)
            obj.pop("apiVersion", None)
            return msgspec.convert(obj, Image)

        names = list(wanted)
        results = await asyncio.gather(*(create(wanted[n]) for n in names))
        created = dict(zip(names, results, strict=True))
        for status in statuses:
            status.manifests = [created[m.metadata.name] for m in status.manifests]
            if status.image is not None:
                status.image = created[status.image.metadata.name]

    async def _record(
        self, ctx: RequestContext, isi: ImageStreamImport, stream: ImageStream, generation: int
    ) -> None:
        stamp = now()
        succeeded: list[ImageImportStatus] = []

        def success(status: ImageImportStatus, tag: str, from_name: str, policy: Any) -> None:
            assert status.image is not None
            apply.record_success(
                stream, tag, status.image, from_name, generation, stamp,
                policy.import_policy, policy.reference_policy,
            )  # fmt: skip
            succeeded.append(status)

        repository = isi.spec.repository
        if repository is not None and isi.status.repository is not None:
            try:
                base = DockerImageReference.parse(repository.from_.name)
            except InvalidReference:
                base = None
            for status in isi.status.repository.images:
                if status.image is None or status.status.status != "Success" or base is None:
                    apply.record_failure(stream, status.status, status.tag, generation, stamp)
                    continue
                from_name = DockerImageReference(
                    registry=base.registry, namespace=base.namespace, name=base.name,
                    tag=status.tag,
                ).exact()  # fmt: skip
                success(status, status.tag, from_name, repository)
        for spec, status in zip(isi.spec.images, isi.status.images, strict=True):
            if spec.to is None:
                continue
            tag = spec.to.name
            if status.image is None or status.status.status != "Success":
                apply.record_failure(stream, status.status, tag, generation, stamp)
                apply.ensure_spec_tag(
                    stream, tag, spec.from_.name, spec.import_policy, spec.reference_policy,
                    reset=False,
                )  # fmt: skip
                continue
            success(status, tag, spec.from_.name, spec)
        await self._create_images(ctx, succeeded)

    async def _write(
        self, ctx: RequestContext, isi: ImageStreamImport, stream: ImageStream | None
    ) -> None:
        create = stream is None
        if stream is None:
            stream = ImageStream(
                metadata=ObjectMeta(name=isi.metadata.name, namespace=ctx.namespace)
            )
        original = msgspec.to_builtins(stream)
        has_annotation = ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK in stream.metadata.annotations
        await self._record(ctx, isi, stream, stream.metadata.generation + 1)
        changed = msgspec.to_builtins(stream) != original
        if not create and has_annotation and not changed:
            obj = copy.deepcopy(original)
        else:
            stream.metadata.annotations[ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK] = now()
            body: Obj = msgspec.to_builtins(stream)
            body["kind"], body["apiVersion"] = "ImageStream", API_VERSION
            if create:
                obj = await self.writer.create(ctx, body)
            else:
                obj, _ = await self.writer.update(ctx, stream.metadata.name, body)
        obj["kind"], obj["apiVersion"] = "ImageStream", API_VERSION
        isi.status.import_ = msgspec.convert(obj, ImageStream)
