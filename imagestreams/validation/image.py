"""Image and ImageStreamLayers validation (``validateImage``, ``validateImageManifests``,
``ValidateImageStreamLayers``; spec 11 and the 4.7 table).

``validate_image(image)`` checks a top-level Image (its metadata is the REST layer's, with the
path-segment name rule ``validate_path_segment_name``); ``validate_image(image, path)`` checks an
embedded one such as ``ImageStreamMapping.image`` and then also covers its name rules.
"""

from __future__ import annotations

import re

from imagestreams.api.image_v1 import Image, ImageManifest, ImageStreamLayers
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.imagesignature import validate_image_signature
from imagestreams.validation.imagestream import validate_nested_object_meta

__all__ = [
    "validate_image",
    "validate_image_manifests",
    "validate_image_stream_layers",
    "validate_image_update",
]

_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_MEDIA_TYPE = re.compile(
    r" *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *"
)


def validate_image(image: Image, path: FieldPath | None = None) -> list[FieldError]:
    base = path if path is not None else FieldPath()
    errs: list[FieldError] = []
    if path is not None:
        errs.extend(
            validate_nested_object_meta(image.metadata, base.child("metadata"), namespaced=False)
        )
    ref_path = base.child("dockerImageReference")
    if not image.docker_image_reference:
        errs.append(field.required(ref_path))
    else:
        try:
            DockerImageReference.parse(image.docker_image_reference)
        except InvalidReference as exc:
            errs.append(field.invalid(ref_path, image.docker_image_reference, str(exc)))
    for i, signature in enumerate(image.signatures):
        errs.extend(validate_image_signature(signature, base.child("signatures").index(i)))
    if image.docker_image_manifests:
        errs.extend(
            validate_image_manifests(
                image.docker_image_manifests, base.child("dockerImageManifests")
            )
        )
        if image.docker_image_layers:
            errs.append(
                field.invalid(
                    base.child("dockerImageLayers"),
                    [layer.name for layer in image.docker_image_layers],
                    "dockerImageLayers should not be set when dockerImageManifests is set",
                )
            )
    return errs


def validate_image_manifests(manifests: list[ImageManifest], path: FieldPath) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, manifest in enumerate(manifests):
        item = path.index(i)
        if not _DIGEST.search(manifest.digest):  # compat: upstream's pattern is unanchored
            errs.append(
                field.invalid(
                    item.child("digest"),
                    manifest.digest,
                    "digest does not conform with OCI image specification",
                )
            )
        if not _MEDIA_TYPE.fullmatch(manifest.media_type):
            errs.append(
                field.invalid(
                    item.child("mediaType"),
                    manifest.media_type,
                    "media type does not conform to RFC6838",
                )
            )
        if not manifest.architecture:
            errs.append(field.required(item.child("architecture")))
        if not manifest.os:
            errs.append(field.required(item.child("os")))
        if manifest.manifest_size < 0:
            errs.append(
                field.invalid(
                    item.child("size"), manifest.manifest_size, "manifest size cannot be negative"
                )
            )
    return errs


def validate_image_update(new: Image, old: Image) -> list[FieldError]:
    """Update rules beyond generic metadata: the new object must be a valid image."""
    return validate_image(new)


def validate_image_stream_layers(layers: ImageStreamLayers) -> list[FieldError]:
    errs: list[FieldError] = []
    images = layers.images or {}
    for name in sorted(images):
        refs = images[name]
        item = FieldPath.root("images").key(name)
        if refs.image_missing:
            if refs.layers:
                errs.append(
                    field.invalid(
                        item.child("layers"),
                        refs.layers,
                        "layers must be empty if image is missing",
                    )
                )
            if refs.config is not None:
                errs.append(
                    field.invalid(
                        item.child("config"), refs.config, "config must be null if image is missing"
                    )
                )
            if refs.manifests:
                errs.append(
                    field.invalid(
                        item.child("manifest"),
                        refs.manifests,
                        "manifests must be empty if image is missing",
                    )
                )
        elif not refs.manifests:
            for i, layer in enumerate(refs.layers or []):
                if not layer:
                    errs.append(
                        field.invalid(item.child("layers").index(i), layer, "layer cannot be empty")
                    )
            if refs.config == "":
                errs.append(
                    field.invalid(
                        item.child("config"), refs.config, "config cannot be an empty string"
                    )
                )
        else:
            if refs.layers:
                errs.append(
                    field.invalid(
                        item.child("layers"),
                        refs.layers,
                        "layers must be empty if manifests are present",
                    )
                )
            if refs.config is not None:
                errs.append(
                    field.invalid(
                        item.child("config"),
                        refs.config,
                        "config must be null if manifests are present",
                    )
                )
            for i, manifest in enumerate(refs.manifests):
                if not manifest:
                    errs.append(
                        field.invalid(
                            item.child("manifests").index(i), manifest, "manifest cannot be empty"
                        )
                    )
    return errs
