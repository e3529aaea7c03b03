"""``set image-lookup``'s table rows, patches and name parsing (oc's imagelookup.go), as tables."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.cli.common import CommandError
from imagestreams.cli.discovery import ApiResource
from imagestreams.cli.set_image_lookup import (
    RESOLVE_NAMES_ANNOTATION,
    lookup_patch,
    lookup_row,
    lookup_table,
    stream_names,
)

Obj = dict[str, Any]
STREAMS = ApiResource("image.openshift.io", "v1", "imagestreams", "ImageStream")
SECRETS = ApiResource("", "v1", "secrets", "Secret")
DEPLOYMENTS = ApiResource("apps", "v1", "deployments", "Deployment")
CRONJOBS = ApiResource("batch", "v1", "cronjobs", "CronJob")
RC = ApiResource("", "v1", "replicationcontrollers", "ReplicationController")
ON = {RESOLVE_NAMES_ANNOTATION: "*"}


def _meta(name: str, annotations: Obj | None = None) -> Obj:
    return {"name": name, **({"annotations": annotations} if annotations else {})}


@pytest.mark.parametrize(
    ("resource", "obj", "row"),
    [
        pytest.param(STREAMS, {"metadata": _meta("a"), "spec": {"lookupPolicy": {"local": True}}},
                     ("a", "true"), id="stream-local"),
        pytest.param(STREAMS, {"metadata": _meta("b"), "spec": {}}, ("b", "false"),
                     id="stream-default"),
        pytest.param(STREAMS, {"metadata": _meta("c", ON), "spec": {}}, ("c", "false"),
                     id="stream-ignores-annotation"),
        pytest.param(SECRETS, {"metadata": _meta("s")}, ("secrets/s", "false"), id="secret"),
        pytest.param(SECRETS, {"metadata": _meta("s", ON)}, ("secrets/s", "true"),
                     id="annotated-secret"),
        pytest.param(SECRETS, {"metadata": _meta("s", {RESOLVE_NAMES_ANNOTATION: "x"})},
                     ("secrets/s", "false"), id="annotation-must-be-star"),
        pytest.param(DEPLOYMENTS,
                     {"metadata": _meta("d"),
                      "spec": {"template": {"metadata": {"annotations": ON}}}},
                     ("deployments/d", "true"), id="deployment-template"),
        pytest.param(DEPLOYMENTS, {"metadata": _meta("d", ON), "spec": {"template": {}}},
                     ("deployments/d", "true"), id="deployment-own-annotation"),
        pytest.param(CRONJOBS,
                     {"metadata": _meta("c"), "spec": {"jobTemplate": {"spec": {
                         "template": {"metadata": {"annotations": ON}}}}}},
                     ("cronjobs/c", "true"), id="cronjob-job-template"),
        pytest.param(SECRETS,
                     {"metadata": _meta("s"),
                      "spec": {"template": {"metadata": {"annotations": ON}}}},
                     ("secrets/s", "false"), id="no-template-for-other-kinds"),
        pytest.param(RC, {"metadata": _meta("r"), "spec": {}}, ("replicationcontrollers/r",
                     "false"), id="rc-without-template"),
        pytest.param(SECRETS, {"metadata": None}, ("secrets/", "UNKNOWN"), id="no-metadata"),
    ],
)  # fmt: skip
def test_lookup_row(resource: ApiResource, obj: Obj, row: tuple[str, str]) -> None:
    assert lookup_row(resource, obj) == row


def test_lookup_table() -> None:
    rows = [("a", "true"), ("longer-name", "false"), ("secrets/s", "UNKNOWN")]
    assert lookup_table(rows) == (
        "NAME         LOCAL\na            true\nlonger-name  false\nsecrets/s    UNKNOWN\n"
    )
    assert lookup_table([]) == "NAME  LOCAL\n"


@pytest.mark.parametrize(
    ("local", "enabled", "patch"),
    [
        pytest.param(True, True, None, id="already-on"),
        pytest.param(None, False, None, id="already-off"),
        pytest.param(True, False, {"spec": {"lookupPolicy": {"local": False}}}, id="turn-off"),
        pytest.param(None, True, {"spec": {"lookupPolicy": {"local": True}}}, id="turn-on"),
    ],
)
def test_lookup_patch(local: bool | None, enabled: bool, patch: Obj | None) -> None:
    spec = {"lookupPolicy": {"local": local}} if local is not None else {}
    assert lookup_patch({"metadata": _meta("x"), "spec": spec}, enabled) == patch


def test_stream_names() -> None:
    args = ("a", "is/b", "imagestreams.image.openshift.io/c", "ImageStream/d")
    assert stream_names(args) == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        pytest.param("deploy/x", 'the server doesn\'t have a resource type "deploy"', id="type"),
        pytest.param("is/a/b", "arguments in resource/name form may not have more than one slash",
                     id="two-slashes"),
        pytest.param("is/", "arguments in resource/name form must have a single resource and"
                     " name", id="no-name"),
    ],
)  # fmt: skip
def test_stream_names_errors(arg: str, message: str) -> None:
    with pytest.raises(CommandError) as info:
        stream_names((arg,))
    assert (info.value.message, info.value.exit_code) == (message, 1)
