"""Full OpenAPI schemas for ``image.openshift.io/v1``, generated from the msgspec models.

Why: ``kubectl apply`` computes a *strategic* merge patch only when the kind's PATCH operation
offers ``application/strategic-merge-patch+json`` and every field it patches is described in the
v3 schema, with ``x-kubernetes-patch-merge-key``/``x-kubernetes-patch-strategy`` on the lists
that merge by key. Without that it sends a JSON merge patch that replaces ``spec.tags`` whole
and never reports ``unchanged``. The schemas come from ``api.image_v1`` via
``msgspec.json.schema_components`` so they cannot drift from the types the server decodes, and
the patch extensions come from ``api.patchmeta``, the table the server merges with.

The msgspec output is rewritten into kube-openapi's shape:

* components get upstream's names (``com.github.openshift.api.image.v1.TagReference``); the
  ``meta/v1`` types resolve to the hand-written ``openapi_schemas.meta_schemas`` and
  ``ObjectReference``/``LocalObjectReference`` to ``io.k8s.api.core.v1``;
* ``X | None`` becomes ``X`` (Go pointers carry no ``nullable``), integers are ``int64``,
  ``bytes`` are ``format: byte``, a free-form ``dict[str, Any]`` is a ``runtime.RawExtension``
  and fields annotated ``meta.Time`` reference ``meta/v1.Time`` (``Time`` is an alias of
  ``str``, so only the annotation tells them apart);
* references to structs are wrapped ``allOf: [$ref]`` as kube does, so a description can sit
  beside them; msgspec's titles, defaults and docstring descriptions (ours, not upstream's) go.

openshift/api's ``image/v1`` has no ``+listType`` markers, so no ``x-kubernetes-list-type`` is
added here; ``ObjectMeta``'s own list extensions live in its hand-written schema.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from typing import Any

import msgspec

from imagestreams.api import image_v1, meta, patchmeta
from imagestreams.server.openapi_docs import IMAGE_DESCRIPTIONS, IMAGE_REQUIRED
from imagestreams.server.openapi_schemas import META, meta_schemas, ref, schema_name

__all__ = [
    "CORE",
    "RAW_EXTENSION",
    "component_name",
    "has_model",
    "model_schemas",
    "patch_types",
]

Obj = dict[str, Any]
CORE = "io.k8s.api.core.v1"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
_STRATEGY = "x-kubernetes-patch-strategy"
_MERGE_KEY = "x-kubernetes-patch-merge-key"
_GVK = "x-kubernetes-group-version-kind"

_MODELS = {(image_v1.GROUP, image_v1.VERSION): image_v1}
"""Group-versions whose kinds have typed models; every other kind keeps its open schema."""

_META_NAMES = {
    "ObjectMeta": f"{META}.ObjectMeta",
    "ListMeta": f"{META}.ListMeta",
    "OwnerReference": f"{META}.OwnerReference",
    "Status": f"{META}.Status",
    "StatusDetails": f"{META}.StatusDetails",
    "StatusCause": f"{META}.StatusCause",
    "ObjectReference": f"{CORE}.ObjectReference",
    "LocalObjectReference": f"{CORE}.LocalObjectReference",
}
_ATOMIC = {f"{CORE}.ObjectReference", f"{CORE}.LocalObjectReference"}
"""Structs tagged ``+structType=atomic`` upstream (``x-kubernetes-map-type: atomic``)."""

_TIME_ANNOTATION = re.compile(r"\bTime\b")
_REF = re.compile(r'"#/components/schemas/([^"]+)"')


@functools.cache
def _structs(module: Any) -> dict[str, type[msgspec.Struct]]:
    found: dict[str, type[msgspec.Struct]] = {}
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            found[name] = value
    return found


def _is_kind(cls: type[msgspec.Struct]) -> bool:
    return issubclass(cls, (meta.ApiObject, meta.ApiList))


def component_name(group: str, version: str, msgspec_name: str) -> str:
    """The OpenAPI component name of a model type, as kube-openapi names the Go type."""
    if msgspec_name in _META_NAMES:
        return _META_NAMES[msgspec_name]
    if msgspec_name in _structs(_MODELS[(group, version)]):
        return schema_name(group, version, msgspec_name)
    raise KeyError(f"no OpenAPI name for model type {msgspec_name!r}")


def has_model(group: str, version: str, kind: str) -> bool:
    """True when ``kind`` of the group-version is served with a full (generated) schema."""
    module = _MODELS.get((group, version))
    if module is None:
        return False
    cls = _structs(module).get(kind)
    return cls is not None and _is_kind(cls)


_PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
)
_STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"


def patch_types(group: str, version: str, kind: str) -> tuple[str, ...]:
    """PATCH request body types of a kind, sorted as kube lists them.

    # compat: strategic merge patch only for kinds with a full schema (see the ``openapi``
    # module docstring); kube-apiserver lists it for every built-in kind.
    """
    api_version = f"{group}/{version}" if group else version
    if has_model(group, version, kind) and patchmeta.supports_strategic_merge(api_version, kind):
        return (*_PATCH_TYPES, _STRATEGIC_MERGE_PATCH)
    return _PATCH_TYPES


def _time_fields(cls: type[msgspec.Struct]) -> set[str]:
    """Wire names of the fields annotated with ``meta.Time`` (string annotations, PEP 563)."""
    names: set[str] = set()
    for info in msgspec.structs.fields(cls):
        for klass in cls.__mro__:
            annotation = inspect.get_annotations(klass).get(info.name)
            if annotation is not None:
                if isinstance(annotation, str) and _TIME_ANNOTATION.search(annotation):
                    names.add(info.encode_name)
                break
    return names


def _wrap(target: str) -> Obj:
    return {"allOf": [ref(target)]}


class _Converter:
    """Rewrites msgspec JSON Schema nodes into kube-openapi v3 nodes."""

    def __init__(self, group: str, version: str) -> None:
        self.group, self.version = group, version

    def target(self, msgspec_ref: str) -> str:
        return component_name(self.group, self.version, msgspec_ref.rsplit("/", 1)[-1])

    def node(self, node: Obj) -> Obj:
        if "anyOf" in node:
            kept = [n for n in node["anyOf"] if n != {"type": "null"}]
            if len(kept) != 1:
                raise ValueError(f"cannot express union {node['anyOf']!r} in OpenAPI")
            return self.node(kept[0])
        if "$ref" in node:
            return _wrap(self.target(node["$ref"]))
        kind = node.get("type")
        if kind == "array":
            return {"type": "array", "items": self.node(node["items"])}
        if kind == "object":
            if "additionalProperties" in node:
                return {
                    "type": "object",
                    "additionalProperties": self.node(node["additionalProperties"]),
                }
            return _wrap(RAW_EXTENSION)  # dict[str, Any]: JSON kept as decoded
        if kind == "integer":
            return {"type": "integer", "format": "int64"}
        if kind == "string" and node.get("contentEncoding") == "base64":
            return {"type": "string", "format": "byte"}
        if kind in ("string", "boolean", "number"):
            return {"type": kind}
        raise ValueError(f"unexpected JSON Schema node {node!r}")

    def struct(self, name: str, cls: type[msgspec.Struct], node: Obj) -> Obj:
        times = _time_fields(cls)
        properties: Obj = {}
        for field_name, prop in node.get("properties", {}).items():
            converted = _wrap(f"{META}.Time") if field_name in times else self.node(prop)
            properties[field_name] = converted
        schema: Obj = {"type": "object", "properties": properties}
        if self.target(name) in _ATOMIC:
            schema["x-kubernetes-map-type"] = "atomic"
        if _is_kind(cls):
            schema[_GVK] = [{"group": self.group, "kind": name, "version": self.version}]
        return schema


def _follow(schemas: dict[str, Obj], node: Obj) -> str | None:
    """The component a property (or its list items) references, if any."""
    if node.get("type") == "array":
        node = node["items"]
    for part in node.get("allOf", [node]):
        target = part.get("$ref")
        if isinstance(target, str):
            return target.removeprefix("#/components/schemas/")
    return None


def _annotate_patch_meta(schemas: dict[str, Obj], group: str, version: str) -> None:
    """Put each ``api.patchmeta`` tag of the group's kinds on the struct property it names."""
    for (api_version, kind), table in patchmeta.PATCH_META.items():
        if api_version != f"{group}/{version}" or not has_model(group, version, kind):
            continue
        for path, (strategy, merge_key) in sorted(table.items()):
            current = schema_name(group, version, kind)
            *parents, leaf = path.split(".")
            for segment in parents:
                if current not in schemas:
                    break
                followed = _follow(schemas, schemas[current]["properties"][segment])
                if followed is None:
                    raise ValueError(f"{kind} {path}: {segment} is not a struct")
                current = followed
            if current not in schemas:
                continue  # in a meta/v1 type: its hand-written schema carries its own tags
            prop = schemas[current]["properties"][leaf]
            tags = {_STRATEGY: strategy, **({_MERGE_KEY: merge_key} if merge_key else {})}
            clash = {k: v for k, v in tags.items() if prop.get(k, v) != v}
            if clash:
                raise ValueError(f"{kind} {path}: conflicting patch tags {clash} on {current}")
            prop.update(tags)


def _describe(schemas: dict[str, Obj], group: str, version: str) -> None:
    """Add ``IMAGE_DESCRIPTIONS``, first in each node as kube-openapi writes them, and
    upstream's ``required`` lists."""
    for key, text in IMAGE_DESCRIPTIONS.items():
        type_name, _, field_name = key.partition(".")
        name = component_name(group, version, type_name)
        if field_name:
            props = schemas[name]["properties"]
            props[field_name] = {"description": text, **props[field_name]}
        else:
            schemas[name] = {"description": text, **schemas[name]}
    for type_name, fields in IMAGE_REQUIRED.items():
        schema = schemas.get(component_name(group, version, type_name))
        if schema is not None:
            present = [f for f in fields if f in (schema.get("properties") or {})]
            if present:
                schema["required"] = present


@functools.cache
def _generate(group: str, version: str) -> dict[str, Obj]:
    module = _MODELS[(group, version)]
    classes = {**_structs(meta), **_structs(module)}
    _, components = msgspec.json.schema_components(tuple(_structs(module).values()))
    converter = _Converter(group, version)
    provided = set(meta_schemas())
    schemas: dict[str, Obj] = {}
    for name, node in components.items():
        target = component_name(group, version, name)
        if target not in provided:
            schemas[target] = converter.struct(name, classes[name], node)
    schemas[RAW_EXTENSION] = {
        "description": "RawExtension holds arbitrary JSON, kept as the client sent it.",
        "type": "object",
    }
    schemas = _reachable(schemas, [component_name(group, version, n) for n in _structs(module)])
    _annotate_patch_meta(schemas, group, version)
    if module is image_v1:
        _describe(schemas, group, version)
    return schemas


def _reachable(schemas: dict[str, Obj], roots: list[str]) -> dict[str, Obj]:
    """Drop components only the hand-written meta schemas would reach (``StatusDetails``...)."""
    seen: set[str] = set()
    pending = [r for r in roots if r in schemas]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        text = msgspec.json.encode(schemas[name]).decode()
        pending.extend(t for t in _REF.findall(text) if t in schemas and t not in seen)
    return {name: schema for name, schema in schemas.items() if name in seen}


def model_schemas(group: str, version: str) -> dict[str, Obj]:
    """Every component a group-version's models need (kinds, lists and nested types); empty for
    group-versions without models. The result is a fresh copy the caller may change."""
    if (group, version) not in _MODELS:
        return {}
    return copy.deepcopy(_generate(group, version))
