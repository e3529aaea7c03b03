"""kube-apiserver-shaped metrics: verb and scope cleaning, families, labels, exposition."""

from __future__ import annotations

import pytest

from imagestreams.server import metrics, requestinfo
from imagestreams.server.metrics import ApiServerMetrics, reported_verb, scope_of
from imagestreams.server.requestinfo import request_info

IS = "image.openshift.io"
NS_IS = f"/apis/{IS}/v1/namespaces/ns/imagestreams"


@pytest.mark.parametrize(
    ("method", "path", "query", "content_type", "verb", "scope"),
    [
        pytest.param("GET", f"{NS_IS}/foo", {}, "", "GET", "resource", id="get"),
        pytest.param("HEAD", f"{NS_IS}/foo", {}, "", "GET", "resource", id="head"),
        pytest.param("GET", NS_IS, {}, "", "LIST", "namespace", id="list-namespace"),
        pytest.param("GET", f"/apis/{IS}/v1/images", {}, "", "LIST", "cluster", id="list-all"),
        pytest.param("GET", NS_IS, {"watch": "true"}, "", "WATCH", "namespace", id="watch"),
        pytest.param("GET", NS_IS, {"watch": "false"}, "", "LIST", "namespace", id="no-watch"),
        pytest.param(
            "GET",
            f"/apis/{IS}/v1/watch/imagestreams",
            {},
            "",
            "WATCH",
            "cluster",
            id="watch-prefix",
        ),
        pytest.param(
            "GET",
            f"{NS_IS}/foo",
            {"watch": "1"},
            "",
            "WATCH",
            "resource",
            id="watch-named",
        ),
        pytest.param("POST", NS_IS, {}, "", "POST", "resource", id="create"),
        pytest.param("PUT", f"{NS_IS}/foo", {}, "", "PUT", "resource", id="update"),
        pytest.param(
            "PATCH",
            f"{NS_IS}/foo",
            {},
            "application/merge-patch+json",
            "PATCH",
            "resource",
            id="patch",
        ),
        pytest.param(
            "PATCH",
            f"{NS_IS}/foo",
            {},
            "application/apply-patch+yaml; charset=utf-8",
            "APPLY",
            "resource",
            id="apply",
        ),
        pytest.param("DELETE", NS_IS, {}, "", "DELETE", "namespace", id="deletecollection"),
        pytest.param(
            "GET",
            "/api/v1/namespaces/ns/pods/p/log",
            {},
            "",
            "CONNECT",
            "resource",
            id="connect",
        ),
        pytest.param("GET", "/healthz", {}, "", "GET", "", id="non-resource"),
        pytest.param("OPTIONS", NS_IS, {}, "", "other", "namespace", id="unknown-method"),
    ],
)
def test_reported_verb_and_scope(
    method: str, path: str, query: dict[str, str], content_type: str, verb: str, scope: str
) -> None:
    info = request_info(method, path, query)
    assert reported_verb(method, info, query, content_type) == verb
    assert scope_of(info) == scope


def test_request_counter_and_latency() -> None:
    m = ApiServerMetrics()
    get = request_info("GET", f"{NS_IS}/secret-object-name", {})
    m.record_request("GET", get, {}, 200, 0.01)
    m.record_request("GET", get, {}, 200, 0.3)
    m.record_request("POST", request_info("POST", NS_IS, {}), {"dryRun": "All"}, 201, 0.02)

    labels = {
        "verb": "GET", "dry_run": "", "group": IS, "version": "v1", "resource": "imagestreams",
        "subresource": "", "scope": "resource", "component": "apiserver",
    }  # fmt: skip
    r = m.registry
    assert r.get_sample_value("apiserver_request_total", {**labels, "code": "200"}) == 2
    assert r.get_sample_value("apiserver_request_duration_seconds_count", labels) == 2
    assert (
        r.get_sample_value("apiserver_request_duration_seconds_bucket", {**labels, "le": "0.025"})
        == 1
    )
    post = {**labels, "verb": "POST", "dry_run": "All", "code": "201"}
    assert r.get_sample_value("apiserver_request_total", post) == 1


def test_unrouted_requests_do_not_create_resource_series() -> None:
    m = ApiServerMetrics()
    info = request_info("GET", "/apis/made.up/v9/namespaces/ns/whatever", {})
    m.record_request("GET", info, {}, 404, 0.001, routed=False)
    assert m.registry.get_sample_value(
        "apiserver_request_total",
        {"verb": "LIST", "dry_run": "", "group": "", "version": "", "resource": "",
         "subresource": "", "scope": "namespace", "component": "apiserver", "code": "404"},
    ) == 1  # fmt: skip
    payload, _ = m.render()
    assert b"made.up" not in payload and b"whatever" not in payload


def test_dropped_and_inflight() -> None:
    m = ApiServerMetrics()
    r = m.registry
    assert (
        r.get_sample_value("apiserver_current_inflight_requests", {"request_kind": "mutating"}) == 0
    )
    m.set_inflight("readOnly", 7)
    m.record_dropped("POST", request_info("POST", NS_IS, {}), {})
    m.record_dropped("GET", request_info("GET", NS_IS, {}), {})
    m.record_dropped("GET", request_info("GET", NS_IS, {}), {})
    assert (
        r.get_sample_value("apiserver_current_inflight_requests", {"request_kind": "readOnly"}) == 7
    )
    assert r.get_sample_value("apiserver_dropped_requests_total", {"request_kind": "mutating"}) == 1
    assert r.get_sample_value("apiserver_dropped_requests_total", {"request_kind": "readOnly"}) == 2
    assert r.get_sample_value(
        "apiserver_request_total",
        {"verb": "LIST", "dry_run": "", "group": IS, "version": "v1", "resource": "imagestreams",
         "subresource": "", "scope": "namespace", "component": "apiserver", "code": "429"},
    ) == 2  # fmt: skip


def test_longrunning_and_watchers_gauges_go_back_down() -> None:
    m = ApiServerMetrics()
    query = {"watch": "true"}
    info = request_info("GET", NS_IS, query)
    lr = {
        "verb": "WATCH", "group": IS, "version": "v1", "resource": "imagestreams",
        "subresource": "", "scope": "namespace", "component": "apiserver",
    }  # fmt: skip
    w = {"group": IS, "kind": "ImageStream"}
    r = m.registry
    with m.longrunning_request("GET", info, query), m.watcher(IS, "ImageStream"):
        assert r.get_sample_value("apiserver_longrunning_requests", lr) == 1
        assert r.get_sample_value("apiserver_registered_watchers", w) == 1
    assert r.get_sample_value("apiserver_longrunning_requests", lr) == 0
    assert r.get_sample_value("apiserver_registered_watchers", w) == 0
    with pytest.raises(RuntimeError), m.watcher(IS, "ImageStream"):
        raise RuntimeError
    assert r.get_sample_value("apiserver_registered_watchers", w) == 0


def test_module_level_storage_and_render() -> None:
    labels = {"operation": "get", "group": IS, "resource": "imagestreams"}
    before = (
        metrics.METRICS.registry.get_sample_value("etcd_request_duration_seconds_count", labels)
        or 0.0
    )
    metrics.observe_storage("get", "imagestreams", 0.004, group=IS)
    after = metrics.METRICS.registry.get_sample_value("etcd_request_duration_seconds_count", labels)
    assert after == before + 1

    payload, content_type = metrics.render()
    assert content_type.startswith("text/plain; version=")
    text = payload.decode()
    for family in (
        "# TYPE apiserver_request_total counter",
        "# TYPE apiserver_request_duration_seconds histogram",
        "# TYPE apiserver_longrunning_requests gauge",
        "# TYPE apiserver_current_inflight_requests gauge",
        "# TYPE apiserver_dropped_requests_total counter",
        "# TYPE etcd_request_duration_seconds histogram",
        "# TYPE apiserver_registered_watchers gauge",
    ):
        assert family in text
    bucket = (
        'etcd_request_duration_seconds_bucket{group="image.openshift.io",le="0.005",'
        'operation="get",resource="imagestreams"} '
    )
    assert any(line.startswith(bucket) for line in text.splitlines())


def test_private_registries_are_independent() -> None:
    a, b = ApiServerMetrics(), ApiServerMetrics()
    a.set_inflight("mutating", 3)
    labels = {"request_kind": "mutating"}
    assert a.registry.get_sample_value("apiserver_current_inflight_requests", labels) == 3
    assert b.registry.get_sample_value("apiserver_current_inflight_requests", labels) == 0


def test_cached_request_info_matches_a_fresh_parse_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(requestinfo, "_CACHE", {})
    monkeypatch.setattr(requestinfo, "_CACHE_SIZE", 8)
    cases = [
        ("GET", "/api/v1/namespaces/a/configmaps/x", b""),
        ("GET", "/api/v1/namespaces/a/configmaps", b"watch=1&fieldSelector=metadata.name%3Dx"),
        ("DELETE", "/apis/image.openshift.io/v1/namespaces/a/imagestreams", b"labelSelector=a"),
    ]
    for method, path, query in cases:
        fresh = requestinfo.request_info(method, path, requestinfo.first_values(query))
        assert requestinfo.request_info_cached(method, path, query) == fresh
        assert requestinfo.request_info_cached(method, path, query) is (
            requestinfo.request_info_cached(method, path, query)
        )
    for i in range(50):
        requestinfo.request_info_cached("GET", f"/api/v1/namespaces/a/configmaps/{i}", b"")
    assert len(requestinfo._CACHE) <= 8


def test_histogram_exposition_is_cumulative_with_go_style_bounds() -> None:
    m = metrics.ApiServerMetrics()
    for seconds in (0.001, 0.005, 0.03, 100.0):
        m.observe_storage("get", "configmaps", seconds)
    text = m.render()[0].decode()
    series = (
        'etcd_request_duration_seconds_bucket{{group="",le="{}",operation="get",'
        'resource="configmaps"}} {}'
    )
    assert series.format("0.005", "2.0") in text  # le is inclusive
    assert series.format("0.05", "3.0") in text
    assert series.format("60.0", "3.0") in text
    assert series.format("+Inf", "4.0") in text
    assert (
        'etcd_request_duration_seconds_count{group="",operation="get",resource="configmaps"} 4.0'
        in text
    )
