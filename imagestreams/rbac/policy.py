"""The bootstrap policy: the cluster roles and bindings every server has from its first start.

Two upstream sources are merged, as an OpenShift cluster has both:
``kubernetes/plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`` (``cluster-admin``,
the aggregated ``admin``/``edit``/``view`` and their ``system:aggregate-to-*`` parts, discovery,
basic-user, public-info-viewer) and ``openshift-apiserver/pkg/bootstrappolicy/policy.go`` (the image
roles, ``registry-*``, and ``system:openshift:aggregate-to-*`` which give admin/edit/view the image
rules). Only rules naming resources this server can serve, or that clients look for (``kubectl auth
can-i --list``), are kept; each rule is otherwise upstream's, with the legacy ``""`` group that
OpenShift adds to every image rule. ``system:deployer`` comes from the controller-manager manifests.

Every object carries ``rbac.authorization.kubernetes.io/autoupdate: "true"`` and the label
``kubernetes.io/bootstrapping: rbac-defaults``; the reconciler (``rbac.bootstrap``) adds missing
rules on every start unless an administrator set autoupdate to ``"false"``.
"""

from __future__ import annotations

from typing import Any

from imagestreams.rbac.rules import GROUP

__all__ = [
    "AUTOUPDATE",
    "BOOTSTRAP_LABELS",
    "CLUSTER_ROLES",
    "CLUSTER_ROLE_BINDINGS",
    "IMAGE",
    "READ",
    "Obj",
    "namespace_role_bindings",
    "rule",
]

Obj = dict[str, Any]

AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
IMAGE = "image.openshift.io"
_DESCRIPTION = "openshift.io/description"
_AUTHZ = "authorization.k8s.io"
_AUTHN = "authentication.k8s.io"
_OAUTHZ = "authorization.openshift.io"
_PROJECT = "project.openshift.io"
_BUILD = "build.openshift.io"
_IMG = (IMAGE, "")

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete", "deletecollection")
READ_WRITE = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


def rule(
    verbs: tuple[str, ...],
    groups: tuple[str, ...] = (),
    resources: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
) -> Obj:
    """A rule dict, its lists sorted as ``rbacv1helpers.NewRule(...).RuleOrDie()`` sorts them."""
    out: Obj = {"verbs": sorted(set(verbs))}
    if groups:
        out["apiGroups"] = sorted(set(groups))
    if resources:
        out["resources"] = sorted(set(resources))
    if names:
        out["resourceNames"] = sorted(set(names))
    if urls:
        out["nonResourceURLs"] = sorted(set(urls))
    return out


def _role(
    name: str,
    rules: list[Obj] | None = None,
    *,
    labels: dict[str, str] | None = None,
    description: str = "",
    aggregate: tuple[str, ...] = (),
) -> Obj:
    md: Obj = {
        "name": name,
        "labels": {**BOOTSTRAP_LABELS, **(labels or {})},
        "annotations": {AUTOUPDATE: "true"},
    }
    if description:
        md["annotations"][_DESCRIPTION] = description
    obj: Obj = {"apiVersion": f"{GROUP}/v1", "kind": "ClusterRole", "metadata": md}
    if aggregate:
        obj["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {label: "true"}} for label in aggregate]
        }
    obj["rules"] = rules or []
    return obj


_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin"
_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit"
_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view"

_IMAGE_EDIT = [
    rule(READ_WRITE, _IMG, ("imagestreams", "imagestreammappings", "imagestreamtags",
                            "imagetags", "imagestreamimages", "imagestreams/secrets")),
    rule(READ, _IMG, ("imagestreams/status",)),
    rule(("get", "update"), _IMG, ("imagestreams/layers",)),
    rule(("create",), _IMG, ("imagestreamimports",)),
]  # fmt: skip
_IMAGE_VIEW = [
    rule(READ, _IMG, ("imagestreams", "imagestreammappings", "imagestreamtags", "imagetags",
                      "imagestreamimages")),
    rule(READ, _IMG, ("imagestreams/status",)),
]  # fmt: skip
_DISCOVERY_URLS = ("/livez", "/readyz", "/healthz", "/version", "/version/", "/api", "/api/*",
                   "/apis", "/apis/*", "/openapi", "/openapi/*")  # fmt: skip

CLUSTER_ROLES: tuple[Obj, ...] = (
    # -- Kubernetes ------------------------------------------------------------------------
    _role("cluster-admin", [rule(("*",), ("*",), ("*",)), rule(("*",), urls=("*",))]),
    _role("admin", aggregate=(_TO_ADMIN,)),
    _role("edit", labels={_TO_ADMIN: "true"}, aggregate=(_TO_EDIT,)),
    _role("view", labels={_TO_EDIT: "true"}, aggregate=(_TO_VIEW,)),
    _role("system:aggregate-to-admin", [
        rule(("create",), (_AUTHZ,), ("localsubjectaccessreviews",)),
        rule(READ_WRITE, (GROUP,), ("roles", "rolebindings")),
    ], labels={_TO_ADMIN: "true"}),
    _role("system:aggregate-to-edit", [
        rule(READ, ("",), ("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
                           "services/proxy")),
        rule(("impersonate",), ("",), ("serviceaccounts",)),
        rule(WRITE, ("",), ("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward")),
        rule(("create",), ("",), ("pods/eviction",)),
        rule(WRITE, ("",), ("replicationcontrollers", "replicationcontrollers/scale",
                            "serviceaccounts", "services", "services/proxy",
                            "persistentvolumeclaims", "configmaps", "secrets", "events")),
        rule(("create",), ("",), ("serviceaccounts/token",)),
        rule(WRITE, ("apps",), ("statefulsets", "statefulsets/scale", "daemonsets", "deployments",
                                "deployments/scale", "deployments/rollback", "replicasets",
                                "replicasets/scale")),
        rule(WRITE, ("batch",), ("jobs", "cronjobs")),
    ], labels={_TO_EDIT: "true"}),
    _role("system:aggregate-to-view", [
        rule(READ, ("",), ("pods", "replicationcontrollers", "replicationcontrollers/scale",
                           "serviceaccounts", "services", "services/status", "endpoints",
                           "persistentvolumeclaims", "persistentvolumeclaims/status",
                           "configmaps")),
        rule(READ, ("",), ("limitranges", "resourcequotas", "bindings", "events", "pods/status",
                           "resourcequotas/status", "namespaces/status",
                           "replicationcontrollers/status", "pods/log")),
        rule(READ, ("",), ("namespaces",)),
        rule(READ, ("apps",), ("controllerrevisions", "statefulsets", "statefulsets/status",
                               "statefulsets/scale", "daemonsets", "daemonsets/status",
                               "deployments", "deployments/status", "deployments/scale",
                               "replicasets", "replicasets/status", "replicasets/scale")),
        rule(READ, ("batch",), ("jobs", "cronjobs", "cronjobs/status", "jobs/status")),
    ], labels={_TO_VIEW: "true"}),
    _role("system:basic-user", [
        rule(("create",), (_AUTHZ,), ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
        rule(("create",), (_AUTHN,), ("selfsubjectreviews",)),
    ]),
    _role("system:discovery", [rule(("get",), urls=_DISCOVERY_URLS)]),
    _role("system:public-info-viewer", [
        rule(("get",), urls=("/livez", "/readyz", "/healthz", "/version", "/version/")),
    ]),
    _role("system:monitoring", [
        rule(("get",), urls=("/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz",
                             "/livez/*", "/readyz/*", "/healthz/*")),
    ]),
    # -- OpenShift: the image rules of admin/edit/view -------------------------------------
    _role("system:openshift:aggregate-to-admin", [
        *_IMAGE_EDIT,
        rule(READ_WRITE, (_OAUTHZ, ""), ("roles", "rolebindings")),
        rule(("get", "patch", "update", "delete"), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_ADMIN: "true"}),
    _role("system:openshift:aggregate-to-edit", [
        *_IMAGE_EDIT,
        rule(("get",), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_EDIT: "true"}),
    _role("system:openshift:aggregate-to-view", [
        *_IMAGE_VIEW,
        rule(("get",), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_VIEW: "true"}),
    # -- OpenShift: image roles ------------------------------------------------------------
    _role("system:image-auditor", [
        rule(("get", "list", "watch", "patch", "update"), _IMG, ("images",)),
    ]),
    _role("system:image-puller", [rule(("get",), _IMG, ("imagestreams/layers",))],
          description="Grants the right to pull images from within a project."),
    _role("system:image-pusher", [rule(("get", "update"), _IMG, ("imagestreams/layers",))],
          description="Grants the right to push and pull images from within a project."),
    _role("system:image-builder", [
        rule(("get", "update"), _IMG, ("imagestreams/layers",)),
        rule(("create",), _IMG, ("imagestreams",)),
        rule(("update",), (_BUILD, ""), ("builds/details",)),
        rule(("get",), (_BUILD, ""), ("builds",)),
    ], labels={_TO_ADMIN: "true", _TO_EDIT: "true"},
        description="Grants the right to build, push and pull images from within a project.  "
                    "Used primarily with service accounts for builds."),
    _role("system:image-signer", [
        rule(("get",), _IMG, ("images", "imagestreams/layers")),
        rule(("create", "delete"), _IMG, ("imagesignatures",)),
    ]),
    _role("system:image-pruner", [
        rule(("get", "list"), ("",), ("pods", "replicationcontrollers")),
        rule(("list",), ("",), ("limitranges",)),
        rule(("get", "list"), (_BUILD, ""), ("buildconfigs", "builds")),
        rule(("get", "list"), ("apps.openshift.io", ""), ("deploymentconfigs",)),
        rule(("get", "list"), ("batch",), ("jobs", "cronjobs")),
        rule(("get", "list"), ("apps",), ("daemonsets", "deployments", "replicasets",
                                          "statefulsets")),
        rule(("delete",), _IMG, ("images",)),
        rule(READ, _IMG, ("images", "imagestreams")),
        rule(("update",), _IMG, ("imagestreams/status",)),
    ]),
    _role("system:deployer", [
        rule(("delete",), ("",), ("replicationcontrollers",)),
        rule(("get", "list", "patch", "update", "watch"), ("",), ("replicationcontrollers",)),
        rule(("get", "update"), ("",), ("replicationcontrollers/scale",)),
        rule(("create", "get", "list", "watch"), ("",), ("pods",)),
        rule(("get",), ("",), ("pods/log",)),
        rule(("create", "list"), ("",), ("events",)),
        rule(("create", "update"), _IMG, ("imagestreamtags", "imagetags")),
    ], description="Grants the right to deploy within a project.  Used primarily with service "
                   "accounts for automated deployments."),
    _role("registry-admin", [
        rule(READ_WRITE, ("",), ("serviceaccounts", "secrets")),
        rule(READ_WRITE, _IMG, ("imagestreamimages", "imagestreammappings", "imagestreams",
                                "imagestreams/secrets", "imagestreamtags", "imagetags")),
        rule(("create",), _IMG, ("imagestreamimports",)),
        rule(("get", "update"), _IMG, ("imagestreams/layers",)),
        rule(READ_WRITE, (_OAUTHZ, ""), ("rolebindings", "roles")),
        rule(READ_WRITE, (GROUP,), ("roles", "rolebindings")),
        rule(("create",), (_AUTHZ,), ("localsubjectaccessreviews",)),
        rule(("get",), ("",), ("namespaces",)),
        rule(("get", "delete"), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_ADMIN: "true"}),
    _role("registry-editor", [
        rule(READ_WRITE, ("",), ("serviceaccounts", "secrets")),
        rule(READ_WRITE, _IMG, ("imagestreamimages", "imagestreammappings", "imagestreams",
                                "imagestreams/secrets", "imagestreamtags", "imagetags")),
        rule(("create",), _IMG, ("imagestreamimports",)),
        rule(("get", "update"), _IMG, ("imagestreams/layers",)),
        rule(("get",), ("",), ("namespaces",)),
        rule(("get",), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_EDIT: "true"}),
    _role("registry-viewer", [
        rule(READ, _IMG, ("imagestreamimages", "imagestreammappings", "imagestreams",
                          "imagestreamtags", "imagetags")),
        rule(("get",), _IMG, ("imagestreams/layers",)),
        rule(("get",), ("",), ("namespaces",)),
        rule(("get",), (_PROJECT, ""), ("projects",)),
    ], labels={_TO_VIEW: "true"}),
)  # fmt: skip


def _binding(name: str, role: str, subjects: list[Obj], namespace: str = "") -> Obj:
    md: Obj = {
        "name": name,
        "labels": dict(BOOTSTRAP_LABELS),
        "annotations": {AUTOUPDATE: "true"},
    }
    kind = "ClusterRoleBinding"
    if namespace:
        md["namespace"] = namespace
        kind = "RoleBinding"
        md.pop("labels")
        md["annotations"] = {}
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": kind,
        "metadata": md,
        "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def _group(name: str) -> Obj:
    return {"kind": "Group", "apiGroup": GROUP, "name": name}


def _sa(namespace: str, name: str) -> Obj:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


CLUSTER_ROLE_BINDINGS: tuple[Obj, ...] = (
    _binding("cluster-admin", "cluster-admin", [_group("system:masters")]),
    _binding("system:basic-user", "system:basic-user", [_group("system:authenticated")]),
    _binding("system:discovery", "system:discovery", [_group("system:authenticated")]),
    _binding("system:public-info-viewer", "system:public-info-viewer",
             [_group("system:authenticated"), _group("system:unauthenticated")]),
    _binding("system:monitoring", "system:monitoring", [_group("system:monitoring")]),
)  # fmt: skip


def namespace_role_bindings(namespace: str) -> list[Obj]:
    """The role bindings OpenShift's controllers put into every namespace
    (``openshift-controller-manager: pkg/authorization/defaultrolebindings``)."""
    bindings = [
        (
            "system:image-pullers",
            "system:image-puller",
            _group(f"system:serviceaccounts:{namespace}"),
            "Allows all pods in this namespace to pull images from this namespace.  It is "
            "auto-managed by a controller; remove subjects to disable.",
        ),
        (
            "system:image-builders",
            "system:image-builder",
            _sa(namespace, "builder"),
            "Allows builds in this namespace to push images to this namespace.  It is "
            "auto-managed by a controller; remove subjects to disable.",
        ),
        (
            "system:deployers",
            "system:deployer",
            _sa(namespace, "deployer"),
            "Allows deploymentconfigs in this namespace to rollout pods in this namespace.  It "
            "is auto-managed by a controller; remove subjects to disable.",
        ),
    ]
    out = []
    for name, role, subject, description in bindings:
        obj = _binding(name, role, [subject], namespace)
        obj["metadata"]["annotations"] = {_DESCRIPTION: description}
        out.append(obj)
    return out
