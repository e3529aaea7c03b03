"""Strategies of ``rbac.authorization.k8s.io/v1`` Role, ClusterRole, RoleBinding and
ClusterRoleBinding: defaulting and validation as ``pkg/apis/rbac/validation`` does it.

Names are path segments (``system:image-puller`` is valid), rules must name verbs and either
resources (with API groups) or, for cluster roles only, non-resource URLs; a binding's ``roleRef``
must point into the RBAC group and can never change; subjects are Users, Groups or ServiceAccounts.
Escalation checks need the authorizer, so they live in the stores (``resources.rbac.stores``).
"""

from __future__ import annotations

from typing import Any

from imagestreams.resources.rbac.columns import BINDING_COLUMNS
from imagestreams.rest.context import RequestContext
from imagestreams.rest.strategy import Obj, Strategy
from imagestreams.validation import field, meta

__all__ = [
    "BindingStrategy",
    "RoleStrategy",
    "validate_rule",
]

GROUP = "rbac.authorization.k8s.io"
_SUBJECT_KINDS = ["ServiceAccount", "User", "Group"]


def _path_segment(name: str, prefix: bool) -> list[str]:
    return meta.path_segment_name(name, prefix)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def validate_rule(rule: Any, namespaced: bool, path: field.FieldPath) -> list[field.FieldError]:
    """``ValidatePolicyRule``."""
    if not isinstance(rule, dict):
        return [field.invalid(path, rule, "must be an object")]
    errs: list[field.FieldError] = []
    if not _list(rule.get("verbs")):
        errs.append(field.required(path.child("verbs"), "verbs must contain at least one value"))
    urls = _list(rule.get("nonResourceURLs"))
    if urls:
        if namespaced:
            errs.append(
                field.invalid(
                    path.child("nonResourceURLs"),
                    urls,
                    "namespaced rules cannot apply to non-resource URLs",
                )
            )
        if (
            _list(rule.get("apiGroups"))
            or _list(rule.get("resources"))
            or _list(rule.get("resourceNames"))
        ):
            errs.append(
                field.invalid(
                    path.child("nonResourceURLs"),
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return errs
    if not _list(rule.get("apiGroups")):
        errs.append(
            field.required(
                path.child("apiGroups"), "resource rules must supply at least one api group"
            )
        )
    if not _list(rule.get("resources")):
        errs.append(
            field.required(
                path.child("resources"), "resource rules must supply at least one resource"
            )
        )
    return errs  # fmt: skip


class RoleStrategy(Strategy):
    """Role and ClusterRole."""

    name_validator = staticmethod(_path_segment)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[field.FieldError]:
        errs: list[field.FieldError] = []
        rules_path = field.FieldPath.root("rules")
        for i, rule in enumerate(_list(obj.get("rules"))):
            errs += validate_rule(rule, self.info.namespaced, rules_path.index(i))
        agg = obj.get("aggregationRule")
        if not self.info.namespaced and agg is not None:
            sel_path = field.FieldPath.root("aggregationRule", "clusterRoleSelectors")
            if not isinstance(agg, dict) or not _list(agg.get("clusterRoleSelectors")):
                errs.append(field.required(
                    sel_path, "at least one clusterRoleSelector required if aggregationRule is "
                    "non-nil"))  # fmt: skip
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[field.FieldError]:
        return self.validate(ctx, new)


def _ref_repr(ref: dict[str, Any]) -> field.Raw:
    return field.Raw(
        f'rbac.RoleRef{{APIGroup:"{ref.get("apiGroup", "")}", Kind:"{ref.get("kind", "")}", '
        f'Name:"{ref.get("name", "")}"}}'
    )


class BindingStrategy(Strategy):
    """RoleBinding and ClusterRoleBinding."""

    name_validator = staticmethod(_path_segment)
    columns = BINDING_COLUMNS

    def _default(self, obj: Obj) -> None:
        for subject in _list(obj.get("subjects")):
            if (
                isinstance(subject, dict)
                and not subject.get("apiGroup")
                and subject.get("kind") in ("User", "Group")
            ):
                subject["apiGroup"] = GROUP

    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        self._default(obj)

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        self._default(new)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[field.FieldError]:
        errs: list[field.FieldError] = []
        ref = obj.get("roleRef")
        ref = ref if isinstance(ref, dict) else {}
        ref_path = field.FieldPath.root("roleRef")
        if ref.get("apiGroup", "") != GROUP:
            errs.append(field.not_supported(ref_path.child("apiGroup"), ref.get("apiGroup", ""),
                                            [GROUP]))  # fmt: skip
        kinds = ["Role", "ClusterRole"] if self.info.namespaced else ["ClusterRole"]
        if ref.get("kind", "") not in kinds:
            errs.append(field.not_supported(ref_path.child("kind"), ref.get("kind", ""), kinds))
        name = ref.get("name", "")
        if not name:
            errs.append(field.required(ref_path.child("name")))
        else:
            for msg in meta.path_segment_name(str(name), False):
                errs.append(field.invalid(ref_path.child("name"), name, msg))
        sub_path = field.FieldPath.root("subjects")
        for i, subject in enumerate(_list(obj.get("subjects"))):
            errs += self._validate_subject(subject, sub_path.index(i))
        return errs

    def _validate_subject(self, subject: Any, path: field.FieldPath) -> list[field.FieldError]:
        if not isinstance(subject, dict):
            return [field.invalid(path, subject, "must be an object")]
        errs: list[field.FieldError] = []
        name = str(subject.get("name", "") or "")
        group = str(subject.get("apiGroup", "") or "")
        if not name:
            errs.append(field.required(path.child("name")))
        kind = subject.get("kind", "")
        if kind == "ServiceAccount":
            if name:
                for msg in meta.name_is_dns1123_subdomain(name, False):
                    errs.append(field.invalid(path.child("name"), name, msg))
            if group:
                errs.append(field.not_supported(path.child("apiGroup"), group, [""]))
            if not self.info.namespaced and not subject.get("namespace"):
                errs.append(field.required(path.child("namespace")))
        elif kind in ("User", "Group"):
            if group != GROUP:
                errs.append(field.not_supported(path.child("apiGroup"), group, [GROUP]))
        else:
            errs.append(field.not_supported(path.child("kind"), kind, _SUBJECT_KINDS))
        return errs

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[field.FieldError]:
        errs = self.validate(ctx, new)
        if (new.get("roleRef") or {}) != (old.get("roleRef") or {}):
            ref = new.get("roleRef")
            errs.append(field.invalid("roleRef", _ref_repr(ref if isinstance(ref, dict) else {}),
                                      "cannot change roleRef"))  # fmt: skip
        return errs
