"""Prometheus metrics named and labelled like kube-apiserver's, so its dashboards and alerts apply.

The families and label sets follow ``k8s.io/apiserver/pkg/endpoints/metrics`` (request counter,
latency histogram with the SLO buckets, long-running gauge, in-flight gauge) and
``pkg/storage/etcd3/metrics`` (storage latency). Verbs are reported upper-case as kube does
(``GET``/``LIST``/``WATCH``/``POST``/``PUT``/``PATCH``/``APPLY``/``DELETE``...).

Label values are bounded on purpose: never a user name, token, object name, namespace or raw path,
and group/version/resource only for requests the router resolved (``routed=True``), so a client
cannot grow the series count by inventing URLs.

The metrics live on a private ``CollectorRegistry`` (not prometheus_client's global one) so tests
and several servers in one process stay apart. ``METRICS`` is the process-wide instance; the REST
layer calls ``observe_storage`` and the ``/metrics`` handler calls ``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from imagestreams.server.metric_families import LoopCounter, LoopHistogram
from imagestreams.server.requestinfo import RequestInfo

__all__ = [
    "COMPONENT",
    "LATENCY_BUCKETS",
    "METRICS",
    "ApiServerMetrics",
    "observe_storage",
    "render",
    "reported_verb",
    "scope_of",
]

COMPONENT = "apiserver"
# kube's request_duration_seconds / etcd_request_duration_seconds buckets (latency SLO).
LATENCY_BUCKETS = (
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30,
    45, 60,
)  # fmt: skip
_VALID_VERBS = frozenset(
    {"APPLY", "CONNECT", "CREATE", "DELETE", "DELETECOLLECTION", "GET", "LIST", "PATCH", "POST",
     "PROXY", "PUT", "UPDATE", "WATCH", "WATCHLIST"}
)  # fmt: skip
_CONNECT_SUBRESOURCES = frozenset({"log", "exec", "portforward", "attach", "proxy"})
_APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
_REQUEST_LABELS = ("verb", "dry_run", "group", "version", "resource", "subresource", "scope",
                   "component")  # fmt: skip
_CODES = {code: str(code) for code in range(100, 600)}
_LABEL_CACHE_SIZE = 4096
_LONGRUNNING_LABELS = ("verb", "group", "version", "resource", "subresource", "scope", "component")


def scope_of(info: RequestInfo) -> str:
    """kube's ``CleanScope``: resource, namespace, cluster, or "" for non-resource requests."""
    if info.name or info.verb == "create":
        return "resource"
    if info.namespace:
        return "namespace"
    return "cluster" if info.is_resource_request else ""


def reported_verb(
    method: str, info: RequestInfo, query: Mapping[str, str], content_type: str = ""
) -> str:
    """The ``verb`` label: the HTTP method, with GET of a collection as LIST, ``?watch`` and the
    ``/watch/`` prefix as WATCH, server-side apply as APPLY, streaming subresources as CONNECT."""
    verb = method.upper()
    scope = scope_of(info)
    if verb in ("GET", "HEAD"):
        verb = "LIST" if scope not in ("resource", "") else "GET"
    if info.verb == "watch":
        verb = "WATCH"
    elif method.upper() == "GET" and "watch" in query:
        value = query["watch"].lower()
        if value not in ("0", "false"):
            verb = "WATCH"
    if verb == "PATCH" and content_type.split(";")[0].strip() == _APPLY_CONTENT_TYPE:
        verb = "APPLY"
    if info.is_resource_request and info.subresource in _CONNECT_SUBRESOURCES:
        verb = "CONNECT"
    return verb if verb in _VALID_VERBS else "other"


def _dry_run(query: Mapping[str, str]) -> str:
    value = query.get("dryRun")
    if value is None:
        return ""
    return "All" if value == "All" else "invalid"


class ApiServerMetrics:
    """The metric families of one API server, on their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.request_total = LoopCounter(
            "apiserver_request_total",
            "Counter of apiserver requests broken out for each verb, dry run value, group, "
            "version, resource, scope, component, and HTTP response code.",
            (*_REQUEST_LABELS, "code"),
            registry=r,
        )
        self.request_duration = LoopHistogram(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb, dry run value, group, "
            "version, resource, subresource, scope and component.",
            _REQUEST_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.longrunning = Gauge(
            "apiserver_longrunning_requests",
            "Gauge of all active long-running apiserver requests broken out by verb, group, "
            "version, resource, scope and component. Not all requests are tracked this way.",
            _LONGRUNNING_LABELS,
            registry=r,
        )
        self.inflight = Gauge(
            "apiserver_current_inflight_requests",
            "Number of currently used inflight request limit of this apiserver per request kind.",
            ("request_kind",),
            registry=r,
        )
        self.dropped = LoopCounter(
            "apiserver_dropped_requests",  # exposed as apiserver_dropped_requests_total
            "Number of requests dropped with 'Try again later' response.",
            ("request_kind",),
            registry=r,
        )
        self.storage_duration = LoopHistogram(
            "etcd_request_duration_seconds",
            "Storage request latency in seconds for each operation and object type.",
            ("operation", "group", "resource"),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.watchers = Gauge(
            "apiserver_registered_watchers",
            "Number of currently registered watchers for a given resource.",
            ("group", "kind"),
            registry=r,
        )
        self._label_cache: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._inflight_children = {k: self.inflight.labels(k) for k in ("readOnly", "mutating")}
        for kind in ("readOnly", "mutating"):
            self.inflight.labels(kind).set(0)
            self.dropped.ensure((kind,))

    def _labels(self, method: str, info: RequestInfo, query: Mapping[str, str],
                content_type: str, routed: bool) -> tuple[str, ...]:  # fmt: skip
        verb = reported_verb(method, info, query, content_type)
        if routed and info.is_resource_request:
            gvr = (info.api_group, info.api_version, info.resource, info.subresource)
        else:
            gvr = ("", "", "", "")
        return (verb, _dry_run(query), *gvr, scope_of(info), COMPONENT)

    def record_request(
        self,
        method: str,
        info: RequestInfo,
        query: Mapping[str, str],
        code: int,
        seconds: float,
        *,
        content_type: str = "",
        routed: bool = True,
    ) -> None:
        """Count one finished request and observe its latency (kube's ``MonitorRequest``).

        Pass ``routed=False`` when no handler matched (404 on an unknown resource): the
        group/version/resource labels are then left empty.
        """
        key = (method, info, query.get("watch"), query.get("dryRun"), content_type, routed)
        labels = self._label_cache.get(key)
        if labels is None:
            labels = self._labels(method, info, query, content_type, routed)
            if len(self._label_cache) >= _LABEL_CACHE_SIZE:
                self._label_cache.clear()
            self._label_cache[key] = labels
        self.request_total.inc((*labels, _CODES.get(code) or str(code)))
        self.request_duration.observe(labels, seconds)

    def record_dropped(self, method: str, info: RequestInfo, query: Mapping[str, str]) -> None:
        """A request refused with 429 by the in-flight limiter."""
        self.dropped.inc(("mutating" if info.is_mutating else "readOnly",))
        labels = self._labels(method, info, query, "", True)
        self.request_total.inc((*labels, "429"))

    def track_inflight(self, readonly: Callable[[], int], mutating: Callable[[], int]) -> None:
        """Report the in-flight gauges from these callbacks when scraped."""
        self._inflight_children["readOnly"].set_function(readonly)
        self._inflight_children["mutating"].set_function(mutating)

    def set_inflight(self, kind: str, value: int) -> None:
        """``kind`` is ``readOnly`` or ``mutating``."""
        child = self._inflight_children.get(kind)
        (child if child is not None else self.inflight.labels(kind)).set(value)

    @contextmanager
    def longrunning_request(
        self, method: str, info: RequestInfo, query: Mapping[str, str]
    ) -> Iterator[None]:
        """Count a watch (or other long-running request) for as long as the block runs."""
        verb = reported_verb(method, info, query)
        gvr = (info.api_group, info.api_version, info.resource, info.subresource)
        if not info.is_resource_request:
            gvr = ("", "", "", "")
        gauge = self.longrunning.labels(verb, *gvr, scope_of(info), COMPONENT)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()

    @contextmanager
    def watcher(self, group: str, kind: str) -> Iterator[None]:
        """Count one registered watcher of ``group``/``kind`` while the block runs."""
        gauge = self.watchers.labels(group, kind)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()

    def observe_storage(
        self, operation: str, resource: str, seconds: float, group: str = ""
    ) -> None:
        """Storage latency; ``operation`` is get, list, create, update, delete, watch, ..."""
        self.storage_duration.observe((operation, group, resource), seconds)

    def render(self) -> tuple[bytes, str]:
        """The text exposition and its content type, for the ``/metrics`` handler."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


METRICS = ApiServerMetrics()


def observe_storage(operation: str, resource: str, seconds: float, group: str = "") -> None:
    """Record a storage call on the process-wide ``METRICS``."""
    METRICS.observe_storage(operation, resource, seconds, group)


def render() -> tuple[bytes, str]:
    """The process-wide ``METRICS`` in Prometheus text format."""
    return METRICS.render()
