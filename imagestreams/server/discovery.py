"""API discovery documents, generated from the one resource table (``api.scheme``).

Clients find our resources the way they find kube-apiserver's: ``/api`` and ``/apis`` list the
groups, ``/api/v1`` and ``/apis/<group>/<version>`` list the resources with verbs, short names
and categories (``kubectl get is`` works only because ``imagestreams`` says ``shortNames:
["is"]``). kubectl 1.26+ first asks ``/api`` and ``/apis`` for *aggregated* discovery
(``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList``, everything in two requests); we serve
that too, built like ``endpoints.ConvertGroupVersionIntoToDiscovery``.

Everything here is a pure function of ``scheme.resources()``, so resources registered later
(the image group registers at import time) appear without touching this module. The router
decides what to do with a ``None`` (an unknown group or version is a 404).
"""

from __future__ import annotations

import base64
import hashlib
import platform
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from imagestreams.api import scheme
from imagestreams.api.scheme import ResourceInfo

__all__ = [
    "AGGREGATED_V2",
    "AGGREGATED_V2BETA1",
    "GIT_VERSION",
    "aggregated_content_type",
    "aggregated_discovery",
    "api_group",
    "api_group_list",
    "api_resource_list",
    "api_versions",
    "document",
    "negotiate_discovery",
    "storage_version_hash",
    "version_info",
]

Obj = dict[str, Any]
DiscoveryFormat = Literal["v2", "v2beta1", "legacy"]

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

# kubectl 1.32 is what we test against; claiming the same minor keeps `kubectl version` free of
# skew warnings (it warns beyond +/-1 minor) and makes the gcloud kubectl dispatcher pick its
# 1.32 binary. Build metadata (not a pre-release tag) so semver comparisons see >= v1.32.4.
GIT_VERSION = "v1.32.4+imagestreams"


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """``discovery.StorageVersionHash``: base64 of the first 8 bytes of sha256("g/v/k")."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _gv(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def _served(group: str, version: str) -> list[ResourceInfo]:
    return [i for i in scheme.resources() if i.group == group and i.version == version]


def _groups() -> dict[str, list[str]]:
    """Non-core groups in table order, each with its versions in table order."""
    groups: dict[str, list[str]] = {}
    for group, version in scheme.group_versions():
        if group:
            versions = groups.setdefault(group, [])
            if version not in versions:
                versions.append(version)
    return groups


def _response_kind(info: ResourceInfo) -> str:
    return info.response_kind or info.kind


# --- legacy discovery ---------------------------------------------------------------------


def api_versions(server_address: str = "") -> Obj:
    """``GET /api``: ``APIVersions`` (kube strips ``apiVersion`` from this one)."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _api_resource(info: ResourceInfo) -> Obj:
    entry: Obj = {
        "name": info.name,
        "singularName": "" if info.subresource else info.singular_name,  # as kube's installer
        "namespaced": info.namespaced,
    }
    if info.response_group is not None:  # a GroupVersionKindProvider (e.g. autoscaling Scale)
        entry["group"] = info.response_group
    if info.response_version is not None:
        entry["version"] = info.response_version
    entry["kind"] = _response_kind(info)
    entry["verbs"] = list(info.verbs)
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    if not info.subresource:
        entry["storageVersionHash"] = storage_version_hash(info.group, info.version, info.kind)
    return entry


def api_resource_list(group: str, version: str) -> Obj | None:
    """``GET /api/v1`` or ``/apis/<group>/<version>``: an ``APIResourceList``."""
    infos = _served(group, version)
    if not infos:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": _gv(group, version),
        "resources": [_api_resource(info) for info in infos],
    }


def _api_group(name: str, versions: list[str]) -> Obj:
    entries = [{"groupVersion": _gv(name, v), "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list() -> Obj:
    """``GET /apis``: every group but the legacy core group."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_api_group(name, versions) for name, versions in _groups().items()],
    }


def api_group(group: str) -> Obj | None:
    """``GET /apis/<group>``: one ``APIGroup``."""
    versions = _groups().get(group)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group, versions)}


# --- aggregated discovery -----------------------------------------------------------------


def negotiate_discovery(accept: str) -> DiscoveryFormat:
    """Which ``/api``/``/apis`` document a client's Accept header asks for.

    The first acceptable clause wins (q-values respected), as in kube-apiserver: kubectl sends
    v2, then v2beta1, then plain JSON, so it gets v2.
    """
    clauses: list[tuple[float, int, str, dict[str, str]]] = []
    for index, part in enumerate(accept.split(",")):
        media, *raw = part.split(";")
        params = {
            k.strip().lower(): v.strip().strip('"') for k, _, v in (p.partition("=") for p in raw)
        }
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            clauses.append((-q, index, media.strip().lower(), params))
    for _, _, media, params in sorted(clauses):
        if media not in ("application/json", "*/*", "application/*"):
            continue
        if "as" not in params:
            return "legacy"
        if (params.get("g"), params["as"]) == ("apidiscovery.k8s.io", "APIGroupDiscoveryList"):
            if params.get("v") == "v2":
                return "v2"
            if params.get("v") == "v2beta1":
                return "v2beta1"
    return "legacy"


def aggregated_content_type(fmt: Literal["v2", "v2beta1"]) -> str:
    """The Content-Type client-go checks before it trusts an aggregated document."""
    return AGGREGATED_V2 if fmt == "v2" else AGGREGATED_V2BETA1


def _gvk(info: ResourceInfo) -> Obj:
    # kube fills group/version only for GroupVersionKindProvider storages; "" otherwise
    return {
        "group": info.response_group or "",
        "version": info.response_version or "",
        "kind": _response_kind(info),
    }


def _resource_discovery(infos: list[ResourceInfo]) -> list[Obj]:
    resources: dict[str, Obj] = {}
    for info in infos:
        if not info.subresource:
            entry: Obj = {
                "resource": info.plural,
                "responseKind": _gvk(info),
                "scope": "Namespaced" if info.namespaced else "Cluster",
                "singularResource": info.singular_name,
                "verbs": list(info.verbs),
            }
            if info.short_names:
                entry["shortNames"] = list(info.short_names)
            if info.categories:
                entry["categories"] = list(info.categories)
            resources[info.plural] = entry
    for info in infos:
        if info.subresource:
            parent = resources.setdefault(
                info.plural,  # a subresource without a parent gets an empty parent, like kube
                {
                    "resource": info.plural,
                    "responseKind": {"group": "", "version": "", "kind": ""},
                    "scope": "Namespaced" if info.namespaced else "Cluster",
                    "singularResource": "",
                    "verbs": [],
                },
            )
            parent.setdefault("subresources", []).append(
                {
                    "subresource": info.subresource,
                    "responseKind": _gvk(info),
                    "verbs": list(info.verbs),
                }
            )
    return list(resources.values())


def _version_discovery(group: str, version: str) -> Obj:
    return {
        "version": version,
        "resources": _resource_discovery(_served(group, version)),
        "freshness": "Current",
    }


def aggregated_discovery(*, core: bool, fmt: Literal["v2", "v2beta1"] = "v2") -> Obj:
    """``APIGroupDiscoveryList`` for ``/api`` (``core=True``) or ``/apis``."""
    if core:
        versions = [v for g, v in scheme.group_versions() if not g]
        items = [
            {
                "metadata": {"creationTimestamp": None},
                "versions": [_version_discovery("", v) for v in versions],
            }
        ]
    else:
        items = [
            {
                "metadata": {"name": name, "creationTimestamp": None},
                "versions": [_version_discovery(name, v) for v in versions],
            }
            for name, versions in _groups().items()
        ]
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{fmt}",
        "metadata": {},
        "items": items,
    }


def document(
    parts: Sequence[str], accept: str, server_address: str = ""
) -> tuple[bytes, str] | None:
    """Route a discovery path (split on ``/``) to its encoded body and media type; None: 404."""
    doc: Obj | None = None
    media = "application/json"
    match list(parts):
        case ["api" | "apis" as root]:
            fmt = negotiate_discovery(accept)
            if fmt != "legacy":
                doc = aggregated_discovery(core=root == "api", fmt=fmt)
                media = aggregated_content_type(fmt)
            elif root == "api":
                doc = api_versions(server_address)
            else:
                doc = api_group_list()
        case ["api", version]:
            doc = api_resource_list("", version)
        case ["apis", group]:
            doc = api_group(group)
        case ["apis", group, version]:
            doc = api_resource_list(group, version)
    return None if doc is None else (msgspec.json.encode(doc), media)


# --- /version -----------------------------------------------------------------------------


def version_info(*, git_commit: str = "", build_date: str = "") -> Obj:
    """``GET /version``: a ``version.Info`` claiming Kubernetes 1.32 (see ``GIT_VERSION``)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": git_commit,
        "gitTreeState": "clean",
        "buildDate": build_date,
        "goVersion": f"python{platform.python_version()}",
        "compiler": platform.python_implementation().lower(),
        "platform": f"{platform.system().lower()}/{arch}",
    }
