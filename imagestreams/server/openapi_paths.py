"""OpenAPI path items: every verb of every resource, shaped like kube-apiserver's.

Each resource gets the paths kube's installer registers: the namespaced collection and item,
the all-namespaces list, subresources under the item, and the deprecated ``/watch/`` forms.
Every operation names its ``x-kubernetes-action`` and ``x-kubernetes-group-version-kind``
(kubectl finds a kind's PATCH operation by that extension) and the query parameters the server
honours, ``fieldValidation`` among them.
"""

from __future__ import annotations

from typing import Any

from imagestreams.api.scheme import ResourceInfo
from imagestreams.server.openapi_models import patch_types
from imagestreams.server.openapi_schemas import META, ref, schema_name

__all__ = ["Obj", "group_version_paths", "operation_id_part"]

Obj = dict[str, Any]

_JSON_TYPES = ("application/json", "application/yaml")
_WATCH_TYPES = (*_JSON_TYPES, "application/json;stream=watch")


def _param(name: str, where: str, description: str, kind: str = "string") -> Obj:
    p: Obj = {"name": name, "in": where, "description": description}
    if where == "path":
        p["required"] = True
    p["schema"] = {"type": kind, "uniqueItems": True}
    return p


_Q = {
    "allowWatchBookmarks": ("Ask for BOOKMARK watch events.", "boolean"),
    "continue": ("Continue token of a previous chunked list.", "string"),
    "dryRun": ("'All' processes the request without persisting it.", "string"),
    "fieldManager": ("Name of the actor making the change.", "string"),
    "fieldSelector": ("Restrict the list by fields (metadata.name, metadata.namespace).", "string"),
    "fieldValidation": (
        "Ignore, Warn or Strict handling of unknown or duplicate fields.",
        "string",
    ),
    "force": ("Force an apply request, taking over conflicting fields.", "boolean"),
    "gracePeriodSeconds": ("Seconds before the object is deleted.", "integer"),
    "labelSelector": ("Restrict the list by labels.", "string"),
    "limit": ("Maximum number of items of a chunked list.", "integer"),
    "orphanDependents": ("Deprecated: use propagationPolicy.", "boolean"),
    "propagationPolicy": ("Orphan, Background or Foreground garbage collection.", "string"),
    "resourceVersion": ("Resource version constraint of the read.", "string"),
    "resourceVersionMatch": ("How resourceVersion applies: Exact or NotOlderThan.", "string"),
    "sendInitialEvents": ("Start a watch with synthetic ADDED events.", "boolean"),
    "timeoutSeconds": ("Timeout of a list or watch call.", "integer"),
    "watch": ("Watch for changes instead of listing.", "boolean"),
}


def _query(*names: str) -> list[Obj]:
    return [_param(n, "query", *_Q[n]) for n in names]


_LIST = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
_WRITE = ("dryRun", "fieldManager", "fieldValidation")
_DELETE = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
_DELETE_COLLECTION = (
    "continue",
    "dryRun",
    "fieldSelector",
    "gracePeriodSeconds",
    "labelSelector",
    "limit",
    "orphanDependents",
    "propagationPolicy",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
)


def _content(schema: Obj, types: tuple[str, ...] = _JSON_TYPES) -> Obj:
    return {t: {"schema": schema} for t in types}


def operation_id_part(group: str, version: str) -> str:
    """``apps`` -> ``AppsV1``, ``image.openshift.io`` -> ``ImageOpenshiftIoV1``, core ``CoreV1``."""
    words = group.split(".") if group else ["core"]
    return "".join(w[:1].upper() + w[1:] for w in words) + version[:1].upper() + version[1:]


def _response_gvk(info: ResourceInfo) -> tuple[str, str, str]:
    """Group, version and kind of the object an operation returns (a subresource's own kind)."""
    group = info.group if info.response_group is None else info.response_group
    version = info.version if info.response_version is None else info.response_version
    return group, version, info.response_kind or info.kind


class _Builder:
    def __init__(self, group: str, version: str) -> None:
        self.group, self.version = group, version
        self.prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        words = group.split(".") if group else ["core"]
        self.tag = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) + f"_{version}"
        self.paths: dict[str, Obj] = {}

    def _op(
        self,
        info: ResourceInfo,
        action: str,
        op_id: str,
        description: str,
        responses: Obj,
        **extra: Any,
    ) -> Obj:
        group, version, kind = _response_gvk(info)
        op: Obj = {"tags": [self.tag], "description": description, "operationId": op_id}
        op.update(extra)
        op["responses"] = {**responses, "401": {"description": "Unauthorized"}}
        op["x-kubernetes-action"] = action
        op["x-kubernetes-group-version-kind"] = {"group": group, "kind": kind, "version": version}
        return op

    def _item(self, path: str, method: str, op: Obj, params: list[Obj]) -> None:
        item = self.paths.setdefault(path, {})
        item[method] = op
        item["parameters"] = params

    def add(self, info: ResourceInfo) -> None:
        group, version, kind = _response_gvk(info)
        obj = ref(schema_name(group, version, kind))
        lst = ref(schema_name(group, version, info.list_kind_name))
        status = ref(f"{META}.Status")
        gv = operation_id_part(self.group, self.version)
        scope = "Namespaced" if info.namespaced else ""
        ns_path = "/namespaces/{namespace}" if info.namespaced else ""
        collection = f"{self.prefix}{ns_path}/{info.plural}"
        item = collection + "/{name}"
        pretty = _param("pretty", "query", "If 'true', the output is pretty printed.")
        ns_param = (
            [
                _param(
                    "namespace",
                    "path",
                    "object name and auth scope, such as for teams and projects",
                )
            ]
            if info.namespaced
            else []
        )
        name_param = _param("name", "path", f"name of the {kind}")
        verbs = set(info.verbs)
        ok = {"200": {"description": "OK", "content": _content(obj)}}
        body = {"content": _content(obj), "required": True}

        if info.subresource:
            sub = info.subresource[:1].upper() + info.subresource[1:]
            path = f"{item}/{info.subresource}"
            params = [name_param, *ns_param, pretty]
            name = f"{scope}{info.kind}{sub}"
            if "get" in verbs:
                self._item(
                    path,
                    "get",
                    self._op(
                        info,
                        "get",
                        f"read{gv}{name}",
                        f"read {info.subresource} of the specified {info.kind}",
                        ok,
                    ),
                    params,
                )
            if "create" in verbs:
                self._item(
                    path,
                    "post",
                    self._op(
                        info,
                        "post",
                        f"create{gv}{name}",
                        f"create {info.subresource} of a {info.kind}",
                        {**ok, "201": {"description": "Created", "content": _content(obj)}},
                        parameters=_query(*_WRITE),
                        requestBody=body,
                    ),
                    params,
                )
            if "update" in verbs:
                self._item(
                    path,
                    "put",
                    self._op(
                        info,
                        "put",
                        f"replace{gv}{name}",
                        f"replace {info.subresource} of the specified {info.kind}",
                        {**ok, "201": {"description": "Created", "content": _content(obj)}},
                        parameters=_query(*_WRITE),
                        requestBody=body,
                    ),
                    params,
                )
            if "patch" in verbs:
                self._patch(info, path, f"patch{gv}{name}", obj, params)
            return

        name = f"{scope}{kind}"
        coll_params = [*ns_param, pretty]
        if "list" in verbs or "watch" in verbs:
            list_ok = {"200": {"description": "OK", "content": _content(lst, _WATCH_TYPES)}}
            self._item(
                collection,
                "get",
                self._op(
                    info,
                    "list",
                    f"list{gv}{name}",
                    f"list or watch objects of kind {kind}",
                    list_ok,
                    parameters=_query(*_LIST),
                ),
                coll_params,
            )
            if info.namespaced:
                self._item(
                    f"{self.prefix}/{info.plural}",
                    "get",
                    self._op(
                        info,
                        "list",
                        f"list{gv}{kind}ForAllNamespaces",
                        f"list or watch objects of kind {kind}",
                        list_ok,
                        parameters=_query(*_LIST),
                    ),
                    [pretty],
                )
        if "watch" in verbs:
            event = {
                "200": {
                    "description": "OK",
                    "content": _content(ref(f"{META}.WatchEvent"), _WATCH_TYPES),
                }
            }
            self._item(
                f"{self.prefix}/watch{ns_path}/{info.plural}",
                "get",
                self._op(
                    info,
                    "watchlist",
                    f"watch{gv}{name}List",
                    f"watch individual changes to a "
                    f"list of {kind}. deprecated: use the 'watch' parameter with a list operation "
                    "instead.",
                    event,
                    parameters=_query(*_LIST),
                ),
                coll_params,
            )
        if "create" in verbs:
            created = {
                **ok,
                "201": {"description": "Created", "content": _content(obj)},
                "202": {"description": "Accepted", "content": _content(obj)},
            }
            self._item(
                collection,
                "post",
                self._op(
                    info,
                    "post",
                    f"create{gv}{name}",
                    f"create a {kind}",
                    created,
                    parameters=_query(*_WRITE),
                    requestBody=body,
                ),
                coll_params,
            )
        delete_body = {"content": _content(ref(f"{META}.DeleteOptions"))}
        if "deletecollection" in verbs:
            self._item(
                collection,
                "delete",
                self._op(
                    info,
                    "deletecollection",
                    f"deletecollection{gv}{name}",
                    f"delete collection of {kind}",
                    {"200": {"description": "OK", "content": _content(status)}},
                    parameters=_query(*_DELETE_COLLECTION),
                    requestBody=delete_body,
                ),
                coll_params,
            )
        item_params = [name_param, *ns_param, pretty]
        if "get" in verbs:
            self._item(
                item,
                "get",
                self._op(info, "get", f"read{gv}{name}", f"read the specified {kind}", ok),
                item_params,
            )
        if "update" in verbs:
            self._item(
                item,
                "put",
                self._op(
                    info,
                    "put",
                    f"replace{gv}{name}",
                    f"replace the specified {kind}",
                    {**ok, "201": {"description": "Created", "content": _content(obj)}},
                    parameters=_query(*_WRITE),
                    requestBody=body,
                ),
                item_params,
            )
        if "patch" in verbs:
            self._patch(info, item, f"patch{gv}{name}", obj, item_params)
        if "delete" in verbs:
            gone = {"description": "OK", "content": _content(status)}
            self._item(
                item,
                "delete",
                self._op(
                    info,
                    "delete",
                    f"delete{gv}{name}",
                    f"delete a {kind}",
                    {"200": gone, "202": {**gone, "description": "Accepted"}},
                    parameters=_query(*_DELETE),
                    requestBody=delete_body,
                ),
                item_params,
            )

    def _patch(
        self, info: ResourceInfo, path: str, op_id: str, obj: Obj, params: list[Obj]
    ) -> None:
        body = {
            "content": {
                t: {"schema": ref(f"{META}.Patch")} for t in patch_types(*_response_gvk(info))
            },
            "required": True,
        }
        responses = {
            "200": {"description": "OK", "content": _content(obj)},
            "201": {"description": "Created", "content": _content(obj)},
        }
        what = f"{info.subresource} of the specified" if info.subresource else "the specified"
        self._item(
            path,
            "patch",
            self._op(
                info,
                "patch",
                op_id,
                f"partially update {what} {info.kind}",
                responses,
                parameters=_query(*_WRITE, "force"),
                requestBody=body,
            ),
            params,
        )


def group_version_paths(group: str, version: str, infos: list[ResourceInfo]) -> dict[str, Obj]:
    """The ``paths`` object of one group-version document."""
    builder = _Builder(group, version)
    for info in infos:
        builder.add(info)
    return builder.paths
