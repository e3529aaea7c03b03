"""Strategies of the generic Kubernetes kinds: metadata validated, the rest kept as given.

Only what clients observe is modelled: which kinds have a ``/status`` subresource and a
generation, namespace names being DNS labels, a new namespace being ``Active``, and Secret type
defaulting (``Opaque``) and immutability, as kube-apiserver does.
"""

from __future__ import annotations

import base64
import re

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.resources import core_columns
from imagestreams.resources.core import selectable
from imagestreams.resources.core.limitranges import LimitRangeStrategy
from imagestreams.rest.context import RequestContext
from imagestreams.rest.strategy import Obj, Strategy
from imagestreams.validation import field, meta

__all__ = [
    "NamespaceStrategy",
    "SecretStrategy",
    "SelectableStrategy",
    "is_config_map_key",
    "strategy_for",
]

_WITH_STATUS_AND_GENERATION = {
    "replicationcontrollers",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
}


_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def is_config_map_key(key: str) -> list[str]:
    """apimachinery's ``IsConfigMapKey`` (also used for Secret data keys)."""
    errs: list[str] = []
    if len(key) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.fullmatch(key):
        errs.append(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
            "'[-._a-zA-Z0-9]+')"
        )
    if key == ".":
        errs.append("must not be '.'")
    elif key == "..":
        errs.append("must not be '..'")
    elif key.startswith(".."):
        errs.append("must not start with '..'")
    return errs


_SPEC_STATUS = frozenset({"spec", "status"})
TOP_LEVEL_FIELDS: dict[str, frozenset[str]] = {
    "secrets": frozenset({"data", "stringData", "type", "immutable"}),
    "configmaps": frozenset({"data", "binaryData", "immutable"}),
    "serviceaccounts": frozenset({"secrets", "imagePullSecrets", "automountServiceAccountToken"}),
    "limitranges": frozenset({"spec"}),
    "events": frozenset(
        {
            "involvedObject",
            "reason",
            "message",
            "source",
            "firstTimestamp",
            "lastTimestamp",
            "count",
            "type",
            "eventTime",
            "series",
            "action",
            "related",
            "reportingComponent",
            "reportingInstance",
        }
    ),
}


class NamespaceStrategy(Strategy):
    has_status = True
    name_validator = staticmethod(meta.name_is_dns1123_label)

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        obj["status"] = {"phase": "Active"}
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers
        md = obj.setdefault("metadata", {})
        labels = md.get("labels") or {}
        labels["kubernetes.io/metadata.name"] = md.get("name", "")
        md["labels"] = labels

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        super().prepare_for_update(ctx, new, old)
        new["spec"] = old.get("spec", {})
        md = new.setdefault("metadata", {})
        labels = md.get("labels") or {}
        labels["kubernetes.io/metadata.name"] = md.get("name", "")
        md["labels"] = labels

    def field_set(self, obj: Obj) -> dict[str, str]:
        fields = dict(super().field_set(obj))
        fields["status.phase"] = (obj.get("status") or {}).get("phase", "")
        return fields


def _merge_string_data(obj: Obj) -> None:
    """``stringData`` is write-only: merged into ``data`` (base64), as kube-apiserver does."""
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data") or {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


class SecretStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        if not obj.get("type"):
            obj["type"] = "Opaque"
        _merge_string_data(obj)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[field.FieldError]:
        errs: list[field.FieldError] = []
        data = obj.get("data") or {}
        if not isinstance(data, dict):
            return [field.invalid("data", data, "must be a map of keys to base64 values")]
        total = 0
        for key, value in data.items():
            if value is not None and not isinstance(value, str):
                # Go decodes data values as base64 strings into []byte: anything else is 400.
                kind_of = "number" if isinstance(value, int | float) else type(value).__name__
                raise errors.BadRequest(
                    f'Secret in version "v1" cannot be handled as a Secret: json: cannot '
                    f"unmarshal {kind_of} into Go struct field Secret.data of type []uint8"
                )
            for msg in is_config_map_key(key):
                errs.append(field.invalid(field.FieldPath.root("data").key(key), key, msg))
            total += len(value or "")
        if total > 1024 * 1024:
            errs.append(field.too_long("data", "", 1024 * 1024))
        kind = obj.get("type")
        if kind == "kubernetes.io/dockerconfigjson" and ".dockerconfigjson" not in data:
            errs.append(field.required(field.FieldPath.root("data").key(".dockerconfigjson")))
        if kind == "kubernetes.io/dockercfg" and ".dockercfg" not in data:
            errs.append(field.required(field.FieldPath.root("data").key(".dockercfg")))
        return errs

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        if not new.get("type"):
            new["type"] = old.get("type", "Opaque")
        _merge_string_data(new)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[field.FieldError]:
        errs = self.validate(ctx, new)
        if new.get("type") != old.get("type"):
            errs.append(field.invalid("type", new.get("type"), "field is immutable"))
        if old.get("immutable") and (
            new.get("data") != old.get("data") or new.get("immutable") is not True
        ):
            errs.append(field.forbidden("data", "field is immutable when `immutable` is set"))
        return errs

    def field_set(self, obj: Obj) -> dict[str, str]:
        fields = dict(super().field_set(obj))
        fields["type"] = obj.get("type", "")
        return fields


class SelectableStrategy(Strategy):
    """A generic kind with field selectors of its own (``selectable.FIELDS``)."""

    def field_set(self, obj: Obj) -> dict[str, str]:
        fields = dict(super().field_set(obj))
        fields.update(selectable.FIELDS[(self.info.group, self.info.plural)](obj))
        return fields


def strategy_for(info: scheme.ResourceInfo) -> Strategy:
    """The strategy of one generic kind."""
    strategy: Strategy
    if info.plural == "namespaces":
        strategy = NamespaceStrategy(info)
    elif info.plural == "secrets":
        strategy = SecretStrategy(info)
    elif info.plural == "limitranges":
        strategy = LimitRangeStrategy(info)
    else:
        selectable_kind = (info.group, info.plural) in selectable.FIELDS
        strategy = SelectableStrategy(info) if selectable_kind else Strategy(info)
        if info.plural in _WITH_STATUS_AND_GENERATION or info.plural == "pods":
            strategy.has_status = True
        if info.plural in _WITH_STATUS_AND_GENERATION:
            strategy.tracks_generation = True
    strategy.columns = core_columns.COLUMNS.get((info.group, info.plural))
    strategy.top_level_fields = TOP_LEVEL_FIELDS.get(info.plural, _SPEC_STATUS)
    return strategy
