"""PATCH bodies applied to a stored object (a JSON dict), with kube-apiserver's status codes.

Three formats, chosen by ``Content-Type`` as ``k8s.io/apiserver/pkg/endpoints/handlers/patch.go``
chooses them: JSON patch (RFC 6902, applied with the semantics of ``evanphx/json-patch`` v4 that
kube-apiserver vendors, quirks included), JSON merge patch (RFC 7386, same library) and strategic
merge patch (``rest.strategicpatch``). Errors follow the handler: an unparsable body is 400
``invalid JSON patch``; a JSON patch that does not apply is 422 with the fixed text
``the server rejected our request due to an error in our request`` (the library's reason is
dropped by ``NewGenericServerResponse``); unknown content types are 415.

Server-side apply (``application/apply-patch+yaml``) is not a patch of this module: the server
routes it to ``rest.apply`` for stored resources (``apply_patch`` refuses it with 415).
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec

from imagestreams import errors
from imagestreams.api import patchmeta
from imagestreams.rest import rfc6902, strategicpatch
from imagestreams.validation import field

__all__ = [
    "JSON_PATCH",
    "MAX_COPY_BYTES",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "PatchInternalError",
    "PatchRejected",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_patch",
    "apply_strategic_merge_patch",
    "supported_patch_types",
    "supports_strategic_merge",
]

JSON_PATCH = "application/json-patch+json"
MAX_COPY_BYTES = 3 * 1024 * 1024
"""What all ``copy`` operations of one JSON patch may add: kube uses the request body limit."""
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
MAX_JSON_PATCH_OPERATIONS = 10000
_REJECTED = "the server rejected our request due to an error in our request"
_GO_KIND = {dict: "object", list: "array", str: "string", bool: "bool", int: "number"}

supports_strategic_merge = patchmeta.supports_strategic_merge


class PatchRejected(errors.Invalid):
    """422 as ``NewGenericServerResponse(422, ...)`` builds it: fixed message, empty details."""

    def __init__(self) -> None:
        errors.ApiError.__init__(self, _REJECTED)
        self.errors = []

    def details(self) -> dict[str, Any] | None:
        return {}


class PatchInternalError(errors.InternalError):
    """A plain Go ``error`` reaching the handler: 500 without a ``reason``."""

    reason = ""


def supported_patch_types(kind_key: tuple[str, str]) -> list[str]:
    """The content types PATCH accepts for a kind, in kube-apiserver's order."""
    if supports_strategic_merge(*kind_key):
        return [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH]
    return [JSON_PATCH, MERGE_PATCH]


def _unsupported(kind_key: tuple[str, str]) -> errors.UnsupportedMediaType:
    accepted = ", ".join(supported_patch_types(kind_key))
    return errors.UnsupportedMediaType(
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{accepted}"
    )


def _go_kind(value: Any) -> str:
    if value is None:
        return "null"
    return "number" if isinstance(value, float) else _GO_KIND.get(type(value), "object")


def _not_an_object(patched: Any) -> errors.Invalid:
    """The decode failure when a patch turned the object into a non-object."""
    text = msgspec.json.encode(patched).decode()
    detail = (
        "couldn't get version/kind; json parse error: json: cannot unmarshal "
        f"{_go_kind(patched)} into Go value of type struct {{ APIVersion string "
        '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
    )
    return errors.Invalid("", "", "", [field.invalid("patch", text, detail)])


# -- RFC 7386 merge patch (evanphx/json-patch v4 MergePatch) ------------------------------------
def _prune_nulls(value: Any) -> Any:
    """``pruneNulls``: drop null members of objects, also inside arrays (array nulls stay)."""
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) if v is not None else None for v in value]
    return value


def _merge_docs(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif not isinstance(doc.get(key), dict):
            # new key, null or non-object target: the patch value, minus nested nulls
            doc[key] = _prune_nulls(value)
        elif isinstance(value, dict):
            _merge_docs(doc[key], value)
        else:
            # an object replaced by a non-object keeps the value as sent (no pruning)
            doc[key] = copy.deepcopy(value)


def apply_merge_patch(original: dict[str, Any], patch: Any) -> dict[str, Any]:
    """RFC 7386: objects merge recursively, ``null`` deletes, everything else replaces."""
    if not isinstance(patch, dict):
        if patch is None:
            raise errors.BadRequest("Invalid JSON Patch")
        raise errors.BadRequest(
            f"error decoding patch: json: cannot unmarshal {_go_kind(patch)} into Go value of "
            "type map[string]interface {}"
        )
    doc = copy.deepcopy(original)
    _merge_docs(doc, patch)
    return doc


# -- RFC 6902 JSON patch -------------------------------------------------------------------------
def _check_json_patch(patch: Any) -> list[Any]:
    """The strict decode into ``[]jsonPatchOp`` the handler does before applying."""
    if patch is None:
        return []
    prefix = "error decoding patch: json: cannot unmarshal"
    if not isinstance(patch, list):
        raise errors.BadRequest(
            f"{prefix} {_go_kind(patch)} into Go value of type []handlers.jsonPatchOp"
        )
    for op in patch:
        if op is not None and not isinstance(op, dict):
            raise errors.BadRequest(
                f"{prefix} {_go_kind(op)} into Go value of type handlers.jsonPatchOp"
            )
        for name in ("op", "path", "from"):
            if isinstance(op, dict) and op.get(name) is not None and not isinstance(op[name], str):
                raise errors.BadRequest(
                    f"{prefix} {_go_kind(op[name])} into Go struct field jsonPatchOp.{name} of "
                    "type string"
                )
    if len(patch) > MAX_JSON_PATCH_OPERATIONS:
        raise errors.RequestEntityTooLarge(
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(patch)}"
        )
    return patch


def apply_json_patch(original: dict[str, Any], patch: Any) -> dict[str, Any]:
    """RFC 6902 with json-patch v4 semantics; any failing operation is a 422."""
    ops = _check_json_patch(patch)
    try:
        result = rfc6902.apply(copy.deepcopy(original), ops, copy_limit=MAX_COPY_BYTES)
    except rfc6902.OperationFailed:
        raise PatchRejected() from None
    except rfc6902.CopyLimitExceeded as exc:
        raise errors.RequestEntityTooLarge(f"Request entity too large: {exc}") from None
    if not isinstance(result, dict):
        raise _not_an_object(result)
    return result


# -- strategic merge patch ---------------------------------------------------------------------
def apply_strategic_merge_patch(
    original: dict[str, Any], patch: Any, kind_key: tuple[str, str]
) -> dict[str, Any]:
    """Kubernetes strategic merge patch for a kind listed in ``api.patchmeta``."""
    if not supports_strategic_merge(*kind_key):
        raise _unsupported(kind_key)
    if patch is None:
        patch = {}
    if not isinstance(patch, dict):
        raise errors.BadRequest(
            f"json: cannot unmarshal {_go_kind(patch)} into Go value of type "
            "map[string]interface {}"
        )
    try:
        return strategicpatch.strategic_merge(original, patch, kind_key)
    except strategicpatch.SmpError as exc:
        if exc.kind == "bad_request":
            raise errors.BadRequest(exc.message) from None
        if exc.kind == "unprocessable":
            raise PatchRejected() from None
        raise PatchInternalError(exc.message) from None


# -- dispatcher ----------------------------------------------------------------------------------
def apply_patch(
    content_type: str, original: dict[str, Any], body: bytes, kind_key: tuple[str, str]
) -> dict[str, Any]:
    """Decode ``body`` and apply it as ``content_type`` says (parameters such as ``charset``
    are ignored, exactly as kube-apiserver cuts at the first ``;``)."""
    cut = content_type.find(";")
    media_type = content_type[:cut] if cut > 0 else content_type
    if media_type not in supported_patch_types(kind_key):
        raise _unsupported(kind_key)
    try:
        patch = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise errors.BadRequest("invalid JSON patch") from None
    if media_type == JSON_PATCH:
        return apply_json_patch(original, patch)
    if media_type == MERGE_PATCH:
        return apply_merge_patch(original, patch)
    return apply_strategic_merge_patch(original, patch, kind_key)
