"""Rule and subject matching (``RuleAllows``, ``appliesToUser``) and ``CompactString``."""

from __future__ import annotations

import pytest

from imagestreams.rbac.rules import (
    PolicyRule,
    Subject,
    compact_string,
    rule_allows,
    split_service_account,
    subject_applies,
)


def _r(
    verbs: str, groups: str = "", resources: str = "", names: str = "", urls: str = ""
) -> PolicyRule:
    def t(text: str) -> tuple[str, ...]:
        return tuple(text.split(",")) if text else ()

    return PolicyRule(
        t(verbs), tuple(groups.split(",")) if groups != "-" else (), t(resources), t(names), t(urls)
    )


IS = "image.openshift.io"

RESOURCE_CASES = [
    pytest.param(
        _r("get", IS, "imagestreams"), "get", IS, "imagestreams", "", "", True, id="exact"
    ),
    pytest.param(
        _r("get", IS, "imagestreams"), "list", IS, "imagestreams", "", "", False, id="other-verb"
    ),
    pytest.param(
        _r("*", IS, "imagestreams"),
        "deletecollection",
        IS,
        "imagestreams",
        "",
        "",
        True,
        id="verb-star",
    ),
    pytest.param(
        _r("get", IS, "imagestreams"), "get", "", "imagestreams", "", "", False, id="other-group"
    ),
    pytest.param(
        _r("get", "*", "imagestreams"), "get", "apps", "imagestreams", "", "", True, id="group-star"
    ),
    pytest.param(
        _r("get", ",image.openshift.io", "imagestreams"),
        "get",
        "",
        "imagestreams",
        "",
        "",
        True,
        id="legacy-group",
    ),
    pytest.param(
        _r("get", IS, "imagestreams"),
        "get",
        IS,
        "imagestreams",
        "layers",
        "",
        False,
        id="resource-not-subresource",
    ),
    pytest.param(
        _r("get", IS, "imagestreams/layers"),
        "get",
        IS,
        "imagestreams",
        "layers",
        "",
        True,
        id="subresource",
    ),
    pytest.param(
        _r("get", IS, "imagestreams/layers"),
        "get",
        IS,
        "imagestreams",
        "",
        "",
        False,
        id="subresource-not-resource",
    ),
    pytest.param(
        _r("get", IS, "*/layers"),
        "get",
        IS,
        "imagestreams",
        "layers",
        "",
        True,
        id="star-slash-sub",
    ),
    pytest.param(
        _r("get", IS, "*/layers"),
        "get",
        IS,
        "imagestreams",
        "secrets",
        "",
        False,
        id="star-slash-other-sub",
    ),
    pytest.param(
        _r("get", IS, "*/layers"), "get", IS, "layers", "", "", False, id="star-slash-not-resource"
    ),
    pytest.param(
        _r("get", IS, "*"),
        "get",
        IS,
        "imagestreams",
        "secrets",
        "",
        True,
        id="star-covers-subresources",
    ),
    pytest.param(
        _r("get", IS, "imagestreams", "a,b"), "get", IS, "imagestreams", "", "b", True, id="named"
    ),
    pytest.param(
        _r("get", IS, "imagestreams", "a,b"),
        "get",
        IS,
        "imagestreams",
        "",
        "c",
        False,
        id="other-name",
    ),
    pytest.param(
        _r("list", IS, "imagestreams", "a"),
        "list",
        IS,
        "imagestreams",
        "",
        "",
        False,
        id="named-rule-no-name",
    ),
    pytest.param(
        _r("get", "-", "", "", "/apis/*"),
        "get",
        IS,
        "imagestreams",
        "",
        "",
        False,
        id="url-rule-on-resource",
    ),
]
NON_RESOURCE_CASES = [
    pytest.param(_r("get", "-", "", "", "/healthz"), "get", "/healthz", True, id="exact-url"),
    pytest.param(_r("get", "-", "", "", "/healthz"), "get", "/healthz/etcd", False, id="no-prefix"),
    pytest.param(
        _r("get", "-", "", "", "/apis/*"), "get", "/apis/image.openshift.io/v1", True, id="prefix"
    ),
    pytest.param(_r("get", "-", "", "", "/apis/*"), "get", "/apis", False, id="prefix-needs-slash"),
    pytest.param(_r("get", "-", "", "", "*"), "post", "/anything", False, id="star-url-other-verb"),
    pytest.param(_r("*", "-", "", "", "*"), "post", "/anything", True, id="star-star"),
    pytest.param(_r("get", IS, "imagestreams"), "get", "/apis", False, id="resource-rule-on-url"),
]


@pytest.mark.parametrize(
    ("rule", "verb", "group", "resource", "sub", "name", "want"), RESOURCE_CASES
)
def test_resource_rule(
    rule: PolicyRule, verb: str, group: str, resource: str, sub: str, name: str, want: bool
) -> None:
    got = rule_allows(
        rule,
        verb=verb,
        resource_request=True,
        api_group=group,
        resource=resource,
        subresource=sub,
        name=name,
    )
    assert got is want


@pytest.mark.parametrize(("rule", "verb", "path", "want"), NON_RESOURCE_CASES)
def test_non_resource_rule(rule: PolicyRule, verb: str, path: str, want: bool) -> None:
    assert rule_allows(rule, verb=verb, resource_request=False, path=path) is want


SA = "system:serviceaccount:proj:builder"
GROUPS = ("system:serviceaccounts", "system:serviceaccounts:proj", "system:authenticated")

SUBJECT_CASES = [
    pytest.param(Subject("User", "alice"), "alice", (), "", True, id="user"),
    pytest.param(Subject("User", "alice"), "bob", (), "", False, id="other-user"),
    pytest.param(
        Subject("Group", "system:authenticated"),
        "bob",
        ("system:authenticated",),
        "",
        True,
        id="group",
    ),
    pytest.param(
        Subject("Group", "system:unauthenticated"),
        "system:anonymous",
        ("system:unauthenticated",),
        "",
        True,
        id="unauthenticated",
    ),
    pytest.param(
        Subject("Group", "system:serviceaccounts:proj"),
        SA,
        GROUPS,
        "other",
        True,
        id="sa-namespace-group",
    ),
    pytest.param(
        Subject("ServiceAccount", "builder", "proj"), SA, GROUPS, "", True, id="sa-explicit-ns"
    ),
    pytest.param(
        Subject("ServiceAccount", "builder"), SA, GROUPS, "proj", True, id="sa-binding-ns"
    ),
    pytest.param(Subject("ServiceAccount", "builder"), SA, GROUPS, "", False, id="sa-no-ns-in-crb"),
    pytest.param(
        Subject("ServiceAccount", "builder", "other"), SA, GROUPS, "proj", False, id="sa-other-ns"
    ),
    pytest.param(Subject("User", SA), SA, GROUPS, "", True, id="sa-as-user-name"),
    pytest.param(Subject("Robot", "alice"), "alice", (), "", False, id="unknown-kind"),
]


@pytest.mark.parametrize(("subject", "user", "groups", "ns", "want"), SUBJECT_CASES)
def test_subject_applies(
    subject: Subject, user: str, groups: tuple[str, ...], ns: str, want: bool
) -> None:
    assert subject_applies(subject, user, groups, ns) is want


@pytest.mark.parametrize(
    ("username", "want"),
    [
        pytest.param("system:serviceaccount:proj:builder", ("proj", "builder"), id="sa"),
        pytest.param("system:serviceaccount:proj", None, id="no-name"),
        pytest.param("system:serviceaccount:a:b:c", None, id="too-many"),
        pytest.param("alice", None, id="user"),
    ],
)
def test_split_service_account(username: str, want: tuple[str, str] | None) -> None:
    assert split_service_account(username) == want


@pytest.mark.parametrize(
    ("rule", "want"),
    [
        pytest.param(
            _r("get,list", IS, "imagestreams"),
            '{APIGroups:["image.openshift.io"], Resources:["imagestreams"], Verbs:["get" "list"]}',
            id="resource",
        ),
        pytest.param(
            _r("get", "", "pods", "a"),
            '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
            id="named-core",
        ),
        pytest.param(
            _r("get", "-", "", "", "/healthz"),
            '{NonResourceURLs:["/healthz"], Verbs:["get"]}',
            id="url",
        ),
    ],
)
def test_compact_string(rule: PolicyRule, want: str) -> None:
    assert compact_string(rule) == want


def test_dict_round_trip() -> None:
    raw = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}
    assert PolicyRule.from_dict(raw).to_dict() == raw
