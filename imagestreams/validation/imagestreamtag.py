"""ImageStreamTag and ImageTag validation (spec 7.4, 7.5, 8 and the 4.7 table).

Both kinds are views of one spec tag of a stream. Their ``metadata`` is validated generically by
the REST layer (name rule: ``validate_path_segment_name``); these functions add the tag rules:
the spec tag is validated like ``spec.tags[...]`` of a stream but at ``tag.*`` / ``spec.*``, and
updates may only change what the view owns (ISTag: ``tag`` and ``metadata.annotations``;
ImageTag: ``spec``). References already used by the old tag are exempt from the registry policy.
"""

from __future__ import annotations

import contextlib

import msgspec

from imagestreams.api.image_v1 import ImageStreamTag, ImageTag, TagReference
from imagestreams.api.reference import InvalidReference, split_image_stream_tag
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.imagestream import is_repository_insecure, validate_tag_reference
from imagestreams.validation.whitelist import RegistryWhitelister

__all__ = [
    "validate_image_stream_tag",
    "validate_image_stream_tag_update",
    "validate_image_tag",
    "validate_image_tag_update",
]

_ANNOTATIONS_MISMATCH = (
    "tag annotations must not be provided or must be equal to the object meta annotations"
)


def _exempt_old_source(
    whitelister: RegistryWhitelister | None, old: TagReference | None
) -> RegistryWhitelister | None:
    if whitelister is None or old is None or old.from_ is None or old.from_.kind != "DockerImage":
        return whitelister
    whitelister = whitelister.copy()
    with contextlib.suppress(InvalidReference):  # upstream only logs this
        whitelister.whitelist_repository(old.from_.name)
    return whitelister


def _istag_tag_errors(
    istag: ImageStreamTag, whitelister: RegistryWhitelister | None
) -> list[FieldError]:
    tag = istag.tag
    if tag is None:
        return []
    errs = validate_tag_reference(
        tag,
        FieldPath.root("tag"),
        insecure_repository=is_repository_insecure(istag.metadata),
        whitelister=whitelister,
    )
    if tag.annotations is not None and tag.annotations != istag.metadata.annotations:
        errs.append(
            field.invalid(FieldPath.root("tag", "annotations"), "<map>", _ANNOTATIONS_MISMATCH)
        )
    return errs


def validate_image_stream_tag(
    istag: ImageStreamTag, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """Create (and the checks shared with update): the spec tag and its annotations."""
    return _istag_tag_errors(istag, whitelister)


def validate_image_stream_tag_update(
    new: ImageStreamTag, old: ImageStreamTag, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """Only ``tag`` and ``metadata.annotations`` may change (``lookupPolicy`` and
    ``generation`` are ignored); everything else -> ``metadata: Invalid value: ""``."""
    errs = _istag_tag_errors(new, _exempt_old_source(whitelister, old.tag))
    new_rest = msgspec.structs.replace(
        new,
        metadata=msgspec.structs.replace(new.metadata, annotations={}),
        tag=None,
        lookup_policy=old.lookup_policy,
        generation=old.generation,
    )
    old_rest = msgspec.structs.replace(
        old, metadata=msgspec.structs.replace(old.metadata, annotations={}), tag=None
    )
    if new_rest != old_rest:
        errs.append(
            field.invalid("metadata", "", "may not update fields other than metadata.annotations")
        )
    return errs


def _image_tag_spec_errors(
    itag: ImageTag, whitelister: RegistryWhitelister | None
) -> list[FieldError]:
    spec = itag.spec
    if spec is None:
        return []
    errs: list[FieldError] = []
    _, tag, ok = split_image_stream_tag(itag.metadata.name)
    if not ok or spec.name != tag:
        errs.append(
            field.invalid(FieldPath.root("spec", "name"), spec.name, "must match image tag name")
        )
    errs.extend(
        validate_tag_reference(
            spec,
            FieldPath.root("spec"),
            insecure_repository=is_repository_insecure(itag.metadata),
            whitelister=whitelister,
        )
    )
    return errs


def validate_image_tag(
    itag: ImageTag, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """Create: ``spec`` is required and its name must be the tag part of the object name."""
    if itag.spec is None:
        return [field.required("spec", "spec is a required field during creation")]
    return _image_tag_spec_errors(itag, whitelister)


def validate_image_tag_update(
    new: ImageTag, old: ImageTag, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """``spec`` may change (``null`` removes the spec tag); metadata and status may not."""
    errs = _image_tag_spec_errors(new, _exempt_old_source(whitelister, old.spec))
    if new.metadata != old.metadata:
        errs.append(field.invalid("metadata", "", "may not update fields other than spec"))
    if new.status != old.status:
        errs.append(field.invalid("status", "", "may not update fields other than spec"))
    return errs
