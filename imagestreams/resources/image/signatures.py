"""ImageSignature (``<image>@<signature>``): create and delete only (spec 11).

Signatures are stored inside their Image (``image.signatures``); this resource appends or removes
one through the Image store, so the Image's own update rules (immutable metadata) still apply.
A signature with the same name, or the same type and content, already present is a conflict.
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP, ImageSignature
from imagestreams.resources.image.backend import Backend, Obj, to_json
from imagestreams.resources.image.imagestream_store import retry_conflicts
from imagestreams.resources.image.wire import decode_as
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import PatchFn, Resource
from imagestreams.validation.imagesignature import (
    split_image_signature_name,
    validate_image_signature,
)

__all__ = ["ImageSignatureResource"]

_KIND = "ImageSignature"
_RESOURCE = "imageSignatures"


def _image_name(name: str) -> str:
    try:
        return split_image_signature_name(name)[0]
    except ValueError as exc:
        raise errors.BadRequest(str(exc)) from None


class ImageSignatureResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend

    async def _update(self, ctx: RequestContext, image_name: str, fn: PatchFn) -> Obj:
        cluster = RequestContext(user=ctx.user, dry_run=ctx.dry_run, can=ctx.can)

        async def update(wrapped: PatchFn) -> Obj:
            return await self.backend.images.guaranteed_update(cluster, image_name, wrapped)

        return await retry_conflicts(update, fn)

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        signature = decode_as(obj, ImageSignature, _KIND)
        signature.metadata.namespace = ""
        errs = validate_image_signature(signature)
        name = signature.metadata.name
        if errs:
            raise errors.Invalid(_KIND, GROUP, name, errs)
        image_name = _image_name(name)
        body: Obj = msgspec.to_builtins(signature)
        body.pop("kind", None)
        body.pop("apiVersion", None)
        body["metadata"] = {k: v for k, v in body["metadata"].items() if v is not None}

        def append(image: Obj) -> Obj:
            existing = image.get("signatures") or []
            for other in existing:
                same_name = (other.get("metadata") or {}).get("name") == name
                same_content = other.get("type") == body.get("type") and other.get(
                    "content"
                ) == body.get("content")
                if same_name or same_content:
                    raise errors.AlreadyExists.for_resource(_RESOURCE, GROUP, name)
            image["signatures"] = [*existing, body]
            return image

        await self._update(ctx, image_name, append)
        return to_json(signature, _KIND)

    async def delete(self, ctx: RequestContext, name: str, options: Obj) -> tuple[Obj, bool]:
        try:
            image_name = split_image_signature_name(name)[0]
        except ValueError:
            raise errors.BadRequest(
                "ImageSignatures must be accessed with <imageName>@<signatureName>"
            ) from None
        removed: list[Obj] = []

        def remove(image: Obj) -> Obj:
            kept = []
            removed.clear()
            for other in image.get("signatures") or []:
                if (other.get("metadata") or {}).get("name") == name:
                    removed.append(other)
                else:
                    kept.append(other)
            if not removed:
                raise errors.NotFound.for_resource(_RESOURCE, GROUP, name)
            image["signatures"] = kept
            return image

        await self._update(ctx, image_name, remove)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}, True
