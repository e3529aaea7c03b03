"""Tag history: one row per rule of spec 5.2 (add), 5.4 (tracking) and 5.6 (prefix lookup)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream, TagEvent
from imagestreams.resources.image import history

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
AB = "sha256:" + "ab" * 32
T1 = "2024-05-01T10:00:00Z"
T2 = "2024-05-02T10:00:00Z"


def ev(ref: str, image: str = "", gen: int = 1, created: str = T2) -> dict[str, Any]:
    return {"created": created, "dockerImageReference": ref, "image": image, "generation": gen}


def stream(
    status: dict[str, list[dict[str, Any]]] | None = None,
    spec: list[dict[str, Any]] | None = None,
    conditions: dict[str, list[dict[str, Any]]] | None = None,
) -> ImageStream:
    doc = {
        "metadata": {"namespace": "ns", "name": "is"},
        "spec": {"tags": spec or []},
        "status": {
            "tags": [
                {"tag": t, "items": items, "conditions": (conditions or {}).get(t, [])}
                for t, items in (status or {}).items()
            ]
        },
    }
    return msgspec.convert(doc, ImageStream)


def items(s: ImageStream, tag: str) -> list[dict[str, Any]]:
    entry = history.find_status_tag(s, tag)
    assert entry is not None
    return [msgspec.to_builtins(e) for e in entry.items or []]


@pytest.mark.parametrize(
    ("before", "event", "changed", "after"),
    [
        pytest.param(None, ev("r1", A), True, [ev("r1", A)], id="no-list-creates-it"),
        pytest.param([], ev("r1", A), True, [ev("r1", A)], id="empty-list-gets-event"),
        pytest.param(
            [ev("r1", A, 1, T1)], ev("r1", A, 1), False, [ev("r1", A, 1, T1)], id="identical-no-op"
        ),
        pytest.param(
            [ev("r1", A, 1, T1)],
            ev("r1", A, 3),
            True,
            [ev("r1", A, 3, T1)],
            id="same-ref-same-image-updates-generation-keeps-created",
        ),
        pytest.param(
            [ev("r1", A, 1, T1)],
            ev("r1", B, 2),
            True,
            [ev("r1", B, 2, T1)],
            id="same-ref-new-image-rewrites-head",
        ),
        pytest.param(
            [ev("r1", A, 1, T1)],
            ev("r2", A, 2),
            True,
            [ev("r2", A, 2, T1)],
            id="same-image-new-ref-rewrites-head",
        ),
        pytest.param(
            [ev("r1", A, 1, T1)],
            ev("r2", B, 2),
            True,
            [ev("r2", B, 2), ev("r1", A, 1, T1)],
            id="both-differ-prepends",
        ),
        pytest.param(
            [ev("docker.io/a:1", "", 1, T1)],
            ev("docker.io/a:2", "", 2),
            True,
            [ev("docker.io/a:2", "", 2, T1)],
            id="reference-only-events-collapse",
        ),
    ],
)
def test_add_tag_event(
    before: list[dict[str, Any]] | None,
    event: dict[str, Any],
    changed: bool,
    after: list[dict[str, Any]],
) -> None:
    s = stream({"t": before} if before is not None else {})
    assert history.add_tag_event(s, "t", msgspec.convert(event, TagEvent)) is changed
    assert items(s, "t") == after


@pytest.mark.parametrize(
    ("event", "cleared"),
    [
        pytest.param(ev("r2", B, 2), True, id="change-clears-conditions"),
        pytest.param(ev("r1", A, 1), False, id="no-change-keeps-conditions"),
    ],
)
def test_conditions_cleared_only_on_change(event: dict[str, Any], cleared: bool) -> None:
    cond = {"type": "ImportSuccess", "status": "False", "reason": "NotFound", "generation": 1}
    s = stream({"t": [ev("r1", A, 1)]}, conditions={"t": [cond]})
    history.add_tag_event(s, "t", msgspec.convert(event, TagEvent))
    entry = history.find_status_tag(s, "t")
    assert entry is not None
    assert (entry.conditions == []) is cleared


def _ist(name: str, tag: str, namespace: str = "", kind: str = "ImageStreamTag") -> dict[str, Any]:
    return {"name": name, "from": {"kind": kind, "name": tag, "namespace": namespace}}


@pytest.mark.parametrize(
    ("spec", "followers"),
    [
        pytest.param([_ist("b", "a")], ["b"], id="bare-tag-name"),
        pytest.param([_ist("b", "is:a")], ["b"], id="stream-colon-tag"),
        pytest.param([_ist("b", "a", namespace="ns")], ["b"], id="explicit-same-namespace"),
        pytest.param([_ist("b", "a", namespace="other")], [], id="other-namespace-not-tracked"),
        pytest.param([_ist("b", "other:a")], [], id="other-stream-not-tracked"),
        pytest.param([_ist("b", "a", kind="DockerImage")], [], id="docker-image-not-tracking"),
        pytest.param([_ist("b", "a"), _ist("c", "is:a")], ["b", "c"], id="two-followers"),
    ],
)
def test_update_tracking_tags(spec: list[dict[str, Any]], followers: list[str]) -> None:
    s = stream({"a": [ev("r1", A)]}, spec=spec)
    head = history.latest_event(s, "a")
    assert head is not None
    assert history.update_tracking_tags(s, "a", head) == len(followers)
    tracked = sorted(e.tag for e in s.status.tags if e.tag != "a")
    assert tracked == followers
    for tag in followers:
        assert items(s, tag) == [ev("r1", A)]


@pytest.mark.parametrize(
    ("status", "prefix", "expected"),
    [
        pytest.param({"t": [ev("r-a", A)]}, "aaaa", (A, "r-a"), id="hex-prefix"),
        pytest.param({"t": [ev("r-a", A)]}, "sha256:aa", (A, "r-a"), id="full-prefix"),
        pytest.param({"t": [ev("r-b", B), ev("r-a", A)]}, "a", (A, "r-a"), id="older-history-item"),
        pytest.param(
            {"t": [ev("r-a1", A)], "u": [ev("r-a2", A)]},
            A,
            (A, "r-a1"),
            id="same-image-twice-is-one-match",
        ),
    ],
)
def test_resolve_image_id(
    status: dict[str, list[dict[str, Any]]], prefix: str, expected: tuple[str, str]
) -> None:
    assert history.resolve_image_id(stream(status), prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "error", "message"),
    [
        pytest.param(
            "c",
            errors.NotFound,
            'imagestreamimage.image.openshift.io "c" not found',
            id="no-match",
        ),
        pytest.param(
            "a",
            errors.Conflict,
            f'multiple images match the prefix "a": {A}, {AB}',
            id="ambiguous-prefix",
        ),
    ],
)
def test_resolve_image_id_errors(prefix: str, error: type[Exception], message: str) -> None:
    s = stream({"t": [ev("r1", AB), ev("r2", A)]})
    with pytest.raises(error) as caught:
        history.resolve_image_id(s, prefix)
    assert str(caught.value) == message
