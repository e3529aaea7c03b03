"""Image (cluster-scoped, stored) strategy (spec 11).

Images are immutable records of a manifest: on update the metadata, layers and the legacy
signature blobs are silently restored, and a new manifest or config is accepted only if it
hashes to the image name (resp. the config digest in the metadata); otherwise the stored one is
kept. Images flagged ``image.openshift.io/manifestBlobStored: "true"`` keep their raw manifest and
config in the registry, so the API drops them before storing.
"""

from __future__ import annotations

import hashlib

from imagestreams.api.image_v1 import ANNOTATION_MANIFEST_BLOB_STORED, Image
from imagestreams.resources.image import columns
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


def _digest_matches(content: str, digest: str) -> bool:
    algorithm, _, expected = digest.partition(":")
    if algorithm not in ("sha256", "sha384", "sha512") or not expected:
        return False
    return hashlib.new(algorithm, content.encode()).hexdigest() == expected.lower()


def _drop_stored_blobs(obj: Obj) -> None:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if annotations.get(ANNOTATION_MANIFEST_BLOB_STORED) == "true":
        obj.pop("dockerImageManifest", None)
        obj.pop("dockerImageConfig", None)


class ImageStrategy(Strategy):
    name_validator = staticmethod(validate_path_segment_name)
    columns = columns.IMAGE_COLUMNS

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
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
        if changed and not _digest_matches(str(manifest), name):
            _restore(new, old, "dockerImageManifest")
        config = new.get("dockerImageConfig")
        if config and config != old.get("dockerImageConfig"):
            config_digest = ((old.get("dockerImageMetadata") or {}).get("Id")) or ""
            if not _digest_matches(config, config_digest):
                _restore(new, old, "dockerImageConfig")
        _drop_stored_blobs(new)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        return validate_image_update(decode_as(new, Image, "Image"), decode_as(old, Image, "Image"))


def _restore(new: Obj, old: Obj, key: str) -> None:
    if key in old:
        new[key] = old[key]
    else:
        new.pop(key, None)
