"""The review resources: "may X do Y?" (access reviews), "what may I do?" (rules review) and
"who is this?" (TokenReview, SelfSubjectReview).

They are create-only and stored nowhere: the posted object comes back with its ``status`` filled,
as kube-apiserver's ``pkg/registry/authorization`` and ``authentication`` REST objects do. This is
what ``kubectl auth can-i`` (SelfSubjectAccessReview, and SelfSubjectRulesReview for ``--list``)
and ``kubectl auth whoami`` (SelfSubjectReview) call. Validation messages follow
``pkg/apis/authorization/validation``.
"""

from __future__ import annotations

from typing import Any

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.resources.rbac.access import (
    AccessControl,
    AccessRequest,
    AuthenticatedUser,
    TokenReviewer,
)
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.resource import Obj, Resource
from imagestreams.validation import field

__all__ = [
    "AccessReviewResource",
    "SelfSubjectReviewResource",
    "SelfSubjectRulesReviewResource",
    "TokenReviewResource",
]


def _spec(obj: Obj) -> dict[str, Any]:
    spec = obj.get("spec")
    if spec is None:
        spec = {}
        obj["spec"] = spec
    if not isinstance(spec, dict):
        raise errors.BadRequest("spec: must be an object")
    return spec


def _out(info: scheme.ResourceInfo, obj: Obj, status: dict[str, Any]) -> Obj:
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return {
        "kind": info.kind,
        "apiVersion": info.api_version,
        "metadata": {k: v for k, v in (md or {}).items() if v is not None},
        "spec": obj.get("spec", {}),
        "status": status,
    }


def _str(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    return value if isinstance(value, str) else ""


class AccessReviewResource(Resource):
    """SubjectAccessReview, SelfSubjectAccessReview and LocalSubjectAccessReview."""

    def __init__(self, info: scheme.ResourceInfo, access: AccessControl) -> None:
        super().__init__(info)
        self.access = access

    def _validate(self, ctx: RequestContext, spec: dict[str, Any]) -> list[field.FieldError]:
        errs: list[field.FieldError] = []
        path = field.FieldPath.root("spec")
        res, non = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if res is not None and non is not None:
            errs.append(field.invalid(path.child("nonResourceAttributes"), field.Raw("{...}"),
                                      "cannot be specified in combination with "
                                      "resourceAttributes"))  # fmt: skip
        if res is None and non is None:
            errs.append(field.invalid(path.child("resourceAttributes"), None,
                                      "exactly one of nonResourceAttributes or "
                                      "resourceAttributes must be specified"))  # fmt: skip
        kind = self.info.kind
        if kind != "SelfSubjectAccessReview" and not spec.get("user") and not spec.get("groups"):
            errs.append(
                field.invalid(
                    path.child("user"),
                    _str(spec, "user"),
                    "at least one of user or group must be specified",
                )
            )
        if kind == "LocalSubjectAccessReview":
            if non is not None:
                errs.append(field.invalid(path.child("nonResourceAttributes"), field.Raw("{...}"),
                                          "disallowed on this kind of request"))  # fmt: skip
            if isinstance(res, dict) and _str(res, "namespace") != ctx.namespace:
                errs.append(field.invalid(path.child("resourceAttributes", "namespace"),
                                          _str(res, "namespace"),
                                          "must match metadata.namespace"))  # fmt: skip
        return errs

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        spec = _spec(obj)
        errs = self._validate(ctx, spec)
        if errs:
            raise errors.Invalid(self.info.kind, self.info.group, "", errs)
        if self.info.kind == "SelfSubjectAccessReview":
            user = ctx.user
        else:
            groups = spec.get("groups") or []
            user = User(_str(spec, "user"), _str(spec, "uid"),
                        tuple(g for g in groups if isinstance(g, str)))  # fmt: skip
        res = spec.get("resourceAttributes")
        if isinstance(res, dict):
            request = AccessRequest(
                user=user, verb=_str(res, "verb"), api_group=_str(res, "group"),
                api_version=_str(res, "version"), resource=_str(res, "resource"),
                subresource=_str(res, "subresource"), name=_str(res, "name"),
                namespace=_str(res, "namespace"), resource_request=True,
            )  # fmt: skip
        else:
            non = spec.get("nonResourceAttributes")
            non = non if isinstance(non, dict) else {}
            request = AccessRequest(
                user=user, verb=_str(non, "verb"), path=_str(non, "path"), resource_request=False
            )
        decision = await self.access.decide(request)
        status: dict[str, Any] = {"allowed": decision.allowed}
        if decision.denied:
            status["denied"] = True
        if decision.reason:
            status["reason"] = decision.reason
        if decision.evaluation_error:
            status["evaluationError"] = decision.evaluation_error
        out = _out(self.info, obj, status)
        if self.info.namespaced:
            out["metadata"]["namespace"] = ctx.namespace
        return out


class SelfSubjectRulesReviewResource(Resource):
    """What the caller may do in one namespace (``kubectl auth can-i --list``)."""

    def __init__(self, info: scheme.ResourceInfo, access: AccessControl) -> None:
        super().__init__(info)
        self.access = access

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        namespace = _str(_spec(obj), "namespace")
        if not namespace:
            raise errors.BadRequest("no namespace on request")
        review = await self.access.rules_for(ctx.user, namespace)
        status: dict[str, Any] = {
            "resourceRules": review.resource_rules,
            "nonResourceRules": review.non_resource_rules,
            "incomplete": review.incomplete,
        }
        if review.evaluation_error:
            status["evaluationError"] = review.evaluation_error
        return _out(self.info, obj, status)


def _user_info(user: AuthenticatedUser) -> dict[str, Any]:
    out: dict[str, Any] = {"username": user.username}
    if user.uid:
        out["uid"] = user.uid
    if user.groups:
        out["groups"] = list(user.groups)
    if user.extra:
        out["extra"] = {k: list(v) for k, v in user.extra.items()}
    return out


class TokenReviewResource(Resource):
    """Authenticate a token on someone else's behalf (webhook token authentication)."""

    def __init__(self, info: scheme.ResourceInfo, reviewer: TokenReviewer) -> None:
        super().__init__(info)
        self.reviewer = reviewer

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        spec = _spec(obj)
        token = _str(spec, "token")
        if not token:
            raise errors.BadRequest("token is required for TokenReview in authentication")
        wanted = tuple(a for a in spec.get("audiences") or [] if isinstance(a, str))
        user, audiences, error = self.reviewer.review_token(token, wanted)
        status: dict[str, Any] = {"authenticated": user is not None}
        if user is not None:
            status["user"] = _user_info(user)
            if audiences:
                status["audiences"] = list(audiences)
        else:
            status["user"] = {}
        if error:
            status["error"] = error
        return _out(self.info, obj, status)


class SelfSubjectReviewResource(Resource):
    """Who the caller is (``kubectl auth whoami``)."""

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        user = AuthenticatedUser(ctx.user.name, ctx.user.uid, ctx.user.groups)
        md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        return {
            "kind": self.info.kind,
            "apiVersion": self.info.api_version,
            "metadata": {k: v for k, v in (md or {}).items() if v is not None},
            "status": {"userInfo": _user_info(user)},
        }
