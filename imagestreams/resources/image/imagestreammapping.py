"""ImageStreamMapping: the registry's "an image was pushed to <stream>:<tag>" call (spec 10).

The image is created if absent (an existing Image is never modified through this path), the
event ``{now, pull spec, image, stream generation}`` goes into the tag's history with the one
history algorithm, tracking tags follow in the same write, and the write goes through
``/status`` (no tag processing; limits and allowed registries apply). An identical repeat writes
nothing. Spec tags are never created. The answer is ``Status{status: Success}``.

The ``openshift.io/Image`` LimitRange (max image ``storage``) is checked first, as upstream's
admission plugin does (on the size derived from the raw manifest and config when the registry
sent those instead of metadata), and rejects with 403.
"""

from __future__ import annotations

from typing import Any

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import (
    ANNOTATION_IMAGE_MANAGED,
    GROUP,
    ImageStreamMapping,
    TagEvent,
)
from imagestreams.api.meta import now
from imagestreams.resources.image import history, limits, wire
from imagestreams.resources.image.backend import (
    Backend,
    Obj,
    status_success,
    validate_view_metadata,
)
from imagestreams.resources.image.metadata import fill_image_metadata
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource
from imagestreams.validation.imagestreammapping import validate_image_stream_mapping

__all__ = ["ImageStreamMappingResource"]

_KIND = "ImageStreamMapping"


def _image_size(metadata: dict[str, Any] | None) -> int:
    size = (metadata or {}).get("Size", 0)
    return size if isinstance(size, int) and not isinstance(size, bool) else 0


class ImageStreamMappingResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        mapping = wire.decode_as(obj, ImageStreamMapping, _KIND)
        md = mapping.metadata
        md.namespace = md.namespace or ctx.namespace
        if md.namespace != ctx.namespace:
            raise errors.BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        image = mapping.image
        registry = self.backend.config.registry_hostname
        if not image.docker_image_reference and registry:
            image.docker_image_reference = (
                f"{registry}/{md.namespace}/{md.name}@{image.metadata.name}"
            )
        image.signatures = []
        errs = validate_view_metadata(md) + validate_image_stream_mapping(mapping)
        if errs:
            raise errors.Invalid(_KIND, GROUP, md.name, errs)
        sized: Obj = msgspec.to_builtins(image)
        fill_image_metadata(sized)
        exceeded = limits.image_size_violation(
            _image_size(sized.get("dockerImageMetadata")),
            await self.backend.limit_source(md.namespace),
        )
        if exceeded is not None:
            raise errors.Forbidden.for_resource("imagestreammappings", GROUP, md.name, exceeded)
        stream = await self.backend.require_stream(ctx, md.name)
        existed = await self._create_image(ctx, mapping)
        pull_spec = image.docker_image_reference
        if existed and image.metadata.annotations.get(ANNOTATION_IMAGE_MANAGED) == "true":
            repository = (
                stream.status.docker_image_repository or stream.spec.docker_image_repository
            )
            pull_spec = f"{repository}@{image.metadata.name}"
        if ctx.dry_run:
            return status_success()
        created = now()

        def push(current: Obj) -> Obj:
            target = wire.decode_stream(current)
            event = TagEvent(
                created=created,
                docker_image_reference=pull_spec,
                image=image.metadata.name,
                generation=target.metadata.generation,
            )
            if not history.add_tag_event(target, mapping.tag, event):
                return current
            head = history.latest_event(target, mapping.tag)
            assert head is not None
            history.update_tracking_tags(target, mapping.tag, head)
            wire.normalize_stream(target, self.backend.config.import_mode)
            wire.stream_to_storage(current, target)
            return current

        await self.backend.status.guaranteed_update(ctx, md.name, push)
        return status_success()

    async def _create_image(self, ctx: RequestContext, mapping: ImageStreamMapping) -> bool:
        """Create the mapping's image; ``True`` when it already existed (left untouched)."""
        body: Obj = msgspec.to_builtins(mapping.image)
        body["metadata"] = {k: v for k, v in body.get("metadata", {}).items() if v is not None}
        try:
            await self.backend.images.create(
                RequestContext(user=ctx.user, dry_run=ctx.dry_run, can=ctx.can), body
            )
        except errors.AlreadyExists:
            return True
        return False
