"""``kubectl get`` cells of the image group (spec 20, upstream ``printer.go``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from imagestreams.resources.image import columns
from imagestreams.rest.table import build_table

NOW = datetime(2024, 5, 10, 12, 0, 0, tzinfo=UTC)


def _at(seconds_ago: int) -> str:
    return (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "Less than a second", id="zero"),
        pytest.param(1, "1 second", id="one-second"),
        pytest.param(59, "59 seconds", id="seconds"),
        pytest.param(60, "About a minute", id="a-minute"),
        pytest.param(45 * 60, "45 minutes", id="minutes"),
        pytest.param(90 * 60, "2 hours", id="hours-rounded"),
        pytest.param(150 * 60, "3 hours", id="half-hour-rounds-up"),
        pytest.param(3600, "About an hour", id="an-hour"),
        pytest.param(3 * 86400, "3 days", id="days"),
        pytest.param(20 * 86400, "2 weeks", id="weeks"),
        pytest.param(90 * 86400, "3 months", id="months"),
        pytest.param(800 * 86400, "2 years", id="years"),
    ],
)
def test_docker_human_duration(seconds: int, text: str) -> None:
    assert columns.docker_human_duration(timedelta(seconds=seconds)) == text


def _tags(*names_and_ages: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"tag": n, "items": [{"created": _at(age)}]} for n, age in names_and_ages]


@pytest.mark.parametrize(
    ("tags", "text"),
    [
        pytest.param(_tags(("b", 10), ("a", 10), ("new", 1)), "new,a,b", id="newest-first"),
        pytest.param(_tags(("x" * 50, 1), ("y", 2)), "x" * 50 + " + 1 more...", id="at-least-one"),
        pytest.param(_tags(*((f"tag-{i:02d}", i) for i in range(10))),
                     "tag-00,tag-01,tag-02,tag-03,tag-04 + 5 more...", id="budget-40"),
        pytest.param([], "", id="none"),
    ],
)  # fmt: skip
def test_tags_up_to_width(tags: list[dict[str, Any]], text: str) -> None:
    table = build_table(
        [{"status": {"tags": tags}}], columns.IMAGE_STREAM_COLUMNS, list_meta={}, now=NOW
    )
    assert table["rows"][0]["cells"][2] == text


@pytest.mark.parametrize(
    ("status", "repo", "updated"),
    [
        pytest.param({"dockerImageRepository": "reg/ns/is"}, "reg/ns/is", "", id="internal"),
        pytest.param({"dockerImageRepository": "reg/ns/is",
                      "publicDockerImageRepository": "pub/ns/is", "tags": _tags(("a", 300))},
                     "pub/ns/is", "5 minutes ago", id="public-wins"),
    ],
)  # fmt: skip
def test_image_stream_row(status: dict[str, Any], repo: str, updated: str) -> None:
    obj = {"metadata": {"name": "is"}, "status": status}
    row = build_table([obj], columns.IMAGE_STREAM_COLUMNS, list_meta={}, now=NOW)["rows"][0]
    assert row["cells"] == ["is", repo, ",".join(t["tag"] for t in status.get("tags", [])), updated]


def _itag(spec: dict[str, Any] | None, status: dict[str, Any] | None) -> list[Any]:
    obj = {"metadata": {"name": "is:t"}, "spec": spec, "status": status}
    cells: list[Any] = build_table([obj], columns.IMAGE_TAG_COLUMNS, list_meta={}, now=NOW)["rows"][
        0
    ]["cells"]
    return cells


D = "sha256:" + "1" * 64


@pytest.mark.parametrize(
    ("spec", "status", "cells"),
    [
        pytest.param({"from": {"kind": "DockerImage", "name": "a/b"}, "generation": 2}, None,
                     ["is:t", "Tag", "a/b", None, ""], id="tag-not-imported"),
        pytest.param({"from": {"kind": "DockerImage", "name": "a/b"}, "reference": True}, None,
                     ["is:t", "Ref", "a/b", None, ""], id="reference"),
        pytest.param({"from": {"kind": "ImageStreamTag", "name": "latest"}}, None,
                     ["is:t", "Track", "istag/latest", None, ""], id="tracking"),
        pytest.param(None, {"items": [{"created": _at(60), "image": D, "generation": 1}]},
                     ["is:t", "Push", f"image/{D}", 1, "About a minute ago"], id="pushed"),
        pytest.param({"from": {"kind": "DockerImage", "name": "a/b"}, "generation": 3},
                     {"items": [{"created": _at(5), "image": D, "generation": 2}]},
                     ["is:t", "Tag", "Importing", 1, "5 seconds ago"], id="importing"),
        pytest.param({"from": {"kind": "DockerImage", "name": "a/b"}, "generation": 1},
                     {"items": [], "conditions": [{"type": "ImportSuccess", "status": "False",
                                                   "reason": "NotFound",
                                                   "lastTransitionTime": _at(7)}]},
                     ["is:t", "Tag", "ImportFailed (NotFound)", None, "7 seconds ago"],
                     id="import-failed"),
        pytest.param({"from": {"kind": "Bogus", "name": "x"}}, None,
                     ["is:t", "Tag", "InvalidRefKind", None, ""], id="invalid-kind"),
    ],
)  # fmt: skip
def test_image_tag_row(
    spec: dict[str, Any] | None, status: dict[str, Any] | None, cells: list[Any]
) -> None:
    assert _itag(spec, status) == cells


def test_istag_columns_hide_image_name_by_priority() -> None:
    obj = {
        "metadata": {"name": "is:t", "creationTimestamp": _at(120)},
        "image": {"metadata": {"name": D}, "dockerImageReference": "a/b@" + D},
    }
    table = build_table([obj], columns.IMAGE_STREAM_TAG_COLUMNS, list_meta={}, now=NOW)
    assert table["rows"][0]["cells"] == ["is:t", "a/b@" + D, "2 minutes ago", D]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 1]
