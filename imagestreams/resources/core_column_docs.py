"""Column descriptions of kube's built-in printers, kept apart from the column logic.

kube-apiserver fills ``TableColumnDefinition.description`` from the API types' swagger docs
(``apiv1.Secret{}.SwaggerDoc()["type"]`` and so on). We reproduce those strings verbatim so a
client that shows column help (``kubectl get --raw`` users, dashboards) sees the same text.
Keys are ``"<Go type>.<json field>"``.
"""

from __future__ import annotations

__all__ = ["DESCRIPTIONS"]

DESCRIPTIONS: dict[str, str] = {
    "PodStatus.podIP": (
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if "
        "not yet allocated."
    ),
    "PodStatus.nominatedNodeName": (
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
        "cannot be scheduled right away as preemption victims receive their graceful "
        "termination periods. This field does not guarantee that the pod will be scheduled on"
        " this node. Scheduler may decide to place the pod elsewhere if other nodes become "
        "available sooner. Scheduler may also decide to give the resources on this node to a "
        "higher priority pod that is created after preemption. As a result, this field may be"
        " different than PodSpec.nodeName when the pod is scheduled."
    ),
    "PodSpec.nodeName": (
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
        "candidate for scheduling by the scheduler defined in schedulerName. Once this field "
        "is set, the kubelet for this node becomes responsible for the lifecycle of this pod."
        " This field should not be used to express a desire for the pod to be scheduled on a "
        "specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-"
        "node/#nodename"
    ),
    "PodSpec.readinessGates": (
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
        "ready when all its containers are ready AND all conditions specified in the "
        'readiness gates have status equal to "True" More info: '
        "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
    ),
    "PodSpec.nodeSelector": (
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector"
        " which must match a node's labels for the pod to be scheduled on that node. More "
        "info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"
    ),
    "ReplicationControllerSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish between"
        " explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs"
        "/concepts/workloads/controllers/replicationcontroller#what-is-a-"
        "replicationcontroller"
    ),
    "ReplicationControllerSpec.selector": (
        "Selector is a label query over pods that should match the Replicas count. If "
        "Selector is empty, it is defaulted to the labels present on the Pod template. Label "
        "keys and values that must match in order to be controlled by this replication "
        "controller, if empty defaulted to labels on Pod template. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-"
        "selectors"
    ),
    "ReplicationControllerStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: https://kubern"
        "etes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-"
        "replicationcontroller"
    ),
    "ReplicationControllerStatus.readyReplicas": (
        "The number of ready replicas for this replication controller."
    ),
    "ReplicaSetSpec.replicas": (
        "Replicas is the number of desired pods. This is a pointer to distinguish between "
        "explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicaSetSpec.selector": (
        "Selector is a label query over pods that should match the replica count. If the "
        "selector is empty, it is defaulted to the labels present on the pod template. Label "
        "keys and values that must match in order to be controlled by this replica set. More "
        "info: https://kubernetes.io/docs/concepts/overview/working-with-"
        "objects/labels/#label-selectors"
    ),
    "ReplicaSetStatus.replicas": (
        "Replicas is the most recently observed number of non-terminating pods. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicaSetStatus.readyReplicas": (
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."
    ),
    "DaemonSetStatus.desiredNumberScheduled": (
        "The total number of nodes that should be running the daemon pod (including nodes "
        "correctly running the daemon pod). More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.currentNumberScheduled": (
        "The number of nodes that are running at least 1 daemon pod and are supposed to run "
        "the daemon pod. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.numberReady": (
        "The number of nodes that should be running the daemon pod and have one or more of "
        "the daemon pod running and ready."
    ),
    "DaemonSetStatus.updatedNumberScheduled": (
        "The total number of nodes that are running updated daemon pod"
    ),
    "DaemonSetStatus.numberAvailable": (
        "The number of nodes that should be running the daemon pod and have one or more of "
        "the daemon pod running and available (ready for at least spec.minReadySeconds)"
    ),
    "DaemonSetSpec.selector": (
        "A label query over pods that are managed by the daemon set. Must match in order to "
        "be controlled. If empty, defaulted to labels on Pod template. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-"
        "selectors"
    ),
    "DeploymentStatus.updatedReplicas": (
        "Total number of non-terminating pods targeted by this deployment that have the "
        "desired template spec."
    ),
    "DeploymentStatus.availableReplicas": (
        "Total number of available non-terminating pods (ready for at least minReadySeconds) "
        "targeted by this deployment."
    ),
    "DeploymentSpec.selector": (
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
        "be the ones affected by this deployment."
    ),
    "JobStatus.succeeded": (
        "The number of pods which reached phase Succeeded. The value increases monotonically "
        "for a given spec. However, it may decrease in reaction to scale down of elastic "
        "indexed jobs."
    ),
    "JobSpec.selector": (
        "A label query over pods that should match the pod count. Normally, the system sets "
        "this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-"
        "with-objects/labels/#label-selectors"
    ),
    "CronJobSpec.schedule": (
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."
    ),
    "CronJobSpec.timeZone": (
        "The time zone name for the given schedule, see "
        "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this"
        " will default to the time zone of the kube-controller-manager process. The set of "
        "valid time zone names and the time zone offset is loaded from the system-wide time "
        "zone database by the API server during CronJob validation and the controller manager"
        " during execution. If no system-wide time zone database can be found a bundled "
        "version of the database is used instead. If the time zone name becomes invalid "
        "during the lifetime of a CronJob or due to a change in host configuration, the "
        "controller will stop creating new new Jobs and will create a system event with the "
        "reason UnknownTimeZone. More information can be found in "
        "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"
    ),
    "CronJobSpec.suspend": (
        "This flag tells the controller to suspend subsequent executions, it does not apply "
        "to already started executions.  Defaults to false."
    ),
    "CronJobStatus.active": ("A list of pointers to currently running jobs."),
    "CronJobStatus.lastScheduleTime": (
        "Information when was the last time the job was successfully scheduled."
    ),
    "Event.lastTimestamp": (
        "The time at which the most recent occurrence of this event was recorded."
    ),
    "Event.type": ("Type of this event (Normal, Warning), new types could be added in the future"),
    "Event.reason": (
        "This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status."
    ),
    "Event.involvedObject": ("The object that this event is about."),
    "ObjectReference.fieldPath": (
        "If referring to a piece of an object instead of an entire object, this string should"
        " contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is to a "
        'container within a pod, this would take on a value like: "spec.containers{name}" '
        '(where "name" refers to the name of the container that triggered the event) or if no'
        ' container name is specified "spec.containers[2]" (container with index 2 in this '
        "pod). This syntax is chosen only to have some well-defined way of referencing a part"
        " of an object."
    ),
    "Event.source": (
        "The component reporting this event. Should be a short machine understandable string."
    ),
    "Event.message": ("A human-readable description of the status of this operation."),
    "Event.firstTimestamp": (
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"
    ),
    "Event.count": ("The number of times this event has occurred."),
    "Secret.type": (
        "Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"
    ),
    "Secret.data": (
        "Data contains the secret data. Each key must consist of alphanumeric characters, "
        "'-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, "
        "representing the arbitrary (possibly non-string) data value here. Described in "
        "https://tools.ietf.org/html/rfc4648#section-4"
    ),
    "ServiceAccount.secrets": (
        "Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use. Pods are only limited to this list if this "
        'service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to '
        '"true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since'
        " v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field "
        "should not be used to find auto-generated service account token secrets for use "
        "outside of pods. Instead, tokens can be requested directly using the TokenRequest "
        "API, or service account token secrets can be manually created. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret"
    ),
    "ConfigMap.data": (
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
        "BinaryData field. The keys stored in Data must not overlap with the keys in the "
        "BinaryData field, this is enforced during validation process."
    ),
}
