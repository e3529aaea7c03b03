"""Import decisions (spec 14.1/14.2), the scheduled controller with an injected clock, the
spec-tag controller and the work queue.

The controllers talk to an ``ApiClient``; here it is :class:`Recorder`, an in-memory
implementation of that protocol that records the ImageStreamImports it is sent.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream
from imagestreams.client.protocol import GroupVersionResource, Obj, WatchEvent
from imagestreams.controllers.decisions import (
    build_import,
    needs_import,
    needs_scheduling,
    observed_generation,
    reset_scheduled_tags,
)
from imagestreams.controllers.informer import Informer
from imagestreams.controllers.scheduled import ScheduledImportController, TokenBucket
from imagestreams.controllers.specimport import ImageStreamImportController
from imagestreams.controllers.workqueue import WorkQueue

CHECK = "openshift.io/image.dockerRepositoryCheck"
DIGEST = "sha256:" + "a" * 64


class Recorder:
    """An ApiClient that stores what it is sent."""

    def __init__(self, fail: errors.ApiError | None = None) -> None:
        self.created: list[Obj] = []
        self.fail = fail

    async def get(self, resource: GroupVersionResource, namespace: str, name: str) -> Obj:
        raise errors.NotFound("not here")

    async def list(self, resource: GroupVersionResource, namespace: str = "") -> Obj:
        return {"items": [], "metadata": {"resourceVersion": "1"}}

    async def watch(
        self, resource: GroupVersionResource, namespace: str = "", resource_version: str = ""
    ) -> AsyncIterator[WatchEvent]:
        await asyncio.Event().wait()
        yield "BOOKMARK", {}

    async def create(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj:
        self.created.append(obj)
        if self.fail is not None:
            raise self.fail
        return obj

    async def update(self, resource: GroupVersionResource, namespace: str, obj: Obj) -> Obj:
        return obj

    async def close(self) -> None:
        return None


def _tag(name: str, ref: str = "quay.io/a/b:1", **extra: Any) -> Obj:
    return {"name": name, "from": {"kind": "DockerImage", "name": ref}, **extra}


def _stream(
    tags: list[Obj],
    status: list[Obj] | None = None,
    *,
    generation: int = 3,
    annotated: bool = True,
    repository: str = "",
    name: str = "s",
) -> Obj:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": "u1",
            "resourceVersion": "42",
            "generation": generation,
            "annotations": {CHECK: "2024-01-01T00:00:00Z"} if annotated else {},
        },
        "spec": {"tags": tags, "dockerImageRepository": repository},
        "status": {"dockerImageRepository": "", "tags": status or []},
    }


def _typed(obj: Obj) -> ImageStream:
    return msgspec.convert(obj, ImageStream)


def _events(tag: str, generation: int, conditions: list[Obj] | None = None) -> Obj:
    return {
        "tag": tag,
        "items": [{"created": None, "dockerImageReference": "x", "image": DIGEST,
                   "generation": generation}],
        "conditions": conditions or [],
    }  # fmt: skip


_FAILED = [{"type": "ImportSuccess", "status": "False", "generation": 5}]


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        pytest.param(_stream([_tag("t", generation=3)]), (True, True), id="new-tag"),
        pytest.param(
            _stream([_tag("t", generation=3)], [_events("t", 3)]), (False, False), id="observed"
        ),
        pytest.param(
            _stream([_tag("t", generation=5)], [_events("t", 3, _FAILED)]),
            (False, False),
            id="failure-condition-counts-as-observed",
        ),
        pytest.param(
            _stream([_tag("t", generation=4)], [_events("t", 3)]), (True, True), id="bumped"
        ),
        pytest.param(
            _stream([_tag("t", generation=3, reference=True)]), (False, False), id="reference"
        ),
        pytest.param(
            _stream([_tag("t", generation=None)], annotated=False), (True, True), id="no-annotation"
        ),
        pytest.param(
            _stream([], annotated=False, repository="quay.io/a/b"), (True, False), id="full"
        ),
        pytest.param(_stream([], annotated=False), (False, False), id="nothing-to-import"),
    ],
)
def test_needs_import(stream: Obj, expected: tuple[bool, bool]) -> None:
    assert needs_import(_typed(stream)) == expected


def test_observed_generation_uses_the_first_import_condition() -> None:
    stream = _typed(_stream([], [_events("t", 3, _FAILED)]))
    assert observed_generation(stream, "t") == 5
    assert observed_generation(stream, "other") == 0


def test_build_import_names_only_tags_that_need_it() -> None:
    stream = _stream(
        [
            _tag("new", "quay.io/a/b:new", generation=3,
                 importPolicy={"insecure": True, "scheduled": True, "importMode": "Legacy"}),
            _tag("done", generation=3),
            _tag("ref", generation=3, reference=True),
        ],
        [_events("done", 3)],
    )  # fmt: skip
    assert build_import(_typed(stream)) == {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": "s", "namespace": "ns", "resourceVersion": "42", "uid": "u1"},
        "spec": {
            "import": True,
            "images": [
                {
                    "from": {"kind": "DockerImage", "name": "quay.io/a/b:new"},
                    "to": {"name": "new"},
                    "importPolicy": {"insecure": True, "scheduled": True, "importMode": "Legacy"},
                    "referencePolicy": {"type": ""},
                }
            ],
        },
    }
    assert build_import(_typed(_stream([_tag("done", generation=3)], [_events("done", 3)]))) is None


def test_full_import_adds_the_repository() -> None:
    stream = _stream([], annotated=False, repository="quay.io/a/b")
    stream["metadata"]["annotations"] = {"openshift.io/image.insecureRepository": "true"}
    isi = build_import(_typed(stream))
    assert isi is not None
    assert isi["spec"]["repository"] == {
        "from": {"kind": "DockerImage", "name": "quay.io/a/b"},
        "importPolicy": {"insecure": True},
    }


@pytest.mark.parametrize(
    ("tag", "status", "scheduled"),
    [
        pytest.param(_tag("t", importPolicy={"scheduled": True}, generation=3), [], True,
                     id="scheduled"),
        pytest.param(_tag("t", generation=3), [], False, id="not-scheduled"),
        pytest.param(_tag("t", f"quay.io/a/b@{DIGEST}", importPolicy={"scheduled": True},
                          generation=3), [_events("t", 3)], False, id="digest-imported"),
        pytest.param(_tag("t", f"quay.io/a/b@{DIGEST}", importPolicy={"scheduled": True},
                          generation=4), [_events("t", 3)], True, id="digest-not-yet"),
        pytest.param(_tag("t", "Not A Ref", importPolicy={"scheduled": True}, generation=3), [],
                     False, id="unparsable"),
    ],
)  # fmt: skip
def test_needs_scheduling(tag: Obj, status: list[Obj], scheduled: bool) -> None:
    assert needs_scheduling(_typed(_stream([tag], status))) is scheduled


def test_reset_scheduled_tags_is_a_copy_with_the_next_generation() -> None:
    stream = _typed(
        _stream(
            [_tag("s", importPolicy={"scheduled": True}, generation=3), _tag("p", generation=3)],
            [_events("s", 3), _events("p", 3)],
        )
    )
    reset = reset_scheduled_tags(stream)
    assert [t.generation for t in reset.spec.tags] == [4, 3]
    assert [t.generation for t in stream.spec.tags] == [3, 3]
    isi = build_import(reset)
    assert isi is not None and [i["to"]["name"] for i in isi["spec"]["images"]] == ["s"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _scheduled(
    client: Recorder, clock: Clock, per_minute: int = 60, throttled: Any = None
) -> tuple[ScheduledImportController, Informer]:
    informer = Informer(client, ("image.openshift.io", "v1", "imagestreams"))
    controller = ScheduledImportController(
        client, informer, interval=100.0, per_minute=per_minute, clock=clock,
        rng=random.Random(7), throttled=throttled,
    )  # fmt: skip
    return controller, informer


def _add(informer: Informer, obj: Obj) -> None:
    key = f"ns/{obj['metadata']['name']}"
    informer.cache[key] = obj
    for handler in informer.handlers:
        handler("ADDED", None, obj)


def _scheduled_stream(name: str, ref: str = "quay.io/a/b:1") -> Obj:
    return _stream(
        [_tag("t", ref, importPolicy={"scheduled": True}, generation=3)],
        [_events("t", 3)],
        name=name,
    )


async def test_scheduled_streams_are_spread_and_reimported_each_interval() -> None:
    client, clock = Recorder(), Clock()
    controller, informer = _scheduled(client, clock)
    for i in range(20):
        _add(informer, _scheduled_stream(f"s{i}"))
    assert all(0 <= due <= 100 for due in controller.due.values())
    assert len({round(d) for d in controller.due.values()}) > 10
    assert await controller.tick() == 0
    clock.now = 50.0
    first = await controller.tick()
    assert 0 < first < 20
    clock.now = 100.0
    assert first + await controller.tick() == 20
    sent = client.created[0]
    assert sent["metadata"]["resourceVersion"] == "42"
    assert sent["spec"]["images"][0]["to"] == {"name": "t"}
    assert all(140 <= due <= 210 for due in controller.due.values())
    clock.now = 211.0
    assert await controller.tick() == 20


async def test_scheduled_imports_are_rate_limited() -> None:
    client, clock = Recorder(), Clock()
    controller, informer = _scheduled(client, clock, per_minute=3)
    for i in range(10):
        _add(informer, _scheduled_stream(f"s{i}"))
    clock.now = 100.0
    assert await controller.tick() == 6  # burst: twice the per-minute rate
    assert await controller.tick() == 0
    clock.now = 140.0  # 40 s at 3/min = 2 tokens
    assert await controller.tick() == 2


async def test_throttled_registry_postpones_without_spending_tokens() -> None:
    client, clock = Recorder(), Clock()
    waits = {"quay.io": 30.0}
    controller, informer = _scheduled(client, clock, throttled=lambda h: waits.get(h, 0.0))
    _add(informer, _scheduled_stream("q"))
    _add(informer, _scheduled_stream("d", "docker.io/library/busybox:1"))
    clock.now = 100.0
    assert await controller.tick() == 1
    assert controller.due["ns/q"] == 130.0
    waits.clear()
    clock.now = 130.0
    assert await controller.tick() == 1
    assert [c["metadata"]["name"] for c in client.created] == ["d", "q"]


async def test_delay_deletion_and_unscheduling() -> None:
    client, clock = Recorder(), Clock()
    controller, informer = _scheduled(client, clock)
    stream = _scheduled_stream("s")
    _add(informer, stream)
    controller.delay("ns/s")
    assert controller.due["ns/s"] == 100.0
    plain = _stream([_tag("t", generation=3)], [_events("t", 3)], name="s")
    informer.cache["ns/s"] = plain
    controller.handle("MODIFIED", stream, plain)
    assert "ns/s" not in controller.due
    _add(informer, stream)
    controller.handle("DELETED", stream, None)
    assert controller.due == {}


def test_token_bucket() -> None:
    clock = Clock()
    bucket = TokenBucket(1.0, 2, clock)
    assert [bucket.try_accept() for _ in range(3)] == [True, True, False]
    clock.now = 1.5
    assert [bucket.try_accept() for _ in range(2)] == [True, False]


@pytest.mark.parametrize(
    ("fail", "retried"),
    [
        pytest.param(None, False, id="success"),
        pytest.param(errors.Conflict("stream changed"), False, id="conflict-dropped"),
        pytest.param(errors.ServiceUnavailable("down"), True, id="unavailable-retried"),
    ],
)
async def test_spec_import_controller(fail: errors.ApiError | None, retried: bool) -> None:
    client = Recorder(fail)
    informer = Informer(client, ("image.openshift.io", "v1", "imagestreams"))
    imported: list[str] = []
    controller = ImageStreamImportController(client, informer, on_imported=imported.append)
    stream = _stream([_tag("t", generation=3)])
    _add(informer, stream)
    controller.handle("MODIFIED", stream, stream)  # same resourceVersion: not queued again
    assert len(controller.queue) == 1
    worker = asyncio.create_task(controller.run())
    await asyncio.sleep(0.05)
    await controller.queue.shutdown()
    await worker
    assert len(client.created) == 1  # a retry waits for its back-off (0.5 s)
    assert imported == ([] if fail else ["ns/s"])
    assert controller.queue.num_requeues("ns/s") == int(retried)


async def test_work_queue_coalesces_and_requeues_keys_changed_while_processing() -> None:
    queue: WorkQueue[str] = WorkQueue(base_delay=0.01)
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert len(queue) == 2
    key = await queue.get()
    assert key == "a"
    queue.add("a")  # changed while being processed
    assert len(queue) == 1
    queue.done("a")
    assert len(queue) == 2
    assert [await queue.get(), await queue.get()] == ["b", "a"]
    queue.done("a")
    queue.done("b")
    queue.add_rate_limited("c")
    queue.add_rate_limited("c")
    assert queue.num_requeues("c") == 2
    assert len(queue) == 0
    await asyncio.sleep(0.05)
    assert await queue.get() == "c"
    queue.forget("c")
    assert queue.num_requeues("c") == 0
    await queue.shutdown()
    assert await queue.get() is None
