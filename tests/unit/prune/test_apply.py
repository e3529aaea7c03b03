"""A dry run of both stages through the executor: oc's lines, in order, and the counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imagestreams.prune.apply import Executor
from imagestreams.prune.graph import Cluster, analyze_usage
from imagestreams.prune.plan import Algorithm
from tests.unit.prune.fixtures import NOW, YOUNG, d, image, stream


def _cluster() -> Cluster:
    images = [
        image("1", layers=("shared", "l1"), config="c1"),
        image("2", layers=("shared", "l2"), config="c2"),
        image("3", layers=("l3",), config="c3"),
    ]
    return Cluster(
        images={i["metadata"]["name"]: i for i in images},
        streams={
            "ns/app": stream("ns", "app", {"latest": ["2", "1"]}),
            "ns/new": stream("ns", "new", {"latest": ["3", "1"]}, created=YOUNG),
        },
    )


async def _dry_run(algo: Algorithm, workers: int) -> tuple[list[tuple[bool, str]], str, list[str]]:
    cluster = _cluster()
    usage, _ = analyze_usage(cluster, algo.cutoff)
    lines: list[tuple[bool, str]] = []
    executor = Executor(
        cluster,
        usage,
        algo,
        api=None,
        registry=None,
        write=lambda to_err, text: lines.append((to_err, text)),
        workers=workers,
    )
    stats, problems = await executor.run()
    return lines, str(stats), problems


@pytest.mark.parametrize("workers", [pytest.param(1, id="serial"), pytest.param(5, id="parallel")])
async def test_cluster_dry_run(workers: int) -> None:
    lines, summary, problems = await _dry_run(Algorithm(keep_tag_revisions=1, now=NOW), workers)
    assert lines == [
        (False, f"Deleting layer link {d('l1')} in repository ns/app"),
        (False, f"Deleting layer link {d('c1')} in repository ns/app"),
        (False, "Deleting 1 items from image stream ns/app"),
        (False, f"Deleting manifest link {d('1')} in repository ns/app"),
    ]
    # image 1 is still in the history of the young stream ns/new: no image goes
    assert summary == (
        "deleted 1 image stream tag item(s), updated 1 image stream(s), deleted 2 layer link(s),"
        " deleted 1 manifest link(s)"
    )
    assert problems == []


async def test_old_image_and_its_blobs_go_when_no_stream_keeps_it() -> None:
    """``shared`` is unique to image 1 within ns/new (its link goes) but image 2 still has it
    (the blob stays)."""
    algo = Algorithm(keep_tag_revisions=1, keep_younger_than=timedelta(0), now=NOW)
    lines, summary, _ = await _dry_run(algo, 5)
    assert [text for _, text in lines] == [
        f"Deleting layer link {d('l1')} in repository ns/app",
        f"Deleting layer link {d('c1')} in repository ns/app",
        "Deleting 1 items from image stream ns/app",
        f"Deleting manifest link {d('1')} in repository ns/app",
        f"Deleting layer link {d('shared')} in repository ns/new",
        f"Deleting layer link {d('l1')} in repository ns/new",
        f"Deleting layer link {d('c1')} in repository ns/new",
        "Deleting 1 items from image stream ns/new",
        f"Deleting manifest link {d('1')} in repository ns/new",
        f"Deleting blob {d('l1')}",
        f"Deleting blob {d('c1')}",
        f"Deleting blob {d('1')}",
        f"Deleting image {d('1')}",
    ]
    assert summary == (
        "deleted 1 image object(s), deleted 2 image stream tag item(s), updated 2 image"
        " stream(s), deleted 5 layer link(s), deleted 2 manifest link(s), deleted 3 blob(s)"
    )


async def test_namespaced_run_never_deletes_images() -> None:
    algo = Algorithm(keep_tag_revisions=0, keep_younger_than=timedelta(0), namespace="ns", now=NOW)
    lines, summary, _ = await _dry_run(algo, 1)
    assert not any(text.startswith(("Deleting image", "Deleting blob")) for _, text in lines)
    assert summary.startswith("deleted 4 image stream tag item(s), updated 2 image stream(s)")


class _FreshApi:
    """An API whose streams gained an image after the cluster was listed."""

    def __init__(self, fresh: dict[str, dict[str, object]]) -> None:
        self.fresh = fresh
        self.deleted: list[str] = []

    async def get(self, resource: object, namespace: str, name: str) -> dict[str, object]:
        return self.fresh[f"{namespace}/{name}"]

    async def update_status(self, obj: dict[str, object]) -> dict[str, object]:
        return obj

    async def delete_image(self, name: str) -> None:
        self.deleted.append(name)


async def test_stage_two_sees_images_tagged_since_the_listing() -> None:
    """oc keeps the freshly read copy of every stream stage 1 examined, changed or not, so an
    image pushed into an untouched stream after the listing is protected."""
    listed = stream("ns", "app", {"latest": ["2"]})
    images = [image("2", layers=("l2",), config="c2"), image("4", layers=("l4",), config="c4")]
    cluster = Cluster(images={i["metadata"]["name"]: i for i in images}, streams={"ns/app": listed})
    algo = Algorithm(keep_tag_revisions=3, keep_younger_than=timedelta(0), now=NOW)
    usage, _ = analyze_usage(cluster, algo.cutoff)
    api = _FreshApi({"ns/app": stream("ns", "app", {"latest": ["4", "2"]})})
    executor = Executor(
        cluster, usage, algo, api=api, registry=None, write=lambda e, t: None, workers=1
    )  # type: ignore[arg-type]
    await executor.run()
    assert api.deleted == []
