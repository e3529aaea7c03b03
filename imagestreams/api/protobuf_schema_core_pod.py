"""Protobuf schema of core/v1: the namespaced basics and everything a pod spec holds.

Namespace, Secret, ConfigMap, ServiceAccount and Pod with ``PodSpec``/``PodStatus``,
containers, probes, security contexts, affinity and tolerations; the volume sources are in
``protobuf_schema_core_volume``. Notation and provenance are described in ``protobuf_schema``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    "core.Affinity": (
        "1 nodeAffinity *NodeAffinity?; 2 podAffinity *PodAffinity?; "
        "3 podAntiAffinity *PodAntiAffinity?"
    ),
    "core.AppArmorProfile": "1 type string; 2 localhostProfile *string?",
    "core.Capabilities": "1 add []string?; 2 drop []string?",
    "core.ConfigMap": (
        "1 metadata meta.ObjectMeta?; 4 immutable *bool?; 2 data {}string?; 3 binaryData {}bytes?"
    ),
    "core.ConfigMapEnvSource": "1 - LocalObjectReference; 2 optional *bool?",
    "core.ConfigMapKeySelector": "1 - LocalObjectReference; 2 key string; 3 optional *bool?",
    "core.Container": (
        "1 name string; 2 image string?; 3 command []string?; 4 args []string?; "
        "5 workingDir string?; 6 ports []ContainerPort?; 19 envFrom []EnvFromSource?; "
        "7 env []EnvVar?; 8 resources ResourceRequirements?; "
        "23 resizePolicy []ContainerResizePolicy?; 24 restartPolicy *string?; "
        "25 restartPolicyRules []ContainerRestartRule?; 9 volumeMounts []VolumeMount?; "
        "21 volumeDevices []VolumeDevice?; 10 livenessProbe *Probe?; 11 readinessProbe *Probe?; "
        "22 startupProbe *Probe?; 12 lifecycle *Lifecycle?; 13 terminationMessagePath string?; "
        "20 terminationMessagePolicy string?; 14 imagePullPolicy string?; "
        "15 securityContext *SecurityContext?; 16 stdin bool?; 17 stdinOnce bool?; "
        "18 tty bool?"
    ),
    "core.ContainerExtendedResourceRequest": (
        "1 containerName string; 2 resourceName string; 3 requestName string"
    ),
    "core.ContainerPort": (
        "1 name string?; 2 hostPort int32?; 3 containerPort int32; 4 protocol string?; "
        "5 hostIP string?"
    ),
    "core.ContainerResizePolicy": "1 resourceName string; 2 restartPolicy string",
    "core.ContainerRestartRule": "1 action string?; 2 exitCodes *ContainerRestartRuleOnExitCodes?",
    "core.ContainerRestartRuleOnExitCodes": "1 operator string?; 2 values []int32?",
    "core.ContainerState": (
        "1 waiting *ContainerStateWaiting?; 2 running *ContainerStateRunning?; "
        "3 terminated *ContainerStateTerminated?"
    ),
    "core.ContainerStateRunning": "1 startedAt time?",
    "core.ContainerStateTerminated": (
        "1 exitCode int32; 2 signal int32?; 3 reason string?; 4 message string?; "
        "5 startedAt time?; 6 finishedAt time?; 7 containerID string?"
    ),
    "core.ContainerStateWaiting": "1 reason string?; 2 message string?",
    "core.ContainerStatus": (
        "1 name string; 2 state ContainerState?; 3 lastState ContainerState?; 4 ready bool; "
        "5 restartCount int32; 6 image string; 7 imageID string; 8 containerID string?; "
        "9 started *bool?; 10 allocatedResources {}quantity?; "
        "11 resources *ResourceRequirements?; 12 volumeMounts []VolumeMountStatus?; "
        "13 user *ContainerUser?; 14 allocatedResourcesStatus []ResourceStatus?; "
        "15 stopSignal *string?"
    ),
    "core.ContainerUser": "1 linux *LinuxContainerUser?",
    "core.EnvFromSource": (
        "1 prefix string?; 2 configMapRef *ConfigMapEnvSource?; 3 secretRef *SecretEnvSource?"
    ),
    "core.EnvVar": "1 name string; 2 value string?; 3 valueFrom *EnvVarSource?",
    "core.EnvVarSource": (
        "1 fieldRef *ObjectFieldSelector?; 2 resourceFieldRef *ResourceFieldSelector?; "
        "3 configMapKeyRef *ConfigMapKeySelector?; 4 secretKeyRef *SecretKeySelector?; "
        "5 fileKeyRef *FileKeySelector?"
    ),
    "core.EphemeralContainer": "1 - EphemeralContainerCommon; 2 targetContainerName string?",
    "core.EphemeralContainerCommon": (
        "1 name string; 2 image string?; 3 command []string?; 4 args []string?; "
        "5 workingDir string?; 6 ports []ContainerPort?; 19 envFrom []EnvFromSource?; "
        "7 env []EnvVar?; 8 resources ResourceRequirements?; "
        "23 resizePolicy []ContainerResizePolicy?; 24 restartPolicy *string?; "
        "25 restartPolicyRules []ContainerRestartRule?; 9 volumeMounts []VolumeMount?; "
        "21 volumeDevices []VolumeDevice?; 10 livenessProbe *Probe?; 11 readinessProbe *Probe?; "
        "22 startupProbe *Probe?; 12 lifecycle *Lifecycle?; 13 terminationMessagePath string?; "
        "20 terminationMessagePolicy string?; 14 imagePullPolicy string?; "
        "15 securityContext *SecurityContext?; 16 stdin bool?; 17 stdinOnce bool?; "
        "18 tty bool?"
    ),
    "core.EvictionResponder": "1 name string; 2 priority *int32",
    "core.ExecAction": "1 command []string?",
    "core.FileKeySelector": "1 volumeName string; 2 path string; 3 key string; 4 optional *bool?",
    "core.GRPCAction": "1 port int32; 2 service *string; 3 mode *string?",
    "core.HTTPGetAction": (
        "1 path string?; 2 port intorstring; 3 host string?; 4 scheme string?; "
        "5 httpHeaders []HTTPHeader?; 6 protocol *string?"
    ),
    "core.HTTPHeader": "1 name string; 2 value string",
    "core.HostAlias": "1 ip string; 2 hostnames []string?",
    "core.HostIP": "1 ip string",
    "core.ImageVolumeStatus": "1 imageRef string?",
    "core.Lifecycle": (
        "1 postStart *LifecycleHandler?; 2 preStop *LifecycleHandler?; 3 stopSignal *string?"
    ),
    "core.LifecycleHandler": (
        "1 exec *ExecAction?; 2 httpGet *HTTPGetAction?; 3 tcpSocket *TCPSocketAction?; "
        "4 sleep *SleepAction?"
    ),
    "core.LinuxContainerUser": "1 uid int64; 2 gid int64; 3 supplementalGroups []int64?",
    "core.LocalObjectReference": "1 name string?",
    "core.Namespace": (
        "1 metadata meta.ObjectMeta?; 2 spec NamespaceSpec?; 3 status NamespaceStatus?"
    ),
    "core.NamespaceCondition": (
        "1 type string; 2 status string; 4 lastTransitionTime time?; 5 reason string?; "
        "6 message string?"
    ),
    "core.NamespaceSpec": "1 finalizers []string?",
    "core.NamespaceStatus": "1 phase string?; 2 conditions []NamespaceCondition?",
    "core.NodeAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution *NodeSelector?; "
        "2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm?"
    ),
    "core.NodeAllocatableMappedResources": "1 name string; 2 quantity *quantity",
    "core.NodeAllocatableOverheadResources": (
        "1 name string; 2 perPod *quantity?; 3 perContainer *quantity?"
    ),
    "core.NodeAllocatableResourceClaimStatus": (
        "1 resourceClaimName string; 2 containers []string?; "
        "4 mapping []NodeAllocatableMappedResources?; "
        "5 overhead []NodeAllocatableOverheadResources?"
    ),
    "core.NodeSelector": "1 nodeSelectorTerms []NodeSelectorTerm",
    "core.NodeSelectorRequirement": "1 key string; 2 operator string; 3 values []string?",
    "core.NodeSelectorTerm": (
        "1 matchExpressions []NodeSelectorRequirement?; 2 matchFields []NodeSelectorRequirement?"
    ),
    "core.ObjectFieldSelector": "1 apiVersion string?; 2 fieldPath string",
    "core.ObjectReference": (
        "1 kind string?; 2 namespace string?; 3 name string?; 4 uid string?; "
        "5 apiVersion string?; 6 resourceVersion string?; 7 fieldPath string?"
    ),
    "core.Pod": "1 metadata meta.ObjectMeta?; 2 spec PodSpec?; 3 status PodStatus?",
    "core.PodAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; "
        "2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?"
    ),
    "core.PodAffinityTerm": (
        "1 labelSelector *meta.LabelSelector?; 2 namespaces []string?; 3 topologyKey string; "
        "4 namespaceSelector *meta.LabelSelector?; 5 matchLabelKeys []string?; "
        "6 mismatchLabelKeys []string?"
    ),
    "core.PodAntiAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm?; "
        "2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm?"
    ),
    "core.PodCondition": (
        "1 type string; 7 observedGeneration int64?; 2 status string; 3 lastProbeTime time?; "
        "4 lastTransitionTime time?; 5 reason string?; 6 message string?"
    ),
    "core.PodDNSConfig": (
        "1 nameservers []string?; 2 searches []string?; 3 options []PodDNSConfigOption?"
    ),
    "core.PodDNSConfigOption": "1 name string?; 2 value *string?",
    "core.PodExtendedResourceClaimStatus": (
        "1 requestMappings []ContainerExtendedResourceRequest; 2 resourceClaimName string"
    ),
    "core.PodIP": "1 ip string",
    "core.PodOS": "1 name string",
    "core.PodReadinessGate": "1 conditionType string",
    "core.PodResourceClaim": (
        "1 name string; 3 resourceClaimName *string?; 4 resourceClaimTemplateName *string?"
    ),
    "core.PodResourceClaimStatus": "1 name string; 2 resourceClaimName *string?",
    "core.PodSchedulingGate": "1 name string",
    "core.PodSchedulingGroup": "1 podGroupName *string?",
    "core.PodSecurityContext": (
        "1 seLinuxOptions *SELinuxOptions?; 8 windowsOptions *WindowsSecurityContextOptions?; "
        "2 runAsUser *int64?; 6 runAsGroup *int64?; 3 runAsNonRoot *bool?; "
        "4 supplementalGroups []int64?; 12 supplementalGroupsPolicy *string?; "
        "5 fsGroup *int64?; 7 sysctls []Sysctl?; 9 fsGroupChangePolicy *string?; "
        "10 seccompProfile *SeccompProfile?; 11 appArmorProfile *AppArmorProfile?; "
        "13 seLinuxChangePolicy *string?"
    ),
    "core.PodSpec": (
        "1 volumes []Volume?; 20 initContainers []Container?; 2 containers []Container; "
        "34 ephemeralContainers []EphemeralContainer?; 3 restartPolicy string?; "
        "4 terminationGracePeriodSeconds *int64?; 5 activeDeadlineSeconds *int64?; "
        "6 dnsPolicy string?; 7 nodeSelector {}string?; 8 serviceAccountName string?; "
        "9 serviceAccount string?; 21 automountServiceAccountToken *bool?; 10 nodeName string?; "
        "11 hostNetwork bool?; 12 hostPID bool?; 13 hostIPC bool?; "
        "27 shareProcessNamespace *bool?; 14 securityContext *PodSecurityContext?; "
        "15 imagePullSecrets []LocalObjectReference?; 16 hostname string?; "
        "17 subdomain string?; 18 affinity *Affinity?; 19 schedulerName string?; "
        "22 tolerations []Toleration?; 23 hostAliases []HostAlias?; "
        "24 priorityClassName string?; 25 priority *int32?; 26 dnsConfig *PodDNSConfig?; "
        "28 readinessGates []PodReadinessGate?; 29 runtimeClassName *string?; "
        "30 enableServiceLinks *bool?; 31 preemptionPolicy *string?; 32 overhead {}quantity?; "
        "33 topologySpreadConstraints []TopologySpreadConstraint?; 35 setHostnameAsFQDN *bool?; "
        "36 os *PodOS?; 37 hostUsers *bool?; 38 schedulingGates []PodSchedulingGate?; "
        "39 resourceClaims []PodResourceClaim?; 40 resources *ResourceRequirements?; "
        "41 hostnameOverride *string?; 43 schedulingGroup *PodSchedulingGroup?; "
        "44 evictionResponders []EvictionResponder?"
    ),
    "core.PodStatus": (
        "17 observedGeneration int64?; 1 phase string?; 2 conditions []PodCondition?; "
        "3 message string?; 4 reason string?; 11 nominatedNodeName string?; 5 hostIP string?; "
        "16 hostIPs []HostIP?; 6 podIP string?; 12 podIPs []PodIP?; 7 startTime *time?; "
        "10 initContainerStatuses []ContainerStatus?; 8 containerStatuses []ContainerStatus?; "
        "9 qosClass string?; 13 ephemeralContainerStatuses []ContainerStatus?; "
        "14 resize string?; 15 resourceClaimStatuses []PodResourceClaimStatus?; "
        "18 extendedResourceClaimStatus *PodExtendedResourceClaimStatus?; "
        "19 allocatedResources {}quantity?; 20 resources *ResourceRequirements?; "
        "21 nodeAllocatableResourceClaimStatuses []NodeAllocatableResourceClaimStatus?; "
        "22 volumeHealth []PodVolumeHealth?"
    ),
    "core.PodTemplateSpec": "1 metadata meta.ObjectMeta?; 2 spec PodSpec?",
    "core.PodVolumeHealth": (
        "1 name string; 2 healthConditions []VolumeHealthCondition?; 3 lastTransitionTime time?"
    ),
    "core.PreferredSchedulingTerm": "1 weight int32; 2 preference NodeSelectorTerm",
    "core.Probe": (
        "1 - ProbeHandler; 2 initialDelaySeconds int32?; 3 timeoutSeconds int32?; "
        "4 periodSeconds int32?; 5 successThreshold int32?; 6 failureThreshold int32?; "
        "7 terminationGracePeriodSeconds *int64?"
    ),
    "core.ProbeHandler": (
        "1 exec *ExecAction?; 2 httpGet *HTTPGetAction?; 3 tcpSocket *TCPSocketAction?; "
        "4 grpc *GRPCAction?"
    ),
    "core.ResourceClaim": "1 name string; 2 request string?",
    "core.ResourceFieldSelector": "1 containerName string?; 2 resource string; 3 divisor quantity?",
    "core.ResourceHealth": "1 resourceID string; 2 health string?; 6 message *string?",
    "core.ResourceRequirements": (
        "1 limits {}quantity?; 2 requests {}quantity?; 3 claims []ResourceClaim?"
    ),
    "core.ResourceStatus": "1 name string; 2 resources []ResourceHealth?",
    "core.SELinuxOptions": "1 user string?; 2 role string?; 3 type string?; 4 level string?",
    "core.SeccompProfile": "1 type string; 2 localhostProfile *string?",
    "core.Secret": (
        "1 metadata meta.ObjectMeta?; 5 immutable *bool?; 2 data {}bytes?; "
        "4 stringData {}string?; 3 type string?"
    ),
    "core.SecretEnvSource": "1 - LocalObjectReference; 2 optional *bool?",
    "core.SecretKeySelector": "1 - LocalObjectReference; 2 key string; 3 optional *bool?",
    "core.SecurityContext": (
        "1 capabilities *Capabilities?; 2 privileged *bool?; 3 seLinuxOptions *SELinuxOptions?; "
        "10 windowsOptions *WindowsSecurityContextOptions?; 4 runAsUser *int64?; "
        "8 runAsGroup *int64?; 5 runAsNonRoot *bool?; 6 readOnlyRootFilesystem *bool?; "
        "7 allowPrivilegeEscalation *bool?; 9 procMount *string?; "
        "11 seccompProfile *SeccompProfile?; 12 appArmorProfile *AppArmorProfile?"
    ),
    "core.ServiceAccount": (
        "1 metadata meta.ObjectMeta?; 2 secrets []ObjectReference?; "
        "3 imagePullSecrets []LocalObjectReference?; 4 automountServiceAccountToken *bool?"
    ),
    "core.SleepAction": "1 seconds int64",
    "core.Sysctl": "1 name string; 2 value string",
    "core.TCPSocketAction": "1 port intorstring; 2 host string?",
    "core.Toleration": (
        "1 key string?; 2 operator string?; 3 value string?; 4 effect string?; "
        "5 tolerationSeconds *int64?"
    ),
    "core.TopologySpreadConstraint": (
        "1 maxSkew int32; 2 topologyKey string; 3 whenUnsatisfiable string; "
        "4 labelSelector *meta.LabelSelector?; 5 minDomains *int32?; "
        "6 nodeAffinityPolicy *string?; 7 nodeTaintsPolicy *string?; "
        "8 matchLabelKeys []string?"
    ),
    "core.VolumeDevice": "1 name string; 2 devicePath string",
    "core.VolumeHealthCondition": "1 status string; 2 reason string; 3 message string?",
    "core.VolumeMount": (
        "1 name string; 2 readOnly bool?; 7 recursiveReadOnly *string?; 3 mountPath string; "
        "4 subPath string?; 5 mountPropagation *string?; 6 subPathExpr string?; "
        "8 bindMountOptions []string?"
    ),
    "core.VolumeMountStatus": (
        "1 name string; 2 mountPath string; 3 readOnly bool?; 4 recursiveReadOnly *string?; "
        "5 volumeStatus *VolumeStatus?"
    ),
    "core.VolumeStatus": "1 image *ImageVolumeStatus?",
    "core.WeightedPodAffinityTerm": "1 weight int32; 2 podAffinityTerm PodAffinityTerm",
    "core.WindowsSecurityContextOptions": (
        "1 gmsaCredentialSpecName *string?; 2 gmsaCredentialSpec *string?; "
        "3 runAsUserName *string?; 4 hostProcess *bool?"
    ),
}
