"""The AdmissionReview endpoint's answers (the in-process resource; the HTTP path is covered by
tests/integration/test_image_lookup.py)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from imagestreams import errors
from imagestreams.resources.imagepolicy.install import WEBHOOK_KEY
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource
from tests.unit.imagepolicy.conftest import MYSQL_D1, MYSQL_D2, PHP_LOCAL, Env, Obj

UID = "705ab4f5-6393-11e8-b7cc-42010a800002"


def _deployment(image: str, init: str = "quay.io/x/init:1") -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "init", "image": init}],
                    "containers": [{"name": "web", "image": image}],
                }
            }
        },
    }


def review(operation: str, obj: Obj | None, old: Obj | None = None, **extra: Any) -> Obj:
    """The shape of https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request"""
    request: Obj = {
        "uid": UID,
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "name": "web",
        "namespace": "ns",
        "operation": operation,
        "userInfo": {"username": "admin", "uid": "014fbff9a07c", "groups": ["system:masters"]},
        "object": obj,
        "oldObject": old,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        **extra,
    }
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def webhook(env: Env) -> Resource:
    return env.installed.resources[WEBHOOK_KEY]


def _patch(response: Obj) -> list[Obj]:
    assert response["patchType"] == "JSONPatch"
    decoded: list[Obj] = json.loads(base64.b64decode(response["patch"]))
    return decoded


async def test_create_answers_with_a_json_patch(env: Env) -> None:
    answer = await webhook(env).create(
        RequestContext(), review("CREATE", _deployment("mysql", "php"))
    )
    assert answer["apiVersion"] == "admission.k8s.io/v1"
    assert answer["kind"] == "AdmissionReview"
    response = answer["response"]
    assert (response["uid"], response["allowed"]) == (UID, True)
    assert _patch(response) == [
        {"op": "replace", "path": "/spec/template/spec/initContainers/0/image", "value": PHP_LOCAL},
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": MYSQL_D1},
    ]


async def test_old_extensions_group_workloads_are_resolved(env: Env) -> None:
    """Upstream's default policy still names extensions/v1beta1 workloads."""
    gvr = {"group": "extensions", "version": "v1beta1", "resource": "replicasets"}
    body = review("CREATE", _deployment("mysql"), resource=gvr, requestResource=gvr)
    answer = await webhook(env).create(RequestContext(), body)
    assert _patch(answer["response"])[-1] == {
        "op": "replace",
        "path": "/spec/template/spec/containers/0/image",
        "value": MYSQL_D1,
    }


async def test_update_patches_only_changed_images(env: Env) -> None:
    old = _deployment("mysql", "php")
    new = _deployment("mysql:8", "php")
    answer = await webhook(env).create(RequestContext(), review("UPDATE", new, old))
    assert _patch(answer["response"]) == [
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": MYSQL_D2}
    ]


@pytest.mark.parametrize(
    ("operation", "obj", "extra"),
    [
        pytest.param("CREATE", _deployment("quay.io/x/y:1"), {}, id="nothing-to-resolve"),
        pytest.param("CREATE", _deployment("private"), {}, id="lookup-disabled"),
        pytest.param("DELETE", None, {}, id="delete"),
        pytest.param("CONNECT", None, {}, id="connect"),
        pytest.param("UPDATE", _deployment("mysql"), {"subResource": "status"}, id="subresource"),
        pytest.param("CREATE", _deployment("mysql"),
                     {"resource": {"group": "", "version": "v1", "resource": "configmaps"}},
                     id="uncovered-resource"),
    ],
)  # fmt: skip
async def test_allowed_without_patch(env: Env, operation: str, obj: Obj | None, extra: Obj) -> None:
    answer = await webhook(env).create(RequestContext(), review(operation, obj, obj, **extra))
    assert answer["response"] == {"uid": UID, "allowed": True}


async def test_refusal_carries_the_status(env: Env) -> None:
    rc = {"metadata": {"name": "rc", "namespace": "ns"}, "spec": {}}
    resource = {"group": "", "version": "v1", "resource": "replicationcontrollers"}
    answer = await webhook(env).create(RequestContext(), review("CREATE", rc, resource=resource))
    response = answer["response"]
    assert response["allowed"] is False
    status = response["status"]
    assert (status["code"], status["reason"]) == (403, "Forbidden")
    assert status["message"] == (
        'replicationcontrollers "rc" is forbidden: unable to apply image policy against objects '
        "of type *core.ReplicationController: No list of images available for this object"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"},
                     "invalid AdmissionReview: request is required", id="no-request"),
        pytest.param({"request": {"operation": "CREATE"}},
                     "invalid AdmissionReview: request.uid is required", id="no-uid"),
        pytest.param({"request": {"uid": UID, "operation": "CREATE", "object": {}}},
                     "invalid AdmissionReview: request.resource is required", id="no-resource"),
        pytest.param({"request": {"uid": UID, "operation": "CREATE",
                                  "resource": {"group": "", "resource": "pods"}, "object": "x"}},
                     "invalid AdmissionReview: request.object must be an object", id="bad-object"),
    ],
)  # fmt: skip
async def test_malformed_reviews_are_bad_requests(env: Env, body: Obj, message: str) -> None:
    with pytest.raises(errors.BadRequest) as caught:
        await webhook(env).create(RequestContext(), body)
    assert caught.value.message == message
