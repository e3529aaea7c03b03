"""``imagestreams/{name}/layers``: which blobs and manifests belong to a stream (spec 12.1).

The integrated registry's source of truth for cross-repository access: every image of the
history (and, recursively, the sub-manifests of manifest lists) with its layers, config and
manifests, plus a ``blobs`` index with size and media type of each layer, config and manifest.
Upstream serves it from an informer cache of all images; this computes it from storage on each
request, so there is no "not synced yet" 504 and no eventual-consistency wait.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import ImageBlobReferences, ImageLayerData, ImageStreamLayers
from imagestreams.resources.image.backend import Backend, Obj, to_json
from imagestreams.resources.image.imagestreamimage import history_images
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource

__all__ = ["LayersResource"]

SCHEMA2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_CONFIG_TYPES = {
    SCHEMA2_MANIFEST: "application/vnd.docker.container.image.v1+json",
    OCI_MANIFEST: "application/vnd.oci.image.config.v1+json",
}


class LayersResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        stream = await self.backend.require_stream(ctx, name)
        images: dict[str, ImageBlobReferences] = {}
        blobs: dict[str, ImageLayerData] = {}
        pending = history_images(stream)
        while pending:
            image_name = pending.pop(0)
            if image_name in images:
                continue
            raw = await self.backend.image(image_name)
            if raw is None:
                images[image_name] = ImageBlobReferences(image_missing=True)
                continue
            ref = ImageBlobReferences()
            layers = []
            for layer in raw.get("dockerImageLayers") or ():
                digest = str(layer.get("name", ""))
                layers.append(digest)
                blobs.setdefault(
                    digest,
                    ImageLayerData(size=layer.get("size"), media_type=layer.get("mediaType", "")),
                )
            ref.layers = layers
            media_type = raw.get("dockerImageManifestMediaType") or ""
            config_type = _CONFIG_TYPES.get(media_type)
            config = str((raw.get("dockerImageMetadata") or {}).get("Id") or "")
            if config_type is not None and config:
                ref.config = config
                blobs.setdefault(config, ImageLayerData(media_type=config_type))
            manifests = [str(m.get("digest", "")) for m in raw.get("dockerImageManifests") or ()]
            if manifests:
                ref.manifests = manifests
                pending.extend(manifests)
            images[image_name] = ref
            blobs[image_name] = ImageLayerData(media_type=media_type or SCHEMA2_MANIFEST)
        view = ImageStreamLayers(blobs=blobs, images=images)
        view.metadata = stream.metadata
        return to_json(view, "ImageStreamLayers")
