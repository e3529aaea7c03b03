"""Discovery entries of the access-control groups, registered into ``api.scheme`` on import.

``rbac.authorization.k8s.io/v1`` (the four stored kinds), ``authorization.k8s.io/v1`` (access
reviews, create only), ``authentication.k8s.io/v1`` (TokenReview, SelfSubjectReview) and the core
``serviceaccounts/token`` subresource, whose object is an ``authentication.k8s.io/v1``
TokenRequest. Verbs and scopes are what kube-apiserver's discovery reports for each.
"""

from __future__ import annotations

from imagestreams.api import scheme
from imagestreams.api.scheme import ALL_VERBS, ResourceInfo

__all__ = [
    "AUTHENTICATION_GROUP",
    "AUTHORIZATION_GROUP",
    "RBAC_GROUP",
    "RBAC_RESOURCES",
    "REVIEW_RESOURCES",
    "TOKEN_REQUEST",
]

RBAC_GROUP = "rbac.authorization.k8s.io"
AUTHORIZATION_GROUP = "authorization.k8s.io"
AUTHENTICATION_GROUP = "authentication.k8s.io"

RBAC_RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo(RBAC_GROUP, "v1", "ClusterRoleBinding", "clusterrolebindings",
                 namespaced=False, verbs=ALL_VERBS, singular="clusterrolebinding"),
    ResourceInfo(RBAC_GROUP, "v1", "ClusterRole", "clusterroles", namespaced=False,
                 verbs=ALL_VERBS, singular="clusterrole"),
    ResourceInfo(RBAC_GROUP, "v1", "RoleBinding", "rolebindings", verbs=ALL_VERBS,
                 singular="rolebinding"),
    ResourceInfo(RBAC_GROUP, "v1", "Role", "roles", verbs=ALL_VERBS, singular="role"),
)  # fmt: skip

_CREATE = ("create",)

REVIEW_RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo(AUTHORIZATION_GROUP, "v1", "LocalSubjectAccessReview",
                 "localsubjectaccessreviews", verbs=_CREATE,
                 singular="localsubjectaccessreview"),
    ResourceInfo(AUTHORIZATION_GROUP, "v1", "SelfSubjectAccessReview",
                 "selfsubjectaccessreviews", namespaced=False, verbs=_CREATE,
                 singular="selfsubjectaccessreview"),
    ResourceInfo(AUTHORIZATION_GROUP, "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                 namespaced=False, verbs=_CREATE, singular="selfsubjectrulesreview"),
    ResourceInfo(AUTHORIZATION_GROUP, "v1", "SubjectAccessReview", "subjectaccessreviews",
                 namespaced=False, verbs=_CREATE, singular="subjectaccessreview"),
    ResourceInfo(AUTHENTICATION_GROUP, "v1", "SelfSubjectReview", "selfsubjectreviews",
                 namespaced=False, verbs=_CREATE, singular="selfsubjectreview"),
    ResourceInfo(AUTHENTICATION_GROUP, "v1", "TokenReview", "tokenreviews", namespaced=False,
                 verbs=_CREATE, singular="tokenreview"),
)  # fmt: skip

TOKEN_REQUEST = ResourceInfo(
    "",
    "v1",
    "TokenRequest",
    "serviceaccounts",
    subresource="token",
    verbs=_CREATE,
    response_kind="TokenRequest",
    response_group=AUTHENTICATION_GROUP,
    response_version="v1",
)

scheme.register(*RBAC_RESOURCES, *REVIEW_RESOURCES, TOKEN_REQUEST)
