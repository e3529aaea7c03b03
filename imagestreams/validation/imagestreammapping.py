"""ImageStreamMapping validation (``ValidateImageStreamMapping``, spec 10 step 1).

The mapping's own ``metadata`` (namespace and the path-segment name) is validated generically by
the REST layer. Here: the target stream is required (v1 can only name it through
``metadata.name``; upstream reports both ``name`` and ``dockerImageRepository`` as required, the
internal alternative), the ``tag`` is required and the embedded image is validated at ``image.*``
including its own name. Callers fill ``image.dockerImageReference`` from the internal registry
and drop ``image.signatures`` *before* validating, as upstream's ``PrepareForCreate`` does.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import ImageStreamMapping
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.image import validate_image

__all__ = ["validate_image_stream_mapping"]


def validate_image_stream_mapping(
    mapping: ImageStreamMapping, docker_image_repository: str = ""
) -> list[FieldError]:
    """``docker_image_repository`` is the internal-API alternative to ``metadata.name``."""
    errs: list[FieldError] = []
    if docker_image_repository:
        try:
            DockerImageReference.parse(docker_image_repository)
        except InvalidReference as exc:
            errs.append(field.invalid("dockerImageRepository", docker_image_repository, str(exc)))
    elif not mapping.metadata.name:
        errs.append(field.required("name"))
        errs.append(field.required("dockerImageRepository"))
    if not mapping.tag:
        errs.append(field.required("tag"))
    errs.extend(validate_image(mapping.image, FieldPath.root("image")))
    return errs
