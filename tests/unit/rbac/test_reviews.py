"""Access reviews, rules review, TokenReview, SelfSubjectReview and TokenRequest through the
resources the server registers."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams import errors
from imagestreams.rest.context import RequestContext, User
from imagestreams.rest.resource import Resource
from tests.unit.rbac.conftest import Env

AUTHZ = "authorization.k8s.io"
BUILDER = User(
    "system:serviceaccount:default:builder",
    "",
    ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"),
)


def _res(env: Env, group: str, plural: str, sub: str = "") -> Resource:
    return env.installed.resources[(group, "v1", plural, sub)]


def _attrs(verb: str, resource: str, sub: str = "", ns: str = "default") -> dict[str, Any]:
    return {
        "resourceAttributes": {
            "namespace": ns,
            "verb": verb,
            "group": "image.openshift.io",
            "resource": resource,
            "subresource": sub,
        }
    }


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        pytest.param(
            _attrs("update", "imagestreams", "layers"),
            {
                "allowed": True,
                "reason": "RBAC: allowed by RoleBinding "
                '"system:image-builders/default" of ClusterRole "system:image-builder" to '
                'ServiceAccount "builder/default"',
            },
            id="builder-may-push",
        ),
        pytest.param(
            _attrs("delete", "imagestreams"), {"allowed": False}, id="builder-may-not-delete"
        ),
        pytest.param(
            _attrs("get", "imagestreams", "layers", "kube-system"),
            {"allowed": False},
            id="no-pull-from-other-namespace",
        ),
    ],
)
async def test_self_subject_access_review(env: Env, spec: dict[str, Any], want: Any) -> None:
    ssar = _res(env, AUTHZ, "selfsubjectaccessreviews")
    out = await ssar.create(RequestContext(user=BUILDER), {"spec": spec})
    assert out["kind"] == "SelfSubjectAccessReview"
    assert out["apiVersion"] == "authorization.k8s.io/v1"
    assert out["spec"] == spec
    assert out["status"] == want


async def test_cross_namespace_pull_after_granting_the_puller_role(env: Env) -> None:
    """What `oc policy add-role-to-group system:image-puller system:serviceaccounts:default -n
    kube-system` does, checked the way the tag verifier asks (spec 4.8)."""
    await env.access.stores["rolebindings"].create(
        RequestContext(namespace="kube-system"),
        {
            "metadata": {"name": "pull-from-default", "namespace": "kube-system"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "system:image-puller",
            },
            "subjects": [
                {
                    "kind": "Group",
                    "apiGroup": "rbac.authorization.k8s.io",
                    "name": "system:serviceaccounts:default",
                }
            ],
        },
    )
    can = env.access.authorizer.can
    assert (
        await can(
            BUILDER, "get", "image.openshift.io", "imagestreams", "layers", "kube-system", "base"
        )
        is True
    )
    assert (
        await can(
            BUILDER, "update", "image.openshift.io", "imagestreams", "layers", "kube-system", "base"
        )
        is False
    )


async def test_subject_access_review_validation(env: Env) -> None:
    sar = _res(env, AUTHZ, "subjectaccessreviews")
    with pytest.raises(errors.Invalid) as err:
        await sar.create(RequestContext(), {"spec": {}})
    assert err.value.message == (
        'SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.resourceAttributes: '
        "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be "
        'specified, spec.user: Invalid value: "": at least one of user or group must be '
        "specified]"
    )


async def test_subject_access_review_for_a_group(env: Env) -> None:
    sar = _res(env, AUTHZ, "subjectaccessreviews")
    out = await sar.create(
        RequestContext(),
        {
            "spec": {
                "groups": ["system:authenticated"],
                "user": "anyone",
                "nonResourceAttributes": {"path": "/apis/image.openshift.io", "verb": "get"},
            }
        },
    )
    assert out["status"] == {
        "allowed": True,
        "reason": "RBAC: allowed by ClusterRoleBinding "
        '"system:discovery" of ClusterRole "system:discovery" to Group '
        '"system:authenticated"',
    }


async def test_rules_review(env: Env) -> None:
    ssrr = _res(env, AUTHZ, "selfsubjectrulesreviews")
    out = await ssrr.create(RequestContext(user=BUILDER), {"spec": {"namespace": "default"}})
    rules = out["status"]["resourceRules"]
    assert {
        "verbs": ["get", "update"],
        "apiGroups": ["", "image.openshift.io"],
        "resources": ["imagestreams/layers"],
    } in rules
    assert out["status"]["incomplete"] is False
    with pytest.raises(errors.BadRequest):
        await ssrr.create(RequestContext(user=BUILDER), {"spec": {}})


async def test_token_request_and_review(env: Env) -> None:
    tokens = _res(env, "", "serviceaccounts", "token")
    ctx = RequestContext(namespace="default")
    out = await tokens.create(ctx, {"metadata": {"name": "builder"}, "spec": {}})
    assert out["spec"]["expirationSeconds"] == 3600
    token = out["status"]["token"]
    review = _res(env, "authentication.k8s.io", "tokenreviews")
    got = await review.create(RequestContext(), {"spec": {"token": token}})
    assert got["status"]["authenticated"] is True
    assert got["status"]["user"]["username"] == "system:serviceaccount:default:builder"
    bad = await review.create(RequestContext(), {"spec": {"token": token[:-4] + "AAAA"}})
    assert bad["status"] == {"authenticated": False, "user": {}, "error": "invalid bearer token"}
    with pytest.raises(errors.Invalid) as err:
        await tokens.create(
            ctx, {"metadata": {"name": "builder"}, "spec": {"expirationSeconds": 60}}
        )
    assert str(err.value) == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid '
        "value: 60: may not specify a duration less than 10 minutes"
    )
    with pytest.raises(errors.NotFound):
        await tokens.create(ctx, {"metadata": {"name": "nobody"}, "spec": {}})


async def test_self_subject_review(env: Env) -> None:
    ssr = _res(env, "authentication.k8s.io", "selfsubjectreviews")
    out = await ssr.create(RequestContext(user=BUILDER), {})
    assert out["status"]["userInfo"] == {"username": BUILDER.name, "groups": list(BUILDER.groups)}
