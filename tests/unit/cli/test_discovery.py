"""kubectl's resource-type resolution and ``ResourceTypeOrNameArgs`` splitting, as tables."""

from __future__ import annotations

import pytest

from imagestreams.cli.common import CommandError
from imagestreams.cli.discovery import (
    ApiResource,
    expand_categories,
    parse_resource_list,
    resolve,
    split_resource_name,
    split_type_or_name_args,
)

CORE = parse_resource_list(
    "",
    "v1",
    {
        "resources": [
            {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret"},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "Pod",
             "shortNames": ["po"], "categories": ["all"]},
            {"name": "pods/status", "singularName": "", "namespaced": True, "kind": "Pod"},
            {"name": "namespaces", "singularName": "namespace", "namespaced": False,
             "kind": "Namespace", "shortNames": ["ns"]},
            {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event"},
        ]
    },
)  # fmt: skip
APPS = parse_resource_list(
    "apps",
    "v1",
    {
        "resources": [
            {"name": "deployments", "singularName": "deployment", "namespaced": True,
             "kind": "Deployment", "shortNames": ["deploy"], "categories": ["all"]},
        ]
    },
)  # fmt: skip
IMAGE = parse_resource_list(
    "image.openshift.io",
    "v1",
    {
        "resources": [
            {"name": "imagestreams", "singularName": "imagestream", "namespaced": True,
             "kind": "ImageStream", "shortNames": ["is"], "categories": ["all"]},
            {"name": "images", "singularName": "image", "namespaced": False, "kind": "Image"},
        ]
    },
)  # fmt: skip
EVENTS = parse_resource_list(
    "events.k8s.io",
    "v1",
    {"resources": [{"name": "events", "singularName": "event", "namespaced": True,
                    "kind": "Event", "shortNames": ["ev"]}]},
)  # fmt: skip
ALL = CORE + APPS + IMAGE + EVENTS


def test_parse_resource_list_drops_subresources_and_defaults_singular() -> None:
    assert [r.plural for r in CORE] == ["secrets", "pods", "namespaces", "events"]
    assert CORE[1] == ApiResource(
        "", "v1", "pods", "Pod", True, "pod", short_names=("po",), categories=("all",)
    )
    assert CORE[2].namespaced is False
    assert CORE[1].gvr == ("", "v1", "pods")


@pytest.mark.parametrize(
    ("arg", "gvr"),
    [
        pytest.param("is", ("image.openshift.io", "v1", "imagestreams"), id="short-name"),
        pytest.param("imagestreams", ("image.openshift.io", "v1", "imagestreams"), id="plural"),
        pytest.param("imagestream", ("image.openshift.io", "v1", "imagestreams"), id="singular"),
        pytest.param("ImageStreams", ("image.openshift.io", "v1", "imagestreams"), id="any-case"),
        pytest.param(
            "imagestreams.image.openshift.io",
            ("image.openshift.io", "v1", "imagestreams"),
            id="resource-dot-group",
        ),
        pytest.param(
            "imagestreams.v1.image.openshift.io",
            ("image.openshift.io", "v1", "imagestreams"),
            id="resource-version-group",
        ),
        pytest.param("deploy", ("apps", "v1", "deployments"), id="short-name-other-group"),
        pytest.param("deployments.apps", ("apps", "v1", "deployments"), id="group-given"),
        pytest.param("Deployment", ("apps", "v1", "deployments"), id="kind-is-singular"),
        pytest.param("secret", ("", "v1", "secrets"), id="core-singular"),
        pytest.param("events", ("", "v1", "events"), id="core-group-wins"),
        pytest.param("events.events.k8s.io", ("events.k8s.io", "v1", "events"), id="other-group"),
        pytest.param("ev", ("events.k8s.io", "v1", "events"), id="short-name-picks-its-group"),
        pytest.param("ns", ("", "v1", "namespaces"), id="cluster-scoped"),
    ],
)
def test_resolve(arg: str, gvr: tuple[str, str, str]) -> None:
    assert resolve(ALL, arg).gvr == gvr


@pytest.mark.parametrize(
    ("arg", "reported"),
    [
        pytest.param("unknown", "unknown", id="unknown"),
        pytest.param("unknown.example.com", "unknown", id="unknown-with-group"),
        pytest.param("deployments.batch", "deployments", id="wrong-group"),
        pytest.param("deployments.v2.apps", "deployments", id="wrong-version"),
        pytest.param("IS", "IS", id="short-names-are-exact"),
        pytest.param("pods/status", "pods/status", id="subresource"),
    ],
)
def test_resolve_unknown(arg: str, reported: str) -> None:
    with pytest.raises(CommandError) as info:
        resolve(ALL, arg)
    assert info.value.message == f'the server doesn\'t have a resource type "{reported}"'


@pytest.mark.parametrize(
    ("arg", "expanded"),
    [
        pytest.param("all", ["pods", "deployments.apps", "imagestreams.image.openshift.io"],
                     id="category"),
        pytest.param("is,secrets", ["is", "secrets"], id="not-categories"),
        pytest.param("secrets,all,pods", ["secrets", "pods", "deployments.apps",
                                          "imagestreams.image.openshift.io"], id="deduplicated"),
    ],
)  # fmt: skip
def test_expand_categories(arg: str, expanded: list[str]) -> None:
    assert expand_categories(ALL, arg) == expanded


@pytest.mark.parametrize(
    ("args", "pairs", "tuples"),
    [
        pytest.param((), [], False, id="none"),
        pytest.param(("is",), [("is", [])], False, id="one-type"),
        pytest.param(("is,secrets",), [("is", []), ("secrets", [])], False, id="types"),
        pytest.param(("is,is",), [("is", [])], False, id="types-deduplicated"),
        pytest.param(("is", "a", "b"), [("is", ["a", "b"])], False, id="type-and-names"),
        pytest.param(("is/a", "secrets/b"), [("is", ["a"]), ("secrets", ["b"])], True,
                     id="tuples"),
        pytest.param(("is,secrets", "a"), [("is", ["a"]), ("secrets", ["a"])], True,
                     id="types-with-name-become-tuples"),
    ],
)  # fmt: skip
def test_split_type_or_name_args(
    args: tuple[str, ...], pairs: list[tuple[str, list[str]]], tuples: bool
) -> None:
    assert split_type_or_name_args(args) == (pairs, tuples)


MIXED = (
    "there is no need to specify a resource type as a separate argument when passing arguments"
    " in resource/name form (e.g. 'imagestreams get resource/<resource_name>' instead of"
    " 'imagestreams get resource resource/<resource_name>'"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("is/a", "b"), MIXED, id="mixed"),
        pytest.param(("is/a/b",), "arguments in resource/name form may not have more than one"
                     " slash", id="two-slashes"),
        pytest.param(("/a",), "arguments in resource/name form must have a single resource and"
                     " name", id="no-type"),
        pytest.param(("is,secrets/a",), "arguments in resource/name form must have a single"
                     " resource and name", id="several-types"),
    ],
)  # fmt: skip
def test_split_type_or_name_args_errors(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError) as info:
        split_type_or_name_args(args)
    assert (info.value.message, info.value.exit_code) == (message, 1)


def test_split_resource_name() -> None:
    assert split_resource_name("nginx") is None
    assert split_resource_name("is/nginx") == ("is", "nginx")
