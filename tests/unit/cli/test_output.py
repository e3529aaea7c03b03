"""Output plumbing: no wrapping off a terminal, kubectl's ``-v/--v`` and klog-style info lines."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from imagestreams.cli.import_image import _summary
from imagestreams.cli.output import (
    UNWRAPPED_WIDTH,
    console,
    log_info,
    verbosity,
    verbosity_option,
)

LONG_HOST = "registry.example.com:5000/" + "deeply/nested/" * 8 + "x"
DIGEST = "sha256:" + "ab" * 32


def test_console_does_not_wrap_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    out, err = console(), console(stderr=True)
    assert (out.is_terminal, out.width, err.width) == (False, UNWRAPPED_WIDTH, UNWRAPPED_WIDTH)
    line = "error: " + "word " * 60 + "[not markup]"
    err.print(line, markup=False)
    out.print(line, markup=False)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (line + "\n", line + "\n")


def test_import_summary_keeps_lines_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")  # a pipe must not inherit a narrow width
    message = f'dockerimage.image.openshift.io "{LONG_HOST}:y" not found'
    result = {
        "status": {
            "images": [
                {"tag": "ok", "image": {"metadata": {"name": DIGEST}}, "status": {}},
                {"tag": "latest", "status": {"status": "Failure", "reason": "NotFound",
                                             "message": message}},
            ],
            "repository": {
                "images": [{"tag": "v1", "status": {"status": "Failure", "message": "[boom]"}}],
                "additionalTags": ["a", "b"],
            },
        }
    }  # fmt: skip
    _summary(result, "app", console(), console(stderr=True))
    captured = capsys.readouterr()
    assert captured.err == (
        f"error: repository tag v1 failed: [boom]\nerror: tag latest failed: {message}\n"
    )
    lines = captured.out.splitlines()
    assert any("app:ok" in line and DIGEST in line for line in lines), captured.out
    assert any(message in line for line in lines), captured.out
    assert lines[-1] == (
        "info: The remote repository contained 2 additional tags which were not imported: a, b"
    )


def test_whole_repository_failure_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    result = {"status": {"repository": {"status": {"status": "Failure", "message": "denied"}}}}
    _summary(result, "app", console(), console(stderr=True))
    assert capsys.readouterr().err == "error: denied\n"


@click.command()
@verbosity_option
def _probe() -> None:
    click.echo(str(verbosity()))
    log_info(1, "info: one\n")
    log_info(2, "info: two")


@pytest.mark.parametrize(
    ("args", "level", "stderr"),
    [
        pytest.param([], "0", "", id="default"),
        pytest.param(["--v=1"], "1", "info: one\n", id="long-equals"),
        pytest.param(["--v", "2"], "2", "info: one\ninfo: two\n", id="long-separate"),
        pytest.param(["-v=1"], "1", "info: one\n", id="short-equals"),
        pytest.param(["-v2"], "2", "info: one\ninfo: two\n", id="short-attached"),
        pytest.param(["-v", "0"], "0", "", id="short-separate"),
    ],
)
def test_verbosity(args: list[str], level: str, stderr: str) -> None:
    result = CliRunner().invoke(_probe, args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, level + "\n", stderr)


def test_bad_verbosity_is_a_usage_error() -> None:
    result = CliRunner().invoke(_probe, ["--v=high"])
    assert result.exit_code == 2
    assert 'strconv.ParseInt: parsing "high": invalid syntax' in result.stderr


def test_verbosity_outside_a_command_is_zero() -> None:
    assert verbosity() == 0
