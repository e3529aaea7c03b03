"""Decoding Kubernetes protobuf bodies: real kubectl 1.32 captures and hand-built edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from imagestreams.api.protobuf import decode_k8s_protobuf, decode_message
from tests.unit.api.pbencode import entry, envelope, ld, num, varint

DATA = Path(__file__).resolve().parents[2] / "data" / "protobuf"
CASES = sorted(path.stem for path in DATA.glob("*.bin"))


def _without_null_creation_timestamp(obj: Any) -> Any:
    """kubectl 1.32 prints ``creationTimestamp: null``; current types mark it ``omitzero``."""
    if isinstance(obj, dict):
        return {
            key: _without_null_creation_timestamp(value)
            for key, value in obj.items()
            if not (key == "creationTimestamp" and value is None)
        }
    if isinstance(obj, list):
        return [_without_null_creation_timestamp(item) for item in obj]
    return obj


# --- golden bodies captured from kubectl 1.32 (see tests/data/protobuf/capture.py) ---------


def test_every_capture_has_an_expectation() -> None:
    assert len(CASES) >= 16
    assert [c for c in CASES if not (DATA / f"{c}.json").exists()] == []


@pytest.mark.parametrize("case", [pytest.param(case, id=case) for case in CASES])
def test_kubectl_capture_decodes_to_what_kubectl_meant(case: str) -> None:
    expected = json.loads((DATA / f"{case}.json").read_text())
    got = decode_k8s_protobuf((DATA / f"{case}.bin").read_bytes())
    assert got == _without_null_creation_timestamp(expected)


def test_kubectl_secret_values_are_base64_like_json() -> None:
    got = decode_k8s_protobuf((DATA / "secret_generic.bin").read_bytes())
    assert got["data"] == {"pass": "czNjcgF0", "user": "YWRtaW4="}


# --- hand-built messages -----------------------------------------------------------------

META_FULL = (
    ld(1, "web")
    + ld(3, "ns1")
    + ld(5, "0b8e")
    + num(7, 3)
    + ld(8, num(1, 1704164645), num(2, 999))
    + ld(9, num(1, 0))
    + num(10, (-1) & ((1 << 64) - 1))
    + entry(11, "app", "web")
    + entry(12, "note", "")
    + ld(13, ld(5, "apps/v1"), ld(1, "ReplicaSet"), ld(3, "rs"), ld(4, "u1"), num(6, 1))
    + ld(14, "example.com/f")
    + ld(
        17,
        ld(1, "kubectl"),
        ld(2, "Update"),
        ld(3, "v1"),
        ld(4, num(1, -62135596800)),
        ld(6, "FieldsV1"),
        ld(7, ld(1, b'{"f:metadata":{"f:labels":{}}}')),
    )
)

MESSAGE_CASES = [
    pytest.param("meta.ObjectMeta", b"", {}, id="empty-meta"),
    pytest.param(
        "meta.ObjectMeta",
        META_FULL,
        {
            "name": "web",
            "namespace": "ns1",
            "uid": "0b8e",
            "generation": 3,
            "creationTimestamp": "2024-01-02T03:04:05Z",
            "deletionTimestamp": "1970-01-01T00:00:00Z",
            "deletionGracePeriodSeconds": -1,
            "labels": {"app": "web"},
            "annotations": {"note": ""},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "rs",
                    "uid": "u1",
                    "controller": True,
                }
            ],
            "finalizers": ["example.com/f"],
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "0001-01-01T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {}}},
                }
            ],
        },
        id="full-meta",
    ),
    pytest.param(
        "meta.OwnerReference",
        ld(3, "rs"),
        {"apiVersion": "", "kind": "", "name": "rs", "uid": ""},
        id="non-omitempty-strings-default-to-empty",
    ),
    pytest.param(
        "core.Container",
        ld(1, "app")
        + ld(6, num(3, (-1) & ((1 << 64) - 1)), ld(4, "UDP"))
        + ld(7, ld(1, "PASSWORD"), ld(3, ld(4, ld(1, ld(1, "creds")), ld(2, "pw"))))
        + ld(8, ld(1, ld(1, "cpu"), ld(2, ld(1, "500m"))), ld(2, ld(1, "memory")))
        + ld(10, ld(1, ld(2, ld(1, "/healthz"), ld(2, num(2, 8080)))), num(4, 5))
        + ld(11, ld(1, ld(3, ld(1, num(1, 1), ld(3, "http")))))
        + num(16, 1),
        {
            "name": "app",
            "ports": [{"containerPort": -1, "protocol": "UDP"}],
            "env": [
                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "pw"}}}
            ],
            "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "0"}},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
            "readinessProbe": {"tcpSocket": {"port": "http"}},
            "stdin": True,
        },
        id="container",
    ),
    pytest.param(
        "core.Volume",
        ld(1, "cache") + ld(2, ld(2, ld(2, ld(1, "1Gi")))),
        {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
        id="inline-volume-source",
    ),
    pytest.param(
        "core.Volume",
        ld(1, "tok")
        + ld(
            2,
            ld(
                26,
                ld(1, ld(4, ld(1, "vault"), num(2, 3600), ld(3, "token"))),
                ld(
                    1,
                    ld(
                        3,
                        ld(1, ld(1, "certs")),
                        ld(2, ld(1, "ca.crt"), ld(2, "ca.crt"), num(3, 0o400)),
                    ),
                ),
                num(2, 0o644),
            ),
        ),
        {
            "name": "tok",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": "vault",
                            "expirationSeconds": 3600,
                            "path": "token",
                        }
                    },
                    {
                        "configMap": {
                            "name": "certs",
                            "items": [{"key": "ca.crt", "path": "ca.crt", "mode": 256}],
                        }
                    },
                ],
                "defaultMode": 420,
            },
        },
        id="projected-volume",
    ),
    pytest.param(
        "core.ResourceFieldSelector",
        ld(2, "limits.cpu"),
        {"resource": "limits.cpu", "divisor": "0"},
        id="omitempty-keeps-zero-quantity-struct",
    ),
    pytest.param(
        "core.HTTPGetAction",
        b"",
        {"port": 0},
        id="absent-int-or-string-is-zero",
    ),
    pytest.param(
        "core.Toleration",
        ld(1, "k") + ld(2, "Exists") + num(5, (-30) & ((1 << 64) - 1)),
        {"key": "k", "operator": "Exists", "tolerationSeconds": -30},
        id="negative-int64",
    ),
    pytest.param(
        "core.ContainerRestartRuleOnExitCodes",
        ld(1, "In") + ld(2, varint(1) + varint(42)) + num(2, 7),
        {"operator": "In", "values": [1, 42, 7]},
        id="packed-and-unpacked-repeated-int32",
    ),
    pytest.param(
        "core.Secret",
        entry(2, "bin", b"\xff\x00") + entry(2, "empty", b"") + ld(2, ld(1, "nil")) + ld(3, "x"),
        {
            "metadata": {},
            "data": {"bin": "/wA=", "empty": "", "nil": None},
            "type": "x",
        },
        id="secret-bytes",
    ),
    pytest.param(
        "core.ConfigMap",
        entry(2, "k", b"caf\xc3\xa9") + entry(2, "k", "last") + entry(3, "b", b"\x01"),
        {"metadata": {}, "data": {"k": "last"}, "binaryData": {"b": "AQ=="}},
        id="map-last-key-wins",
    ),
    pytest.param(
        "core.Namespace",
        ld(1, ld(1, "a")) + ld(1, ld(3, "b")) + ld(2, ld(1, "kubernetes")),
        {
            "metadata": {"name": "a", "namespace": "b"},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {},
        },
        id="repeated-message-occurrences-merge",
    ),
    pytest.param(
        "apps.RollingUpdateDeployment",
        ld(1, num(1, 1), ld(3, "25%")) + ld(2, num(1, 0), num(2, (-2) & ((1 << 64) - 1))),
        {"maxUnavailable": "25%", "maxSurge": -2},
        id="int-or-string",
    ),
    pytest.param(
        "authz.SubjectAccessReview",
        ld(
            2,
            ld(1, ld(2, "get")),
            ld(3, "alice"),
            ld(4, "devs"),
            entry(5, "scopes", ld(1, "a")),
            entry(5, "none", b""),
            ld(6, "uid-1"),
        ),
        {
            "metadata": {},
            "spec": {
                "resourceAttributes": {"verb": "get"},
                "user": "alice",
                "groups": ["devs"],
                "extra": {"scopes": ["a"], "none": []},
                "uid": "uid-1",
            },
            "status": {"allowed": False},
        },
        id="extra-values",
    ),
    pytest.param(
        "authn.TokenRequestSpec",
        ld(1, "api") + num(4, 600) + ld(3, ld(1, "Pod"), ld(2, "v1"), ld(3, "p"), ld(4, "u")),
        {
            "audiences": ["api"],
            "expirationSeconds": 600,
            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p", "uid": "u"},
        },
        id="token-request-bound-object",
    ),
    pytest.param(
        "rbac.ClusterRole",
        ld(2, ld(1, "get")),
        {"metadata": {}, "rules": [{"verbs": ["get"]}]},
        id="policy-rule-non-omitempty-verbs",
    ),
    pytest.param(
        "rbac.PolicyRule",
        b"",
        {"verbs": None},
        id="nil-slice-without-omitempty-is-null",
    ),
]


@pytest.mark.parametrize(("message", "data", "expected"), MESSAGE_CASES)
def test_decode_message(message: str, data: bytes, expected: dict[str, Any]) -> None:
    assert decode_message(message, data) == expected


@pytest.mark.parametrize(
    ("api_version", "expected_kind"),
    [
        pytest.param("meta.k8s.io/v1", "DeleteOptions", id="meta-group"),
        pytest.param("apps/v1", "DeleteOptions", id="any-served-group"),
    ],
)
def test_delete_options(api_version: str, expected_kind: str) -> None:
    raw = num(1, 0) + ld(2, ld(1, "u1")) + ld(4, "Foreground") + ld(5, "All")
    assert decode_k8s_protobuf(envelope(api_version, "DeleteOptions", raw)) == {
        "kind": expected_kind,
        "apiVersion": api_version,
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "u1"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }


def test_envelope_content_type_may_be_protobuf() -> None:
    body = envelope("v1", "Namespace", b"", ld(4, "application/vnd.kubernetes.protobuf"))
    assert decode_k8s_protobuf(body) == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {},
        "spec": {},
        "status": {},
    }
