"""Go tabwriter, docker units and library-go tag order, reproduced exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imagestreams.cli.textfmt import human_size, tabwrite
from imagestreams.importer.tags import parse_semver, prioritize_tags
from imagestreams.resources.image.columns import docker_human_duration


@pytest.mark.parametrize(
    ("text", "kw", "expected"),
    [
        pytest.param("a:\tx\nlong label:\ty\n", {}, "a:\t\tx\nlong label:\ty\n", id="tabs-align"),
        pytest.param(
            "a:\tx\n\nlong label:\ty\n", {}, "a:\tx\n\nlong label:\ty\n", id="blank-line-ends-block"
        ),
        pytest.param("seven77\tx\n", {}, "seven77\tx\n", id="exact-tab-stop-still-one-tab"),
        pytest.param("eight888\tx\n", {}, "eight888\tx\n", id="width-8-gets-one-tab"),
        pytest.param("k:\tv\n\tw\n", {}, "k:\tv\n\tw\n", id="empty-leading-cell"),
        pytest.param(
            "NAME\tLOCAL\nlonger-name\ttrue\n",
            {"tabwidth": 2, "padding": 2, "padchar": " "},
            "NAME         LOCAL\nlonger-name  true\n",
            id="spaces",
        ),
        pytest.param(
            "a\tb\tc\naa\tbbbbbbbbbb\tc\n",
            {"padchar": " "},
            "a  b          c\naa bbbbbbbbbb c\n",
            id="two-columns",
        ),
        pytest.param("no tabs at all", {}, "no tabs at all", id="no-trailing-newline"),
    ],
)
def test_tabwrite(text: str, kw: dict[str, object], expected: str) -> None:
    assert tabwrite(text, **kw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        pytest.param(timedelta(seconds=-5), "Less than a second", id="future"),
        pytest.param(timedelta(milliseconds=999), "Less than a second", id="sub-second"),
        pytest.param(timedelta(seconds=1), "1 second", id="one-second"),
        pytest.param(timedelta(seconds=59), "59 seconds", id="seconds"),
        pytest.param(timedelta(seconds=119), "About a minute", id="about-a-minute"),
        pytest.param(timedelta(minutes=59, seconds=59), "59 minutes", id="minutes"),
        pytest.param(timedelta(minutes=89), "About an hour", id="about-an-hour"),
        pytest.param(timedelta(minutes=90), "2 hours", id="rounds-hours"),
        pytest.param(timedelta(hours=47), "47 hours", id="hours"),
        pytest.param(timedelta(hours=48), "2 days", id="days"),
        pytest.param(timedelta(days=14), "2 weeks", id="weeks"),
        pytest.param(timedelta(days=60), "2 months", id="months"),
        pytest.param(timedelta(days=731), "2 years", id="years"),
    ],
)
def test_human_duration(delta: timedelta, text: str) -> None:
    assert docker_human_duration(delta) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        pytest.param(0, "0B", id="zero"),
        pytest.param(999, "999B", id="bytes"),
        pytest.param(1000, "1kB", id="kilo"),
        pytest.param(2814000, "2.814MB", id="mega"),
        pytest.param(123456789012, "123.5GB", id="giga-rounded"),
    ],
)
def test_human_size(size: float, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("tags", "ordered"),
    [
        pytest.param(["b", "latest", "a"], ["latest", "a", "b"], id="latest-first-then-alpha"),
        pytest.param(
            ["5.1", "v5.2", "5.1.3", "5.10", "other"],
            ["5.10", "v5.2", "5.1", "5.1.3", "other"],
            id="minor-then-full",
        ),
        pytest.param(
            ["1.0.0-rc.1", "1.0.0", "1.0.0-alpha", "1.0.0-rc.2"],
            ["1.0.0", "1.0.0-rc.2", "1.0.0-rc.1", "1.0.0-alpha"],
            id="prereleases-below-release",
        ),
        pytest.param(
            ["2.7-ubi8", "2.7", "2.6"], ["2.7", "2.7-ubi8", "2.6"], id="minor-with-suffix"
        ),
        pytest.param(
            ["01.2", "1.02.3", "x"], ["01.2", "1.02.3", "x"], id="leading-zeros-are-other"
        ),
    ],
)
def test_prioritize_tags(tags: list[str], ordered: list[str]) -> None:
    assert prioritize_tags(tags) == ordered


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        pytest.param("1.2.3", True, id="plain"),
        pytest.param("1.2.3-rc.1+build.5", True, id="pre-and-build"),
        pytest.param("1.2", False, id="two-parts"),
        pytest.param("1.2.03", False, id="leading-zero"),
        pytest.param("1.2.3-01", False, id="numeric-pre-leading-zero"),
        pytest.param("1.2.3-", False, id="empty-pre"),
        pytest.param("1.2.3+", False, id="empty-build"),
        pytest.param("1.2.3\n", False, id="trailing-newline"),
        pytest.param("1.2.1\u0663", False, id="non-ascii-digit"),
        pytest.param("1.2.3-a\u0663", False, id="non-ascii-pre"),
    ],
)
def test_parse_semver(text: str, valid: bool) -> None:
    assert (parse_semver(text) is not None) is valid
