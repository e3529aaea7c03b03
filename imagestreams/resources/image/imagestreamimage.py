"""ImageStreamImage (``<stream>@<id>``): an image of a stream's history, by digest prefix (spec 9).

Candidates are the images of the stream's history, and then the sub-manifests of manifest lists
among them. Upstream picks an arbitrary candidate when a short id is ambiguous; here the choice
is deterministic (quirk 22.5): the newest event in tag-name order wins, and sub-manifests are only
searched when no history image matches. The response is named as requested (possibly the short
id), carries the stream's annotations and the Image with manifest and config blanked; its
``dockerImageReference`` is the Image's own (no reference-policy resolution).
"""

from __future__ import annotations

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP, ImageStream, ImageStreamImage
from imagestreams.api.meta import ObjectMeta
from imagestreams.api.reference import (
    InvalidReference,
    digest_or_image_match,
    parse_image_stream_image_name,
)
from imagestreams.resources.image import columns
from imagestreams.resources.image.backend import Backend, Obj, to_json, view_image
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource

__all__ = ["ImageStreamImageResource", "history_images"]


def history_images(stream: ImageStream) -> list[str]:
    """Distinct images of the history: tags in name order, newest event first."""
    seen: dict[str, None] = {}
    for entry in sorted(stream.status.tags, key=lambda e: e.tag):
        for event in entry.items or ():
            if event.image:
                seen.setdefault(event.image, None)
    return list(seen)


class ImageStreamImageResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend
        self.columns = columns.IMAGE_STREAM_IMAGE_COLUMNS

    async def _find(self, stream: ImageStream, image_id: str) -> str | None:
        candidates = history_images(stream)
        for name in candidates:
            if digest_or_image_match(name, image_id):
                return name
        for name in candidates:
            raw = await self.backend.image(name)
            for manifest in (raw or {}).get("dockerImageManifests") or ():
                digest = str(manifest.get("digest", ""))
                if digest and digest_or_image_match(digest, image_id):
                    return digest
        return None

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        try:
            stream_name, image_id = parse_image_stream_image_name(name)
        except InvalidReference:
            raise errors.BadRequest(
                "ImageStreamImages must be retrieved with <name>@<id>"
            ) from None
        stream = await self.backend.require_stream(ctx, stream_name)
        found = await self._find(stream, image_id)
        if found is None:
            raise errors.NotFound.for_resource("imagestreamimage", GROUP, name)
        raw = await self.backend.image(found)
        if raw is None:
            raise errors.NotFound.for_resource("images", GROUP, found)
        image = view_image(raw)
        view = ImageStreamImage(
            metadata=ObjectMeta(
                namespace=ctx.namespace,
                name=name,
                creation_timestamp=image.metadata.creation_timestamp,
                annotations=dict(stream.metadata.annotations),
            ),
            image=image,
        )
        return to_json(view, "ImageStreamImage")
