"""The image trigger annotation (library-go's parsing rules and texts) and the controller that
applies it, over the real in-process API (SQLite, stores, admission; no HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from imagestreams import errors
from imagestreams.api.image_v1 import ImageStream
from imagestreams.api.imagetrigger import (
    TRIGGER_ANNOTATION,
    ObjectFieldTrigger,
    TriggerError,
    container_for_field_path,
    parse_triggers,
    split_stream_tag,
)
from imagestreams.client.inprocess import InProcessClient
from imagestreams.client.protocol import IMAGE_STREAMS
from imagestreams.controllers.imagetrigger import (
    ImageTriggerController,
    resolve_latest_tagged_image,
)
from imagestreams.controllers.informer import Informer
from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.rest.context import RequestContext
from imagestreams.storage.sqlite import SQLiteStorage

Obj = dict[str, Any]
REGISTRY = "registry.local:5000"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
BY_NAME = 'spec.template.spec.containers[?(@.name=="test")].image'
# origin test/extended/testdata/image/deployment-with-annotation-trigger.yaml
FIXTURE_ANNOTATION = (
    '[{"from":{"kind":"ImageStreamTag","name":"test:v1"},'
    '"fieldPath":"spec.template.spec.containers[?(@.name==\\"test\\")].image"}]'
)


def _deployment(
    annotation: str = FIXTURE_ANNOTATION, *, name: str = "test", init: bool = False
) -> Obj:
    spec: Obj = {"containers": [{"name": "test", "image": " "}, {"name": "side", "image": "x"}]}
    if init:
        spec["initContainers"] = [{"name": "setup", "image": "y"}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "annotations": {TRIGGER_ANNOTATION: annotation}},
        "spec": {
            "selector": {"matchLabels": {"app": "test"}},
            "template": {"metadata": {"labels": {"app": "test"}}, "spec": spec},
        },
    }


# -- the annotation ------------------------------------------------------------------------


def test_the_upstream_fixture_annotation_parses() -> None:
    assert parse_triggers(FIXTURE_ANNOTATION) == [
        ObjectFieldTrigger(kind="ImageStreamTag", name="test:v1", field_path=BY_NAME)
    ]
    assert parse_triggers("null") == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            json.dumps(
                [
                    {"from": {"kind": "ImageStreamTag", "name": "a:b"}, "fieldPath": p}
                    for p in (BY_NAME, BY_NAME)
                ]
            ),
            "duplicate triggers are not allowed",
            id="duplicate-paths",
        ),
        pytest.param("[{", "invalid image.openshift.io/triggers annotation", id="bad-json"),
        pytest.param('{"a": 1}', "expected a JSON array", id="not-a-list"),
    ],
)
def test_bad_annotations_are_errors(value: str, message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        parse_triggers(value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("s:t", ("s", "t")), ("s:", ("s", "latest")), ("s", None), (":t", None), ("a:b:c", None)],
)
def test_split_stream_tag(name: str, expected: tuple[str, str] | None) -> None:
    assert split_stream_tag(name) == expected


@pytest.mark.parametrize(
    ("kind", "path", "container"),
    [
        ("Deployment", BY_NAME, "test"),
        ("Deployment", "spec.template.spec.containers[1].image", "side"),
        ("Deployment", "spec.template.spec.initContainers[0].image", "setup"),
        # A name selector looks in the init containers too, whichever list the path names.
        ("Deployment", 'spec.template.spec.containers[?(@.name=="setup")].image', "setup"),
        ("StatefulSet", "spec.template.spec.containers[0]image", "test"),
    ],
)
def test_field_paths_name_containers(kind: str, path: str, container: str) -> None:
    obj = _deployment(init=True)
    assert container_for_field_path(obj, kind, path)["name"] == container


def test_cron_jobs_keep_their_pod_spec_under_the_job_template() -> None:
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "i"}]}}}}}}  # fmt: skip
    path = 'spec.jobTemplate.spec.template.spec.containers[?(@.name=="c")].image'
    assert container_for_field_path(cron, "CronJob", path) == {"name": "c", "image": "i"}
    with pytest.raises(LookupError):
        container_for_field_path(cron, "CronJob", BY_NAME)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ('spec.template.spec.containers[?(@.name=="nope")].image', "no such container: "),
        ("spec.template.spec.containers[7].image", "no such container: "),
        ("spec.template.spec.containers[x].image", "field path is not valid: "),
        ("spec.template.spec.containers[0].name", "field path is not valid: "),
        ("spec.template.spec.volumes[0].image", "field path is not valid: "),
        ("spec.template.spec.containers[@.name=test].image", "field path is not valid: "),
    ],
)
def test_bad_field_paths_say_why(path: str, message: str) -> None:
    with pytest.raises(TriggerError) as caught:
        container_for_field_path(_deployment(), "Deployment", path)
    assert str(caught.value) == message + path


def test_a_path_for_another_kind_does_not_apply() -> None:
    with pytest.raises(LookupError):
        container_for_field_path(_deployment(), "Deployment", "spec.containers[0].image")


# -- resolving the tag ---------------------------------------------------------------------


def _stream(policy: str = "Source", repository: str = REGISTRY + "/ns/test") -> ImageStream:
    return msgspec.convert(
        {
            "metadata": {"name": "test", "namespace": "ns"},
            "spec": {"tags": [{"name": "v1", "referencePolicy": {"type": policy}}]},
            "status": {
                "dockerImageRepository": repository,
                "tags": [
                    {
                        "tag": "v1",
                        "items": [
                            {"dockerImageReference": f"quay.io/x/y@{DIGEST_B}", "image": DIGEST_B},
                            {"dockerImageReference": f"quay.io/x/y@{DIGEST_A}", "image": DIGEST_A},
                        ],
                    },
                    {"tag": "empty", "items": None},
                ],
            },
        },
        ImageStream,
    )


def test_resolution_follows_the_newest_event_and_the_reference_policy() -> None:
    assert resolve_latest_tagged_image(_stream(), "v1") == f"quay.io/x/y@{DIGEST_B}"
    assert resolve_latest_tagged_image(_stream("Local"), "v1") == (f"{REGISTRY}/ns/test@{DIGEST_B}")
    no_repo = _stream("Local", repository="")
    assert resolve_latest_tagged_image(no_repo, "v1", "reg:1/ns/test") == (
        f"reg:1/ns/test@{DIGEST_B}"
    )
    assert resolve_latest_tagged_image(_stream(), "empty") == ""
    assert resolve_latest_tagged_image(_stream(), "missing") == ""


# -- the controller over the real in-process API -------------------------------------------

DEPLOYMENTS = ("apps", "v1", "deployments")


class Cluster:
    def __init__(self, installed: install.Installed) -> None:
        self.installed = installed
        self.client = InProcessClient(installed.resources)

    async def map_image(self, ns: str, stream: str, tag: str, digest: str) -> None:
        with contextlib.suppress(errors.AlreadyExists):
            await self.client.create(IMAGE_STREAMS, ns, {"metadata": {"name": stream}})
        mapping = {
            "metadata": {"name": stream, "namespace": ns},
            "image": {
                "metadata": {"name": digest},
                "dockerImageReference": f"quay.io/x/y@{digest}",
            },
            "tag": tag,
        }
        await self.installed.resources[
            ("image.openshift.io", "v1", "imagestreammappings", "")
        ].create(RequestContext(namespace=ns), mapping)

    async def image_of(self, ns: str, name: str, index: int = 0) -> str:
        obj = await self.client.get(DEPLOYMENTS, ns, name)
        return str(obj["spec"]["template"]["spec"]["containers"][index]["image"])


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    storage = SQLiteStorage(tmp_path / "state.db")
    await storage.open()
    installed = install.build(storage, extensions=(image_extension(REGISTRY, ""),))
    await install.bootstrap(installed)
    for ns in ("ns", "other"):
        await installed.namespaces.create(RequestContext(), {"metadata": {"name": ns}})
    yield Cluster(installed)
    await installed.namespaces.close()
    await storage.close()


@contextlib.asynccontextmanager
async def running(cluster: Cluster) -> AsyncIterator[ImageTriggerController]:
    streams = Informer(cluster.client, IMAGE_STREAMS)
    controller = ImageTriggerController(cluster.client, streams, registry_hostname=REGISTRY)
    tasks = [asyncio.create_task(streams.run()), asyncio.create_task(controller.run())]
    try:
        yield controller
    finally:
        await controller.queue.shutdown()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


async def test_a_tag_that_appears_later_sets_the_image_and_follows_new_images(
    cluster: Cluster,
) -> None:
    await cluster.client.create(DEPLOYMENTS, "ns", _deployment())
    async with running(cluster) as controller:
        await asyncio.sleep(0.2)
        assert await cluster.image_of("ns", "test") == " "  # no stream yet: left alone
        await cluster.map_image("ns", "test", "v1", DIGEST_A)

        async def resolved(digest: str) -> Callable[[], Any]:
            async def check() -> bool:
                return await cluster.image_of("ns", "test") == f"quay.io/x/y@{digest}"

            return check

        await eventually(await resolved(DIGEST_A))
        await cluster.map_image("ns", "test", "v1", DIGEST_B)
        await eventually(await resolved(DIGEST_B))
        assert await cluster.image_of("ns", "test", 1) == "x"  # untriggered container kept
        assert controller.updates == 2


async def test_an_overwritten_image_is_put_back(cluster: Cluster) -> None:
    """origin: "reconciles after the image is overwritten"."""
    await cluster.map_image("ns", "test", "v1", DIGEST_A)
    await cluster.client.create(DEPLOYMENTS, "ns", _deployment())
    want = f"quay.io/x/y@{DIGEST_A}"
    async with running(cluster):

        async def restored() -> bool:
            return await cluster.image_of("ns", "test") == want

        await eventually(restored)
        for _ in range(10):
            obj = await cluster.client.get(DEPLOYMENTS, "ns", "test")
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = " "
            with contextlib.suppress(Exception):  # the controller may win the race: 409
                await cluster.client.update(DEPLOYMENTS, "ns", obj)
        await eventually(restored)


async def test_paused_other_namespace_and_bad_triggers(cluster: Cluster) -> None:
    await cluster.map_image("other", "base", "v1", DIGEST_A)
    await cluster.map_image("ns", "test", "v1", DIGEST_B)
    cross = json.dumps([{"from": {"kind": "ImageStreamTag", "name": "base:v1",
                                  "namespace": "other"}, "fieldPath": BY_NAME}])  # fmt: skip
    paused = json.dumps([{"from": {"kind": "ImageStreamTag", "name": "test:v1"},
                          "fieldPath": BY_NAME, "paused": True}])  # fmt: skip
    # One bad path spoils the whole object, as upstream: nothing is applied.
    broken = json.dumps([
        {"from": {"kind": "ImageStreamTag", "name": "test:v1"}, "fieldPath": BY_NAME},
        {"from": {"kind": "ImageStreamTag", "name": "test:v1"},
         "fieldPath": "spec.template.spec.containers[9].image"},
    ])  # fmt: skip
    for name, annotation in (("cross", cross), ("paused", paused), ("broken", broken)):
        await cluster.client.create(DEPLOYMENTS, "ns", _deployment(annotation, name=name))
    async with running(cluster) as controller:

        async def cross_done() -> bool:
            return await cluster.image_of("ns", "cross") == f"quay.io/x/y@{DIGEST_A}"

        await eventually(cross_done)
        await asyncio.sleep(0.3)
        assert await cluster.image_of("ns", "paused") == " "
        assert await cluster.image_of("ns", "broken") == " "
        assert controller.updates == 1
