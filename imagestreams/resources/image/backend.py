"""What the virtual image resources share: the stores they read and write, and small helpers.

ImageStreamTag, ImageTag, ImageStreamImage, ImageStreamMapping, the layers and secrets views and
ImageSignature own no storage; they are views of image streams, images and secrets. ``Backend``
holds the stores they go through: ``streams`` (the main endpoint: creates and spec updates with
upstream's ``CreateImageStream``/``UpdateImageStream`` semantics), ``internal`` (spec and status
together, for tag deletion) and ``status`` (history only, for pushes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP, Image, ImageStream
from imagestreams.api.meta import ObjectMeta
from imagestreams.api.reference import InvalidReference, parse_image_stream_tag_name
from imagestreams.resources.image import wire
from imagestreams.resources.image.config import ImageConfig
from imagestreams.resources.image.imagestream_store import ImageStreamStore, LimitSource
from imagestreams.rest.context import RequestContext
from imagestreams.rest.store import GenericStore
from imagestreams.storage import interface as st
from imagestreams.validation import meta
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.imagestream import validate_path_segment_name

__all__ = [
    "MAX_RETRIES",
    "Backend",
    "Obj",
    "carry_system_fields",
    "split_tag_name",
    "status_success",
    "to_json",
    "validate_view_metadata",
    "view_image",
]

Obj = dict[str, Any]
MAX_RETRIES = 10
"""Upstream's retry budget for read-modify-write of a stream by the tag views."""


@dataclass
class Backend:
    config: ImageConfig
    streams: ImageStreamStore
    internal: ImageStreamStore
    status: ImageStreamStore
    images: GenericStore
    secrets: GenericStore | None
    limit_source: LimitSource

    async def stream(self, ctx: RequestContext, name: str) -> ImageStream | None:
        """The decorated stream ``name`` of the request's namespace, typed, or ``None``."""
        raw = await self.streams.read(ctx, ctx.namespace, name)
        return None if raw is None else wire.decode_stream(raw)

    async def require_stream(self, ctx: RequestContext, name: str) -> ImageStream:
        stream = await self.stream(ctx, name)
        if stream is None:
            raise errors.NotFound.for_resource("imagestreams", GROUP, name)
        return stream

    async def image(self, name: str) -> Obj | None:
        """The stored Image ``name`` (decorated), or ``None``."""
        try:
            kv = await self.images.storage.get(self.images.key("", name))
        except st.KeyNotFound:
            return None
        return self.images.decode(kv)


def split_tag_name(name: str, kind_plural: str) -> tuple[str, str]:
    """``stream:tag`` of a GET/PUT/DELETE, or 400 ``<Kind>s must be retrieved with
    <name>:<tag>`` (``kind_plural`` is ``ImageStreamTags`` or ``ImageTags``)."""
    try:
        return parse_image_stream_tag_name(name)
    except InvalidReference:
        raise errors.BadRequest(f"{kind_plural} must be retrieved with <name>:<tag>") from None


def validate_view_metadata(md: ObjectMeta) -> list[FieldError]:
    """Generic metadata rules with the path-segment name rule of the tag views and mappings."""
    return meta.validate_object_meta(
        {k: v for k, v in msgspec.to_builtins(md).items() if v is not None},
        namespaced=True,
        name_fn=validate_path_segment_name,
        path=FieldPath.root("metadata"),
    )


def view_image(raw: Obj) -> Image:
    """An Image as embedded in a view: typed, manifest and config blanked, no type info."""
    image = wire.decode_as(raw, Image, "Image")
    image.docker_image_manifest = ""
    image.docker_image_config = ""
    image.kind = ""
    image.api_version = ""
    return image


def carry_system_fields(new: ObjectMeta, current: ObjectMeta) -> ObjectMeta:
    """``rest.BeforeUpdate``: uid, creation time and (when omitted) resource version and
    namespace come from the current object, so a PUT of an edited GET result compares equal."""
    return msgspec.structs.replace(
        new,
        uid=new.uid or current.uid,
        creation_timestamp=current.creation_timestamp,
        resource_version=new.resource_version or current.resource_version,
        namespace=new.namespace or current.namespace,
        self_link=current.self_link,
        managed_fields=current.managed_fields,
        generation=current.generation,
    )


def to_json(obj: msgspec.Struct, kind: str) -> Obj:
    """A top-level view object as JSON with ``kind``/``apiVersion`` set."""
    body: Obj = msgspec.to_builtins(obj)
    body.pop("kind", None)
    body.pop("apiVersion", None)
    return {"kind": kind, "apiVersion": f"{GROUP}/v1", **body}


def status_success() -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
