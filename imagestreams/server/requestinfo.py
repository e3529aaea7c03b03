"""What a request asks for, in the terms authorization, metrics and load shedding speak.

This is k8s.io/apiserver's ``RequestInfoFactory`` (``pkg/endpoints/request/requestinfo.go``)
with the prefixes kube-apiserver uses (``/api`` without a group, ``/apis`` with one). It works
on the path alone, before routing, so the in-flight limiter and the authorizer see the verb kube
would:
``GET`` of a collection is ``list``, or ``watch`` with ``?watch=true`` or the legacy ``/watch/``
prefix, ``DELETE`` of a collection is ``deletecollection``, and ``/api/v1/namespaces/foo`` is the
resource ``namespaces`` named ``foo`` (not a namespace scope). Paths that are not resource paths
(``/healthz``, ``/apis``, ``/apis/image.openshift.io/v1``) keep the lower-case HTTP method as verb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = [
    "API_PREFIXES",
    "GROUPLESS_API_PREFIXES",
    "LONG_RUNNING_SUBRESOURCES",
    "LONG_RUNNING_VERBS",
    "NAMESPACE_SUBRESOURCES",
    "RequestInfo",
    "first_values",
    "is_long_running",
    "query_bool",
    "request_info",
    "request_info_cached",
]

API_PREFIXES = frozenset({"api", "apis"})
GROUPLESS_API_PREFIXES = frozenset({"api"})
# Path segments that name a verb instead of a resource (``/api/v1/watch/pods``).
_SPECIAL_VERBS = frozenset({"proxy", "watch"})
_SPECIAL_VERBS_NO_SUBRESOURCES = frozenset({"proxy"})
# ``/api/v1/namespaces/foo/status`` is the namespace's status, not a resource called "status".
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
_VERBS_WITH_SELECTORS = frozenset({"list", "watch", "deletecollection"})
_METHOD_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
# kube-apiserver's BasicLongRunningRequestCheck defaults.
LONG_RUNNING_VERBS = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES = frozenset({"attach", "exec", "proxy", "log", "portforward"})


@dataclass(frozen=True)
class RequestInfo:
    """The parsed request; field names follow ``k8s.io/apiserver/pkg/endpoints/request``."""

    is_resource_request: bool
    path: str
    verb: str
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()
    field_selector: str = ""
    label_selector: str = ""

    @property
    def is_mutating(self) -> bool:
        """The max-in-flight split: everything but get, list and watch counts as mutating."""
        return self.verb not in ("get", "list", "watch")


def query_bool(value: str | None) -> bool:
    """Query booleans as apimachinery decodes them: absent, ``0`` and ``false`` (any case) are
    false, anything else, even an empty value, is true."""
    if value is None:
        return False
    return value != "0" and value.lower() != "false"


def _split_path(path: str) -> list[str]:
    path = path.strip("/")
    return path.split("/") if path else []


def _exact_name(field_selector: str) -> str | None:
    """``metadata.name`` from a field selector that pins it (``metadata.name=foo`` or ``==``),
    as ``fields.Selector.RequiresExactMatch``; ``None`` when it does not."""
    for term in _split_terms(field_selector):
        if "!=" in term:
            continue
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if sep and key == "metadata.name":
            return _unescape(value)
    return None


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not backslash-escaped, keeping the escapes for ``_unescape``."""
    terms, current, escaped = [], [], False
    for ch in selector:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == ",":
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t for t in terms if t]


def _unescape(value: str) -> str:
    out, escaped = [], False
    for ch in value:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out)


def _is_path_segment_name(name: str) -> bool:
    return name not in (".", "..") and "/" not in name and "%" not in name


def _non_resource(method: str, path: str) -> RequestInfo:
    return RequestInfo(is_resource_request=False, path=path, verb=method.lower())


def request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """Parse ``method`` + ``path`` (+ ``watch``, ``fieldSelector``, ``labelSelector`` from
    ``query``) exactly as ``RequestInfoFactory.NewRequestInfo`` does.

    kube returns an error (and a half-filled info) for ``/api/v1/watch`` with nothing after the
    verb; here that is a resource request with an empty resource, which routing turns into 404.
    """
    method = method.upper()
    parts = _split_path(path)
    if len(parts) < 3 or parts[0] not in API_PREFIXES:
        return _non_resource(method, path)
    prefix, parts = parts[0], parts[1:]
    group = ""
    if prefix not in GROUPLESS_API_PREFIXES:
        if len(parts) < 3:
            return _non_resource(method, path)
        group, parts = parts[0], parts[1:]
    version, parts = parts[0], parts[1:]

    via_path_prefix = False
    if parts[0] in _SPECIAL_VERBS:
        verb = parts[0]
        parts = parts[1:]
        via_path_prefix = True
        if not parts:
            return RequestInfo(True, path, verb, prefix, group, version)
    else:
        verb = _METHOD_VERBS.get(method, "")

    namespace = ""
    if parts[0] == "namespaces" and len(parts) > 1:
        namespace = parts[1]
        if len(parts) > 2 and parts[2] not in NAMESPACE_SUBRESOURCES:
            parts = parts[2:]

    resource = parts[0]
    name = parts[1] if len(parts) >= 2 else ""
    subresource = ""
    if len(parts) >= 3 and verb not in _SPECIAL_VERBS_NO_SUBRESOURCES:
        subresource = parts[2]

    if not name and verb == "get":
        verb = "watch" if query_bool(query.get("watch")) else "list"
        pinned = _exact_name(query.get("fieldSelector", ""))
        if pinned is not None and _is_path_segment_name(pinned):
            name = pinned
    if not name and verb == "delete":
        verb = "deletecollection"

    field_selector = label_selector = ""
    if not via_path_prefix and verb in _VERBS_WITH_SELECTORS:
        field_selector = query.get("fieldSelector", "")
        label_selector = query.get("labelSelector", "")

    return RequestInfo(
        is_resource_request=True,
        path=path,
        verb=verb,
        api_prefix=prefix,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=tuple(parts),
        field_selector=field_selector,
        label_selector=label_selector,
    )


def is_long_running(info: RequestInfo) -> bool:
    """kube-apiserver's default long-running check: watches, proxies and streaming subresources.
    These are not counted by the in-flight limiter and are tracked by a gauge instead."""
    return info.verb in LONG_RUNNING_VERBS or info.subresource in LONG_RUNNING_SUBRESOURCES


def first_values(raw_query: bytes) -> dict[str, str]:
    """The first value of each query parameter, as Go's ``url.Values.Get``."""
    out: dict[str, str] = {}
    if raw_query:
        for key, value in parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True):
            out.setdefault(key, value)
    return out


_CACHE: dict[tuple[str, str, bytes], RequestInfo] = {}
_CACHE_SIZE = 4096


def request_info_cached(method: str, path: str, raw_query: bytes) -> RequestInfo:
    """``request_info`` for a raw request line, remembered: clients repeat the same few paths
    (a controller's GETs, a kubectl watch) and parsing cost as much as serving a cached GET.
    The cache is cleared when full, so invented URLs cannot grow it."""
    key = (method, path, raw_query)
    info = _CACHE.get(key)
    if info is None:
        info = request_info(method, path, first_values(raw_query))
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = info
    return info
