"""OpenAPI component schemas: one per served kind, plus the ``meta/v1`` schemas they reference.

Kinds with typed models (the image group) get full schemas from ``openapi_models`` instead; the
open schemas built here are for the rest.

We store built-in kinds as the client sent them, so a kind's ``spec``/``status`` are open
objects (``x-kubernetes-preserve-unknown-fields``) rather than kube's full schemas. What clients
need from these schemas is the shape kube uses: the kube-style name
(``io.k8s.api.apps.v1.Deployment``), the ``x-kubernetes-group-version-kind`` list that kubectl
matches a kind by, ``metadata`` as a reference to ``ObjectMeta`` (for ``kubectl explain``), and
strategic-merge metadata on list fields (``x-kubernetes-patch-merge-key``) where
``api.patchmeta`` knows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imagestreams.api import patchmeta
from imagestreams.api.scheme import ResourceInfo

__all__ = [
    "META",
    "kind_schemas",
    "meta_schemas",
    "patch_meta_for",
    "ref",
    "schema_name",
]

Obj = dict[str, Any]
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
_OPEN: Obj = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def ref(name: str) -> Obj:
    return {"$ref": f"#/components/schemas/{name}"}


def _wrapped(name: str, description: str) -> Obj:
    """kube's style for a described reference: ``allOf: [$ref]`` beside the description."""
    return {"description": description, "default": {}, "allOf": [ref(name)]}


def schema_name(group: str, version: str, kind: str) -> str:
    """The definition name kube's OpenAPI uses for a kind (its Go package path, reversed)."""
    first = group.split(".", 1)[0]
    if not group:
        prefix = "io.k8s.api.core"
    elif "." not in group or group.endswith(".k8s.io"):
        prefix = f"io.k8s.api.{first}"
    elif group.endswith(".openshift.io"):
        prefix = f"com.github.openshift.api.{first}"
    else:  # CRD convention: reversed group name
        prefix = ".".join(reversed(group.split(".")))
    return f"{prefix}.{version}.{kind}"


def patch_meta_for(api_version: str, kind: str) -> Mapping[str, tuple[str, str]]:
    """``{dotted field path: (patch strategy, merge key)}`` of a kind, from ``api.patchmeta``.

    Paths run through list items without indices (``spec.template.spec.containers.env``).
    """
    return patchmeta.PATCH_META.get((api_version, kind), {})


def _leaf(node: Obj, strategy: str, merge_key: str) -> None:
    if merge_key or strategy.split(",")[0] == "merge":
        node.setdefault("type", "array")
        node.setdefault("items", dict(_OPEN) if merge_key else {"type": "string"})
    elif "retainKeys" in strategy:
        node.update(_OPEN)
    else:  # e.g. "replace" on an embedded object: shape unknown to us
        node["x-kubernetes-preserve-unknown-fields"] = True
    if merge_key:
        node["x-kubernetes-patch-merge-key"] = merge_key
    node["x-kubernetes-patch-strategy"] = strategy


def _annotate(properties: Obj, table: Mapping[str, tuple[str, str]]) -> None:
    """Nest open objects down to each tagged field; lists on the way are entered via ``items``."""
    for path in sorted(table, key=lambda p: (p.count("."), p)):
        if path.startswith("metadata."):
            continue  # ObjectMeta's own schema carries these
        *parents, name = path.split(".")
        props = properties
        for segment in parents:
            node = props.setdefault(segment, dict(_OPEN))
            if node.get("type") == "array":
                node = node.setdefault("items", dict(_OPEN))
            props = node.setdefault("properties", {})
        _leaf(props.setdefault(name, {}), *table[path])


def _gvk_list(group: str, version: str, kind: str) -> list[Obj]:
    return [{"group": group, "kind": kind, "version": version}]


def _type_meta() -> Obj:
    return {
        "apiVersion": {
            "description": "APIVersion defines the versioned schema of this representation of "
            "an object.",
            "type": "string",
        },
        "kind": {
            "description": "Kind is a string value representing the REST resource this object "
            "represents.",
            "type": "string",
        },
    }


def _kind_schema(group: str, version: str, kind: str) -> Obj:
    api_version = f"{group}/{version}" if group else version
    properties: Obj = {
        **_type_meta(),
        "metadata": _wrapped(f"{META}.ObjectMeta", "Standard object's metadata."),
        "spec": {**_OPEN, "description": f"The desired state of the {kind}."},
        "status": {**_OPEN, "description": f"The observed state of the {kind}."},
    }
    _annotate(properties, patch_meta_for(api_version, kind))
    return {
        "description": f"{kind} is stored as given; fields other than metadata are not "
        "validated by schema.",
        "type": "object",
        "properties": properties,
        # built-in kinds are stored as given, so no field is unknown to the server
        "x-kubernetes-preserve-unknown-fields": True,
        "x-kubernetes-group-version-kind": _gvk_list(group, version, kind),
    }


def _list_schema(group: str, version: str, kind: str, list_kind: str) -> Obj:
    return {
        "description": f"{list_kind} is a list of {kind}.",
        "type": "object",
        "required": ["items"],
        "properties": {
            **_type_meta(),
            "items": {
                "description": f"List of {kind}.",
                "type": "array",
                "items": {"default": {}, "allOf": [ref(schema_name(group, version, kind))]},
            },
            "metadata": _wrapped(f"{META}.ListMeta", "Standard list metadata."),
        },
        "x-kubernetes-group-version-kind": _gvk_list(group, version, list_kind),
    }


def kind_schemas(infos: list[ResourceInfo]) -> dict[str, Obj]:
    """Schemas for every kind (and list kind) the resources of one group-version return."""
    schemas: dict[str, Obj] = {}
    for info in infos:
        group = info.group if info.response_group is None else info.response_group
        version = info.version if info.response_version is None else info.response_version
        kind = info.response_kind or info.kind
        schemas.setdefault(schema_name(group, version, kind), _kind_schema(group, version, kind))
        if not info.subresource and not info.response_kind:
            list_kind = info.list_kind_name
            schemas.setdefault(
                schema_name(group, version, list_kind),
                _list_schema(group, version, kind, list_kind),
            )
    return schemas


def _str(description: str) -> Obj:
    return {"description": description, "type": "string"}


def _map(description: str) -> Obj:
    return {
        "description": description,
        "type": "object",
        "additionalProperties": {"type": "string", "default": ""},
    }


def _array(description: str, items: Obj, **extra: Any) -> Obj:
    return {"description": description, "type": "array", "items": items, **extra}


def meta_schemas() -> dict[str, Obj]:
    """The ``meta/v1`` definitions kind schemas and operations reference."""
    time = {
        "description": "Time is RFC 3339 date-and-time in UTC.",
        "type": "string",
        "format": "date-time",
    }
    open_object = {"description": "Arbitrary JSON.", "type": "object"}
    owner = {
        "description": "OwnerReference contains enough information to let you identify an "
        "owning object.",
        "type": "object",
        "required": ["apiVersion", "kind", "name", "uid"],
        "properties": {
            "apiVersion": _str("API version of the referent."),
            "blockOwnerDeletion": {"type": "boolean"},
            "controller": {"type": "boolean"},
            "kind": _str("Kind of the referent."),
            "name": _str("Name of the referent."),
            "uid": _str("UID of the referent."),
        },
        "x-kubernetes-map-type": "atomic",
    }
    object_meta = {
        "description": "ObjectMeta is metadata that all persisted resources must have.",
        "type": "object",
        "properties": {
            "annotations": _map("Annotations is an unstructured key value map."),
            "creationTimestamp": _wrapped(f"{META}.Time", "When this object was created."),
            "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
            "deletionTimestamp": _wrapped(f"{META}.Time", "When this object will be deleted."),
            "finalizers": _array(
                "Finalizers.",
                {"type": "string", "default": ""},
                **{"x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"},
            ),
            "generateName": _str("Prefix for a server-generated name."),
            "generation": {"type": "integer", "format": "int64"},
            "labels": _map("Map of string keys and values to organize and select objects."),
            "managedFields": _array("Field ownership of server-side apply.", dict(open_object)),
            "name": _str("Name must be unique within a namespace."),
            "namespace": _str("Namespace defines the space within which each name must be unique."),
            "ownerReferences": _array(
                "Objects depended by this object.",
                {"default": {}, "allOf": [ref(f"{META}.OwnerReference")]},
                **{
                    "x-kubernetes-list-map-keys": ["uid"],
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-patch-merge-key": "uid",
                    "x-kubernetes-patch-strategy": "merge",
                },
            ),
            "resourceVersion": _str("An opaque value for optimistic concurrency."),
            "selfLink": _str("Deprecated."),
            "uid": _str("UID is the unique in time and space value for this object."),
        },
    }
    list_meta = {
        "description": "ListMeta describes metadata that synthetic resources must have.",
        "type": "object",
        "properties": {
            "continue": _str("Token for the next page of a chunked list."),
            "remainingItemCount": {"type": "integer", "format": "int64"},
            "resourceVersion": _str("Version of the list, for watch."),
            "selfLink": _str("Deprecated."),
        },
    }
    status = {
        "description": "Status is a return value for calls that don't return other objects.",
        "type": "object",
        "properties": {
            **_type_meta(),
            "code": {"type": "integer", "format": "int32"},
            "details": {**open_object, "x-kubernetes-preserve-unknown-fields": True},
            "message": _str("A human-readable description of the status of this operation."),
            "metadata": _wrapped(f"{META}.ListMeta", "Standard list metadata."),
            "reason": _str("A machine-readable description of why this operation failed."),
            "status": _str("Status of the operation: Success or Failure."),
        },
        "x-kubernetes-group-version-kind": _gvk_list("", "v1", "Status"),
    }
    delete_options = {
        "description": "DeleteOptions may be provided when deleting an API object.",
        "type": "object",
        "properties": {
            **_type_meta(),
            "dryRun": _array(
                "Dry run.",
                {"type": "string", "default": ""},
                **{"x-kubernetes-list-type": "atomic"},
            ),
            "gracePeriodSeconds": {"type": "integer", "format": "int64"},
            "orphanDependents": {"type": "boolean"},
            "preconditions": {
                **open_object,
                "properties": {"resourceVersion": {"type": "string"}, "uid": {"type": "string"}},
            },
            "propagationPolicy": _str("Orphan, Background or Foreground."),
        },
        "x-kubernetes-group-version-kind": _gvk_list("", "v1", "DeleteOptions"),
    }
    watch_event = {
        "description": "Event represents a single event to a watched resource.",
        "type": "object",
        "required": ["type", "object"],
        "properties": {
            "object": {
                **open_object,
                "x-kubernetes-embedded-resource": True,
                "x-kubernetes-preserve-unknown-fields": True,
            },
            "type": _str("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
        },
        "x-kubernetes-group-version-kind": _gvk_list("", "v1", "WatchEvent"),
    }
    patch = {
        "description": "Patch is provided to give a concrete name and type to the "
        "Kubernetes PATCH request body.",
        "type": "object",
    }
    return {
        f"{META}.DeleteOptions": delete_options,
        f"{META}.ListMeta": list_meta,
        f"{META}.ObjectMeta": object_meta,
        f"{META}.OwnerReference": owner,
        f"{META}.Patch": patch,
        f"{META}.Status": status,
        f"{META}.Time": time,
        f"{META}.WatchEvent": watch_event,
    }
