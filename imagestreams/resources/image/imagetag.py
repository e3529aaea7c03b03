"""ImageTag (``<stream>:<tag>``): spec, history and current image of one tag (spec 8).

The full view of a tag: ``metadata`` is the stream's (name replaced), ``spec`` the spec tag or
null, ``status`` the history or null, ``image`` the head image or null (never an error). Updates
may change only ``spec`` (``spec: null`` removes the spec tag and keeps the history) and must send
metadata and status back unchanged; blind PUTs are allowed and create the stream when missing.
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api import selectors
from imagestreams.api.image_defaults import default_image_tag
from imagestreams.api.image_v1 import GROUP, ImageStream, ImageTag
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
from imagestreams.validation.imagestreamtag import validate_image_tag, validate_image_tag_update

__all__ = ["ImageTagResource", "new_image_tag"]

_KIND = "ImageTag"


def new_image_tag(stream: ImageStream, tag: str) -> ImageTag:
    """The view of ``tag`` without its image (``image`` is filled by the caller)."""
    spec_tag = next((t for t in stream.spec.tags if t.name == tag), None)
    entry = history.find_status_tag(stream, tag)
    return ImageTag(
        metadata=msgspec.structs.replace(
            stream.metadata, name=join_image_stream_tag(stream.metadata.name, tag)
        ),
        spec=msgspec.structs.replace(spec_tag) if spec_tag is not None else None,
        status=msgspec.structs.replace(entry) if entry is not None else None,
        image=None,
    )


class ImageTagResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend
        self.columns = columns.IMAGE_TAG_COLUMNS

    def _decode(self, obj: Obj) -> ImageTag:
        itag = wire.decode_as(obj, ImageTag, _KIND)
        return default_image_tag(itag, self.backend.config.import_mode)

    async def _with_image(self, stream: ImageStream, itag: ImageTag) -> Obj:
        tag = itag.metadata.name.partition(":")[2]
        image = await head_image(self.backend, stream, tag)
        event = history.latest_event(stream, tag)
        if image is not None and event is not None:
            image.docker_image_reference = pullspec.resolve_reference(
                itag.spec, event, stream.status.docker_image_repository
            )
            itag.image = image
        return to_json(itag, _KIND)

    # -- read ---------------------------------------------------------------------------
    async def get(self, ctx: RequestContext, name: str) -> Obj:
        stream_name, tag = split_tag_name(name, "ImageTags")
        stream = await self.backend.require_stream(ctx, stream_name)
        itag = new_image_tag(stream, tag)
        if itag.spec is None and itag.status is None:
            raise errors.NotFound.for_resource("imagetags", GROUP, name)
        return await self._with_image(stream, itag)

    async def list(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        try:
            fields = selectors.parse_field_selector(opts.field_selector)
        except selectors.SelectorError as exc:
            raise errors.BadRequest(str(exc)) from None
        streams, revision = await list_streams(self.backend, ctx, opts.label_selector)
        items = []
        for stream in streams:
            names = {t.name for t in stream.spec.tags} | {e.tag for e in stream.status.tags}
            for tag in sorted(names):
                itag = new_image_tag(stream, tag)
                md = itag.metadata
                if fields.matches({"metadata.name": md.name, "metadata.namespace": md.namespace}):
                    item = to_json(itag, _KIND)
                    del item["kind"], item["apiVersion"]
                    items.append(item)
        return {
            "kind": "ImageTagList",
            "apiVersion": f"{GROUP}/v1",
            "metadata": {"resourceVersion": revision},
            "items": items,
        }

    # -- write --------------------------------------------------------------------------
    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        itag = self._decode(obj)
        md = itag.metadata
        md.namespace = md.namespace or ctx.namespace
        stream_name, tag, ok = split_image_stream_tag(md.name)
        if itag.spec is not None and not itag.spec.name:
            itag.spec.name = tag
        errs = validate_view_metadata(md) + validate_image_tag(
            itag, self.backend.config.whitelister()
        )
        if errs:
            raise errors.Invalid(_KIND, GROUP, md.name, errs)
        if not ok:
            raise errors.InternalError(f'"{md.name}" must be of the form <stream_name>:<tag>')
        assert itag.spec is not None
        written = await add_spec_tag(
            self.backend,
            ctx,
            stream_name,
            tag,
            itag.spec,
            name=md.name,
            resource="imagetags",
            exists_resource="imagetags",
        )
        return await self._with_image(written, new_image_tag(written, tag))

    async def update(self, ctx: RequestContext, name: str, obj: Obj) -> tuple[Obj, bool]:
        stream_name, tag = split_tag_name(name, "ImageTags")
        requested = self._decode(obj)
        check_identity(ctx, name, requested.metadata)
        for _ in range(MAX_RETRIES):
            stream, create = await stream_or_new(self.backend, ctx, stream_name)
            old = new_image_tag(stream, tag)
            itag = msgspec.structs.replace(requested)
            blind = not itag.metadata.resource_version
            check_resource_version("imagetags", name, itag.metadata.resource_version, stream)
            itag.metadata = carry_system_fields(itag.metadata, old.metadata)
            if create and itag.spec is not None and not itag.spec.name:
                itag.spec.name = tag  # PrepareForCreate only; an update must name it
            whitelister = self.backend.config.whitelister()
            errs = (
                validate_image_tag(itag, whitelister)
                if create
                else validate_image_tag_update(itag, old, whitelister)
            )
            if errs:
                raise errors.Invalid(_KIND, GROUP, name, errs)
            existed = old.spec is not None
            others = [t for t in stream.spec.tags if t.name != tag]
            stream.spec.tags = others + ([itag.spec] if itag.spec is not None else [])
            try:
                written = await write_stream(self.backend, ctx, stream)
            except (errors.AlreadyExists, errors.Conflict):
                if blind:
                    continue
                raise
            return await self._with_image(written, new_image_tag(written, tag)), not existed
        raise ServerTimeout.for_operation("imagetags", "update")

    async def patch(self, ctx: RequestContext, name: str, fn: PatchFn) -> Obj:
        current = await self.get(ctx, name)
        current["image"] = None
        updated, _ = await self.update(ctx, name, fn(current))
        return updated

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        stream_name, tag = split_tag_name(name, "ImageTags")
        return await delete_tag(self.backend, ctx, stream_name, tag, name, "imagetags", options)
