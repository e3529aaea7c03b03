"""Protobuf schema of the k8s.io/apimachinery meta/v1 messages our kinds embed.

``ObjectMeta`` (with owner references and managed fields), label selectors and
``DeleteOptions``; notation and provenance are described in ``protobuf_schema``. Note
``creationTimestamp`` is ``omitzero``: a zero time is left out, as current Kubernetes does
(older kubectl releases printed ``"creationTimestamp": null``).
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    "meta.DeleteOptions": (
        "1 gracePeriodSeconds *int64?; 2 preconditions *Preconditions?; "
        "3 orphanDependents *bool?; 4 propagationPolicy *string?; 5 dryRun []string?; "
        "6 ignoreStoreReadErrorWithClusterBreakingPotential *bool?"
    ),
    "meta.FieldSelectorRequirement": "1 key string; 2 operator string; 3 values []string?",
    "meta.LabelSelector": "1 matchLabels {}string?; 2 matchExpressions []LabelSelectorRequirement?",
    "meta.LabelSelectorRequirement": "1 key string; 2 operator string; 3 values []string?",
    "meta.ManagedFieldsEntry": (
        "1 manager string?; 2 operation string?; 3 apiVersion string?; 4 time *time?; "
        "6 fieldsType string?; 7 fieldsV1 *fieldsv1?; 8 subresource string?"
    ),
    "meta.ObjectMeta": (
        "1 name string?; 2 generateName string?; 3 namespace string?; 4 selfLink string?; "
        "5 uid string?; 6 resourceVersion string?; 7 generation int64?; "
        "8 creationTimestamp time!; 9 deletionTimestamp *time?; "
        "10 deletionGracePeriodSeconds *int64?; 11 labels {}string?; 12 annotations {}string?; "
        "13 ownerReferences []OwnerReference?; 14 finalizers []string?; "
        "17 managedFields []ManagedFieldsEntry?"
    ),
    "meta.OwnerReference": (
        "5 apiVersion string; 1 kind string; 3 name string; 4 uid string; 6 controller *bool?; "
        "7 blockOwnerDeletion *bool?"
    ),
    "meta.Preconditions": "1 uid *string?; 2 resourceVersion *string?",
}
