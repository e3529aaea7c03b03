"""The parts of OpenShift's bootstrap policy that surround the image roles: ``cluster-reader``,
the controller and registry roles, and the shared-images grant of the ``openshift`` namespace.

Sources: openshift-apiserver ``test/testdata/bootstrappolicy`` (``cluster-reader``,
``system:openshift:controller:image-trigger-controller``, the namespaced
``shared-resource-viewer`` Role and its ``shared-resource-viewers`` binding to
``system:authenticated``), cluster-openshift-apiserver-operator (the image rules of
``system:openshift:aggregate-to-cluster-reader``), cluster-openshift-controller-manager-operator
(``image-import-controller``) and cluster-image-registry-operator (``system:registry``). As in
:mod:`~imagestreams.rbac.policy`, rules for resources this server cannot serve are left out.

``shared-resource-viewer`` is what lets every authenticated user, and every pod's service
account, see and pull the images of the ``openshift`` namespace (OpenShift's shared images).
"""

from __future__ import annotations

from imagestreams.rbac.policy import (
    AUTOUPDATE,
    IMAGE,
    READ,
    Obj,
    _binding,
    _group,
    _role,
    _sa,
    rule,
)
from imagestreams.rbac.rules import GROUP

__all__ = [
    "CLUSTER_ROLES",
    "CLUSTER_ROLE_BINDINGS",
    "NAMESPACED",
    "SHARED_NAMESPACE",
]

_IMG = (IMAGE, "")
_TO_CLUSTER_READER = "rbac.authorization.k8s.io/aggregate-to-cluster-reader"
_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view"
SHARED_NAMESPACE = "openshift"
_INFRA = "openshift-infra"
_TRIGGER = "system:openshift:controller:image-trigger-controller"
_IMPORT = "system:openshift:controller:image-import-controller"

CLUSTER_ROLES: tuple[Obj, ...] = (
    _role("cluster-reader", aggregate=(_TO_CLUSTER_READER, _TO_VIEW)),
    _role("system:openshift:aggregate-to-cluster-reader", [
        rule(READ, _IMG, ("images", "imagesignatures")),
        rule(("get",), _IMG, ("imagestreams/layers",)),
    ], labels={_TO_CLUSTER_READER: "true"}),
    _role("system:registry", [
        rule(("get",), (IMAGE,), ("imagestreamimages", "imagestreams/layers",
                                  "imagestreams/secrets")),
        rule(("get", "update"), (IMAGE,), ("imagestreams", "images")),
        rule(("delete",), (IMAGE,), ("imagestreamtags",)),
        rule(("create",), (IMAGE,), ("imagestreammappings",)),
    ]),
    _role(_TRIGGER, [
        rule(("list", "watch"), _IMG, ("imagestreams",)),
        rule(("get", "update"), ("apps", "extensions"), ("deployments",)),
        rule(("get", "update"), ("extensions",), ("daemonsets",)),
        rule(("get", "update"), ("apps",), ("daemonsets", "statefulsets")),
        rule(("get", "update"), ("batch",), ("cronjobs",)),
        rule(("create", "patch", "update"), ("",), ("events",)),
    ]),
    _role(_IMPORT, [
        rule(("create", "get", "list", "update", "watch"), _IMG, ("imagestreams",)),
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), _IMG, ("images",)),
        rule(("create",), _IMG, ("imagestreamimports",)),
    ]),
)  # fmt: skip

CLUSTER_ROLE_BINDINGS: tuple[Obj, ...] = (
    _binding("cluster-readers", "cluster-reader", [_group("system:cluster-readers")]),
    _binding(_TRIGGER, _TRIGGER, [_sa(_INFRA, "image-trigger-controller")]),
    _binding(_IMPORT, _IMPORT, [_sa(_INFRA, "image-import-controller")]),
)


def _shared_role() -> Obj:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Role",
        "metadata": {
            "name": "shared-resource-viewer",
            "namespace": SHARED_NAMESPACE,
            "annotations": {AUTOUPDATE: "true"},
        },
        "rules": [
            rule(READ, ("", "template.openshift.io"), ("templates",)),
            rule(READ, _IMG, ("imagestreamimages", "imagestreams", "imagestreamtags",
                              "imagetags")),
            rule(("get",), _IMG, ("imagestreams/layers",)),
            rule(("get",), ("",), ("configmaps",)),
        ],
    }  # fmt: skip


def _shared_binding() -> Obj:
    binding = _binding(
        "shared-resource-viewers",
        "shared-resource-viewer",
        [_group("system:authenticated")],
        SHARED_NAMESPACE,
    )
    binding["metadata"]["annotations"] = {AUTOUPDATE: "true"}
    binding["roleRef"]["kind"] = "Role"
    return binding


NAMESPACED: tuple[tuple[Obj, Obj], ...] = ((_shared_role(), _shared_binding()),)
"""``(Role, RoleBinding)`` pairs reconciled like the cluster policy at every start."""
