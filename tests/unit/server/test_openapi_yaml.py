"""``Any.yaml`` text: go-yaml v3's layout and quoting, and always the same value read back."""

from __future__ import annotations

import pytest
import yaml

from imagestreams.server.openapi_yaml import yaml_text

GVK = [{"group": "", "kind": "Namespace", "version": "v1"}]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(GVK, '- group: ""\n  kind: Namespace\n  version: v1\n', id="gvk-list"),
        pytest.param(GVK[0], 'group: ""\nkind: Namespace\nversion: v1\n', id="gvk-object"),
        pytest.param("merge", "merge\n", id="plain"),
        pytest.param("merge,retainKeys", "merge,retainKeys\n", id="comma-plain"),
        pytest.param(True, "true\n", id="bool"),
        pytest.param(None, "null\n", id="null"),
        pytest.param(3, "3\n", id="int"),
        pytest.param(1.5, "1.5\n", id="float"),
        pytest.param({}, "{}\n", id="empty-map"),
        pytest.param([], "[]\n", id="empty-list"),
        pytest.param(["uid"], "- uid\n", id="list"),
        pytest.param("", '""\n', id="empty-string"),
        pytest.param("true", '"true"\n', id="string-bool"),
        pytest.param("1", '"1"\n', id="string-int"),
        pytest.param("0x1F", '"0x1F"\n', id="string-hex"),
        pytest.param("1e3", '"1e3"\n', id="string-float"),
        pytest.param("null", '"null"\n', id="string-null"),
        pytest.param("2024-01-02", '"2024-01-02"\n', id="string-date"),
        pytest.param("a: b", "'a: b'\n", id="colon-space"),
        pytest.param("*x", "'*x'\n", id="leading-indicator"),
        pytest.param("- x", "'- x'\n", id="leading-dash"),
        pytest.param("it's", "it's\n", id="inner-quote"),
        pytest.param("trailing ", "'trailing '\n", id="trailing-space"),
        pytest.param("tab\there", '"tab\\there"\n', id="tab"),
        pytest.param("bell\x07", '"bell\\a"\n', id="control"),
        pytest.param("emoji 😀", '"emoji \\U0001F600"\n', id="astral"),
        pytest.param("multi\nline", "|-\n    multi\n    line\n", id="literal"),
        pytest.param({"k": "a\nb\n"}, "k: |\n    a\n    b\n", id="literal-in-map"),
        pytest.param(
            {"a": [{"b": 1, "c": [1, 2]}], "d": {"e": "f"}},
            "a:\n    - b: 1\n      c:\n        - 1\n        - 2\nd:\n    e: f\n",
            id="nested",
        ),
        pytest.param([[1, 2], [3]], "- - 1\n  - 2\n- - 3\n", id="list-of-lists"),
        pytest.param({"": 1, "true": 2}, '"": 1\n"true": 2\n', id="quoted-keys"),
    ],
)
def test_yaml_text(value: object, text: str) -> None:
    assert yaml_text(value) == text
    assert yaml.safe_load(text) == value


def test_yaml_11_booleans_stay_plain() -> None:
    # go-yaml v3 resolves by YAML 1.2 rules, so ``yes``/``on`` are strings and stay unquoted
    # (PyYAML, a YAML 1.1 reader, would read them as booleans).
    assert (yaml_text("yes"), yaml_text("on")) == ("yes\n", "on\n")
