"""ObjectMeta validation: messages and field paths as Kubernetes 1.32 reports them."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.validation import meta

_QNAME = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def _errors(md: dict[str, Any], namespaced: bool = True, name_fn: Any = None) -> list[str]:
    fn = name_fn or meta.name_is_dns1123_subdomain
    return [str(e) for e in meta.validate_object_meta(md, namespaced=namespaced, name_fn=fn)]


@pytest.mark.parametrize(
    ("value", "subdomain", "label"),
    [
        pytest.param("my-name", [], [], id="valid"),
        pytest.param("a.b", [], ["must not contain dots"], id="dots"),
        pytest.param("A", [_SUBDOMAIN], [_LABEL], id="upper"),
        pytest.param("-a", [_SUBDOMAIN], [_LABEL], id="leading-dash"),
        pytest.param("a" * 64, [], ["must be no more than 63 characters"], id="label-too-long"),
        pytest.param(
            "a" * 254, ["must be no more than 253 characters"],
            ["must be no more than 63 characters"],
            id="subdomain-too-long",
        ),
    ],
)  # fmt: skip
def test_dns_names(value: str, subdomain: list[str], label: list[str]) -> None:
    assert meta.is_dns1123_subdomain(value) == subdomain
    assert meta.is_dns1123_label(value) == label


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        pytest.param("ok", False, [], id="valid"),
        pytest.param(".", False, ["may not be '.'"], id="dot"),
        pytest.param("..", False, ["may not be '..'"], id="dotdot"),
        pytest.param("..", True, [], id="dotdot-prefix"),
        pytest.param("a/b%c", False, ["may not contain '/'", "may not contain '%'"], id="both"),
        pytest.param("A_b:c", False, [], id="anything-else"),
    ],
)
def test_path_segment_name(name: str, prefix: bool, expected: list[str]) -> None:
    assert meta.path_segment_name(name, prefix) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("abc-", [], id="trailing-dash-masked"),
        pytest.param("a-", [], id="short"),
        pytest.param("-", [_SUBDOMAIN], id="single-dash-not-masked"),
        pytest.param("a..-", [], id="mask-drops-two-chars"),
        pytest.param("a.-", [], id="mask-hides-bad-ending"),
    ],
)
def test_generate_name_prefix(name: str, expected: list[str]) -> None:
    assert meta.name_is_dns1123_subdomain(name, True) == expected


@pytest.mark.parametrize(
    ("md", "namespaced", "expected"),
    [
        pytest.param({"name": "a", "namespace": "ns"}, True, [], id="valid"),
        pytest.param(
            {"namespace": "ns"}, True,
            ["metadata.name: Required value: name or generateName is required"], id="no-name",
        ),
        pytest.param(
            {"name": "Bad", "namespace": "ns"}, True,
            [f'metadata.name: Invalid value: "Bad": {_SUBDOMAIN}'], id="bad-name",
        ),
        pytest.param(
            {"generateName": "Bad-", "name": "x", "namespace": "ns"}, True,
            [f'metadata.generateName: Invalid value: "Bad-": {_SUBDOMAIN}'], id="bad-generate",
        ),
        pytest.param({"name": "a"}, True, ["metadata.namespace: Required value"], id="no-ns"),
        pytest.param(
            {"name": "a", "namespace": "a.b"}, True,
            ['metadata.namespace: Invalid value: "a.b": must not contain dots'], id="ns-label",
        ),
        pytest.param(
            {"name": "a", "namespace": "x"}, False,
            ["metadata.namespace: Forbidden: not allowed on this type"], id="ns-forbidden",
        ),
        pytest.param(
            {"name": "a", "generation": -1}, False,
            ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
            id="negative-generation",
        ),
        pytest.param(
            {"name": "a", "labels": {"a/b/c": "ok", "k": "-v"}}, False,
            [
                'metadata.labels: Invalid value: "a/b/c": a qualified name ' + _QNAME
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                'metadata.labels: Invalid value: "-v": a valid label must be an empty string or '
                "consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ],
            id="labels",
        ),
        pytest.param(
            {"name": "a", "annotations": {"Example.COM/Key": "x", "/x": "y"}}, False,
            ['metadata.annotations: Invalid value: "/x": prefix part must be non-empty'],
            id="annotation-keys-case-insensitive",
        ),
        pytest.param(
            {"name": "a", "annotations": {"k": "x" * 262144}}, False,
            ["metadata.annotations: Too long: may not be more than 262144 bytes"],
            id="annotations-too-big",
        ),
        pytest.param(
            {"name": "a", "finalizers": ["kubernetes", "bad finalizer", "orphan",
                                          "foregroundDeletion"]}, False,
            [
                'metadata.finalizers: Invalid value: "bad finalizer": name part ' + _QNAME,
                'metadata.finalizers: Invalid value: []string{"kubernetes", "bad finalizer", '
                '"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot '
                "be both set",
            ],
            id="finalizers",
        ),
        pytest.param(
            {"name": "a", "ownerReferences": [{"apiVersion": "a/b/c"}]}, False,
            [
                'metadata.ownerReferences.apiVersion: Invalid value: "a/b/c": version must not be '
                "empty",
                'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
                'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
                'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
            ],
            id="owner-reference-parts",
        ),
        pytest.param(
            {"name": "a", "ownerReferences": [
                {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}]}, False,
            [
                'metadata.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", '
                'Kind:"Event", Name:"e", UID:"u", Controller:(*bool)(nil), '
                "BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed from being an "
                "owner",
            ],
            id="event-owner",
        ),
        pytest.param(
            {"name": "a", "managedFields": [{"operation": "Patch", "fieldsType": "FieldsV2",
                                             "manager": "m\x07"}]}, False,
            [
                'metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or '
                "`Update`",
                'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be '
                "`FieldsV1`",
                'metadata.managedFields[0].manager: Invalid value: "m\\u0007": invalid character '
                "U+0007 (at position 1)",
            ],
            id="managed-fields",
        ),
    ],
)  # fmt: skip
def test_validate_object_meta(md: dict[str, Any], namespaced: bool, expected: list[str]) -> None:
    assert _errors(md, namespaced) == expected


def test_two_controllers() -> None:
    refs = [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": n, "uid": n, "controller": True}
        for n in ("a", "b")
    ]
    errs = _errors({"name": "x", "ownerReferences": refs}, False)
    assert len(errs) == 1
    assert errs[0].startswith("metadata.ownerReferences: Invalid value: []v1.OwnerReference{")
    assert errs[0].endswith(
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and ReplicaSet/b"
    )


def test_path_segment_names_for_images() -> None:
    errs = _errors({"name": "a/b", "namespace": "ns"}, True, meta.path_segment_name)
    assert errs == ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]


_OLD = {
    "name": "a",
    "namespace": "ns",
    "uid": "u1",
    "resourceVersion": "5",
    "generation": 3,
    "creationTimestamp": "2024-01-02T03:04:05Z",
}


@pytest.mark.parametrize(
    ("changes", "old_changes", "expected"),
    [
        pytest.param({}, {}, [], id="unchanged"),
        pytest.param(
            {"resourceVersion": ""}, {},
            ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
            id="no-resource-version",
        ),
        pytest.param(
            {"generation": 2}, {},
            ["metadata.generation: Invalid value: 2: must not be decremented"], id="generation",
        ),
        pytest.param(
            {"name": "b", "namespace": "other", "uid": "u2"}, {},
            [
                'metadata.name: Invalid value: "b": field is immutable',
                'metadata.namespace: Invalid value: "other": field is immutable',
                'metadata.uid: Invalid value: "u2": field is immutable',
            ],
            id="identity-immutable",
        ),
        pytest.param(
            {"creationTimestamp": "2025-01-01T00:00:00Z"}, {},
            ["metadata.creationTimestamp: Invalid value: 2025-01-01 00:00:00 +0000 UTC: "
             "field is immutable"],
            id="creation-timestamp",
        ),
        pytest.param(
            {"creationTimestamp": "2024-01-02T03:04:05+00:00"}, {}, [], id="same-instant",
        ),
        pytest.param(
            {"deletionGracePeriodSeconds": 30}, {},
            ["metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable"],
            id="grace-period",
        ),
        pytest.param(
            {"finalizers": ["a", "c", "b"]},
            {"deletionTimestamp": "2024-02-02T00:00:00Z", "finalizers": ["a"]},
            [
                'metadata.finalizers: Forbidden: no new finalizers can be added if the object is '
                'being deleted, found new finalizers []string{"b", "c"}',
                "metadata.deletionTimestamp: Invalid value: null: field is immutable",
            ],
            id="deleting",
        ),
        pytest.param(
            {"labels": {"k": "v v"}}, {},
            ['metadata.labels: Invalid value: "v v": a valid label must be an empty string or '
             "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
             "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
            id="labels-revalidated",
        ),
    ],
)  # fmt: skip
def test_validate_object_meta_update(
    changes: dict[str, Any], old_changes: dict[str, Any], expected: list[str]
) -> None:
    new, old = {**_OLD, **changes}, {**_OLD, **old_changes}
    assert [str(e) for e in meta.validate_object_meta_update(new, old)] == expected
