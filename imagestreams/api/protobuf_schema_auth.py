"""Protobuf schema of the access-review, token and RBAC kinds.

authorization.k8s.io/v1 (``kubectl auth can-i`` sends SelfSubjectAccessReview and
SelfSubjectRulesReview), authentication.k8s.io/v1 (``kubectl auth whoami``'s SelfSubjectReview,
``kubectl create token``'s TokenRequest, TokenReview) and rbac.authorization.k8s.io/v1. Notation
and provenance are described in ``protobuf_schema``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    "authn.BoundObjectReference": (
        "1 kind string?; 2 apiVersion string?; 3 name string?; 4 uid string?"
    ),
    "authn.SelfSubjectReview": "1 metadata meta.ObjectMeta?; 2 status SelfSubjectReviewStatus?",
    "authn.SelfSubjectReviewStatus": "1 userInfo UserInfo?",
    "authn.TokenRequest": (
        "1 metadata meta.ObjectMeta?; 2 spec TokenRequestSpec; 3 status TokenRequestStatus?"
    ),
    "authn.TokenRequestSpec": (
        "1 audiences []string; 4 expirationSeconds *int64; "
        "3 boundObjectRef *BoundObjectReference; 5 attestations {}stringlist?"
    ),
    "authn.TokenRequestStatus": "1 token string; 2 expirationTimestamp time",
    "authn.TokenReview": (
        "1 metadata meta.ObjectMeta?; 2 spec TokenReviewSpec; 3 status TokenReviewStatus?"
    ),
    "authn.TokenReviewSpec": "1 token string?; 2 audiences []string?",
    "authn.TokenReviewStatus": (
        "1 authenticated bool?; 2 user UserInfo?; 4 audiences []string?; 3 error string?"
    ),
    "authn.UserInfo": (
        "1 username string?; 2 uid string?; 3 groups []string?; 4 extra {}stringlist?"
    ),
    "authz.FieldSelectorAttributes": (
        "1 rawSelector string?; 2 requirements []meta.FieldSelectorRequirement?"
    ),
    "authz.LabelSelectorAttributes": (
        "1 rawSelector string?; 2 requirements []meta.LabelSelectorRequirement?"
    ),
    "authz.LocalSubjectAccessReview": (
        "1 metadata meta.ObjectMeta?; 2 spec SubjectAccessReviewSpec; "
        "3 status SubjectAccessReviewStatus?"
    ),
    "authz.NonResourceAttributes": "1 path string?; 2 verb string?",
    "authz.NonResourceRule": "1 verbs []string; 2 nonResourceURLs []string?",
    "authz.ResourceAttributes": (
        "1 namespace string?; 2 verb string?; 3 group string?; 4 version string?; "
        "5 resource string?; 6 subresource string?; 7 name string?; "
        "8 fieldSelector *FieldSelectorAttributes?; 9 labelSelector *LabelSelectorAttributes?"
    ),
    "authz.ResourceRule": (
        "1 verbs []string; 2 apiGroups []string?; 3 resources []string?; 4 resourceNames []string?"
    ),
    "authz.SelfSubjectAccessReview": (
        "1 metadata meta.ObjectMeta?; 2 spec SelfSubjectAccessReviewSpec; "
        "3 status SubjectAccessReviewStatus?"
    ),
    "authz.SelfSubjectAccessReviewSpec": (
        "1 resourceAttributes *ResourceAttributes?; 2 nonResourceAttributes *NonResourceAttributes?"
    ),
    "authz.SelfSubjectRulesReview": (
        "1 metadata meta.ObjectMeta?; 2 spec SelfSubjectRulesReviewSpec; "
        "3 status SubjectRulesReviewStatus?"
    ),
    "authz.SelfSubjectRulesReviewSpec": "1 namespace string?",
    "authz.SubjectAccessReview": (
        "1 metadata meta.ObjectMeta?; 2 spec SubjectAccessReviewSpec; "
        "3 status SubjectAccessReviewStatus?"
    ),
    "authz.SubjectAccessReviewSpec": (
        "1 resourceAttributes *ResourceAttributes?; "
        "2 nonResourceAttributes *NonResourceAttributes?; 3 user string?; 4 groups []string?; "
        "5 extra {}stringlist?; 6 uid string?"
    ),
    "authz.SubjectAccessReviewStatus": (
        "1 allowed bool; 4 denied bool?; 2 reason string?; 3 evaluationError string?"
    ),
    "authz.SubjectRulesReviewStatus": (
        "1 resourceRules []ResourceRule; 2 nonResourceRules []NonResourceRule; "
        "3 incomplete bool; 4 evaluationError string?"
    ),
    "rbac.AggregationRule": "1 clusterRoleSelectors []meta.LabelSelector?",
    "rbac.ClusterRole": (
        "1 metadata meta.ObjectMeta?; 2 rules []PolicyRule; 3 aggregationRule *AggregationRule?"
    ),
    "rbac.ClusterRoleBinding": (
        "1 metadata meta.ObjectMeta?; 2 subjects []Subject?; 3 roleRef RoleRef"
    ),
    "rbac.PolicyRule": (
        "1 verbs []string; 2 apiGroups []string?; 3 resources []string?; "
        "4 resourceNames []string?; 5 nonResourceURLs []string?"
    ),
    "rbac.Role": "1 metadata meta.ObjectMeta?; 2 rules []PolicyRule",
    "rbac.RoleBinding": "1 metadata meta.ObjectMeta?; 2 subjects []Subject?; 3 roleRef RoleRef",
    "rbac.RoleRef": "1 apiGroup string; 2 kind string; 3 name string",
    "rbac.Subject": "1 kind string; 2 apiGroup string?; 3 name string; 4 namespace string?",
}
