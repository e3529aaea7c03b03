"""Image (cluster-scoped, stored) strategy (spec 11).

Images are immutable records of a manifest: on create the layers, media type and metadata are
derived from a raw manifest and config (``metadata.fill_image_metadata``); on update the
metadata, layers and the legacy signature blobs are silently restored, and a new manifest or
config is accepted only if it hashes to the image name (resp. the manifest's config digest);
otherwise the stored one is kept. Images flagged ``image.openshift.io/manifestBlobStored:
"true"`` keep their raw manifest and config in the registry, so the API drops them before
storing. ``dockerImageMetadata`` always has upstream's versioned ``DockerImage`` shape.
"""

from __future__ import annotations

import contextlib

from imagestreams import errors
from imagestreams.api.image_v1 import ANNOTATION_MANIFEST_BLOB_STORED, Image
from imagestreams.resources.image import columns
from imagestreams.resources.image.metadata import (
    config_matches_image,
    fill_image_metadata,
    manifest_digest_matches,
    manifest_list_entries,
    normalize_docker_image_metadata,
)
from imagestreams.resources.image.wire import decode_as
from imagestreams.rest.context import RequestContext
from imagestreams.rest.strategy import Obj, Strategy
from imagestreams.validation.field import FieldError
from imagestreams.validation.image import validate_image, validate_image_update
from imagestreams.validation.imagestream import validate_path_segment_name

__all__ = ["ImageStrategy"]

_IMMUTABLE = (
    "dockerImageMetadata",
    "dockerImageMetadataVersion",
    "dockerImageLayers",
    "dockerImageSignatures",
)


def _drop_stored_blobs(obj: Obj) -> None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if annotations.get(ANNOTATION_MANIFEST_BLOB_STORED) == "true":
        obj.pop("dockerImageManifest", None)
        obj.pop("dockerImageConfig", None)


class ImageStrategy(Strategy):
    name_validator = staticmethod(validate_path_segment_name)
    columns = columns.IMAGE_COLUMNS

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        normalize_docker_image_metadata(obj)
        fill_image_metadata(obj)
        entries = manifest_list_entries(obj)
        if entries is not None:
            obj["dockerImageManifests"] = entries
        _drop_stored_blobs(obj)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        return validate_image(decode_as(obj, Image, "Image"))

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        for key in _IMMUTABLE:
            if key in old:
                new[key] = old[key]
            else:
                new.pop(key, None)
        name = (old.get("metadata") or {}).get("name", "")
        manifest = new.get("dockerImageManifest")
        changed = manifest and manifest != old.get("dockerImageManifest")
        media_type = str(old.get("dockerImageManifestMediaType") or "")
        if changed and not manifest_digest_matches(name, media_type, str(manifest)):
            _restore(new, old, "dockerImageManifest")
        config = new.get("dockerImageConfig")
        config_changed = config and config != old.get("dockerImageConfig")
        if config_changed and not config_matches_image(new, str(config)):
            _restore(new, old, "dockerImageConfig")
        normalize_docker_image_metadata(new)
        fill_image_metadata(new)
        _drop_stored_blobs(new)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return validate_image_update(decode_as(new, Image, "Image"), decode_as(old, Image, "Image"))

    def decorate(self, obj: Obj) -> None:
        """Images stored before metadata normalisation read back in the same shape."""
        if "dockerImageMetadataVersion" not in obj:
            with contextlib.suppress(errors.BadRequest):
                normalize_docker_image_metadata(obj)


def _restore(new: Obj, old: Obj, key: str) -> None:
    if key in old:
        new[key] = old[key]
    else:
        new.pop(key, None)
