"""ImageSignature validation (``validateImageSignature``, spec 11 and the 4.7 table).

Signatures are created through ``imagesignatures`` (top level, metadata checked by the REST layer)
or embedded in ``Image.signatures`` (checked here through ``validate_nested_object_meta`` when a
``path`` is given). Upstream's condition scan has an operator-precedence slip that can pick a
later condition of any type as the ``ForImage`` one; it is reproduced so that the same requests
are accepted and rejected.
"""

from __future__ import annotations

from datetime import datetime

from imagestreams.api.image_v1 import ImageSignature, SignatureCondition
from imagestreams.api.meta import parse_time
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.imagestream import validate_nested_object_meta

__all__ = [
    "SIGNATURE_FOR_IMAGE",
    "SIGNATURE_TRUSTED",
    "split_image_signature_name",
    "validate_image_signature",
    "validate_image_signature_update",
]

SIGNATURE_TRUSTED = "Trusted"
SIGNATURE_FOR_IMAGE = "ForImage"
_ZERO = datetime.min


def split_image_signature_name(name: str) -> tuple[str, str]:
    """``<imageName>@<signatureName>`` -> parts, or ``ValueError`` with upstream's message."""
    segments = name.split("@")
    if len(segments) != 2:
        raise ValueError(f'expected exactly one @ in the image signature name "{name}"')
    image, signature = segments
    if not image or not signature:
        raise ValueError(
            f'image signature name "{name}" must have an image name and signature name'
        )
    return image, signature


def _probe_time(cond: SignatureCondition) -> datetime:
    if not cond.last_probe_time:
        return _ZERO
    try:
        return parse_time(cond.last_probe_time).replace(tzinfo=None)
    except ValueError:
        return _ZERO


def _pick_conditions(
    conditions: list[SignatureCondition],
) -> tuple[SignatureCondition | None, SignatureCondition | None]:
    trusted: SignatureCondition | None = None
    for_image: SignatureCondition | None = None
    for cond in conditions:
        t = _probe_time(cond)
        if cond.type == SIGNATURE_TRUSTED and (trusted is None or not t < _probe_time(trusted)):
            trusted = cond
        elif cond.type == SIGNATURE_FOR_IMAGE and for_image is None:
            for_image = cond
        elif for_image is not None and not t < _probe_time(for_image):
            # compat: Go's `a && b || c` lets any newer condition replace the ForImage one
            # (where upstream dereferences a nil ForImage condition and fails, we skip).
            for_image = cond
    return trusted, for_image


def validate_image_signature(
    signature: ImageSignature, path: FieldPath | None = None
) -> list[FieldError]:
    """Rules for one signature; ``path`` is set when it is embedded (``signatures[i]``)."""
    base = path if path is not None else FieldPath()
    meta_path = base.child("metadata")
    errs: list[FieldError] = []
    if path is not None:
        errs.extend(validate_nested_object_meta(signature.metadata, meta_path, namespaced=False))
    if signature.metadata.labels:
        errs.append(field.forbidden(meta_path.child("labels"), "signature labels cannot be set"))
    if signature.metadata.annotations:
        errs.append(
            field.forbidden(meta_path.child("annotations"), "signature annotations cannot be set")
        )
    try:
        split_image_signature_name(signature.metadata.name)
    except ValueError:
        errs.append(
            field.invalid(
                meta_path.child("name"),
                signature.metadata.name,
                "name must be of format <imageName>@<signatureName>",
            )
        )
    if not signature.type:
        errs.append(field.required(base.child("type")))
    if not signature.content:
        errs.append(field.required(base.child("content")))

    trusted, for_image = _pick_conditions(signature.conditions)
    conditions = [c.type for c in signature.conditions]
    if trusted is not None and for_image is None:
        errs.append(
            field.invalid(
                base.child("conditions"),
                conditions,
                f'missing "{SIGNATURE_FOR_IMAGE}" condition type',
            )
        )
    elif for_image is not None and trusted is None:
        errs.append(
            field.invalid(
                base.child("conditions"),
                conditions,
                f'missing "{SIGNATURE_TRUSTED}" condition type',
            )
        )
    if trusted is None or trusted.status == "Unknown":
        unknown = "must be unset for unknown signature state"
        if signature.image_identity:
            errs.append(
                field.invalid(base.child("imageIdentity"), signature.image_identity, unknown)
            )
        if signature.signed_claims:
            errs.append(field.invalid(base.child("signedClaims"), signature.signed_claims, unknown))
        if signature.issued_by is not None:
            errs.append(field.invalid(base.child("issuedBy"), "<issuer>", unknown))
        if signature.issued_to is not None:
            errs.append(field.invalid(base.child("issuedTo"), "<subject>", unknown))
    return errs


def validate_image_signature_update(new: ImageSignature, old: ImageSignature) -> list[FieldError]:
    """Type and content are immutable."""
    errs = validate_image_signature(new)
    if new.type != old.type:
        errs.append(field.forbidden("type", "cannot change signature type"))
    if new.content != old.content:
        errs.append(field.forbidden("content", "cannot change signature content"))
    return errs
