"""Per-resource behaviour hooks, as k8s.io/apiserver's ``RESTCreateStrategy`` & co.

The generic store (``rest.store``) does every verb; a ``Strategy`` says what is special about one
kind. Hooks receive JSON dicts and may mutate them in place. The defaults describe a Kubernetes kind
"stored as given": metadata validated, everything else kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from imagestreams.api import scheme
from imagestreams.rest.context import RequestContext
from imagestreams.rest.table import Column
from imagestreams.validation import field, meta

__all__ = ["OBJECT_META_FIELDS", "NameValidator", "Obj", "StatusStrategy", "Strategy"]

OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)

Obj = dict[str, Any]
NameValidator = Callable[[str, bool], list[str]]


class Strategy:
    """Hooks for the main resource. Subclass and override what differs."""

    has_status: bool = False
    """True when the kind has a ``/status`` subresource: the main endpoint then keeps the stored
    status on update and drops it on create, as Kubernetes' strategies do."""
    tracks_generation: bool = False
    """Bump ``metadata.generation`` when anything outside metadata/status changes."""
    allow_create_on_update: bool = False
    allow_unconditional_update: bool = True
    name_validator: NameValidator = staticmethod(meta.name_is_dns1123_subdomain)
    columns: list[Column] | None = None

    def __init__(self, info: scheme.ResourceInfo) -> None:
        self.info = info

    # -- create -------------------------------------------------------------------------
    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        """Normalise a new object before validation (clear status, set defaults)."""
        if self.has_status:
            obj.pop("status", None)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[field.FieldError]:
        """Kind-specific checks on create; metadata is validated by the store."""
        return []

    # -- update -------------------------------------------------------------------------
    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        """Normalise ``new`` against the stored ``old`` before validation."""
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[field.FieldError]:
        return []

    # -- read ---------------------------------------------------------------------------
    def decorate(self, obj: Obj) -> None:
        """Fill in computed fields on every object returned to a client."""

    top_level_fields: frozenset[str] | None = None
    """Fields a body may carry besides apiVersion/kind/metadata; ``None`` = anything."""

    def unknown_fields(self, obj: Obj) -> list[str]:
        """Unknown top-level and ObjectMeta fields, in body order."""
        unknown: list[str] = []
        for key, value in obj.items():
            if key in ("apiVersion", "kind"):
                continue
            if key == "metadata":
                if isinstance(value, dict):
                    unknown.extend(f"metadata.{k}" for k in value if k not in OBJECT_META_FIELDS)
                continue
            if self.top_level_fields is not None and key not in self.top_level_fields:
                unknown.append(key)
        return unknown

    def field_set(self, obj: Obj) -> Mapping[str, str]:
        """Fields usable in ``fieldSelector`` (``metadata.name`` and ``metadata.namespace``
        always; kinds add their own)."""
        md = obj.get("metadata", {})
        fields = {"metadata.name": md.get("name", "")}
        if self.info.namespaced:
            fields["metadata.namespace"] = md.get("namespace", "")
        return fields

    def validate_metadata(self, obj: Obj) -> list[field.FieldError]:
        return meta.validate_object_meta(
            obj.get("metadata") or {},
            namespaced=self.info.namespaced,
            name_fn=self.name_validator,
            path=field.FieldPath.root("metadata"),
        )

    def validate_metadata_update(self, new: Obj, old: Obj) -> list[field.FieldError]:
        return meta.validate_object_meta_update(
            new.get("metadata") or {},
            old.get("metadata") or {},
            field.FieldPath.root("metadata"),
        )


class StatusStrategy(Strategy):
    """The ``/status`` view: only ``status`` (and metadata labels/annotations) may change."""

    def __init__(self, main: Strategy) -> None:
        super().__init__(main.info)
        self.main = main
        self.columns = main.columns
        self.name_validator = main.name_validator
        self.top_level_fields = main.top_level_fields

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        for key in list(new):
            if key not in ("metadata", "status", "kind", "apiVersion"):
                del new[key]
        for key, value in old.items():
            if key not in ("metadata", "status", "kind", "apiVersion"):
                new[key] = value

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[field.FieldError]:
        return []

    def decorate(self, obj: Obj) -> None:
        self.main.decorate(obj)

    def field_set(self, obj: Obj) -> Mapping[str, str]:
        return self.main.field_set(obj)
