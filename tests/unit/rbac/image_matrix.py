"""The expected authorization matrix of the image group, written from the upstream role table
(openshift-image-api.md §18, openshift-apiserver ``pkg/bootstrappolicy/policy.go``), independently
of ``imagestreams.rbac.policy`` so that a wrong bootstrap rule makes a test fail.

``EXPECTED[role][resource]`` is the set of verbs the role grants on that image resource (a
subresource is written ``imagestreams/layers``). ``admin``/``edit``/``view`` get their image rules
only through aggregation (``system:openshift:aggregate-to-*``, ``registry-*``,
``system:image-builder``), which the matrix therefore checks as well.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["CLUSTER_SCOPED", "EXPECTED", "RESOURCES", "VERBS", "cells"]

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
RESOURCES = (
    "images",
    "imagesignatures",
    "imagestreams",
    "imagestreams/status",
    "imagestreams/layers",
    "imagestreams/secrets",
    "imagestreamtags",
    "imagetags",
    "imagestreamimages",
    "imagestreammappings",
    "imagestreamimports",
)
CLUSTER_SCOPED = frozenset({"images", "imagesignatures"})

_ALL = frozenset(VERBS)
_READ = frozenset({"get", "list", "watch"})
_EDITABLE = (
    "imagestreams",
    "imagestreammappings",
    "imagestreamtags",
    "imagetags",
    "imagestreamimages",
    "imagestreams/secrets",
)
_VIEWABLE = (
    "imagestreams",
    "imagestreammappings",
    "imagestreamtags",
    "imagetags",
    "imagestreamimages",
)


def _editor(with_status: bool) -> dict[str, frozenset[str]]:
    grants = dict.fromkeys(_EDITABLE, _ALL)
    grants["imagestreams/layers"] = frozenset({"get", "update"})
    grants["imagestreamimports"] = frozenset({"create"})
    if with_status:
        grants["imagestreams/status"] = _READ
    return grants


def _viewer(with_status: bool) -> dict[str, frozenset[str]]:
    grants = dict.fromkeys(_VIEWABLE, _READ)
    grants["imagestreams/layers"] = frozenset({"get"})
    if with_status:
        grants["imagestreams/status"] = _READ
    return grants


EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "cluster-admin": dict.fromkeys(RESOURCES, _ALL),
    "admin": _editor(with_status=True),
    "edit": _editor(with_status=True),
    "view": _viewer(with_status=True),
    "registry-admin": _editor(with_status=False),
    "registry-editor": _editor(with_status=False),
    "registry-viewer": _viewer(with_status=False),
    "system:image-puller": {"imagestreams/layers": frozenset({"get"})},
    "system:image-pusher": {"imagestreams/layers": frozenset({"get", "update"})},
    "system:image-builder": {
        "imagestreams/layers": frozenset({"get", "update"}),
        "imagestreams": frozenset({"create"}),
    },
    "system:image-signer": {
        "images": frozenset({"get"}),
        "imagestreams/layers": frozenset({"get"}),
        "imagesignatures": frozenset({"create", "delete"}),
    },
    "system:image-pruner": {
        "images": frozenset({"get", "list", "watch", "delete"}),
        "imagestreams": _READ,
        "imagestreams/status": frozenset({"update"}),
    },
    "system:image-auditor": {"images": frozenset({"get", "list", "watch", "patch", "update"})},
    "system:deployer": {
        "imagestreamtags": frozenset({"create", "update"}),
        "imagetags": frozenset({"create", "update"}),
    },
}


def cells() -> Iterator[tuple[str, str, str, bool]]:
    """``(role, resource, verb, allowed)`` for every role x image resource x verb."""
    for role, grants in EXPECTED.items():
        for resource in RESOURCES:
            for verb in VERBS:
                yield role, resource, verb, verb in grants.get(resource, frozenset())
