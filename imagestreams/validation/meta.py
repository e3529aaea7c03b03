"""``metadata`` validation for every stored kind, as apimachinery's ``ValidateObjectMeta`` and
``ValidateObjectMetaUpdate`` (``pkg/api/validation/objectmeta.go``) do it.

Clients branch on these messages and field paths (``metadata.name: Required value: name or
generateName is required``), so both follow Kubernetes 1.32 exactly. Objects are JSON dicts here, so
"absent" and "empty" mean the same thing, as they do after Go decodes into ``ObjectMeta``.

The per-kind name rule is a ``NameValidator`` (``(name, prefix) -> problems``): DNS-1123 subdomain
for most kinds, DNS-1123 label for namespaces, path segment for image streams and images.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from imagestreams.api import content
from imagestreams.validation import field

__all__ = [
    "FIELD_IMMUTABLE",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "NameValidator",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "is_valid_label_value",
    "name_is_dns1123_label",
    "name_is_dns1123_subdomain",
    "path_segment_name",
    "validate_annotations",
    "validate_finalizers",
    "validate_labels",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_owner_references",
]

NameValidator = Callable[[str, bool], list[str]]
FIELD_IMMUTABLE = "field is immutable"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
_NEGATIVE = "must be greater than or equal to 0"
_FIELD_MANAGER_MAX_LENGTH = 128
_SUBRESOURCE_MAX_LENGTH = 256
_ORPHAN, _FOREGROUND = "orphan", "foregroundDeletion"
_METADATA = field.FieldPath.root("metadata")

is_dns1123_label = content.is_dns1123_label
is_dns1123_subdomain = content.is_dns1123_subdomain
is_qualified_name = content.is_qualified_name
is_valid_label_value = content.is_valid_label_value


def _mask_trailing_dash(name: str) -> str:
    # apimachinery's maskTrailingDash really drops two characters before appending "a".
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns1123_subdomain(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSSubdomain``: the rule for most kinds (``prefix`` for ``generateName``)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1123_label(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSLabel`` (= ``ValidateNamespaceName``)."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def path_segment_name(name: str, prefix: bool) -> list[str]:
    """``ValidatePathSegmentName``: no ``/`` or ``%``; the whole name not ``.`` or ``..``."""
    return content.is_path_segment_prefix(name) if prefix else content.is_path_segment_name(name)


# -- pieces -------------------------------------------------------------------------------------
def _str(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def _map(meta: Mapping[str, Any], key: str) -> Mapping[str, str]:
    value = meta.get(key)
    return value if isinstance(value, Mapping) else {}


def _list(meta: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = meta.get(key)
    return value if isinstance(value, list) else []


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def validate_labels(labels: Mapping[str, str], path: field.FieldPath) -> list[field.FieldError]:
    """Keys are qualified names, values label values; errors sit on the map itself."""
    errs: list[field.FieldError] = []
    for key in sorted(labels):
        errs += [field.invalid(path, key, msg) for msg in is_qualified_name(key)]
        value = labels[key]
        errs += [field.invalid(path, value, msg) for msg in is_valid_label_value(str(value))]
    return errs


def validate_annotations(
    annotations: Mapping[str, str], path: field.FieldPath
) -> list[field.FieldError]:
    """Keys are qualified names (case-insensitively); keys + values fit in 256 KiB."""
    errs: list[field.FieldError] = []
    for key in sorted(annotations):
        errs += [field.invalid(path, key, msg) for msg in is_qualified_name(key.lower())]
    total = sum(_bytes(k) + _bytes(str(v)) for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(field.too_long(path, "", TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def _go_ptr(value: Any, kind: str) -> str:
    # Go prints the address of a set pointer; any fixed address is as good as the real one.
    return f"(*{kind})(nil)" if value is None else f"(*{kind})(0xc000000000)"


def _owner_repr(ref: Mapping[str, Any]) -> str:
    """``%#v`` of a ``metav1.OwnerReference``, as 1.32 prints it in messages."""
    return (
        f"v1.OwnerReference{{APIVersion:{json.dumps(_str(ref, 'apiVersion'))}, "
        f"Kind:{json.dumps(_str(ref, 'kind'))}, Name:{json.dumps(_str(ref, 'name'))}, "
        f"UID:{json.dumps(_str(ref, 'uid'))}, Controller:{_go_ptr(ref.get('controller'), 'bool')}, "
        f"BlockOwnerDeletion:{_go_ptr(ref.get('blockOwnerDeletion'), 'bool')}}}"
    )


def _api_version_parts(api_version: str) -> tuple[str, str]:
    """``schema.ParseGroupVersion`` folded into ``FromAPIVersionAndKind``: bad input -> ("", "")."""
    if api_version in ("", "/"):
        return "", ""
    count = api_version.count("/")
    if count == 0:
        return "", api_version
    if count == 1:
        group, version = api_version.split("/")
        return group, version
    return "", ""


def validate_owner_references(refs: Sequence[Any], path: field.FieldPath) -> list[field.FieldError]:
    """Required parts, no Event owners, and at most one ``controller: true``."""
    errs: list[field.FieldError] = []
    first_controller = ""
    for ref in refs:
        if not isinstance(ref, Mapping):
            continue
        group, version = _api_version_parts(_str(ref, "apiVersion"))
        kind = _str(ref, "kind")
        if not version:
            errs.append(
                field.invalid(
                    path.child("apiVersion"), _str(ref, "apiVersion"), "version must not be empty"
                )
            )
        if not kind:
            errs.append(field.invalid(path.child("kind"), kind, "kind must not be empty"))
        for key in ("name", "uid"):
            if not _str(ref, key):
                errs.append(field.invalid(path.child(key), "", f"{key} must not be empty"))
        if (group, version, kind) == ("", "v1", "Event"):
            errs.append(
                field.invalid(
                    path,
                    field.Raw(_owner_repr(ref)),
                    "/v1, Kind=Event is disallowed from being an owner",
                )
            )
        if ref.get("controller") is True:
            current = f"{kind}/{_str(ref, 'name')}"
            if first_controller:
                rendered = (
                    "[]v1.OwnerReference{"
                    + ", ".join(_owner_repr(r) for r in refs if isinstance(r, Mapping))
                    + "}"
                )
                errs.append(
                    field.invalid(
                        path,
                        field.Raw(rendered),
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errs


def validate_finalizers(finalizers: Sequence[str], path: field.FieldPath) -> list[field.FieldError]:
    """Qualified names; ``orphan`` and ``foregroundDeletion`` are mutually exclusive."""
    errs: list[field.FieldError] = []
    for name in finalizers:
        errs += [field.invalid(path, name, msg) for msg in is_qualified_name(str(name))]
    if _ORPHAN in finalizers and _FOREGROUND in finalizers:
        errs.append(
            field.invalid(
                path,
                list(finalizers),
                f"finalizer {_ORPHAN} and {_FOREGROUND} cannot be both set",
            )
        )
    return errs


def _validate_managed_fields(
    entries: Sequence[Any], path: field.FieldPath
) -> list[field.FieldError]:
    errs: list[field.FieldError] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        p = path.index(i)
        operation = _str(entry, "operation")
        if operation not in ("Apply", "Update"):
            errs.append(
                field.invalid(p.child("operation"), operation, "must be `Apply` or `Update`")
            )
        fields_type = _str(entry, "fieldsType")
        if fields_type and fields_type != "FieldsV1":
            errs.append(field.invalid(p.child("fieldsType"), fields_type, "must be `FieldsV1`"))
        manager = _str(entry, "manager")
        if _bytes(manager) > _FIELD_MANAGER_MAX_LENGTH:
            errs.append(field.too_long(p.child("manager"), "", _FIELD_MANAGER_MAX_LENGTH))
        offset = 0
        for ch in manager:
            if not (ch.isprintable() or ch == " "):
                detail = f"invalid character U+{ord(ch):04X} (at position {offset})"
                errs.append(field.invalid(p.child("manager"), manager, detail))
            offset += _bytes(ch)
        if _bytes(_str(entry, "subresource")) > _SUBRESOURCE_MAX_LENGTH:
            errs.append(field.too_long(p.child("subresource"), "", _SUBRESOURCE_MAX_LENGTH))
    return errs


def _generation_errors(meta: Mapping[str, Any], path: field.FieldPath) -> list[field.FieldError]:
    generation = meta.get("generation")
    if isinstance(generation, int) and not isinstance(generation, bool) and generation < 0:
        return [field.invalid(path.child("generation"), generation, _NEGATIVE)]
    return []


# -- create -------------------------------------------------------------------------------------
def validate_object_meta(
    meta: Mapping[str, Any],
    *,
    namespaced: bool,
    name_fn: NameValidator,
    path: field.FieldPath = _METADATA,
) -> list[field.FieldError]:
    """``ValidateObjectMeta`` for a new object (after ``generateName`` has been applied)."""
    errs: list[field.FieldError] = []
    generate_name, name = _str(meta, "generateName"), _str(meta, "name")
    if generate_name:
        errs += [
            field.invalid(path.child("generateName"), generate_name, msg)
            for msg in name_fn(generate_name, True)
        ]
    if not name:
        errs.append(field.required(path.child("name"), "name or generateName is required"))
    else:
        errs += [field.invalid(path.child("name"), name, msg) for msg in name_fn(name, False)]
    namespace = _str(meta, "namespace")
    if namespaced:
        if not namespace:
            errs.append(field.required(path.child("namespace")))
        else:
            errs += [
                field.invalid(path.child("namespace"), namespace, msg)
                for msg in name_is_dns1123_label(namespace, False)
            ]
    elif namespace:
        errs.append(field.forbidden(path.child("namespace"), "not allowed on this type"))
    errs += _generation_errors(meta, path)
    errs += validate_labels(_map(meta, "labels"), path.child("labels"))
    errs += validate_annotations(_map(meta, "annotations"), path.child("annotations"))
    errs += validate_owner_references(_list(meta, "ownerReferences"), path.child("ownerReferences"))
    errs += validate_finalizers(_list(meta, "finalizers"), path.child("finalizers"))
    errs += _validate_managed_fields(_list(meta, "managedFields"), path.child("managedFields"))
    return errs


# -- update -------------------------------------------------------------------------------------
def _go_time(value: Any) -> field.Raw | None:
    """An RFC 3339 timestamp as Go's ``time.Time.String()`` prints it (UTC server)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return field.Raw(value)
    return field.Raw(parsed.strftime("%Y-%m-%d %H:%M:%S +0000 UTC"))


def _same_time(new: Any, old: Any) -> bool:
    a, b = _go_time(new), _go_time(old)
    if a is None or b is None:
        return a is b
    return a == b


def validate_object_meta_update(
    new: Mapping[str, Any],
    old: Mapping[str, Any],
    path: field.FieldPath = _METADATA,
) -> list[field.FieldError]:
    """``ValidateObjectMetaUpdate``: identity fields are immutable, the rest re-validated."""
    errs: list[field.FieldError] = []
    if old.get("deletionTimestamp"):
        added = sorted(
            set(map(str, _list(new, "finalizers"))) - set(map(str, _list(old, "finalizers")))
        )
        if added:
            listed = "[]string{" + ", ".join(json.dumps(f) for f in added) + "}"
            errs.append(
                field.forbidden(
                    path.child("finalizers"),
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {listed}",
                )
            )
    if not _str(new, "resourceVersion"):
        errs.append(
            field.invalid(path.child("resourceVersion"), "", "must be specified for an update")
        )
    new_gen, old_gen = new.get("generation") or 0, old.get("generation") or 0
    if isinstance(new_gen, int) and isinstance(old_gen, int) and new_gen < old_gen:
        errs.append(field.invalid(path.child("generation"), new_gen, "must not be decremented"))
    for key in ("name", "namespace", "uid"):
        if _str(new, key) != _str(old, key):
            errs.append(field.invalid(path.child(key), _str(new, key), FIELD_IMMUTABLE))
    zero = field.Raw("0001-01-01 00:00:00 +0000 UTC")
    if not _same_time(new.get("creationTimestamp"), old.get("creationTimestamp")):
        shown = _go_time(new.get("creationTimestamp")) or zero
        errs.append(field.invalid(path.child("creationTimestamp"), shown, FIELD_IMMUTABLE))
    if not _same_time(new.get("deletionTimestamp"), old.get("deletionTimestamp")):
        errs.append(
            field.invalid(
                path.child("deletionTimestamp"),
                _go_time(new.get("deletionTimestamp")),
                FIELD_IMMUTABLE,
            )
        )
    if new.get("deletionGracePeriodSeconds") != old.get("deletionGracePeriodSeconds"):
        errs.append(
            field.invalid(
                path.child("deletionGracePeriodSeconds"),
                new.get("deletionGracePeriodSeconds"),
                FIELD_IMMUTABLE,
            )
        )
    errs += validate_labels(_map(new, "labels"), path.child("labels"))
    errs += validate_annotations(_map(new, "annotations"), path.child("annotations"))
    errs += validate_owner_references(_list(new, "ownerReferences"), path.child("ownerReferences"))
    errs += _validate_managed_fields(_list(new, "managedFields"), path.child("managedFields"))
    return errs
