"""Request parsing (RequestInfoFactory), the authorizer and kube's forbidden messages."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.server import authz
from imagestreams.server.authn import ADMIN, ANONYMOUS, UserInfo
from imagestreams.server.requestinfo import RequestInfo, is_long_running, query_bool, request_info

IS = "image.openshift.io"
NS_IS = f"/apis/{IS}/v1/namespaces/ns/imagestreams"


def _r(path: str, verb: str, **kw: Any) -> RequestInfo:
    """A resource request; prefix/version default from the path."""
    parts = path.strip("/").split("/")
    prefix = parts[0]
    group = parts[1] if prefix == "apis" else ""
    version = parts[2] if prefix == "apis" else parts[1]
    return RequestInfo(True, path, verb, prefix, group, version, **kw)


def _n(path: str, verb: str) -> RequestInfo:
    return RequestInfo(False, path, verb)


# fmt: off
CASES = [
    # resource requests in a namespace
    ("GET", f"{NS_IS}", {}, _r(NS_IS, "list", namespace="ns", resource="imagestreams",
                                parts=("imagestreams",)), "is-list"),
    ("GET", f"{NS_IS}/foo", {}, _r(f"{NS_IS}/foo", "get", namespace="ns",
                                   resource="imagestreams", name="foo",
                                   parts=("imagestreams", "foo")), "is-get"),
    ("HEAD", f"{NS_IS}/foo", {}, _r(f"{NS_IS}/foo", "get", namespace="ns",
                                    resource="imagestreams", name="foo",
                                    parts=("imagestreams", "foo")), "is-head-is-get"),
    ("GET", f"{NS_IS}/foo/layers", {}, _r(f"{NS_IS}/foo/layers", "get", namespace="ns",
                                          resource="imagestreams", name="foo",
                                          subresource="layers",
                                          parts=("imagestreams", "foo", "layers")), "is-layers"),
    ("PUT", f"{NS_IS}/foo/status", {}, _r(f"{NS_IS}/foo/status", "update", namespace="ns",
                                          resource="imagestreams", name="foo",
                                          subresource="status",
                                          parts=("imagestreams", "foo", "status")), "is-status"),
    ("POST", f"{NS_IS}", {}, _r(NS_IS, "create", namespace="ns", resource="imagestreams",
                                 parts=("imagestreams",)), "is-create"),
    ("PATCH", f"{NS_IS}/foo", {}, _r(f"{NS_IS}/foo", "patch", namespace="ns",
                                     resource="imagestreams", name="foo",
                                     parts=("imagestreams", "foo")), "is-patch"),
    ("DELETE", f"{NS_IS}/foo", {}, _r(f"{NS_IS}/foo", "delete", namespace="ns",
                                      resource="imagestreams", name="foo",
                                      parts=("imagestreams", "foo")), "is-delete"),
    ("DELETE", f"{NS_IS}", {"labelSelector": "a=b"},
     _r(NS_IS, "deletecollection", namespace="ns", resource="imagestreams",
        parts=("imagestreams",), label_selector="a=b"), "is-deletecollection"),
    ("OPTIONS", f"{NS_IS}", {}, _r(NS_IS, "", namespace="ns", resource="imagestreams",
                                    parts=("imagestreams",)), "unknown-method-empty-verb"),
    # watch variants
    ("GET", f"{NS_IS}", {"watch": "true", "fieldSelector": "a=b"},
     _r(NS_IS, "watch", namespace="ns", resource="imagestreams", parts=("imagestreams",),
        field_selector="a=b"), "watch-param"),
    ("GET", f"{NS_IS}", {"watch": "1"}, _r(NS_IS, "watch", namespace="ns",
                                            resource="imagestreams", parts=("imagestreams",)),
     "watch-1"),
    ("GET", f"{NS_IS}", {"watch": ""}, _r(NS_IS, "watch", namespace="ns",
                                           resource="imagestreams", parts=("imagestreams",)),
     "watch-empty-is-true"),
    ("GET", f"{NS_IS}", {"watch": "FALSE"}, _r(NS_IS, "list", namespace="ns",
                                                resource="imagestreams",
                                                parts=("imagestreams",)), "watch-false"),
    ("GET", f"{NS_IS}", {"watch": "0"}, _r(NS_IS, "list", namespace="ns",
                                            resource="imagestreams", parts=("imagestreams",)),
     "watch-0"),
    ("GET", f"/apis/{IS}/v1/watch/namespaces/ns/imagestreams", {"labelSelector": "x"},
     _r(f"/apis/{IS}/v1/watch/namespaces/ns/imagestreams", "watch", namespace="ns",
        resource="imagestreams", parts=("imagestreams",)), "watch-prefix-no-selectors"),
    ("GET", f"/apis/{IS}/v1/watch/namespaces/ns/imagestreams/foo", {},
     _r(f"/apis/{IS}/v1/watch/namespaces/ns/imagestreams/foo", "watch", namespace="ns",
        resource="imagestreams", name="foo", parts=("imagestreams", "foo")), "watch-prefix-one"),
    ("GET", "/api/v1/watch/pods", {}, _r("/api/v1/watch/pods", "watch", resource="pods",
                                         parts=("pods",)), "watch-prefix-cluster"),
    ("GET", f"{NS_IS}", {"fieldSelector": "metadata.name=foo"},
     _r(NS_IS, "list", namespace="ns", resource="imagestreams", name="foo",
        parts=("imagestreams",), field_selector="metadata.name=foo"), "list-pinned-name"),
    ("GET", f"{NS_IS}", {"watch": "true", "fieldSelector": "metadata.name==a\\,b"},
     _r(NS_IS, "watch", namespace="ns", resource="imagestreams", name="a,b",
        parts=("imagestreams",), field_selector="metadata.name==a\\,b"), "watch-pinned-escaped"),
    ("GET", f"{NS_IS}", {"fieldSelector": "metadata.name!=foo"},
     _r(NS_IS, "list", namespace="ns", resource="imagestreams", parts=("imagestreams",),
        field_selector="metadata.name!=foo"), "not-equal-pins-nothing"),
    ("GET", f"{NS_IS}", {"fieldSelector": "metadata.name=a/b"},
     _r(NS_IS, "list", namespace="ns", resource="imagestreams", parts=("imagestreams",),
        field_selector="metadata.name=a/b"), "pinned-name-not-a-path-segment"),
    # cluster scope and the core group
    ("GET", f"/apis/{IS}/v1/images", {}, _r(f"/apis/{IS}/v1/images", "list",
                                             resource="images", parts=("images",)),
     "images-list"),
    ("GET", f"/apis/{IS}/v1/images/sha256:abc", {},
     _r(f"/apis/{IS}/v1/images/sha256:abc", "get", resource="images", name="sha256:abc",
        parts=("images", "sha256:abc")), "image-get"),
    ("GET", f"/apis/{IS}/v1/imagestreams", {}, _r(f"/apis/{IS}/v1/imagestreams", "list",
                                                   resource="imagestreams",
                                                   parts=("imagestreams",)), "all-namespaces"),
    ("GET", "/api/v1/namespaces", {}, _r("/api/v1/namespaces", "list", resource="namespaces",
                                         parts=("namespaces",)), "namespaces-list"),
    ("GET", "/api/v1/namespaces/foo", {}, _r("/api/v1/namespaces/foo", "get", namespace="foo",
                                             resource="namespaces", name="foo",
                                             parts=("namespaces", "foo")), "namespace-get"),
    ("PUT", "/api/v1/namespaces/foo/finalize", {},
     _r("/api/v1/namespaces/foo/finalize", "update", namespace="foo", resource="namespaces",
        name="foo", subresource="finalize", parts=("namespaces", "foo", "finalize")),
     "namespace-finalize"),
    ("GET", "/api/v1/namespaces/foo/secrets/s", {},
     _r("/api/v1/namespaces/foo/secrets/s", "get", namespace="foo", resource="secrets",
        name="s", parts=("secrets", "s")), "core-namespaced"),
    ("GET", "/api/v1/namespaces/ns/pods/p/log", {},
     _r("/api/v1/namespaces/ns/pods/p/log", "get", namespace="ns", resource="pods", name="p",
        subresource="log", parts=("pods", "p", "log")), "pod-log"),
    ("GET", "/api/v1/proxy/namespaces/ns/pods/p/x/y", {},
     _r("/api/v1/proxy/namespaces/ns/pods/p/x/y", "proxy", namespace="ns", resource="pods",
        name="p", parts=("pods", "p", "x", "y")), "proxy-has-no-subresource"),
    ("GET", "/api/v1/namespaces/ns", {"watch": "true"},
     _r("/api/v1/namespaces/ns", "get", namespace="ns", resource="namespaces", name="ns",
        parts=("namespaces", "ns")), "watch-param-ignored-with-name"),
    ("GET", "/api/v1/pods/", {}, _r("/api/v1/pods/", "list", resource="pods", parts=("pods",)),
     "trailing-slash"),
    # non-resource requests
    ("GET", "/healthz", {}, _n("/healthz", "get"), "healthz"),
    ("GET", "/readyz/etcd", {}, _n("/readyz/etcd", "get"), "readyz-check"),
    ("GET", "/", {}, _n("/", "get"), "root"),
    ("GET", "/api", {}, _n("/api", "get"), "api-root"),
    ("GET", "/api/v1", {}, _n("/api/v1", "get"), "core-discovery"),
    ("GET", "/apis", {}, _n("/apis", "get"), "apis-root"),
    ("GET", f"/apis/{IS}", {}, _n(f"/apis/{IS}", "get"), "group-discovery"),
    ("GET", f"/apis/{IS}/v1", {}, _n(f"/apis/{IS}/v1", "get"), "version-discovery"),
    ("POST", "/metrics", {}, _n("/metrics", "post"), "non-resource-verb-is-method"),
    ("GET", "/openapi/v3/apis/image.openshift.io/v1", {},
     _n("/openapi/v3/apis/image.openshift.io/v1", "get"), "openapi"),
    ("GET", "/version", {}, _n("/version", "get"), "version"),
]
# fmt: on


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [pytest.param(m, p, q, e, id=i) for m, p, q, e, i in CASES],
)
def test_request_info(method: str, path: str, query: dict[str, str], expected: RequestInfo) -> None:
    assert request_info(method, path, query) == expected


def test_watch_prefix_without_resource() -> None:
    info = request_info("GET", "/api/v1/watch", {})
    assert (info.is_resource_request, info.verb, info.resource) == (True, "watch", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, False, id="absent"),
        pytest.param("", True, id="empty"),
        pytest.param("true", True, id="true"),
        pytest.param("yes", True, id="anything"),
        pytest.param("0", False, id="zero"),
        pytest.param("False", False, id="false-any-case"),
    ],
)
def test_query_bool(value: str | None, expected: bool) -> None:
    assert query_bool(value) is expected


@pytest.mark.parametrize(
    ("method", "path", "query", "long_running", "mutating"),
    [
        pytest.param("GET", NS_IS, {"watch": "1"}, True, False, id="watch"),
        pytest.param("GET", "/api/v1/namespaces/ns/pods/p/log", {}, True, False, id="log"),
        pytest.param("GET", "/api/v1/namespaces/ns/pods/p/exec", {}, True, False, id="exec"),
        pytest.param("GET", NS_IS, {}, False, False, id="list"),
        pytest.param("POST", NS_IS, {}, False, True, id="create"),
        pytest.param("DELETE", NS_IS, {}, False, True, id="deletecollection"),
        pytest.param("HEAD", "/healthz", {}, False, True, id="non-resource-head-as-kube"),
    ],
)
def test_long_running_and_mutating(
    method: str, path: str, query: dict[str, str], long_running: bool, mutating: bool
) -> None:
    info = request_info(method, path, query)
    assert (is_long_running(info), info.is_mutating) == (long_running, mutating)


ALICE = UserInfo("alice", groups=("system:authenticated",))


def _attrs(user: UserInfo = ALICE, **kw: Any) -> authz.Attributes:
    base: dict[str, Any] = {
        "verb": "get", "api_group": IS, "api_version": "v1", "resource": "imagestreams",
        "name": "foo", "namespace": "y", "resource_request": True,
    }  # fmt: skip
    base.update(kw)
    return authz.Attributes(user=user, **base)


@pytest.mark.parametrize(
    ("attrs", "reason", "message"),
    [
        pytest.param(
            _attrs(UserInfo("x")),
            "",
            'User "x" cannot get resource "imagestreams" in API group "image.openshift.io" '
            'in the namespace "y"',
            id="namespaced",
        ),
        pytest.param(
            _attrs(verb="list", resource="images", namespace="", name=""),
            "",
            'User "alice" cannot list resource "images" in API group "image.openshift.io" '
            "at the cluster scope",
            id="cluster-scope",
        ),
        pytest.param(
            _attrs(subresource="layers"),
            "",
            'User "alice" cannot get resource "imagestreams/layers" in API group '
            '"image.openshift.io" in the namespace "y"',
            id="subresource",
        ),
        pytest.param(
            _attrs(api_group="", resource="secrets"),
            "no RBAC policy matched",
            'User "alice" cannot get resource "secrets" in API group "" in the namespace "y": '
            "no RBAC policy matched",
            id="core-group-with-reason",
        ),
        pytest.param(
            _attrs(resource_request=False, path="/foo", verb="post"),
            "",
            'User "alice" cannot post path "/foo"',
            id="non-resource",
        ),
        pytest.param(
            _attrs(UserInfo('ev"il<b>\n')),
            "a<b",
            'User "ev\\"il&lt;b&gt;\\n" cannot get resource "imagestreams" in API group '
            '"image.openshift.io" in the namespace "y": a<b',
            id="go-quoted-and-html-sanitized-reason-untouched",
        ),
    ],
)
def test_forbidden_message(attrs: authz.Attributes, reason: str, message: str) -> None:
    assert authz.forbidden_message(attrs, reason) == message


@pytest.mark.parametrize(
    ("attrs", "status"),
    [
        pytest.param(
            _attrs(),
            {
                "message": 'imagestreams.image.openshift.io "foo" is forbidden: User "alice" '
                'cannot get resource "imagestreams" in API group "image.openshift.io" in the '
                'namespace "y"',
                "details": {"name": "foo", "group": IS, "kind": "imagestreams"},
            },
            id="named",
        ),
        pytest.param(
            _attrs(verb="list", name="", api_group="", resource="namespaces", namespace=""),
            {
                "message": 'namespaces is forbidden: User "alice" cannot list resource '
                '"namespaces" in API group "" at the cluster scope',
                "details": {"kind": "namespaces"},
            },
            id="collection-core-group",
        ),
        pytest.param(
            _attrs(ANONYMOUS, resource_request=False, path="/metrics"),
            {"message": 'forbidden: User "system:anonymous" cannot get path "/metrics"'},
            id="non-resource",
        ),
    ],
)
def test_forbidden_error(attrs: authz.Attributes, status: dict[str, Any]) -> None:
    expected = {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "reason": "Forbidden", "code": 403, **status,
    }  # fmt: skip
    assert authz.forbidden_error(attrs).status() == expected


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        pytest.param("plain", '"plain"', id="plain"),
        pytest.param('a"b\\c', '"a\\"b\\\\c"', id="quote-and-backslash"),
        pytest.param("\t\x00\x7f", '"\\t\\x00\\x7f"', id="controls"),
        pytest.param("é ü", '"é ü"', id="printable-unicode-kept"),
        pytest.param("\u200b", '"\\u200b"', id="zero-width-space"),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert authz.go_quote(text) == quoted


@pytest.mark.parametrize(
    ("user", "decision"),
    [
        pytest.param(ALICE, authz.Decision.ALLOW, id="authenticated"),
        pytest.param(ADMIN, authz.Decision.ALLOW, id="admin"),
        pytest.param(ANONYMOUS, authz.Decision.DENY, id="anonymous"),
        pytest.param(UserInfo("bob"), authz.Decision.DENY, id="no-authenticated-group"),
        pytest.param(
            UserInfo("system:anonymous", groups=("system:authenticated",)),
            authz.Decision.DENY,
            id="anonymous-name-wins",
        ),
    ],
)
async def test_allow_all_authenticated(user: UserInfo, decision: authz.Decision) -> None:
    assert await authz.AllowAllAuthenticated().authorize(_attrs(user)) == (decision, "")


def test_attributes_from_request() -> None:
    info = request_info("GET", f"{NS_IS}/foo/layers", {})
    assert authz.Attributes.from_request(ALICE, info) == authz.Attributes(
        user=ALICE, verb="get", api_group=IS, api_version="v1", resource="imagestreams",
        subresource="layers", name="foo", namespace="ns", resource_request=True,
        path=f"{NS_IS}/foo/layers",
    )  # fmt: skip
