"""Label and field selectors against apimachinery's grammar, matching rules and messages."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.api import selectors
from imagestreams.api.selectors import SelectorError

_QNAME = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_OPS = "in, notin, =, ==, !=, gt, lt"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("a=b", "a=b", id="equals"),
        pytest.param("a==b", "a==b", id="double-equals"),
        pytest.param("a!=b", "a!=b", id="not-equals"),
        pytest.param("a in (y,x)", "a in (x,y)", id="in-sorted"),
        pytest.param("a notin (x)", "a notin (x)", id="notin"),
        pytest.param("a", "a", id="exists"),
        pytest.param("!a", "!a", id="does-not-exist"),
        pytest.param("b=1,a=2", "a=2,b=1", id="sorted-by-key"),
        pytest.param(" a = b ,\tc ", "a=b,c", id="whitespace"),
        pytest.param(
            "x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()", id="doc-example"
        ),
        pytest.param("a=", "a=", id="empty-value"),
        pytest.param("a in (x,x)", "a in (x)", id="dedup"),
        pytest.param("a>5,b<3", "a>5,b<3", id="gt-lt"),
        pytest.param("in in (in)", "in in (in)", id="keyword-as-key-and-value"),
        pytest.param("example.com/app=web", "example.com/app=web", id="prefixed-key"),
    ],
)
def test_label_selector_parses(text: str, canonical: str) -> None:
    assert str(selectors.parse_label_selector(text)) == canonical


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        pytest.param("", {}, True, id="everything"),
        pytest.param("a=b", {"a": "b"}, True, id="eq-match"),
        pytest.param("a=b", {"a": "c"}, False, id="eq-other-value"),
        pytest.param("a=b", {}, False, id="eq-missing"),
        pytest.param("a!=b", {}, True, id="neq-missing"),
        pytest.param("a!=b", {"a": "b"}, False, id="neq-same"),
        pytest.param("a in (x,y)", {"a": "y"}, True, id="in"),
        pytest.param("a notin (x)", {}, True, id="notin-missing"),
        pytest.param("a notin (x)", {"a": "x"}, False, id="notin-present"),
        pytest.param("a", {"a": ""}, True, id="exists-empty-value"),
        pytest.param("!a", {"a": ""}, False, id="not-exists"),
        pytest.param("a=", {"a": ""}, True, id="empty-value"),
        pytest.param("a in ()", {"a": ""}, True, id="empty-set-is-empty-string"),
        pytest.param("a>5", {"a": "6"}, True, id="gt"),
        pytest.param("a>5", {"a": "5"}, False, id="gt-equal"),
        pytest.param("a>5", {"a": "x"}, False, id="gt-not-a-number"),
        pytest.param("a<5", {"a": "-7"}, True, id="lt-negative"),
        pytest.param("a=b,c", {"a": "b"}, False, id="and"),
        pytest.param("x in (foo,,baz),y,z notin ()", {"x": "", "y": "1"}, True, id="doc"),
    ],
)
def test_label_selector_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert selectors.parse_label_selector(text).matches(labels) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "a b", f"unable to parse requirement: found 'b', expected: {_OPS}", id="no-op"
        ),
        pytest.param("a=b c", "found 'c', expected: ',' or 'end of string'", id="trailing"),
        pytest.param("a=b,", "found '', expected: identifier after ','", id="dangling-comma"),
        pytest.param(",a", "found ',', expected: !, identifier, or 'end of string'", id="lead"),
        pytest.param(
            "a in x", "unable to parse requirement: found 'x' expected: '('", id="no-paren"
        ),
        pytest.param(
            "a in (x", "unable to parse requirement: found '', expected: ',' or ')'", id="unclosed"
        ),
        pytest.param(
            "a in (=)",
            "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            id="operator-in-set",
        ),
        pytest.param(
            "a=(b)", "unable to parse requirement: found '(', expected: identifier", id="paren"
        ),
        pytest.param("!a=b", "found '=', expected: ',' or 'end of string'", id="not-with-op"),
        pytest.param("!", "unable to parse requirement: found '', expected: identifier", id="bang"),
        pytest.param(
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
            + _QNAME
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            id="key-two-slashes",
        ),
        pytest.param(
            "_a=b",
            'unable to parse requirement: <nil>: Invalid value: "_a": name part ' + _QNAME,
            id="key-bad-start",
        ),
        pytest.param(
            "Foo.com/a",
            'unable to parse requirement: <nil>: Invalid value: "Foo.com/a": prefix part '
            + _SUBDOMAIN,
            id="key-bad-prefix",
        ),
        pytest.param(
            "a=-b",
            'unable to parse requirement: values[0][a]: Invalid value: "-b": ' + _LABEL_VALUE,
            id="bad-value",
        ),
        pytest.param(
            "a>b",
            'unable to parse requirement: values[0]: Invalid value: "b": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
            id="gt-not-integer",
        ),
    ],
)
def test_label_selector_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        selectors.parse_label_selector(text)
    assert str(exc.value) == message


def test_requires_exact_match() -> None:
    sel = selectors.parse_label_selector("a=1,b in (2),c in (3,4),d!=5")
    assert [sel.requires_exact_match(k) for k in "abcdx"] == ["1", "2", None, None, None]


@pytest.mark.parametrize(
    ("sel", "canonical", "labels", "expected"),
    [
        pytest.param(None, "", {}, False, id="nil-selects-nothing"),
        pytest.param({}, "", {"x": "y"}, True, id="empty-selects-everything"),
        pytest.param(
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "app=web,tier in (a,b)",
            {"app": "web", "tier": "a"},
            True,
            id="labels-and-expressions",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]},
            "!x",
            {"x": "1"},
            False,
            id="does-not-exist",
        ),
    ],
)
def test_label_selector_from_dict(
    sel: dict[str, Any] | None, canonical: str, labels: dict[str, str], expected: bool
) -> None:
    parsed = selectors.label_selector_from_dict(sel)
    assert str(parsed) == canonical
    assert parsed.matches(labels) is expected


@pytest.mark.parametrize(
    ("sel", "message"),
    [
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Foo"}]},
            '"Foo" is not a valid label selector operator',
            id="bad-operator",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
            "can't be empty",
            id="in-without-values",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does '
            "not exist",
            id="exists-with-values",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a b", "operator": "NotIn"}]},
            '[key: Invalid value: "a b": name part '
            + _QNAME
            + ", values: Invalid value: []string(nil): for 'in', 'notin' operators, values set "
            "can't be empty]",
            id="aggregated",
        ),
        pytest.param(
            {"matchLabels": {"a": "b c"}},
            'values[0][a]: Invalid value: "b c": ' + _LABEL_VALUE,
            id="bad-match-label-value",
        ),
    ],
)
def test_label_selector_from_dict_errors(sel: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        selectors.label_selector_from_dict(sel)
    assert str(exc.value) == message


# -- field selectors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "terms"),
    [
        pytest.param("", [], id="empty"),
        pytest.param(",,", [], id="only-commas"),
        pytest.param("metadata.name=foo", [("metadata.name", "=", "foo")], id="equals"),
        pytest.param(
            "metadata.namespace!=b,metadata.name==a",
            [("metadata.name", "=", "a"), ("metadata.namespace", "!=", "b")],
            id="sorted-double-equals",
        ),
        pytest.param(r"a=x\,y\=z\\", [("a", "=", "x,y=z\\")], id="escapes"),
        pytest.param("a=", [("a", "=", "")], id="empty-value"),
        pytest.param(" a = b", [(" a ", "=", " b")], id="no-trimming"),
    ],
)
def test_field_selector_parses(text: str, terms: list[tuple[str, str, str]]) -> None:
    sel = selectors.parse_field_selector(text)
    assert [(r.field, r.operator, r.value) for r in sel.requirements] == terms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("foo", "invalid selector: 'foo'; can't understand 'foo'", id="no-operator"),
        pytest.param(
            "b=1,a", "invalid selector: 'b=1,a'; can't understand 'a'", id="first-sorted-bad"
        ),
        pytest.param(
            "a=b=c", "invalid field selector: unescaped character in value: 61", id="bare-equals"
        ),
        pytest.param(r"a=b\x", r"invalid field selector: invalid escape sequence: \x", id="esc"),
        pytest.param("a=b\\", "invalid field selector: invalid escape sequence: \\", id="trailing"),
    ],
)
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        selectors.parse_field_selector(text)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        pytest.param("", {}, True, id="everything"),
        pytest.param("metadata.name=a", {"metadata.name": "a"}, True, id="eq"),
        pytest.param("metadata.name=a", {"metadata.name": "b"}, False, id="eq-other"),
        pytest.param("metadata.name=", {}, True, id="missing-reads-empty"),
        pytest.param("metadata.name!=a", {}, True, id="neq-missing"),
        pytest.param("a=1,b!=2", {"a": "1", "b": "2"}, False, id="and"),
    ],
)
def test_field_selector_matches(text: str, fields: dict[str, str], expected: bool) -> None:
    assert selectors.parse_field_selector(text).matches(fields) is expected


def test_field_selector_transform_and_string() -> None:
    sel = selectors.parse_field_selector(r"spec.x=1,drop=me,name=a\,b")

    def fn(field: str, value: str) -> tuple[str, str]:
        if field == "drop":
            return "", ""
        return ("metadata.name", value) if field == "name" else (field, value)

    out = sel.transform(fn)
    assert str(out) == r"metadata.name=a\,b,spec.x=1"
    assert out.requires_exact_match("metadata.name") == "a,b"

    def reject(field: str, value: str) -> tuple[str, str]:
        raise ValueError(f"field label not supported: {field}")

    with pytest.raises(ValueError, match="field label not supported: drop"):
        sel.transform(reject)
