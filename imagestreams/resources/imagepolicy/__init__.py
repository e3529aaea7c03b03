"""The image policy admission plugin's local-name resolution (``lookupPolicy.local``, spec 15).

OpenShift runs it inside kube-apiserver as ``image.openshift.io/ImagePolicy``; here it runs in two
places over the same rules: as a mutating admission step of our own generic stores
(``install.imagepolicy_extension``) and as a Kubernetes mutating admission webhook
(``webhook.ImagePolicyWebhook``) for real clusters. ``resolve`` holds the per-reference rules,
``podspecs`` walks the pod templates of the covered kinds.
"""

from __future__ import annotations

__all__: list[str] = []
