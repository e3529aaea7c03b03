"""Server-side apply: field sets, merge, conflicts, Update tracking, options, and the stores."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path as FsPath
from typing import Any

import pytest

from imagestreams import errors
from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.rest import apply, fieldpath, fieldset, managedfields
from imagestreams.rest.context import RequestContext
from imagestreams.rest.patch import PatchInternalError
from imagestreams.rest.store import GenericStore
from imagestreams.storage.sqlite import SQLiteStorage

CM = fieldset.Schema(("v1", "ConfigMap"))
DEPLOY = fieldset.Schema(("apps/v1", "Deployment"))
STREAM = fieldset.Schema(("image.openshift.io/v1", "ImageStream"))


def _cm(data: dict[str, str] | None = None, **md: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", **md}}
    if data is not None:
        obj["data"] = data
    return obj


def _strings(paths: set[fieldpath.Path]) -> set[str]:
    return {fieldpath.path_string(p) for p in paths}


# -- field sets -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "obj", "expected"),
    [
        pytest.param(CM, _cm({"a": "1"}, labels={"app": "web"}),
                     {"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
                     id="configmap"),
        pytest.param(
            DEPLOY,
            {"spec": {"selector": {"matchLabels": {"app": "w"}}, "template": {"spec": {
                "containers": [{"name": "app", "args": ["-v"],
                                "ports": [{"containerPort": 80}]}]}}}},
            {"f:spec": {"f:selector": {}, "f:template": {"f:spec": {"f:containers": {
                'k:{"name":"app"}': {".": {}, "f:args": {}, "f:name": {}, "f:ports": {
                    'k:{"containerPort":80}': {".": {}, "f:containerPort": {}}}}}}}}},
            id="deployment-keyed-atomic",
        ),
        pytest.param(CM, {"metadata": {"finalizers": ["b", "a"]}},
                     {"f:metadata": {"f:finalizers": {'v:"a"': {}, 'v:"b"': {}}}}, id="set"),
        pytest.param(STREAM, {"spec": {"tags": [{"name": "1", "from": {"kind": "DockerImage"}}]}},
                     {"f:spec": {"f:tags": {'k:{"name":"1"}': {
                         ".": {}, "f:from": {"f:kind": {}}, "f:name": {}}}}}, id="stream-tags"),
        pytest.param(STREAM, {"metadata": {"labels": {}}, "spec": {"tags": []}}, {},
                     id="empty-not-owned"),
    ],
)  # fmt: skip
def test_field_set_as_fields_v1(
    schema: fieldset.Schema, obj: dict[str, Any], expected: dict[str, Any]
) -> None:
    paths = fieldset.field_set(obj, schema) - managedfields.STRIPPED
    fields = fieldpath.to_fields_v1(paths)
    assert fields == expected
    assert fieldpath.from_fields_v1(fields) == paths


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param([], "fieldsV1 must be an object", id="not-object"),
        pytest.param({"x:y": {}}, "unknown path element 'x:y'", id="bad-prefix"),
        pytest.param({"k:[1]": {}}, "invalid key 'k:[1]'", id="key-not-object"),
        pytest.param({"f:a": 1}, "expected an object at 'f:a'", id="not-dict"),
        pytest.param({".": {}}, '"." at the root', id="root-member"),
    ],
)
def test_fields_v1_refused(fields: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        fieldpath.from_fields_v1(fields)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(("f:data", "f:a"), ".data.a", id="fields"),
        pytest.param(("f:spec", "f:tags", 'k:{"name":"x"}', "f:from"),
                     '.spec.tags[name="x"].from', id="key"),
        pytest.param(("f:metadata", "f:finalizers", 'v:"a/b"'),
                     '.metadata.finalizers[="a/b"]', id="value"),
        pytest.param(("f:p", 'k:{"containerPort":80}'), ".p[containerPort=80]", id="number-key"),
    ],
)  # fmt: skip
def test_path_string(path: fieldpath.Path, text: str) -> None:
    assert fieldpath.path_string(path) == text


@pytest.mark.parametrize(
    ("old", "new", "added", "modified", "removed"),
    [
        pytest.param(_cm({"a": "1", "b": "2"}), _cm({"a": "9", "c": "3"}),
                     {".data.c"}, {".data.a"}, {".data.b"}, id="leaves"),
        pytest.param(_cm(), _cm({"a": "1"}), {".data", ".data.a"}, set(), set(), id="new-map"),
        pytest.param(_cm({}), _cm({"a": "1"}), {".data.a"}, set(), set(), id="filled-map"),
        pytest.param(_cm({"a": "1"}), _cm({"a": True}), set(), {".data.a"}, set(), id="type"),  # type: ignore[dict-item]
        pytest.param({"spec": {"tags": [{"name": "x", "a": 1}]}},
                     {"spec": {"tags": [{"name": "y", "a": 1}]}},
                     {'.spec.tags[name="y"]', '.spec.tags[name="y"].name',
                      '.spec.tags[name="y"].a'},
                     set(),
                     {'.spec.tags[name="x"]', '.spec.tags[name="x"].name',
                      '.spec.tags[name="x"].a'},
                     id="keyed-items"),
    ],
)  # fmt: skip
def test_compare(
    old: Any, new: Any, added: set[str], modified: set[str], removed: set[str]
) -> None:
    diff = fieldset.compare(old, new, STREAM)
    assert (_strings(diff.added), _strings(diff.modified), _strings(diff.removed)) == (
        added,
        modified,
        removed,
    )


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [f"{i['name']}={i.get('v', '')}" for i in items]


@pytest.mark.parametrize(
    ("live", "config", "expected"),
    [
        pytest.param(["a=1", "b=1"], ["b=2", "c=2"], ["a=1", "b=2", "c=2"], id="append"),
        pytest.param(["a=1", "b=1", "c=1"], ["c=2", "a=2"], ["b=1", "c=2", "a=2"],
                     id="shared-follow-config"),
        pytest.param(["x=1", "a=1"], ["n=2", "a=2"], ["x=1", "n=2", "a=2"], id="new-before-shared"),
    ],
)  # fmt: skip
def test_merge_keyed_list_order(live: list[str], config: list[str], expected: list[str]) -> None:
    def items(specs: list[str]) -> list[dict[str, Any]]:
        return [dict(zip(("name", "v"), s.split("="), strict=True)) for s in specs]

    merged = fieldset.merge(
        {"spec": {"tags": items(live)}}, {"spec": {"tags": items(config)}}, STREAM
    )
    assert _names(merged["spec"]["tags"]) == expected


def test_merge_sets_atomics_and_leaves_inputs_alone() -> None:
    live: dict[str, Any] = {
        "metadata": {"finalizers": ["a"]},
        "spec": {
            "selector": {"matchLabels": {"x": "1"}},
            "template": {"spec": {"containers": [{"name": "c", "args": ["1", "2"], "image": "i"}]}},
        },
    }
    config = {
        "metadata": {"finalizers": ["b", "a"]},
        "spec": {
            "selector": {"matchLabels": {"y": "2"}},
            "template": {"spec": {"containers": [{"name": "c", "args": ["3"]}]}},
        },
    }
    merged = fieldset.merge(live, config, DEPLOY)
    assert merged == {
        "metadata": {"finalizers": ["b", "a"]},
        "spec": {
            "selector": {"matchLabels": {"y": "2"}},
            "template": {"spec": {"containers": [{"name": "c", "args": ["3"], "image": "i"}]}},
        },
    }
    assert live["spec"]["selector"] == {"matchLabels": {"x": "1"}}


def test_remove_items_copies_on_write() -> None:
    live = {"data": {"a": "1"}, "metadata": {"labels": {"x": "1", "y": "2"}}}
    out = fieldset.remove_items(live, {("f:data", "f:a"), ("f:metadata", "f:labels", "f:x")}, CM)
    assert out == {"metadata": {"labels": {"y": "2"}}}
    assert live == {"data": {"a": "1"}, "metadata": {"labels": {"x": "1", "y": "2"}}}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        pytest.param([{"from": {}}], '.spec.tags: element 0: associative list with keys has an '
                     'element that omits key field "name" (and doesn\'t have default value)',
                     id="missing-key"),
        pytest.param([{"name": "a"}, {"name": "a"}],
                     '.spec.tags: duplicate entries for key [name="a"]', id="duplicate"),
    ],
)  # fmt: skip
def test_unaddressable_configuration(tags: list[Any], message: str) -> None:
    config = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
              "metadata": {"name": "s"}, "spec": {"tags": tags}}  # fmt: skip
    with pytest.raises(PatchInternalError) as exc:
        apply.apply_config({}, config, manager="m", api_version="v1", schema=STREAM, force=False)
    assert exc.value.message == (
        "failed to create typed patch object (/s; image.openshift.io/v1, Kind=ImageStream): "
        + message
    )
    assert exc.value.status()["code"] == 500 and "reason" not in exc.value.status()


# -- apply ----------------------------------------------------------------------------------------
Step = tuple[str, dict[str, str], bool]


def _run(steps: list[Step]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for i, (manager, data, force) in enumerate(steps):
        obj = apply.apply_config(
            obj, _cm(data), manager=manager, api_version="v1", schema=CM, force=force, now=f"T{i}"
        )
    return obj


def _data_owners(obj: dict[str, Any]) -> dict[str, list[str]]:
    return {
        e["manager"]: sorted(e["fieldsV1"].get("f:data", {}))
        for e in obj["metadata"].get("managedFields", [])
    }


@pytest.mark.parametrize(
    ("steps", "data", "owners"),
    [
        pytest.param([("m1", {"a": "1", "b": "2"}, False)], {"a": "1", "b": "2"},
                     {"m1": ["f:a", "f:b"]}, id="create"),
        pytest.param([("m1", {"a": "1", "b": "2"}, False), ("m1", {"a": "10"}, False)],
                     {"a": "10"}, {"m1": ["f:a"]}, id="prune-and-change"),
        pytest.param([("m1", {"a": "1"}, False), ("m2", {"a": "1"}, False)], {"a": "1"},
                     {"m1": ["f:a"], "m2": ["f:a"]}, id="same-value-shared"),
        pytest.param([("m1", {"a": "1"}, False), ("m2", {"a": "1"}, False), ("m1", {}, False)],
                     {"a": "1"}, {"m2": ["f:a"]}, id="kept-for-other-applier"),
        pytest.param([("m1", {"a": "1", "b": "1"}, False), ("m2", {"a": "2"}, True)],
                     {"a": "2", "b": "1"}, {"m1": ["f:b"], "m2": ["f:a"]}, id="force-takes"),
    ],
)  # fmt: skip
def test_apply_sequences(steps: list[Step], data: dict[str, str], owners: dict[str, Any]) -> None:
    obj = _run(steps)
    assert obj.get("data") == data
    assert _data_owners(obj) == owners


def test_conflicts_are_listed_per_manager() -> None:
    with pytest.raises(errors.Conflict) as exc:
        _run([("m1", {"a": "1"}, False), ("m2", {"b": "1"}, False),
              ("m3", {"a": "2", "b": "2"}, False)])  # fmt: skip
    assert exc.value.status() == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Apply failed with 2 conflicts: conflicts with "m1":\n- .data.a\n'
                   'conflicts with "m2":\n- .data.b',
        "reason": "Conflict", "code": 409,
        "details": {"causes": [
            {"reason": "FieldManagerConflict", "message": 'conflict with "m1"', "field": ".data.a"},
            {"reason": "FieldManagerConflict", "message": 'conflict with "m2"', "field": ".data.b"},
        ]},
    }  # fmt: skip


def test_conflict_with_an_update_entry_names_its_version_and_subresource() -> None:
    live = _cm({"a": "1"}, managedFields=[{
        "manager": "ctl", "operation": "Update", "apiVersion": "v1", "time": "T0",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}},
        "subresource": "status"}])  # fmt: skip
    with pytest.raises(errors.Conflict) as exc:
        apply.apply_config(
            live, _cm({"a": "2"}), manager="m", api_version="v1", schema=CM, force=False
        )
    assert exc.value.message == (
        'Apply failed with 1 conflict: conflict with "ctl" with subresource "status" using v1: '
        ".data.a"
    )


def test_unchanged_apply_keeps_the_time_and_the_object() -> None:
    first = _run([("m1", {"a": "1"}, False)])
    again = apply.apply_config(
        first, _cm({"a": "1"}), manager="m1", api_version="v1", schema=CM, force=False, now="T9"
    )
    assert again == first
    assert again["metadata"]["managedFields"][0]["time"] == "T0"


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        pytest.param("kubectl", '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap",'
                     '"metadata":{"annotations":{},"name":"c"}}\n', id="kubectl-syncs"),
        pytest.param("other", "old", id="others-do-not"),
    ],
)  # fmt: skip
def test_last_applied_annotation(manager: str, expected: str) -> None:
    live = _cm({"a": "1"}, annotations={apply.LAST_APPLIED: "old"})
    config = _cm({"a": "2"}, annotations={})
    out = apply.apply_config(
        live, config, manager=manager, api_version="v1", schema=CM, force=False
    )
    assert out["metadata"]["annotations"][apply.LAST_APPLIED] == expected


# -- Update tracking ------------------------------------------------------------------------------
APPLIED = [{"manager": "m", "operation": "Apply", "apiVersion": "v1", "time": "T0",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}}]  # fmt: skip


def _update(fields: dict[str, Any], time: str = "T1", sub: str = "") -> dict[str, Any]:
    entry = {"manager": "ed", "operation": "Update", "apiVersion": "v1", "time": time,
             "fieldsType": "FieldsV1", "fieldsV1": fields}  # fmt: skip
    return {**entry, "subresource": sub} if sub else entry


@pytest.mark.parametrize(
    ("live", "new", "subresource", "expected"),
    [
        pytest.param(None, _cm({"a": "1"}), "", None, id="untracked-create"),
        pytest.param(_cm({"a": "1"}), _cm({"a": "2"}), "", None, id="untracked-update"),
        pytest.param(_cm({"a": "1", "b": "1"}, managedFields=APPLIED),
                     _cm({"a": "2", "c": "1"}), "",
                     [_update({"f:data": {"f:a": {}, "f:c": {}}})], id="takes-and-removes"),
        pytest.param(_cm({"a": "1", "b": "1"}, managedFields=APPLIED),
                     _cm({"a": "1", "b": "1"}), "",
                     APPLIED, id="no-change"),
        pytest.param(_cm({"a": "1", "b": "1"}, managedFields=APPLIED),
                     _cm({"a": "1", "b": "1", "c": "1"}, managedFields=[]), "",
                     [_update({"f:data": {"f:c": {}}})], id="reset"),
        pytest.param(_cm({"a": "1", "b": "1"}, managedFields=APPLIED),
                     _cm({"a": "1", "b": "2"}, managedFields=[{"manager": "bad"}]), "",
                     [{**APPLIED[0], "fieldsV1": {"f:data": {"f:a": {}}}},
                      _update({"f:data": {"f:b": {}}})], id="undecodable-body-uses-live"),
        pytest.param(_cm({"a": "1", "b": "1"}, managedFields=APPLIED),
                     _cm({"a": "1", "b": "2"}, managedFields=[]), "status",
                     [{**APPLIED[0], "fieldsV1": {"f:data": {"f:a": {}}}},
                      _update({"f:data": {"f:b": {}}}, sub="status")],
                     id="subresource-ignores-body"),
    ],
)  # fmt: skip
def test_track_update(live: Any, new: dict[str, Any], subresource: str, expected: Any) -> None:
    managedfields.track_update(
        live, new, manager="ed", api_version="v1", subresource=subresource, schema=CM, now="T1"
    )
    assert new["metadata"].get("managedFields") == expected


@pytest.mark.parametrize(
    ("field_manager", "user_agent", "name"),
    [
        pytest.param("mine", "kubectl/v1.32.0 (linux/amd64)", "mine", id="parameter"),
        pytest.param("", "kubectl/v1.32.0 (linux/amd64) kubernetes/abc", "kubectl", id="agent"),
        pytest.param("", "", "unknown", id="nothing"),
    ],
)
def test_manager_name(field_manager: str, user_agent: str, name: str) -> None:
    assert managedfields.manager_name(field_manager, user_agent) == name


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param([{"operation": "Get"}], "operation must be `Apply` or `Update`", id="op"),
        pytest.param([{"operation": "Apply"}], "apiVersion must not be empty", id="version"),
        pytest.param([{"operation": "Apply", "apiVersion": "v1"}],
                     "missing fieldsType in managed fields entry 0", id="type"),
        pytest.param([{"operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV2"}],
                     "invalid fieldsType 'FieldsV2' in managed fields entry 0", id="v2"),
    ],
)  # fmt: skip
def test_decode_refuses(entries: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        managedfields.decode(entries)


# -- request options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("is_apply", "manager", "force", "message"),
    [
        pytest.param(True, "", False, "fieldManager: Required value: is required for apply patch",
                     id="apply-needs-manager"),
        pytest.param(False, "", True, "force: Forbidden: may not be specified for non-apply patch",
                     id="force-on-patch"),
        pytest.param(False, "a\x07", False, 'fieldManager: Invalid value: "a\\u0007": invalid '
                     "character U+0007", id="unprintable"),
        pytest.param(True, "x" * 129, False, "fieldManager: Too long: may not be more than 128 "
                     "bytes", id="long"),
    ],
)  # fmt: skip
def test_patch_options(is_apply: bool, manager: str, force: bool, message: str) -> None:
    with pytest.raises(errors.Invalid) as exc:
        apply.validate_patch_options(apply=is_apply, field_manager=manager, force_given=force)
    assert exc.value.message == f'PatchOptions.meta.k8s.io "" is invalid: {message}'


@pytest.mark.parametrize(
    ("value", "force"),
    [("true", True), ("", True), ("1", True), ("false", False), ("False", False), ("0", False),
     (None, False)],
)  # fmt: skip
def test_parse_force(value: str | None, force: bool) -> None:
    assert apply.parse_force(value) is force


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"[1]", "error decoding YAML: error unmarshaling JSON: while decoding JSON: "
                     "json: cannot unmarshal array into Go value of type map[string]interface {}",
                     id="array"),
        pytest.param(b"kind: ConfigMap\nmetadata: {managedFields: [{manager: m}]}",
                     "metadata.managedFields must be nil", id="managed-fields"),
    ],
)  # fmt: skip
def test_decode_config_refuses(body: bytes, message: str) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        apply.decode_config(body)
    assert exc.value.message == message


def test_decode_config_keeps_timestamps_as_text_and_drops_nulls() -> None:
    doc = apply.decode_config(
        b"metadata: {creationTimestamp: null, name: x}\ndata: {t: 2024-01-01}"
    )
    assert doc == {"metadata": {"name": "x"}, "data": {"t": "2024-01-01"}}


@pytest.mark.parametrize(
    ("api_version", "kind", "message"),
    [("apps/v1", "Deployment", "invalid object type: apps/v1, Kind=Deployment"),
     ("", "", "invalid object type: /, Kind="), ("a/b/c", "X", "invalid object type: /, Kind=")],
)  # fmt: skip
def test_check_config(api_version: str, kind: str, message: str) -> None:
    with pytest.raises(errors.BadRequest) as exc:
        apply.check_config({"apiVersion": api_version, "kind": kind}, "v1", "ConfigMap")
    assert exc.value.message == message


# -- through the real stores ----------------------------------------------------------------------
@pytest.fixture
async def stores(tmp_path: FsPath) -> AsyncIterator[install.Installed]:
    storage = SQLiteStorage(tmp_path / "s.db")
    await storage.open()
    installed = install.build(storage, extensions=(image_extension("registry.local:5000", ""),))
    await install.bootstrap(installed)
    yield installed
    await installed.namespaces.close()
    await storage.close()


def _store(installed: install.Installed, *key: str) -> GenericStore:
    store = installed.resources[key]  # type: ignore[index]
    assert isinstance(store, GenericStore)
    return store


async def _allow() -> None:
    return None


async def _apply(
    store: GenericStore, ctx: RequestContext, name: str, config: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    return await apply.server_side_apply(store, ctx, name, config, force=False, check_create=_allow)


async def test_store_apply_then_update_and_status(stores: install.Installed) -> None:
    deployments = _store(stores, "apps", "v1", "deployments", "")
    config = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"selector": {"matchLabels": {"a": "b"}}, "replicas": 2, "template": {}},
              "status": {"replicas": 7}}  # fmt: skip
    ctx = RequestContext(namespace="default", field_manager="kubectl", dry_run=True)
    _, created = await _apply(deployments, ctx, "web", config)
    assert created
    ctx = RequestContext(namespace="default", field_manager="kubectl")
    obj, created = await _apply(deployments, ctx, "web", config)
    assert created and "status" not in obj and obj["metadata"]["generation"] == 1
    assert [(e["manager"], e["fieldsV1"]) for e in obj["metadata"]["managedFields"]] == [
        ("kubectl", {"f:spec": {"f:replicas": {}, "f:selector": {}}})
    ]
    obj["spec"]["replicas"] = 5
    edit = RequestContext(namespace="default", user_agent="kubectl-edit/v1.32")
    updated, _ = await deployments.update(edit, "web", obj)
    entries = updated["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"], e["fieldsV1"]) for e in entries] == [
        ("kubectl", "Apply", {"f:spec": {"f:selector": {}}}),
        ("kubectl-edit", "Update", {"f:spec": {"f:replicas": {}}}),
    ]
    status = _store(stores, "apps", "v1", "deployments", "status")
    sctx = RequestContext(namespace="default", field_manager="ctrl")
    applied, created = await _apply(status, sctx, "web", config)
    assert not created and applied["status"] == {"replicas": 7} and applied["spec"]["replicas"] == 5
    entry = applied["metadata"]["managedFields"][0]
    assert (entry["manager"], entry["subresource"], entry["fieldsV1"]) == (
        "ctrl", "status", {"f:status": {"f:replicas": {}}})  # fmt: skip


async def test_store_apply_image_stream(stores: install.Installed) -> None:
    streams = _store(stores, "image.openshift.io", "v1", "imagestreams", "")
    tag = {"from": {"kind": "DockerImage", "name": "quay.io/x/y:1"}, "reference": True}
    config: dict[str, Any] = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
              "metadata": {"name": "s"},
              "spec": {"tags": [{"name": "b", **tag}, {"name": "a", **tag}]}}  # fmt: skip
    ctx = RequestContext(namespace="default", field_manager="kubectl")
    obj, _ = await _apply(streams, ctx, "s", config)
    assert [(t["name"], t["generation"]) for t in obj["spec"]["tags"]] == [("a", 1), ("b", 1)]
    config["spec"]["tags"] = [{"name": "a", **tag}]
    ctx = RequestContext(namespace="default", field_manager="kubectl")
    obj, created = await _apply(streams, ctx, "s", config)
    assert not created and [t["name"] for t in obj["spec"]["tags"]] == ["a"]
    assert list(obj["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:tags"]) == [
        'k:{"name":"a"}'
    ]
