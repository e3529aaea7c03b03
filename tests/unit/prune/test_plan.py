"""Stage 1 (history) and stage 2 (images) decisions, after upstream's ``TestImagePruning``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from imagestreams.prune.graph import Cluster, analyze_usage
from imagestreams.prune.plan import (
    Algorithm,
    Stats,
    exceeds_limits,
    plan_images,
    plan_stream,
)
from tests.unit.prune.fixtures import NOW, YOUNG, d, image, limit_range, pod, stream

Obj = dict[str, Any]
DEFAULT = Algorithm(now=NOW)
FOUR = [image(str(i), layers=(f"l{i}",), config=f"c{i}") for i in range(1, 5)]


def _images(*objs: Obj) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs}


def _history(plan_stream_obj: Obj) -> dict[str, list[str]]:
    return {
        t["tag"]: [i["image"] for i in t["items"]]
        for t in plan_stream_obj.get("status", {}).get("tags", [])
    }


@pytest.mark.parametrize(
    ("images", "tags", "pods", "algo", "removed", "layer_links", "manifest_links", "limits"),
    [
        pytest.param(
            FOUR,
            {"latest": ["4", "3", "2", "1"]},
            [],
            DEFAULT,
            [("latest", 4, "1")],
            ["l1", "c1"],
            ["1"],
            [],
            id="keep-most-recent-3",
        ),
        pytest.param(
            FOUR,
            {"latest": ["4", ("3", YOUNG), "2", "1"]},
            [],
            Algorithm(keep_tag_revisions=0, now=NOW),
            [("latest", 1, "4"), ("latest", 3, "2"), ("latest", 4, "1")],
            ["l4", "c4", "l2", "c2", "l1", "c1"],
            ["4", "2", "1"],
            [],
            id="young-item-kept",
        ),
        pytest.param(
            FOUR,
            {"latest": ["4", "3"], "v1": ["2", "1"]},
            [pod("x", "p", "registry.io/ns/s:latest"), pod("x", "q", f"h.io/ns/s@{d('1')}")],
            Algorithm(keep_tag_revisions=0, now=NOW),
            [("latest", 2, "3"), ("v1", 1, "2")],
            ["l3", "c3", "l2", "c2"],
            ["3", "2"],
            [],
            id="istag-keeps-head-isimage-keeps-any",
        ),
        pytest.param(
            FOUR[:1],
            {"latest": ["9"], "v1": ["1", "8"]},
            [],
            Algorithm(keep_tag_revisions=1, now=NOW),
            [("latest", 1, "9"), ("v1", 2, "8")],
            [],
            [],
            [],
            id="dangling-items-dropped-without-links",
        ),
        pytest.param(
            FOUR[:2],
            {"latest": ["1", "2", "1", "2"]},
            [],
            DEFAULT,
            [("latest", 4, "2")],
            [],
            [],
            [],
            id="same-manifest-listed-twice",
        ),
        pytest.param(
            [image("1", layers=("shared", "l1")), image("2", layers=("shared", "l2"))],
            {"latest": ["2", "1"]},
            [],
            Algorithm(keep_tag_revisions=1, now=NOW),
            [("latest", 2, "1")],
            ["l1"],
            ["1"],
            [],
            id="shared-layer-keeps-its-link",
        ),
        pytest.param(
            FOUR,
            {"latest": ["4", "3", "2", "1"]},
            [],
            Algorithm(prune_registry=False, now=NOW),
            [("latest", 4, "1")],
            [],
            [],
            [],
            id="api-objects-only",
        ),
        pytest.param(
            [image("1", size=200), image("2", size=100), image("3", size=300, created=YOUNG)],
            {"latest": [("3", YOUNG), "2", "1"]},
            [],
            Algorithm(None, None, prune_over_size_limit=True, now=NOW),
            [("latest", 1, "3"), ("latest", 3, "1")],
            [],
            ["3", "1"],
            [limit_range("ns", "150")],
            id="over-size-ignores-age-and-revisions",
        ),
    ],
)
def test_stage1(
    images: list[Obj],
    tags: dict[str, list[Any]],
    pods: list[Obj],
    algo: Algorithm,
    removed: list[tuple[str, int, str]],
    layer_links: list[str],
    manifest_links: list[str],
    limits: list[Obj],
) -> None:
    source = stream("ns", "s", tags)
    usage, _ = analyze_usage(Cluster(pods=pods), algo.cutoff)
    plan = plan_stream(source, _images(*images), usage, {"ns": limits}, algo)
    got = [(r.tag, r.revision, r.image) for r in plan.removed]
    assert got == [(t, rev, d(i)) for t, rev, i in removed]
    assert plan.layer_links == [d(x) for x in layer_links]
    assert plan.manifest_links == [d(x) for x in manifest_links]
    assert source == stream("ns", "s", tags)  # the input is not modified
    gone = {(tag, rev) for tag, rev, _ in removed}
    kept = {
        tag: [
            d(i if isinstance(i, str) else i[0])
            for rev, i in enumerate(items, 1)
            if (tag, rev) not in gone
        ]
        for tag, items in tags.items()
    }
    assert _history(plan.stream) == {t: v for t, v in kept.items() if v}


def test_stage1_skips_young_streams_via_executor_rules() -> None:
    from imagestreams.prune.plan import stream_is_young

    assert stream_is_young(stream("ns", "s", {}, created=YOUNG), DEFAULT)
    assert not stream_is_young(stream("ns", "s", {}), DEFAULT)
    assert not stream_is_young(
        stream("ns", "s", {}, created=YOUNG), Algorithm(None, None, True, now=NOW)
    )


@pytest.mark.parametrize(
    ("images", "streams", "algo", "deleted"),
    [
        pytest.param(
            [image("1", layers=("shared", "l1"), config="c1"), image("2", layers=("shared",))],
            {"ns/s": stream("ns", "s", {"latest": ["2"]})},
            DEFAULT,
            {"1": ["l1", "c1", "1"]},
            id="unreferenced-image-and-its-unique-blobs",
        ),
        pytest.param(
            [image("1", layers=("l",)), image("2", layers=("l",))],
            {},
            DEFAULT,
            {"1": ["1"], "2": ["l", "2"]},
            id="blob-shared-by-two-deleted-images-goes-once",
        ),
        pytest.param(
            [image("1"), image("2", created=YOUNG)],
            {},
            DEFAULT,
            {"1": ["1"]},
            id="young-image-kept",
        ),
        pytest.param(
            [image("1"), image("2", created=YOUNG)],
            {},
            Algorithm(None, None, prune_over_size_limit=True, now=NOW),
            {"1": ["1"], "2": ["2"]},
            id="over-size-mode-ignores-age",
        ),
        pytest.param(
            [image("1", managed=False), image("2")],
            {},
            Algorithm(all_images=False, now=NOW),
            {"2": ["2"]},
            id="all-false-keeps-unmanaged",
        ),
        pytest.param(
            [image("1"), image("2")],
            {"other/s": stream("other", "s", {"v": ["1"]})},
            DEFAULT,
            {"2": ["2"]},
            id="referenced-by-another-stream",
        ),
        pytest.param(
            [
                image("i", media_type="application/vnd.oci.image.index.v1+json", children=("a",)),
                image("a", layers=("la",)),
                image("j", media_type="application/vnd.oci.image.index.v1+json", children=("b",)),
                image("b", layers=("lb",)),
            ],
            {"ns/s": stream("ns", "s", {"latest": ["i"]})},
            DEFAULT,
            {"b": ["lb", "b"], "j": ["j"]},
            id="children-of-kept-index-kept",
        ),
        pytest.param(
            [image("1")],
            {},
            Algorithm(prune_registry=False, now=NOW),
            {"1": []},
            id="no-registry-no-blobs",
        ),
        pytest.param([image("1")], {}, Algorithm(namespace="ns", now=NOW), {}, id="namespaced"),
    ],
)
def test_stage2(
    images: list[Obj], streams: dict[str, Obj], algo: Algorithm, deleted: dict[str, list[str]]
) -> None:
    plans = plan_images(_images(*images), streams, algo)
    got = {p.name: p.blobs for p in plans}
    assert got == {d(k): [d(b) for b in v] for k, v in deleted.items()}


def test_stage2_stops_on_unreadable_metadata() -> None:
    broken = image("1")
    del broken["dockerImageMetadata"]
    with pytest.raises(ValueError, match=f"^image {d('1')}: failed to read metadata for image"):
        plan_images(_images(broken), {}, DEFAULT)


@pytest.mark.parametrize(
    ("size", "storage", "namespace", "exceeds"),
    [
        pytest.param(2048, "1Ki", "ns", True, id="over"),
        pytest.param(1024, "1Ki", "ns", False, id="equal"),
        pytest.param(2048, "1Ki", "other", False, id="other-namespace"),
        pytest.param(2048, "garbage", "ns", False, id="unparsable-limit"),
        # Quantity.Cmp is exact: 1e3 is 1000, 100m a tenth of a byte, 0.5 half a byte.
        pytest.param(1537, "1e3", "ns", True, id="decimal-exponent"),
        pytest.param(773, "1e3", "ns", False, id="decimal-exponent-under"),
        pytest.param(1, "100m", "ns", True, id="milli"),
        pytest.param(1, "0.5", "ns", True, id="fraction-not-rounded-up"),
        pytest.param(2048, "1K", "ns", False, id="kube-refuses-K"),
    ],
)
def test_exceeds_limits(size: int, storage: str, namespace: str, exceeds: bool) -> None:
    limits = {"ns": [limit_range("ns", storage)]}
    assert exceeds_limits(namespace, image("1", size=size), limits) is exceeds


@pytest.mark.parametrize(
    ("stats", "text"),
    [
        pytest.param(Stats(), "deleted 0 objects", id="nothing"),
        pytest.param(
            Stats(1, 2, 3, 4, 5, 6),
            "deleted 1 image object(s), deleted 2 image stream tag item(s), updated 3 image"
            " stream(s), deleted 4 layer link(s), deleted 5 manifest link(s), deleted 6 blob(s)",
            id="everything",
        ),
        pytest.param(Stats(deleted_blobs=2), "deleted 2 blob(s)", id="only-blobs"),
    ],
)
def test_summary(stats: Stats, text: str) -> None:
    assert str(stats) == text


@pytest.mark.parametrize(
    ("algo", "cutoff"),
    [
        pytest.param(DEFAULT, NOW - timedelta(minutes=60), id="default"),
        pytest.param(Algorithm(keep_younger_than=timedelta(0), now=NOW), NOW, id="zero"),
    ],
)
def test_cutoff(algo: Algorithm, cutoff: object) -> None:
    assert algo.cutoff == cutoff
