"""The command's flags: Go durations, pflag values, oc's ``Complete`` and ``Validate``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imagestreams.cli.common import CommandError, UsageFailure
from imagestreams.cli.prune_options import (
    PruneFlags,
    parse_bool,
    parse_go_duration,
    parse_int,
    read_flags,
    validate,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("0", timedelta(0), id="bare-zero"),
        pytest.param("0s", timedelta(0), id="zero-seconds"),
        pytest.param("60m", timedelta(minutes=60), id="minutes"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="compound"),
        pytest.param("1.5h", timedelta(minutes=90), id="fraction"),
        pytest.param(".5s", timedelta(milliseconds=500), id="leading-dot"),
        pytest.param("-2s", timedelta(seconds=-2), id="negative"),
        pytest.param("+3ms", timedelta(milliseconds=3), id="plus"),
        pytest.param("1500us", timedelta(microseconds=1500), id="micro"),
        pytest.param("2\u00b5s", timedelta(microseconds=2), id="micro-sign"),
    ],
)
def test_duration(text: str, value: timedelta) -> None:
    assert parse_go_duration(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", 'time: invalid duration ""', id="empty"),
        pytest.param("5", 'time: missing unit in duration "5"', id="no-unit"),
        pytest.param("5d", 'time: unknown unit "d" in duration "5d"', id="days"),
        pytest.param("abc", 'time: invalid duration "abc"', id="letters"),
        pytest.param("1h.", 'time: invalid duration "1h."', id="dangling-dot"),
        pytest.param("-", 'time: invalid duration "-"', id="sign-only"),
    ],
)
def test_bad_duration(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_go_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        pytest.param(parse_int, "x", 'strconv.ParseInt: parsing "x": invalid syntax', id="int"),
        pytest.param(parse_int, "1.5", 'strconv.ParseInt: parsing "1.5": invalid syntax', id="f"),
        pytest.param(
            parse_bool, "yes", 'strconv.ParseBool: parsing "yes": invalid syntax', id="bool"
        ),
    ],
)
def test_bad_scalars(parse: object, text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse(text)  # type: ignore[operator]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("raw", "flags"),
    [
        pytest.param({}, PruneFlags(), id="defaults"),
        pytest.param(
            {"confirm": "true", "all": "false", "keep-tag-revisions": "1"},
            PruneFlags(confirm=True, all_images=False, keep_tag_revisions=1),
            id="given",
        ),
        pytest.param(
            {"prune-over-size-limit": "true"},
            PruneFlags(keep_younger_than=None, keep_tag_revisions=None, prune_over_size_limit=True),
            id="over-size-unsets-keep-flags",
        ),
        pytest.param(
            {"prune-over-size-limit": "false"},
            PruneFlags(
                keep_younger_than=None, keep_tag_revisions=None, prune_over_size_limit=False
            ),
            id="explicit-false-still-unsets-as-upstream",
        ),
        pytest.param(
            {"prune-registry": "0", "num-workers": "2", "registry-url": "r.io"},
            PruneFlags(prune_registry=False, num_workers=2, registry_url="r.io"),
            id="registry",
        ),
    ],
)
def test_read_flags(raw: dict[str, str | None], flags: PruneFlags) -> None:
    assert read_flags(raw) == flags


def test_flag_parse_error_is_usage_with_hint() -> None:
    with pytest.raises(UsageFailure) as info:
        read_flags({"keep-tag-revisions": "many"})
    assert info.value.message == (
        'invalid argument "many" for "--keep-tag-revisions" flag: strconv.ParseInt: parsing'
        ' "many": invalid syntax'
    )
    assert info.value.hint


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            {"prune-over-size-limit": "true", "keep-younger-than": "1m"},
            "--prune-over-size-limit cannot be specified with --keep-tag-revisions nor"
            " --keep-younger-than",
            id="over-size-and-keep",
        ),
        pytest.param(
            {"keep-younger-than": "-1s"},
            "--keep-younger-than must be greater than or equal to 0",
            id="negative-age",
        ),
        pytest.param(
            {"keep-tag-revisions": "-1"},
            "--keep-tag-revisions must be greater than or equal to 0",
            id="negative-revisions",
        ),
        pytest.param(
            {"registry-url": "r.io/path"},
            "invalid --registry-url flag: no path after <host>[:<port>] is allowed",
            id="url-path",
        ),
        pytest.param(
            {"registry-url": "r.io?x=1"},
            "invalid --registry-url flag: no query arguments are allowed after <host>[:<port>]",
            id="url-query",
        ),
        pytest.param(
            {"registry-url": "ftp://r.io"},
            "invalid --registry-url flag: unsupported scheme: ftp",
            id="url-scheme",
        ),
        pytest.param(
            {"registry-url": "https://"},
            "invalid --registry-url flag: no host name specified",
            id="url-no-host",
        ),
        pytest.param(
            {"force-insecure": "true", "certificate-authority": "ca.crt"},
            "--certificate-authority cannot be specified with --force-insecure",
            id="ca-and-insecure",
        ),
        pytest.param(
            {"registry-url": "http://r.io", "certificate-authority": "ca.crt"},
            "--certificate-authority cannot be specified for insecure http protocol",
            id="ca-and-http",
        ),
    ],
)
def test_validate(raw: dict[str, str | None], message: str) -> None:
    with pytest.raises(CommandError) as info:  # oc's Validate errors exit 1
        validate(read_flags(raw))
    assert info.value.message == message
    assert info.value.exit_code == 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"registry-url": "https://r.io:5000/"}, id="url-ok"),
        pytest.param({"prune-over-size-limit": "true"}, id="over-size-alone"),
        pytest.param({"keep-younger-than": "0s", "keep-tag-revisions": "0"}, id="zeros"),
    ],
)
def test_validate_accepts(raw: dict[str, str | None]) -> None:
    validate(read_flags(raw))
