"""PATCH application: JSON patch (json-patch v4 semantics), merge patch and strategic merge
patch, with kube-apiserver's status codes and messages."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from imagestreams import errors
from imagestreams.api import patchmeta
from imagestreams.rest import patch as p

DEPLOYMENT = ("apps/v1", "Deployment")
REJECTED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "the server rejected our request due to an error in our request",
    "reason": "Invalid",
    "code": 422,
    "details": {},
}


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "labels": {"app": "web", "tier": "front"},
            "finalizers": ["a.io/one", "a.io/two"],
            "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "u1"}],
        },
        "spec": {
            "replicas": 1,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": "web"}, "creationTimestamp": None},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.0",
                            "args": ["-a", "-b"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        },
                        {"name": "side", "image": "busybox"},
                    ],
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                },
            },
        },
    }


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


# -- dispatcher ----------------------------------------------------------------------------------
_ACCEPT_SMP = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, "
    "application/strategic-merge-patch+json"
)
_ACCEPT_PLAIN = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json"
)


@pytest.mark.parametrize(
    ("content_type", "kind_key", "message"),
    [
        pytest.param("application/json", DEPLOYMENT, _ACCEPT_SMP, id="plain-json"),
        pytest.param("application/apply-patch+yaml", DEPLOYMENT, _ACCEPT_SMP, id="apply"),
        pytest.param(
            "application/strategic-merge-patch+json",
            ("example.com/v1", "Widget"),
            _ACCEPT_PLAIN,
            id="smp-unknown-kind",
        ),
        pytest.param(
            "application/merge-patch+json ;charset=utf-8", DEPLOYMENT, _ACCEPT_SMP, id="space"
        ),
    ],
)
def test_unsupported_media_type(content_type: str, kind_key: tuple[str, str], message: str) -> None:
    with pytest.raises(errors.UnsupportedMediaType) as exc:
        p.apply_patch(content_type, _deployment(), b"{}", kind_key)
    assert exc.value.code == 415
    assert exc.value.message == message


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(p.JSON_PATCH, b"[{", id="json-patch"),
        pytest.param(p.MERGE_PATCH, b"", id="merge-empty"),
        pytest.param(p.STRATEGIC_MERGE_PATCH, b"{'a': 1}", id="smp"),
    ],
)
def test_invalid_json_body(content_type: str, body: bytes) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        p.apply_patch(content_type, _deployment(), body, DEPLOYMENT)
    assert exc.value.message == "invalid JSON patch"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(
            "application/json-patch+json",
            b'[{"op":"replace","path":"/spec/replicas","value":3}]',
            id="json-patch",
        ),
        pytest.param(
            "application/merge-patch+json; charset=utf-8", b'{"spec":{"replicas":3}}', id="merge"
        ),
        pytest.param(
            "application/strategic-merge-patch+json", b'{"spec":{"replicas":3}}', id="smp"
        ),
    ],
)
def test_dispatch(content_type: str, body: bytes) -> None:
    original = _deployment()
    out = p.apply_patch(content_type, original, body, DEPLOYMENT)
    assert out["spec"]["replicas"] == 3
    assert original == _deployment()


def test_supported_types_and_kinds() -> None:
    assert p.supported_patch_types(("image.openshift.io/v1", "ImageStream"))[-1] == (
        "application/strategic-merge-patch+json"
    )
    assert p.supports_strategic_merge("batch/v1", "CronJob")
    assert not p.supports_strategic_merge("v1", "Widget")
    assert patchmeta.lookup(("image.openshift.io/v1", "ImageStream"), "status.tags") == (
        "merge",
        "tag",
    )


# -- merge patch ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("original", "patch", "expected"),
    [
        pytest.param({"a": 0, "b": 2}, {"a": 1}, {"a": 1, "b": 2}, id="replace-scalar"),
        pytest.param({"a": 0, "b": 2}, {"b": None, "c": None}, {"a": 0}, id="null-deletes"),
        pytest.param(
            {"m": {"x": 1, "z": 2}},
            {"m": {"x": None, "y": 1}},
            {"m": {"z": 2, "y": 1}},
            id="nested",
        ),
        pytest.param({}, {"n": {"a": None, "b": 1}}, {"n": {"b": 1}}, id="new-key-pruned"),
        pytest.param(
            {}, {"l": [{"a": None, "b": 1}, None]}, {"l": [{"b": 1}, None]}, id="array-pruned"
        ),
        pytest.param(
            {"m": {"x": 1}}, {"m": [{"a": None}]}, {"m": [{"a": None}]}, id="object-to-array"
        ),
        pytest.param({"m": "s"}, {"m": {"a": None, "b": 1}}, {"m": {"b": 1}}, id="scalar-to-obj"),
        pytest.param({"l": [1, 2]}, {"l": [3]}, {"l": [3]}, id="arrays-replace"),
    ],
)
def test_merge_patch(original: dict[str, Any], patch: Any, expected: dict[str, Any]) -> None:
    before = copy.deepcopy(original)
    assert p.apply_merge_patch(original, patch) == expected
    assert original == before


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param(None, "Invalid JSON Patch", id="null"),
        pytest.param(
            [1],
            "error decoding patch: json: cannot unmarshal array into Go value of type "
            "map[string]interface {}",
            id="array",
        ),
        pytest.param(
            "x",
            "error decoding patch: json: cannot unmarshal string into Go value of type "
            "map[string]interface {}",
            id="string",
        ),
        pytest.param(
            1.5,
            "error decoding patch: json: cannot unmarshal number into Go value of type "
            "map[string]interface {}",
            id="number",
        ),
    ],
)
def test_merge_patch_errors(patch: Any, message: str) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        p.apply_merge_patch({}, patch)
    assert exc.value.message == message


# -- JSON patch ------------------------------------------------------------------------------
_DOC: dict[str, Any] = {"a": {"b": [1, 2, 3], "c": "x"}, "k~/": 1, "n": None}


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        pytest.param([], _DOC, id="empty"),
        pytest.param(
            [{"op": "add", "path": "/a/d", "value": {"e": 1}}],
            {**_DOC, "a": {**_DOC["a"], "d": {"e": 1}}},
            id="add-member",
        ),
        pytest.param(
            [{"op": "add", "path": "/a/b/1", "value": 9}],
            {**_DOC, "a": {"b": [1, 9, 2, 3], "c": "x"}},
            id="add-index",
        ),
        pytest.param(
            [{"op": "add", "path": "/a/b/-", "value": 9}],
            {**_DOC, "a": {"b": [1, 2, 3, 9], "c": "x"}},
            id="add-append",
        ),
        pytest.param(
            [{"op": "add", "path": "/a/b/-1", "value": 9}],
            {**_DOC, "a": {"b": [1, 2, 3, 9], "c": "x"}},
            id="add-negative-index",
        ),
        pytest.param(
            [{"op": "add", "path": "/a/x"}], {**_DOC, "a": {**_DOC["a"], "x": None}}, id="no-value"
        ),
        pytest.param(
            [{"op": "remove", "path": "/a/b/-1"}],
            {**_DOC, "a": {"b": [1, 2], "c": "x"}},
            id="remove-negative",
        ),
        pytest.param([{"op": "remove", "path": "/k~0~1"}], {"a": _DOC["a"], "n": None}, id="esc"),
        pytest.param(
            [{"op": "replace", "path": "/a/zz", "value": 1}],
            {**_DOC, "a": {**_DOC["a"], "zz": 1}},
            id="replace-missing-member-adds",
        ),
        pytest.param(
            [{"op": "replace", "path": "", "value": {"z": 1}}], {"z": 1}, id="replace-root"
        ),
        pytest.param(
            [{"op": "move", "from": "/a/c", "path": "/c"}],
            {**_DOC, "a": {"b": [1, 2, 3]}, "c": "x"},
            id="move",
        ),
        pytest.param(
            [{"op": "copy", "from": "/a/missing", "path": "/c"}],
            {**_DOC, "c": None},
            id="copy-missing-is-null",
        ),
        pytest.param(
            [
                {"op": "test", "path": "/a/b", "value": [1, 2, 3]},
                {"op": "test", "path": "/missing", "value": None},
                {"op": "test", "path": "/n"},
            ],
            _DOC,
            id="tests-pass",
        ),
        pytest.param(
            [{"op": "replace", "path": "x/k~0~1", "value": 2}], {**_DOC, "k~/": 2}, id="no-slash"
        ),
    ],
)
def test_json_patch(ops: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    original = copy.deepcopy(_DOC)
    assert p.apply_json_patch(original, ops) == expected
    assert original == _DOC


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param([{"op": "test", "path": "/a/c", "value": "y"}], id="test-fails"),
        pytest.param([{"op": "test", "path": "/a/b/0", "value": 1.0}], id="test-int-vs-float"),
        pytest.param([{"op": "test", "path": "/a/c"}], id="test-without-value"),
        pytest.param([{"op": "remove", "path": "/nope"}], id="remove-missing"),
        pytest.param([{"op": "add", "path": "/x/y", "value": 1}], id="missing-parent"),
        pytest.param([{"op": "add", "path": "/n/y", "value": 1}], id="null-parent"),
        pytest.param([{"op": "add", "path": "/a/b/4", "value": 1}], id="index-too-large"),
        pytest.param([{"op": "add", "path": "/a/b/x", "value": 1}], id="index-not-number"),
        pytest.param([{"op": "replace", "path": "/a/b/3", "value": 1}], id="replace-past-end"),
        pytest.param([{"op": "add", "path": "", "value": {}}], id="add-root"),
        pytest.param([{"op": "replace", "path": "", "value": 5}], id="replace-root-scalar"),
        pytest.param([{"op": "move", "from": "/nope", "path": "/x"}], id="move-missing"),
        pytest.param([{"op": "frobnicate", "path": "/a"}], id="unknown-op"),
        pytest.param([{"path": "/a"}], id="no-op"),
        pytest.param([{"op": "add", "value": 1}], id="no-path"),
        pytest.param([None], id="null-op"),
    ],
)
def test_json_patch_rejected(ops: list[Any]) -> None:
    with pytest.raises(p.PatchRejected) as exc:
        p.apply_json_patch(copy.deepcopy(_DOC), ops)
    assert exc.value.status() == REJECTED


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param(
            {"op": "add"},
            "error decoding patch: json: cannot unmarshal object into Go value of type "
            "[]handlers.jsonPatchOp",
            id="object",
        ),
        pytest.param(
            [1],
            "error decoding patch: json: cannot unmarshal number into Go value of type "
            "handlers.jsonPatchOp",
            id="number-op",
        ),
        pytest.param(
            [{"op": "add", "path": True}],
            "error decoding patch: json: cannot unmarshal bool into Go struct field "
            "jsonPatchOp.path of type string",
            id="bool-path",
        ),
    ],
)
def test_json_patch_bad_request(patch: Any, message: str) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        p.apply_json_patch({}, patch)
    assert exc.value.message == message


def test_json_patch_limits_and_shape() -> None:
    assert p.apply_json_patch({"a": 1}, None) == {"a": 1}
    with pytest.raises(errors.RequestEntityTooLarge) as too_large:
        p.apply_json_patch({}, [{"op": "test", "path": "/a"}] * 10001)
    assert too_large.value.message == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )
    with pytest.raises(errors.Invalid) as invalid:
        p.apply_json_patch({}, [{"op": "replace", "path": "", "value": [1]}])
    assert invalid.value.message == (
        ' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse '
        "error: json: cannot unmarshal array into Go value of type struct { APIVersion string "
        '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
    )


# -- strategic merge patch: what kubectl sends --------------------------------------------------
def _smp(patch: dict[str, Any], obj: dict[str, Any] | None = None) -> dict[str, Any]:
    original = obj if obj is not None else _deployment()
    before = json.dumps(original, sort_keys=True)
    out = p.apply_strategic_merge_patch(original, patch, DEPLOYMENT)
    assert json.dumps(original, sort_keys=True) == before
    return out


def _tpl(spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


def test_kubectl_set_image() -> None:
    out = _smp(_tpl({"containers": [{"image": "nginx:1.25", "name": "app"}]}))
    containers = _pod_spec(out)["containers"]
    assert _names(containers) == ["app", "side"]
    assert containers[0] == {**_pod_spec(_deployment())["containers"][0], "image": "nginx:1.25"}
    assert containers[1] == {"name": "side", "image": "busybox"}


@pytest.mark.parametrize(
    ("order", "patch_items", "names"),
    [
        pytest.param(["app", "side"], [{"name": "app", "image": "x"}], ["app", "side"], id="same"),
        pytest.param(["side", "app"], [{"name": "side", "image": "y"}], ["side", "app"], id="swap"),
        pytest.param(
            ["app", "new", "side"], [{"name": "new", "image": "z"}], ["app", "new", "side"],
            id="insert-middle",
        ),
    ],
)  # fmt: skip
def test_kubectl_apply_set_element_order(
    order: list[str], patch_items: list[dict[str, Any]], names: list[str]
) -> None:
    patch = _tpl(
        {"$setElementOrder/containers": [{"name": n} for n in order], "containers": patch_items}
    )
    out = _smp(patch)
    assert _names(_pod_spec(out)["containers"]) == names
    assert "$setElementOrder/containers" not in _pod_spec(out)


def test_kubectl_apply_deletes_env_var() -> None:
    patch = _tpl(
        {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
            "containers": [
                {
                    "$setElementOrder/env": [{"name": "A"}],
                    "env": [{"$patch": "delete", "name": "B"}],
                    "name": "app",
                }
            ],
        }
    )
    app = _pod_spec(_smp(patch))["containers"][0]
    assert app["env"] == [{"name": "A", "value": "1"}]
    assert "$setElementOrder/env" not in app


def test_kubectl_apply_retain_keys_for_strategy() -> None:
    patch = {
        "spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}}
    }
    assert _smp(patch)["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [
        pytest.param(
            {"metadata": {"labels": {"tier": None, "new": "x"}}}, ("metadata", "labels"),
            {"app": "web", "new": "x"}, id="null-deletes-label",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "app", "env": [{"name": "C", "value": "3"}]}]}),
            ("spec", "template", "spec", "containers", 0, "env"),
            [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            id="new-merge-item-goes-first",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "app", "env": [{"name": "B", "value": "9"}]}]}),
            ("spec", "template", "spec", "containers", 0, "env"),
            [{"name": "A", "value": "1"}, {"name": "B", "value": "9"}],
            id="env-merge-in-place",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "h"}]}]}),
            ("spec", "template", "spec", "containers", 0, "ports"),
            [{"containerPort": 80, "protocol": "TCP", "name": "h"}],
            id="ports-by-container-port",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "app", "args": ["-c"]}]}),
            ("spec", "template", "spec", "containers", 0, "args"), ["-c"],
            id="untagged-list-replaced",
        ),
        pytest.param(
            _tpl({"tolerations": [{"key": "j", "value": None}]}),
            ("spec", "template", "spec", "tolerations"), [{"key": "j"}],
            id="atomic-list-replaced-nulls-dropped",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "x", "image": "y", "env": None}, {"$patch": "replace"}]}),
            ("spec", "template", "spec", "containers"), [{"name": "x", "image": "y"}],
            id="list-replace-directive",
        ),
        pytest.param(
            {"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "v": "2"}}}}},
            ("spec", "template", "metadata", "labels"), {"v": "2"}, id="map-replace-directive",
        ),
        pytest.param(
            {"spec": {"strategy": {"$patch": "delete"}}}, ("spec", "strategy"), {},
            id="map-delete-directive-leaves-empty-map",
        ),
        pytest.param(
            {"metadata": {"finalizers": ["a.io/three"]}}, ("metadata", "finalizers"),
            ["a.io/three", "a.io/one", "a.io/two"], id="primitive-merge-list",
        ),
        pytest.param(
            {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.io/one"]}},
            ("metadata", "finalizers"), ["a.io/two"], id="delete-from-primitive-list",
        ),
        pytest.param(
            {"metadata": {"$setElementOrder/finalizers": ["a.io/two", "a.io/one"]}},
            ("metadata", "finalizers"), ["a.io/two", "a.io/one"], id="primitive-element-order",
        ),
        pytest.param(
            {"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]}},
            ("metadata", "ownerReferences"),
            [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "u1", "controller": True}],
            id="owner-references-by-uid",
        ),
        pytest.param(
            _tpl({"volumes": [{"name": "v", "emptyDir": {}, "$patch": "delete"}]}),
            ("spec", "template", "spec", "volumes"), [], id="delete-of-missing-list-item",
        ),
        pytest.param(
            {"spec": {"template": {"metadata": {"creationTimestamp": None}}}},
            ("spec", "template", "metadata"), {"labels": {"app": "web"}}, id="null-removes-null",
        ),
    ],
)  # fmt: skip
def test_strategic_merge(patch: dict[str, Any], path: tuple[Any, ...], expected: Any) -> None:
    value: Any = _smp(patch)
    for step in path:
        value = value[step]
    assert value == expected


def test_smp_other_kinds() -> None:
    stream = {
        "spec": {"tags": [{"name": "latest", "from": {"kind": "DockerImage", "name": "a"}}]},
        "status": {"tags": [{"tag": "latest", "items": [{"image": "sha256:1"}]}]},
    }
    patch = {
        "spec": {"tags": [{"name": "v2", "from": {"kind": "DockerImage", "name": "b"}}]},
        "status": {"tags": [{"tag": "latest", "items": [{"image": "sha256:2"}]}]},
    }
    out = p.apply_strategic_merge_patch(stream, patch, ("image.openshift.io/v1", "ImageStream"))
    assert [t["name"] for t in out["spec"]["tags"]] == ["v2", "latest"]
    assert out["status"]["tags"] == [{"tag": "latest", "items": [{"image": "sha256:2"}]}]

    image = {"dockerImageMetadata": {"a": 1, "b": 2}, "signatures": [{"name": "s", "type": "t"}]}
    out = p.apply_strategic_merge_patch(
        image,
        {"dockerImageMetadata": {"c": 3}, "signatures": [{"name": "s", "content": "x"}]},
        ("image.openshift.io/v1", "Image"),
    )
    assert out == {
        "dockerImageMetadata": {"c": 3},
        "signatures": [{"name": "s", "type": "t", "content": "x"}],
    }

    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "a"}, {"name": "d", "image": "b"}]}}}}}}  # fmt: skip
    patch = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
        {"name": "d", "image": "z"}]}}}}}}  # fmt: skip
    out = p.apply_strategic_merge_patch(cron, patch, ("batch/v1", "CronJob"))
    containers = out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert containers == [{"name": "c", "image": "a"}, {"name": "d", "image": "z"}]

    pod = {"spec": {"containers": [{"name": "c", "image": "a"}]}}
    out = p.apply_strategic_merge_patch(
        pod, {"spec": {"containers": [{"name": "c", "image": "b"}]}}, ("v1", "Pod")
    )
    assert out == {"spec": {"containers": [{"name": "c", "image": "b"}]}}


@pytest.mark.parametrize(
    ("patch", "error", "message"),
    [
        pytest.param(
            {"spec": {"strategy": {"$retainKeys": "type"}}}, errors.BadRequest,
            "invalid patch format of retainKeys", id="retain-keys-not-list",
        ),
        pytest.param(
            {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}},
            errors.BadRequest, "invalid patch format of retainKeys", id="key-not-retained",
        ),
        pytest.param(
            {"metadata": {"$deleteFromPrimitiveListX/finalizers": ["a"]}}, errors.BadRequest,
            "invalid patch format of primitive list", id="bad-delete-prefix",
        ),
        pytest.param(
            {"metadata": {"$setElementOrderX/finalizers": ["a"]}}, errors.BadRequest,
            "invalid patch format of setElementOrder list", id="bad-order-prefix",
        ),
        pytest.param(
            _tpl({"$setElementOrder/containers": "x"}), p.PatchInternalError,
            "expected a []interface {}, but received a string", id="order-not-list",
        ),
        pytest.param(
            _tpl({"containers": [{"image": "x"}]}), p.PatchInternalError,
            "map: map[image:x] does not contain declared merge key: name", id="no-merge-key",
        ),
        pytest.param(
            _tpl({"containers": [{"name": "a", "$patch": "merge"}]}), p.PatchInternalError,
            "merging lists cannot yet be specified in the patch", id="list-merge-directive",
        ),
        pytest.param(
            {"spec": {"strategy": {"$patch": "foo", "a": 1}}}, p.PatchInternalError,
            "unknown patch type: foo in map: map[$patch:foo a:1]", id="unknown-map-directive",
        ),
        pytest.param(
            {"metadata": {"finalizers": [1]}}, p.PatchInternalError,
            "list element types are not identical: [[a.io/one a.io/two] [1]]", id="mixed-types",
        ),
        pytest.param(
            _tpl({"$setElementOrder/containers": [{"name": "side"}],
                  "containers": [{"name": "app", "image": "q"}]}),
            p.PatchInternalError,
            "The order in patch list:\n[map[image:q name:app]]\n doesn't match $setElementOrder "
            "list:\n[map[name:side]]\n",
            id="order-mismatch",
        ),
    ],
)  # fmt: skip
def test_strategic_merge_errors(
    patch: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as exc:
        _smp(patch)
    assert isinstance(exc.value, errors.ApiError)
    assert exc.value.message == message
    if error is p.PatchInternalError:
        status = exc.value.status()
        assert (status["code"], "reason" in status, "details" in status) == (500, False, False)


def test_strategic_merge_list_of_lists_is_422() -> None:
    with pytest.raises(p.PatchRejected) as exc:
        _smp({"metadata": {"finalizers": [["a"]]}}, {"metadata": {"finalizers": [["b"]]}})
    assert exc.value.status() == REJECTED


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param([1], "array", id="array"),
        pytest.param(True, "bool", id="bool"),
    ],
)
def test_strategic_merge_body_not_object(patch: Any, message: str) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        p.apply_strategic_merge_patch({}, patch, DEPLOYMENT)
    assert exc.value.message == (
        f"json: cannot unmarshal {message} into Go value of type map[string]interface {{}}"
    )


def test_strategic_merge_null_body_is_noop() -> None:
    assert p.apply_strategic_merge_patch(_deployment(), None, DEPLOYMENT) == _deployment()


def test_apply_replacing_container_keeps_go_order() -> None:
    """Upstream case "add map and delete map from merging list": Go reads the original order
    through a slice that the delete and the append wrote into, which puts the new item last."""
    obj = _deployment()
    _pod_spec(obj)["containers"] = [{"name": "a"}, {"name": "b", "image": "b"}, {"name": "c"}]
    patch = _tpl(
        {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "x"}],
            "containers": [{"name": "x", "image": "x"}, {"name": "a", "$patch": "delete"}],
        }
    )
    out = _pod_spec(_smp(patch, obj))["containers"]
    assert out == [{"name": "b", "image": "b"}, {"name": "c"}, {"name": "x", "image": "x"}]


def test_doubling_copies_stop_at_the_copy_budget() -> None:
    """A 1.5 KiB patch whose copies double the document must not build gigabytes."""
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/metadata/annotations", "value": {}}]
    ops += [
        {"op": "copy", "from": "/metadata", "path": f"/metadata/annotations/x{i}"}
        for i in range(40)
    ]
    with pytest.raises(errors.RequestEntityTooLarge) as caught:
        p.apply_json_patch({"metadata": {"name": "bomb"}}, ops)
    assert caught.value.message.startswith(
        "Request entity too large: Unable to complete the copy, the accumulated size increase "
        "of copy is "
    )
    assert caught.value.message.endswith(f"exceeding the limit {p.MAX_COPY_BYTES}")
