"""Impersonation headers become the user kube-apiserver's ``WithImpersonation`` would build."""

from __future__ import annotations

import pytest

from imagestreams import errors
from imagestreams.server import authz, impersonation
from imagestreams.server.authn import UserInfo

CALLER = UserInfo("ops", "u-1", ("ops", "system:authenticated"))


class _Grants:
    """Allows ``impersonate`` on the listed ``(group, resource, subresource, namespace, name)``."""

    def __init__(self, *grants: tuple[str, str, str, str, str]) -> None:
        self.grants = set(grants)
        self.asked: list[tuple[str, str, str, str, str, str]] = []

    async def authorize(self, attrs: authz.Attributes) -> tuple[authz.Decision, str]:
        key = (attrs.api_group, attrs.resource, attrs.subresource, attrs.namespace, attrs.name)
        self.asked.append((attrs.verb, *key))
        if key in self.grants:
            return authz.Decision.ALLOW, ""
        return authz.Decision.NO_OPINION, ""


EVERYTHING = (
    ("", "users", "", "", "alice"),
    ("", "users", "", "", "system:anonymous"),
    ("", "groups", "", "", "devs"),
    ("", "groups", "", "", "system:unauthenticated"),
    ("", "serviceaccounts", "", "proj", "builder"),
    ("authentication.k8s.io", "uids", "", "", "1001"),
    ("authentication.k8s.io", "userextras", "scopes.example.com/x", "", "read"),
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([], None, id="no-headers"),
        pytest.param(
            [("Impersonate-User", "alice")],
            UserInfo("alice", "", ("system:authenticated",)),
            id="user",
        ),
        pytest.param(
            [("Impersonate-User", "alice"), ("Impersonate-Group", "devs")],
            UserInfo("alice", "", ("devs", "system:authenticated")),
            id="user-and-group",
        ),
        pytest.param(
            [("Impersonate-User", "system:serviceaccount:proj:builder")],
            UserInfo(
                "system:serviceaccount:proj:builder",
                "",
                ("system:serviceaccounts", "system:serviceaccounts:proj", "system:authenticated"),
            ),
            id="service-account-gets-its-groups",
        ),
        pytest.param(
            [
                ("Impersonate-User", "system:serviceaccount:proj:builder"),
                ("Impersonate-Group", "devs"),
            ],
            UserInfo("system:serviceaccount:proj:builder", "", ("devs", "system:authenticated")),
            id="service-account-with-explicit-groups",
        ),
        pytest.param(
            [
                ("Impersonate-User", "alice"),
                ("Impersonate-Uid", "1001"),
                ("Impersonate-Extra-Scopes.example.com%2fx", "read"),
            ],
            UserInfo(
                "alice",
                "1001",
                ("system:authenticated",),
                {"scopes.example.com/x": ("read",)},
            ),
            id="uid-and-escaped-extra-key",
        ),
        pytest.param(
            [("Impersonate-User", "alice"), ("Impersonate-Group", "system:unauthenticated")],
            UserInfo("alice", "", ("system:unauthenticated",)),
            id="unauthenticated-group-keeps-authenticated-out",
        ),
        pytest.param(
            [("Impersonate-User", "system:anonymous")],
            UserInfo("system:anonymous", "", ("system:unauthenticated",)),
            id="anonymous",
        ),
    ],
)
async def test_impersonated_user(headers: list[tuple[str, str]], expected: UserInfo | None) -> None:
    got = await impersonation.impersonate(_Grants(*EVERYTHING), CALLER, headers)
    assert got == expected
    if got is not None:
        assert dict(got.extra) == dict(expected.extra if expected else {})


@pytest.mark.parametrize(
    ("headers", "grants", "message"),
    [
        pytest.param(
            [("Impersonate-User", "alice")],
            (),
            'users "alice" is forbidden: User "ops" cannot impersonate resource "users" in API '
            'group "" at the cluster scope',
            id="user",
        ),
        pytest.param(
            [("Impersonate-User", "alice"), ("Impersonate-Group", "admins")],
            (("", "users", "", "", "alice"),),
            'groups "admins" is forbidden: User "ops" cannot impersonate resource "groups" in '
            'API group "" at the cluster scope',
            id="group",
        ),
        pytest.param(
            [("Impersonate-User", "system:serviceaccount:proj:deployer")],
            (),
            'serviceaccounts "deployer" is forbidden: User "ops" cannot impersonate resource '
            '"serviceaccounts" in API group "" in the namespace "proj"',
            id="service-account",
        ),
        pytest.param(
            [("Impersonate-User", "alice"), ("Impersonate-Uid", "7")],
            (("", "users", "", "", "alice"),),
            'uids.authentication.k8s.io "7" is forbidden: User "ops" cannot impersonate '
            'resource "uids" in API group "authentication.k8s.io" at the cluster scope',
            id="uid",
        ),
    ],
)
async def test_refusals(
    headers: list[tuple[str, str]], grants: tuple[tuple[str, str, str, str, str], ...], message: str
) -> None:
    with pytest.raises(errors.Forbidden) as caught:
        await impersonation.impersonate(_Grants(*grants), CALLER, headers)
    assert caught.value.status()["message"] == message
    assert caught.value.status()["code"] == 403


def test_invalid_service_account_name_is_a_plain_user() -> None:
    parts = impersonation.requested([("Impersonate-User", "system:serviceaccount:Bad_NS:x")])
    assert [(p.kind, p.namespace, p.name) for p in parts] == [
        ("User", "", "system:serviceaccount:Bad_NS:x")
    ]


def test_group_without_user_is_an_internal_error() -> None:
    with pytest.raises(errors.InternalError) as caught:
        impersonation.requested([("Impersonate-Group", "devs")])
    assert caught.value.status()["message"] == (
        "requested [{Group  devs    }] without impersonating a user"
    )
