"""Protobuf schema of core/v1 volume sources (``Volume`` and everything under it).

Split from ``protobuf_schema_core_pod`` only to keep modules small: the ~30 in-tree volume
plugins, projections and ephemeral PVC templates. Notation and provenance are described in
``protobuf_schema``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, str] = {
    "core.AWSElasticBlockStoreVolumeSource": (
        "1 volumeID string; 2 fsType string?; 3 partition int32?; 4 readOnly bool?"
    ),
    "core.AzureDiskVolumeSource": (
        "1 diskName string; 2 diskURI string; 3 cachingMode *string?; 4 fsType *string?; "
        "5 readOnly *bool?; 6 kind *string?"
    ),
    "core.AzureFileVolumeSource": "1 secretName string; 2 shareName string; 3 readOnly bool?",
    "core.CSIVolumeSource": (
        "1 driver string; 2 readOnly *bool?; 3 fsType *string?; 4 volumeAttributes {}string?; "
        "5 nodePublishSecretRef *LocalObjectReference?"
    ),
    "core.CephFSVolumeSource": (
        "1 monitors []string; 2 path string?; 3 user string?; 4 secretFile string?; "
        "5 secretRef *LocalObjectReference?; 6 readOnly bool?"
    ),
    "core.CinderVolumeSource": (
        "1 volumeID string; 2 fsType string?; 3 readOnly bool?; 4 secretRef *LocalObjectReference?"
    ),
    "core.ClusterTrustBundleProjection": (
        "1 name *string?; 2 signerName *string?; 3 labelSelector *meta.LabelSelector?; "
        "5 optional *bool?; 4 path string; 6 user *int64?"
    ),
    "core.ConfigMapProjection": "1 - LocalObjectReference; 2 items []KeyToPath?; 4 optional *bool?",
    "core.ConfigMapVolumeSource": (
        "1 - LocalObjectReference; 2 items []KeyToPath?; 3 defaultMode *int32?; "
        "4 optional *bool?; 5 defaultUser *int64?"
    ),
    "core.DownwardAPIProjection": "1 items []DownwardAPIVolumeFile?",
    "core.DownwardAPIVolumeFile": (
        "1 path string; 2 fieldRef *ObjectFieldSelector?; "
        "3 resourceFieldRef *ResourceFieldSelector?; 4 mode *int32?; 5 user *int64?"
    ),
    "core.DownwardAPIVolumeSource": (
        "1 items []DownwardAPIVolumeFile?; 2 defaultMode *int32?; 3 defaultUser *int64?"
    ),
    "core.EmptyDirVolumeSource": "1 medium string?; 2 sizeLimit *quantity?; 3 mode *int32?",
    "core.EphemeralVolumeSource": "1 volumeClaimTemplate *PersistentVolumeClaimTemplate?",
    "core.FCVolumeSource": (
        "1 targetWWNs []string?; 2 lun *int32?; 3 fsType string?; 4 readOnly bool?; "
        "5 wwids []string?"
    ),
    "core.FlexVolumeSource": (
        "1 driver string; 2 fsType string?; 3 secretRef *LocalObjectReference?; "
        "4 readOnly bool?; 5 options {}string?"
    ),
    "core.FlockerVolumeSource": "1 datasetName string?; 2 datasetUUID string?",
    "core.GCEPersistentDiskVolumeSource": (
        "1 pdName string; 2 fsType string?; 3 partition int32?; 4 readOnly bool?"
    ),
    "core.GitRepoVolumeSource": "1 repository string; 2 revision string?; 3 directory string?",
    "core.GlusterfsVolumeSource": "1 endpoints string; 2 path string; 3 readOnly bool?",
    "core.HostPathVolumeSource": "1 path string; 2 type *string?",
    "core.ISCSIVolumeSource": (
        "1 targetPortal string; 2 iqn string; 3 lun int32; 4 iscsiInterface string?; "
        "5 fsType string?; 6 readOnly bool?; 7 portals []string?; 8 chapAuthDiscovery bool?; "
        "11 chapAuthSession bool?; 10 secretRef *LocalObjectReference?; "
        "12 initiatorName *string?"
    ),
    "core.ImageVolumeSource": "1 reference string?; 2 pullPolicy string?",
    "core.KeyToPath": "1 key string; 2 path string; 3 mode *int32?; 4 user *int64?",
    "core.NFSVolumeSource": "1 server string; 2 path string; 3 readOnly bool?",
    "core.PersistentVolumeClaimSpec": (
        "1 accessModes []string?; 4 selector *meta.LabelSelector?; "
        "2 resources VolumeResourceRequirements?; 3 volumeName string?; "
        "5 storageClassName *string?; 6 volumeMode *string?; "
        "7 dataSource *TypedLocalObjectReference?; 8 dataSourceRef *TypedObjectReference?; "
        "9 volumeAttributesClassName *string?"
    ),
    "core.PersistentVolumeClaimTemplate": (
        "1 metadata meta.ObjectMeta?; 2 spec PersistentVolumeClaimSpec"
    ),
    "core.PersistentVolumeClaimVolumeSource": "1 claimName string; 2 readOnly bool?",
    "core.PhotonPersistentDiskVolumeSource": "1 pdID string; 2 fsType string?",
    "core.PodCertificateProjection": (
        "1 signerName string?; 2 keyType string?; 3 maxExpirationSeconds *int32?; "
        "4 credentialBundlePath string?; 5 keyPath string?; 6 certificateChainPath string?; "
        "7 userAnnotations {}string?; 8 user *int64?"
    ),
    "core.PortworxVolumeSource": "1 volumeID string; 2 fsType string?; 3 readOnly bool?",
    "core.ProjectedVolumeSource": (
        "1 sources []VolumeProjection; 2 defaultMode *int32?; 3 defaultUser *int64?"
    ),
    "core.QuobyteVolumeSource": (
        "1 registry string; 2 volume string; 3 readOnly bool?; 4 user string?; 5 group string?; "
        "6 tenant string?"
    ),
    "core.RBDVolumeSource": (
        "1 monitors []string; 2 image string; 3 fsType string?; 4 pool string?; 5 user string?; "
        "6 keyring string?; 7 secretRef *LocalObjectReference?; 8 readOnly bool?"
    ),
    "core.ScaleIOVolumeSource": (
        "1 gateway string; 2 system string; 3 secretRef *LocalObjectReference; "
        "4 sslEnabled bool?; 5 protectionDomain string?; 6 storagePool string?; "
        "7 storageMode string?; 8 volumeName string?; 9 fsType string?; 10 readOnly bool?"
    ),
    "core.SecretProjection": "1 - LocalObjectReference; 2 items []KeyToPath?; 4 optional *bool?",
    "core.SecretVolumeSource": (
        "1 secretName string?; 2 items []KeyToPath?; 3 defaultMode *int32?; 4 optional *bool?; "
        "5 defaultUser *int64?"
    ),
    "core.ServiceAccountTokenProjection": (
        "1 audience string?; 2 expirationSeconds *int64?; 3 path string; 4 user *int64?"
    ),
    "core.StorageOSVolumeSource": (
        "1 volumeName string?; 2 volumeNamespace string?; 3 fsType string?; 4 readOnly bool?; "
        "5 secretRef *LocalObjectReference?"
    ),
    "core.TypedLocalObjectReference": "1 apiGroup *string; 2 kind string; 3 name string",
    "core.TypedObjectReference": (
        "1 apiGroup *string; 2 kind string; 3 name string; 4 namespace *string?"
    ),
    "core.Volume": "1 name string; 2 - VolumeSource",
    "core.VolumeProjection": (
        "1 secret *SecretProjection?; 2 downwardAPI *DownwardAPIProjection?; "
        "3 configMap *ConfigMapProjection?; "
        "4 serviceAccountToken *ServiceAccountTokenProjection?; "
        "5 clusterTrustBundle *ClusterTrustBundleProjection?; "
        "6 podCertificate *PodCertificateProjection?"
    ),
    "core.VolumeResourceRequirements": "1 limits {}quantity?; 2 requests {}quantity?",
    "core.VolumeSource": (
        "1 hostPath *HostPathVolumeSource?; 2 emptyDir *EmptyDirVolumeSource?; "
        "3 gcePersistentDisk *GCEPersistentDiskVolumeSource?; "
        "4 awsElasticBlockStore *AWSElasticBlockStoreVolumeSource?; "
        "5 gitRepo *GitRepoVolumeSource?; 6 secret *SecretVolumeSource?; "
        "7 nfs *NFSVolumeSource?; 8 iscsi *ISCSIVolumeSource?; "
        "9 glusterfs *GlusterfsVolumeSource?; "
        "10 persistentVolumeClaim *PersistentVolumeClaimVolumeSource?; "
        "11 rbd *RBDVolumeSource?; 12 flexVolume *FlexVolumeSource?; "
        "13 cinder *CinderVolumeSource?; 14 cephfs *CephFSVolumeSource?; "
        "15 flocker *FlockerVolumeSource?; 16 downwardAPI *DownwardAPIVolumeSource?; "
        "17 fc *FCVolumeSource?; 18 azureFile *AzureFileVolumeSource?; "
        "19 configMap *ConfigMapVolumeSource?; "
        "20 vsphereVolume *VsphereVirtualDiskVolumeSource?; 21 quobyte *QuobyteVolumeSource?; "
        "22 azureDisk *AzureDiskVolumeSource?; "
        "23 photonPersistentDisk *PhotonPersistentDiskVolumeSource?; "
        "26 projected *ProjectedVolumeSource?; 24 portworxVolume *PortworxVolumeSource?; "
        "25 scaleIO *ScaleIOVolumeSource?; 27 storageos *StorageOSVolumeSource?; "
        "28 csi *CSIVolumeSource?; 29 ephemeral *EphemeralVolumeSource?; "
        "30 image *ImageVolumeSource?"
    ),
    "core.VsphereVirtualDiskVolumeSource": (
        "1 volumePath string; 2 fsType string?; 3 storagePolicyName string?; "
        "4 storagePolicyID string?"
    ),
}
