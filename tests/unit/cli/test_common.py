"""kubectl's error wording, exit codes and the set image-lookup helpers (no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from imagestreams.cli.common import CommandError, connection_error_message, format_api_error
from imagestreams.cli.describe import describe
from imagestreams.cli.set_image_lookup import (
    image_lookup,
    lookup_patch,
    lookup_table,
    stream_names,
)
from imagestreams.cli.tag import tag
from imagestreams.client.protocol import StatusError

REFUSED = (
    "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or"
    " port?\n"
)
HINT = "See 'imagestreams tag -h' for help and examples\n"


def _status(**kw: Any) -> StatusError:
    return StatusError({"kind": "Status", "status": "Failure", **kw})


@pytest.mark.parametrize(
    ("status", "text"),
    [
        pytest.param(
            _status(
                reason="NotFound", code=404, message='imagestreams.image.openshift.io "x" not found'
            ),
            'Error from server (NotFound): imagestreams.image.openshift.io "x" not found\n',
            id="not-found",
        ),
        pytest.param(
            _status(code=500, message="boom"), "Error from server: boom\n", id="no-reason"
        ),
        pytest.param(
            _status(reason="Unauthorized", code=401, message="Unauthorized"),
            "error: You must be logged in to the server (Unauthorized)\n",
            id="unauthorized",
        ),
        pytest.param(
            _status(
                reason="Invalid",
                code=422,
                message="m",
                details={
                    "kind": "ImageStream",
                    "name": "x",
                    "causes": [{"field": "spec.tags[0].from.name", "message": "Required value"}],
                },
            ),
            'The ImageStream "x" is invalid: spec.tags[0].from.name: Required value\n',
            id="invalid-one-cause",
        ),
        pytest.param(
            _status(
                reason="Invalid",
                code=422,
                message="m",
                details={
                    "kind": "ImageStream",
                    "name": "x",
                    "causes": [
                        {"field": "a", "message": "b"},
                        {"field": "c", "message": "d"},
                        {"field": "a", "message": "b"},
                    ],
                },
            ),
            'The ImageStream "x" is invalid: \n* a: b\n* c: d\n',
            id="invalid-many-causes-deduplicated",
        ),
        pytest.param(
            _status(reason="Invalid", code=422, message="bad thing"),
            "The request is invalid: bad thing\n",
            id="invalid-no-details",
        ),
        pytest.param(
            _status(
                reason="Invalid",
                code=422,
                message="bad",
                details={"causes": [{"field": "f", "message": "m"}]},
            ),
            "The request is invalid: f: m\n",
            id="invalid-causes-without-kind",
        ),
    ],
)
def test_format_api_error(status: StatusError, text: str) -> None:
    assert format_api_error(status) == text


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        pytest.param(
            httpx.ConnectError("[Errno 111] Connection refused"),
            REFUSED,
            id="refused",
        ),
        pytest.param(
            httpx.ReadTimeout("timed out"),
            "Unable to connect to the server: timed out\n",
            id="other",
        ),
    ],
)
def test_connection_error_message(exc: Exception, text: str) -> None:
    assert connection_error_message("https://127.0.0.1:1", exc) == text


def test_command_error_show(capsys: pytest.CaptureFixture[str]) -> None:
    CommandError("boom").show()
    CommandError("error: already prefixed\n").show()
    CommandError("Error from server (X): y\n", verbatim=True).show()
    assert (
        capsys.readouterr().err
        == "error: boom\nerror: already prefixed\nError from server (X): y\n"
    )


def test_lookup_table_and_patch() -> None:
    streams: list[dict[str, Any]] = [
        {"metadata": {"name": "a"}, "spec": {"lookupPolicy": {"local": True}}},
        {"metadata": {"name": "longer-name"}, "spec": {}},
    ]
    assert lookup_table(streams) == "NAME         LOCAL\na            true\nlonger-name  false\n"
    assert lookup_table([]) == "NAME  LOCAL\n"
    assert lookup_patch(streams[0], True) is None
    assert lookup_patch(streams[1], False) is None
    assert lookup_patch(streams[0], False) == {"spec": {"lookupPolicy": {"local": False}}}
    assert lookup_patch(streams[1], True) == {"spec": {"lookupPolicy": {"local": True}}}


def test_stream_names() -> None:
    assert stream_names(("a", "is/b", "imagestreams.image.openshift.io/c")) == ["a", "b", "c"]
    with pytest.raises(CommandError) as info:
        stream_names(("deploy/x",))
    assert info.value.message == 'the server doesn\'t have a resource type "deploy"'


@pytest.fixture
def kubeconfig(tmp_path: Path) -> str:
    # a server nobody listens on: the commands must fail before or at connecting
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "contexts: [{name: c, context: {cluster: k, namespace: proj}}]\n"
    )
    return str(path)


@pytest.mark.parametrize(
    ("command", "args", "code", "stderr"),
    [
        pytest.param(
            tag,
            [],
            2,
            "error: you must specify a source and at least one destination or one or more tags"
            f" to delete\n{HINT}",
            id="tag-no-args",
        ),
        pytest.param(
            tag,
            ["--source=foo", "a:b", "c:d"],
            2,
            'error: invalid source "foo"; valid values are docker, dockerimage, imagestreamimage,'
            f" imagestreamtag, isimage, istag\n{HINT}",
            id="tag-bad-source",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1"],
            2,
            "error: at least a destination is required\n",
            id="tag-no-destination",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1", "s:t", "--reference-policy=x"],
            2,
            "error: reference policy must be set to 'source' or 'local'\n",
            id="tag-bad-policy",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1", "a/b/c"],
            2,
            'error: invalid image stream "a/b/c"\n',
            id="tag-bad-destination",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1", "s:t"],
            1,
            REFUSED,
            id="tag-no-server",
        ),
        pytest.param(
            describe,
            ["deploy", "x"],
            1,
            'error: the server doesn\'t have a resource type "deploy"\n',
            id="describe-unknown-type",
        ),
        pytest.param(
            image_lookup,
            ["--all", "x"],
            2,
            "error: name cannot be provided when a selector is specified\n",
            id="lookup-all-and-names",
        ),
    ],
)
def test_usage_and_failures(
    kubeconfig: str, command: click.Command, args: list[str], code: int, stderr: str
) -> None:
    result = CliRunner().invoke(
        command, [*args, "--kubeconfig", kubeconfig], prog_name=f"imagestreams {command.name}"
    )
    assert (result.exit_code, result.stderr, result.stdout) == (code, stderr, "")


def test_enabled_takes_an_optional_value(kubeconfig: str) -> None:
    for value in ("--enabled", "--enabled=false", "--enabled=true"):
        result = CliRunner().invoke(image_lookup, ["x", value, "--kubeconfig", kubeconfig])
        assert result.exit_code == 1, result.output  # parsed; failed only at connecting
    result = CliRunner().invoke(image_lookup, ["x", "--enabled=maybe", "--kubeconfig", kubeconfig])
    assert result.exit_code == 2
