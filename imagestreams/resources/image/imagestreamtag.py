"""ImageStreamTag (``<stream>:<tag>``): the current image of one tag, and its spec (spec 7).

A view of the stream: reads synthesise it from the stream and the head image; writes edit the
stream's spec tag through the main endpoint (so tag processing, the cross-namespace check and
LimitRanges apply, and their errors come back with kind ImageStream); a delete removes spec and
history together through the internal writer. ``metadata.resourceVersion`` and ``uid`` are the
stream's, which is how optimistic concurrency works on a view.
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api import selectors
from imagestreams.api.image_defaults import default_image_stream_tag
from imagestreams.api.image_v1 import GROUP, Image, ImageStream, ImageStreamTag, TagEvent
from imagestreams.api.meta import ObjectMeta
from imagestreams.api.reference import join_image_stream_tag, split_image_stream_tag
from imagestreams.resources.image import columns, history, pullspec, wire
from imagestreams.resources.image.backend import (
    MAX_RETRIES,
    Backend,
    Obj,
    carry_system_fields,
    split_tag_name,
    to_json,
    validate_view_metadata,
    view_image,
)
from imagestreams.resources.image.tagviews import (
    ServerTimeout,
    add_spec_tag,
    check_identity,
    check_resource_version,
    delete_tag,
    head_image,
    list_streams,
    stream_or_new,
    write_stream,
)
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import PatchFn, Resource
from imagestreams.validation.imagestreamtag import (
    validate_image_stream_tag,
    validate_image_stream_tag_update,
)

__all__ = ["ImageStreamTagResource", "new_istag"]

_KIND = "ImageStreamTag"


def new_istag(
    stream: ImageStream, tag: str, image: Image | None, *, allow_empty: bool
) -> ImageStreamTag:
    """Upstream ``newISTag``: 404 ``imagestreamtags`` unless the head has an image (or
    ``allow_empty``, for write responses)."""
    name = join_image_stream_tag(stream.metadata.name, tag)
    event = history.latest_event(stream, tag)
    if event is None or not event.image:
        if not allow_empty:
            raise errors.NotFound.for_resource("imagestreamtags", GROUP, name)
        event = TagEvent(created=stream.metadata.creation_timestamp)
    entry = history.find_status_tag(stream, tag)
    spec_tag = next((t for t in stream.spec.tags if t.name == tag), None)
    annotations = dict(spec_tag.annotations or {}) if spec_tag is not None else {}
    if image is not None:
        image.metadata.annotations = {**image.metadata.annotations, **annotations}
    else:
        image = Image(metadata=ObjectMeta(name=event.image))
    image.docker_image_reference = pullspec.resolve_reference(
        spec_tag, event, stream.status.docker_image_repository
    )
    return ImageStreamTag(
        metadata=ObjectMeta(
            namespace=stream.metadata.namespace,
            name=name,
            creation_timestamp=event.created,
            annotations=annotations,
            labels=stream.metadata.labels,
            resource_version=stream.metadata.resource_version,
            uid=stream.metadata.uid,
        ),
        tag=msgspec.structs.replace(spec_tag) if spec_tag is not None else None,
        generation=event.generation,
        conditions=list(entry.conditions) if entry is not None else [],
        lookup_policy=stream.spec.lookup_policy,
        image=image,
    )


class ImageStreamTagResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend
        self.columns = columns.IMAGE_STREAM_TAG_COLUMNS

    def _decode(self, obj: Obj) -> ImageStreamTag:
        istag = wire.decode_as(obj, ImageStreamTag, _KIND)
        return default_image_stream_tag(istag, self.backend.config.import_mode)

    def _json(self, istag: ImageStreamTag) -> Obj:
        wire_obj = to_json(istag, _KIND)
        wire_obj.setdefault("tag", None)
        return wire_obj

    # -- read ---------------------------------------------------------------------------
    async def get(self, ctx: RequestContext, name: str) -> Obj:
        stream_name, tag = split_tag_name(name, "ImageStreamTags")
        stream = await self.backend.require_stream(ctx, stream_name)
        event = history.latest_event(stream, tag)
        if event is None or not event.image:
            raise errors.NotFound.for_resource("imagestreamtags", GROUP, name)
        raw = await self.backend.image(event.image)
        if raw is None:
            raise errors.NotFound.for_resource("images", GROUP, event.image)
        return self._json(new_istag(stream, tag, view_image(raw), allow_empty=False))

    async def list(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        try:
            fields = selectors.parse_field_selector(opts.field_selector)
        except selectors.SelectorError as exc:
            raise errors.BadRequest(str(exc)) from None
        streams, revision = await list_streams(self.backend, ctx, opts.label_selector)
        items = []
        for stream in streams:
            for entry in stream.status.tags:
                if not entry.items or not entry.items[0].image:
                    continue
                istag = new_istag(stream, entry.tag, None, allow_empty=False)
                md = istag.metadata
                if fields.matches({"metadata.name": md.name, "metadata.namespace": md.namespace}):
                    items.append(self._json(istag))
        for item in items:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        return {
            "kind": "ImageStreamTagList",
            "apiVersion": f"{GROUP}/v1",
            "metadata": {"resourceVersion": revision},
            "items": items,
        }

    # -- write --------------------------------------------------------------------------
    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        istag = self._decode(obj)
        istag.conditions = []
        istag.image = Image()
        md = istag.metadata
        md.namespace = md.namespace or ctx.namespace
        if md.namespace != ctx.namespace:
            raise errors.BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        errs = validate_view_metadata(md) + validate_image_stream_tag(
            istag, self.backend.config.whitelister()
        )
        if errs:
            raise errors.Invalid(_KIND, GROUP, md.name, errs)
        stream_name, tag, ok = split_image_stream_tag(md.name)
        if not ok:
            raise errors.InternalError(f'"{md.name}" must be of the form <stream_name>:<tag>')
        written = await add_spec_tag(
            self.backend,
            ctx,
            stream_name,
            tag,
            istag.tag,
            name=md.name,
            resource="imagestreamtags",
            exists_resource="imagestreamtag",
        )
        image = await head_image(self.backend, written, tag)
        return self._json(new_istag(written, tag, image, allow_empty=True))

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        stream_name, tag = split_tag_name(name, "ImageStreamTags")
        requested = self._decode(obj)
        check_identity(ctx, name, requested.metadata)
        for _ in range(MAX_RETRIES):
            stream, create = await stream_or_new(self.backend, ctx, stream_name)
            old = new_istag(stream, tag, None, allow_empty=True)
            istag = msgspec.structs.replace(requested)
            blind = not istag.metadata.resource_version
            if create and not blind:
                raise errors.NotFound.for_resource("imagestreamtags", GROUP, name)
            check_resource_version("imagestreamtags", name, istag.metadata.resource_version, stream)
            if stream.metadata.labels and not istag.metadata.labels:
                istag.metadata.labels = stream.metadata.labels
            istag.metadata = carry_system_fields(istag.metadata, old.metadata)
            if istag.tag is not None and not create:
                # PrepareForUpdate only: a PUT that creates the stream is validated as a
                # create, where tag annotations must equal the object's.
                istag.tag = msgspec.structs.replace(
                    istag.tag, annotations=istag.metadata.annotations
                )
            istag.conditions, istag.image = old.conditions, old.image
            istag.kind, istag.api_version = old.kind, old.api_version  # type info is not data
            whitelister = self.backend.config.whitelister()
            errs = (
                validate_image_stream_tag(istag, whitelister)
                if create
                else validate_image_stream_tag_update(istag, old, whitelister)
            )
            if errs:
                raise errors.Invalid(_KIND, GROUP, name, errs)
            spec_tag = next((t for t in stream.spec.tags if t.name == tag), None)
            existed = spec_tag is not None
            if istag.tag is None and spec_tag is None:
                raise errors.BadRequest(
                    f"imagestreamtag {tag} is not a spec tag in imagestream "
                    f"{ctx.namespace}/{stream_name}, cannot be updated"
                )
            base = istag.tag if istag.tag is not None else spec_tag
            assert base is not None
            new_tag = msgspec.structs.replace(base, name=tag)
            new_tag.annotations = istag.metadata.annotations or None
            stream.spec.tags = [t for t in stream.spec.tags if t.name != tag] + [new_tag]
            try:
                written = await write_stream(self.backend, ctx, stream)
            except (errors.AlreadyExists, errors.Conflict):
                if blind:
                    continue
                raise
            image = await head_image(self.backend, written, tag)
            return self._json(new_istag(written, tag, image, allow_empty=True)), not existed
        raise ServerTimeout.for_operation("imagestreamtags", "update")

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        current = await self._current(ctx, name)
        updated, _ = await self.update(ctx, name, fn(current))
        return updated

    async def _current(self, ctx: RequestContext, name: str) -> Obj:
        stream_name, tag = split_tag_name(name, "ImageStreamTags")
        stream = await self.backend.require_stream(ctx, stream_name)
        if history.find_status_tag(stream, tag) is None and not any(
            t.name == tag for t in stream.spec.tags
        ):
            raise errors.NotFound.for_resource("imagestreamtags", GROUP, name)
        return self._json(
            new_istag(stream, tag, await head_image(self.backend, stream, tag), allow_empty=True)
        )

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        stream_name, tag = split_tag_name(name, "ImageStreamTags")
        return await delete_tag(
            self.backend, ctx, stream_name, tag, name, "imagestreamtags", options
        )
