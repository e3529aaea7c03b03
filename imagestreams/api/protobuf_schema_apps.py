"""Protobuf schema of apps/v1 Deployment and batch/v1 Job and CronJob.

Their pod templates reuse the core/v1 messages. Notation and provenance are described in
``protobuf_schema``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    "apps.Deployment": (
        "1 metadata meta.ObjectMeta?; 2 spec DeploymentSpec?; 3 status DeploymentStatus?"
    ),
    "apps.DeploymentCondition": (
        "1 type string; 2 status string; 6 lastUpdateTime time?; 7 lastTransitionTime time?; "
        "4 reason string?; 5 message string?"
    ),
    "apps.DeploymentSpec": (
        "1 replicas *int32?; 2 selector *meta.LabelSelector; 3 template core.PodTemplateSpec; "
        "4 strategy DeploymentStrategy?; 5 minReadySeconds int32?; "
        "6 revisionHistoryLimit *int32?; 7 paused bool?; 9 progressDeadlineSeconds *int32?"
    ),
    "apps.DeploymentStatus": (
        "1 observedGeneration int64?; 2 replicas int32?; 3 updatedReplicas int32?; "
        "7 readyReplicas int32?; 4 availableReplicas int32?; 5 unavailableReplicas int32?; "
        "9 terminatingReplicas *int32?; 6 conditions []DeploymentCondition?; "
        "8 collisionCount *int32?"
    ),
    "apps.DeploymentStrategy": "1 type string?; 2 rollingUpdate *RollingUpdateDeployment?",
    "apps.RollingUpdateDeployment": "1 maxUnavailable *intorstring?; 2 maxSurge *intorstring?",
    "batch.CronJob": "1 metadata meta.ObjectMeta?; 2 spec CronJobSpec?; 3 status CronJobStatus?",
    "batch.CronJobSpec": (
        "1 schedule string; 8 timeZone *string?; 2 startingDeadlineSeconds *int64?; "
        "3 concurrencyPolicy string?; 4 suspend *bool?; 5 jobTemplate JobTemplateSpec; "
        "6 successfulJobsHistoryLimit *int32?; 7 failedJobsHistoryLimit *int32?"
    ),
    "batch.CronJobStatus": (
        "1 active []core.ObjectReference?; 4 lastScheduleTime *time?; 5 lastSuccessfulTime *time?"
    ),
    "batch.Job": "1 metadata meta.ObjectMeta?; 2 spec JobSpec?; 3 status JobStatus?",
    "batch.JobCondition": (
        "1 type string; 2 status string; 3 lastProbeTime time?; 4 lastTransitionTime time?; "
        "5 reason string?; 6 message string?"
    ),
    "batch.JobSpec": (
        "1 parallelism *int32?; 2 completions *int32?; 3 activeDeadlineSeconds *int64?; "
        "11 podFailurePolicy *PodFailurePolicy?; 16 successPolicy *SuccessPolicy?; "
        "7 backoffLimit *int32?; 12 backoffLimitPerIndex *int32?; 13 maxFailedIndexes *int32?; "
        "4 selector *meta.LabelSelector?; 5 manualSelector *bool?; "
        "6 template core.PodTemplateSpec; 8 ttlSecondsAfterFinished *int32?; "
        "9 completionMode *string?; 10 suspend *bool?; 14 podReplacementPolicy *string?; "
        "15 managedBy *string?"
    ),
    "batch.JobStatus": (
        "1 conditions []JobCondition?; 2 startTime *time?; 3 completionTime *time?; "
        "4 active int32?; 5 succeeded int32?; 6 failed int32?; 11 terminating *int32?; "
        "7 completedIndexes string?; 10 failedIndexes *string?; "
        "8 uncountedTerminatedPods *UncountedTerminatedPods?; 9 ready *int32?"
    ),
    "batch.JobTemplateSpec": "1 metadata meta.ObjectMeta?; 2 spec JobSpec?",
    "batch.PodFailurePolicy": "1 rules []PodFailurePolicyRule",
    "batch.PodFailurePolicyOnExitCodesRequirement": (
        "1 containerName *string?; 2 operator string; 3 values []int32"
    ),
    "batch.PodFailurePolicyOnPodConditionsPattern": "1 type string; 2 status string",
    "batch.PodFailurePolicyRule": (
        "1 action string; 2 onExitCodes *PodFailurePolicyOnExitCodesRequirement?; "
        "3 onPodConditions []PodFailurePolicyOnPodConditionsPattern?"
    ),
    "batch.SuccessPolicy": "1 rules []SuccessPolicyRule",
    "batch.SuccessPolicyRule": "1 succeededIndexes *string?; 2 succeededCount *int32?",
    "batch.UncountedTerminatedPods": "1 succeeded []string?; 2 failed []string?",
}
