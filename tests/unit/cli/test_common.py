"""kubectl's error wording and exit codes of the client commands (no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from imagestreams.cli.common import CommandError, connection_error_message, format_api_error
from imagestreams.cli.describe import describe
from imagestreams.cli.import_image import import_image
from imagestreams.cli.set_image_lookup import image_lookup
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


def test_command_error_hint(capsys: pytest.CaptureFixture[str]) -> None:
    CommandError("bad", hint=True).show()
    assert capsys.readouterr().err == "error: bad\nSee 'imagestreams -h' for help and examples\n"


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
            1,
            "error: you must specify a source and at least one destination or one or more tags"
            f" to delete\n{HINT}",
            id="tag-no-args",
        ),
        pytest.param(
            tag,
            ["--source=foo", "a:b", "c:d"],
            1,
            'error: invalid source "foo"; valid values are docker, dockerimage, imagestreamimage,'
            f" imagestreamtag, isimage, istag\n{HINT}",
            id="tag-bad-source",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1"],
            1,
            "error: at least a destination is required\n",
            id="tag-no-destination",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1", "s:t", "--reference-policy=x"],
            1,
            "error: reference policy must be set to 'source' or 'local'\n",
            id="tag-bad-policy",
        ),
        pytest.param(
            tag,
            ["quay.io/a:1", "a/b/c"],
            1,
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
            1,
            "error: selectors and the all flag cannot be used when passing resource/name"
            " arguments\n",
            id="lookup-all-and-names",
        ),
        pytest.param(
            image_lookup,
            ["is/a/b"],
            1,
            "error: arguments in resource/name form may not have more than one slash\n",
            id="lookup-two-slashes",
        ),
        pytest.param(
            image_lookup,
            ["is/"],
            1,
            "error: arguments in resource/name form must have a single resource and name\n",
            id="lookup-tuple-without-name",
        ),
        pytest.param(
            image_lookup,
            ["deploy/x"],
            1,
            'error: the server doesn\'t have a resource type "deploy"\n',
            id="lookup-non-stream-type",
        ),
        pytest.param(
            image_lookup,
            ["--list", "--all", "is", "x"],
            1,
            "error: name cannot be provided when a selector is specified\n",
            id="lookup-list-all-and-names",
        ),
        pytest.param(
            image_lookup,
            ["--list", "is/x", "y"],
            1,
            "error: there is no need to specify a resource type as a separate argument when"
            " passing arguments in resource/name form (e.g. 'imagestreams get"
            " resource/<resource_name>' instead of 'imagestreams get resource"
            " resource/<resource_name>'\n",
            id="lookup-list-mixed-forms",
        ),
        pytest.param(
            import_image,
            ["app@sha256:" + "a" * 64],
            1,
            "error: to import images by ID, use the 'tag' command\n",
            id="import-by-id",
        ),
        pytest.param(
            import_image,
            ["app:v1", "--all"],
            1,
            'error: cannot specify a tag "app:v1" as well as --all\n',
            id="import-tag-and-all",
        ),
        pytest.param(
            import_image,
            ["app", "--reference-policy=x"],
            1,
            "error: valid reference policy values are source or local\n",
            id="import-bad-policy",
        ),
        pytest.param(
            describe,
            [],
            1,
            "error: You must specify the type of resource to describe. Supported types:"
            " imagestreams (is), imagestreamtags (istag).\n",
            id="describe-no-type",
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


@pytest.mark.parametrize(
    ("command", "args"),
    [
        pytest.param(tag, ["--bogus", "a:b", "c:d"], id="tag-unknown-flag"),
        pytest.param(import_image, [], id="import-missing-argument"),
        pytest.param(image_lookup, ["x", "--v=x"], id="lookup-bad-verbosity"),
        pytest.param(describe, ["is", "--namespace"], id="describe-flag-without-value"),
    ],
)
def test_click_parse_errors_exit_2(
    kubeconfig: str, command: click.Command, args: list[str]
) -> None:
    result = CliRunner().invoke(command, ["--kubeconfig", kubeconfig, *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_enabled_takes_an_optional_value(kubeconfig: str) -> None:
    for value in ("--enabled", "--enabled=false", "--enabled=true"):
        result = CliRunner().invoke(image_lookup, ["x", value, "--kubeconfig", kubeconfig])
        assert result.exit_code == 1, result.output  # parsed; failed only at connecting
    result = CliRunner().invoke(image_lookup, ["x", "--enabled=maybe", "--kubeconfig", kubeconfig])
    assert result.exit_code == 2
