"""Which objects and containers the admission step rewrites, on create, update and patch."""

from __future__ import annotations

import copy

import pytest

from imagestreams import errors
from imagestreams.resources.imagepolicy.podspecs import COVERED, json_pointer
from imagestreams.resources.imagepolicy.resolve import RESOLVE_NAMES_ANNOTATION
from imagestreams.rest.store import GenericStore
from tests.unit.imagepolicy.conftest import MYSQL_D1, MYSQL_D2, PHP_LOCAL, Env, Obj

FORCE = {RESOLVE_NAMES_ANNOTATION: "*"}


def _template(image: str, init_image: str = "php") -> Obj:
    return {
        "metadata": {"labels": {"app": "a"}},
        "spec": {
            "initContainers": [{"name": "init", "image": init_image}],
            "containers": [{"name": "c", "image": image}],
        },
    }


def _workload(plural: str, image: str, name: str = "w") -> Obj:
    template = _template(image)
    if plural == "pods":
        return {"metadata": {"name": name}, "spec": template["spec"]}
    if plural == "cronjobs":
        spec: Obj = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    else:
        spec = {"template": template}
    return {"metadata": {"name": name}, "spec": spec}


def _pod_spec(plural: str, obj: Obj) -> Obj:
    if plural == "pods":
        return dict(obj["spec"])
    if plural == "cronjobs":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(obj["spec"]["template"]["spec"])


def _images(plural: str, obj: Obj) -> tuple[list[str], list[str]]:
    spec = _pod_spec(plural, obj)
    return [c["image"] for c in spec["initContainers"]], [c["image"] for c in spec["containers"]]


KINDS = [
    pytest.param(group, plural, id=f"{group or 'core'}-{plural}")
    for group, plural in COVERED
    if group != "extensions"  # webhook-only: no such resources are served
]


@pytest.mark.parametrize(("group", "plural"), KINDS)
async def test_create_resolves_every_covered_kind(env: Env, group: str, plural: str) -> None:
    created = await env.store(group, plural).create(env.ctx(), _workload(plural, "mysql:8"))
    assert _images(plural, created) == ([PHP_LOCAL], [MYSQL_D2])
    stored = await env.store(group, plural).get(env.ctx(), "w")
    assert _images(plural, stored) == ([PHP_LOCAL], [MYSQL_D2])


@pytest.mark.parametrize(("group", "plural"), KINDS)
async def test_update_resolves_changed_images(env: Env, group: str, plural: str) -> None:
    store = env.store(group, plural)
    created = await store.create(env.ctx(), _workload(plural, "quay.io/x/y:1"))
    changed = copy.deepcopy(created)
    _pod_spec(plural, changed)["containers"][0]["image"] = "mysql"
    updated, _ = await store.update(env.ctx(), "w", changed)
    expected = "mysql" if plural == "jobs" else MYSQL_D1  # job templates are immutable upstream
    assert _images(plural, updated) == ([PHP_LOCAL], [expected])


async def _store_raw(env: Env, obj: Obj) -> None:
    """Write ``obj`` behind admission's back (as a server without the plugin would have)."""
    store = env.store("", "pods")
    key = store.key("ns", obj["metadata"]["name"])
    current = await store.storage.get(key)
    await store.storage.update(key, store.encode(obj), expected_revision=current.mod_revision)


async def test_update_skips_unchanged_images(env: Env) -> None:
    store = env.store("", "pods")
    created = await store.create(env.ctx(), _workload("pods", "quay.io/x/y:1"))
    created["spec"]["initContainers"][0]["image"] = "php"
    await _store_raw(env, created)
    current = await store.get(env.ctx(), "w")
    current["spec"]["containers"][0]["image"] = "mysql:8"
    updated, _ = await store.update(env.ctx(), "w", current)
    assert _images("pods", updated) == (["php"], [MYSQL_D2])


async def test_switching_resolve_names_on_reexamines_all(env: Env) -> None:
    store = env.store("apps", "deployments")
    created = await store.create(env.ctx(), _workload("deployments", "private"))
    assert _images("deployments", created) == ([PHP_LOCAL], ["private"])
    created["spec"]["template"]["metadata"]["annotations"] = FORCE
    updated, _ = await store.update(env.ctx(), "w", created)
    assert _images("deployments", updated) == ([PHP_LOCAL], [MYSQL_D1])


async def test_patch_goes_through_admission(env: Env) -> None:
    store = env.store("apps", "deployments")
    await store.create(env.ctx(), _workload("deployments", "quay.io/x/y:1"))

    def set_image(obj: Obj) -> Obj:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "mysql:8"
        return obj

    patched = await store.patch(env.ctx(), "w", set_image)
    assert _images("deployments", patched) == ([PHP_LOCAL], [MYSQL_D2])


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        pytest.param({"controller": True}, "mysql", id="controller-owner-skipped"),
        pytest.param({"controller": False}, MYSQL_D1, id="plain-owner-resolved"),
        pytest.param({}, MYSQL_D1, id="owner-without-controller-field"),
    ],
)
async def test_controller_owned_objects_are_skipped(env: Env, owner: Obj, expected: str) -> None:
    body = _workload("replicasets", "mysql")
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "u1", **owner}
    body["metadata"]["ownerReferences"] = [ref]
    created = await env.store("apps", "replicasets").create(env.ctx(), body)
    assert _images("replicasets", created)[1] == [expected]


async def test_object_annotation_forces_resolution(env: Env) -> None:
    body = _workload("statefulsets", "private")
    body["metadata"]["annotations"] = FORCE
    created = await env.store("apps", "statefulsets").create(env.ctx(), body)
    assert _images("statefulsets", created)[1] == [MYSQL_D1]


async def test_replication_controller_without_template_is_forbidden(env: Env) -> None:
    body = {"metadata": {"name": "rc"}, "spec": {"replicas": 1}}
    with pytest.raises(errors.Forbidden) as caught:
        await env.store("", "replicationcontrollers").create(env.ctx(), body)
    assert caught.value.message == (
        'replicationcontrollers "rc" is forbidden: unable to apply image policy against objects '
        "of type *core.ReplicationController: No list of images available for this object"
    )


async def test_uncovered_kinds_are_left_alone(env: Env) -> None:
    assert env.store("", "configmaps").admission == []
    status_view = env.installed.resources[("", "v1", "pods", "status")]
    assert isinstance(status_view, GenericStore)
    assert status_view.admission == []


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        pytest.param(("spec", "containers", 0, "image"), "/spec/containers/0/image", id="plain"),
        pytest.param(("a/b", "c~d"), "/a~1b/c~0d", id="escaped"),
    ],
)
def test_json_pointer(path: tuple[str | int, ...], pointer: str) -> None:
    assert json_pointer(path) == pointer
