"""The importer against an in-memory registry: results, statuses and the request budget."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import pytest

from imagestreams.api.image_defaults import default_image_stream_import
from imagestreams.api.image_v1 import ImageStream, ImageStreamImport
from imagestreams.importer.importer import Importer
from imagestreams.importer.pool import ClientPool
from imagestreams.oci import mediatypes as mt
from tests.oci_images import build_image, build_index
from tests.unit.importer.memregistry import MemRegistry

HOST = "reg.test"


def _isi(*images: dict[str, Any], repository: dict[str, Any] | None = None) -> ImageStreamImport:
    spec: dict[str, Any] = {"import": False, "images": list(images)}
    if repository is not None:
        spec["repository"] = repository
    isi = msgspec.convert({"metadata": {"name": "s"}, "spec": spec}, ImageStreamImport)
    return default_image_stream_import(isi)


def _spec(ref: str, mode: str = "", to: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"from": {"kind": "DockerImage", "name": f"{HOST}/{ref}"}}
    if mode:
        spec["importPolicy"] = {"importMode": mode}
    if to:
        spec["to"] = {"name": to}
    return spec


class Sleeps:
    """A clock that only moves when the pool sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _importer(reg: MemRegistry, sleeps: Sleeps | None = None, limit: int = 50) -> Importer:
    sleeps = sleeps or Sleeps()
    pool = ClientPool(
        transport_factory=lambda host: reg.transport(), sleep=sleeps, clock=sleeps.clock
    )
    return Importer(pool, max_images_per_repository=limit)


async def test_new_tag_costs_two_gets_and_an_unchanged_tag_one_head() -> None:
    reg = MemRegistry()
    image = build_image(fmt="docker", salt="budget")
    reg.push("ns/app", "v1", image)
    importer = _importer(reg)
    isi = _isi(_spec("ns/app:v1"))
    await importer.run(isi, None)
    assert isi.status.images[0].image is not None
    assert isi.status.images[0].image.metadata.name == image.digest
    assert reg.log == [
        "GET /v2/ns/app/manifests/v1",
        f"GET /v2/ns/app/blobs/{image.config.digest}",
    ]
    reg.log.clear()
    again = _isi(_spec("ns/app:v1"))
    await importer.run(again, None)
    assert reg.log == ["HEAD /v2/ns/app/manifests/v1"]
    assert again.status.images[0].image == isi.status.images[0].image
    moved = build_image(fmt="docker", salt="budget-2")
    reg.push("ns/app", "v1", moved)
    reg.log.clear()
    third = _isi(_spec("ns/app:v1"))
    await importer.run(third, None)
    assert third.status.images[0].image is not None
    assert third.status.images[0].image.metadata.name == moved.digest
    assert reg.log[0] == "HEAD /v2/ns/app/manifests/v1"
    assert len(reg.log) == 3


async def test_duplicate_spec_images_are_fetched_once_and_shared_configs_once() -> None:
    reg = MemRegistry()
    image = build_image(fmt="oci", salt="dup")
    reg.push("ns/app", "a", image)
    reg.push("ns/app", "b", image)
    isi = _isi(_spec("ns/app:a", to="x"), _spec("ns/app:a", to="y"), _spec("ns/app:b"))
    await _importer(reg).run(isi, None)
    assert [s.tag for s in isi.status.images] == ["a", "a", "b"]
    assert {s.image.metadata.name for s in isi.status.images if s.image} == {image.digest}
    assert reg.calls == {"GET": 3}  # manifest a, manifest b, one config


@pytest.mark.parametrize(
    ("mode", "annotations", "expected"),
    [
        pytest.param("Legacy", None, ("amd64", "linux", ""), id="legacy-default-amd64"),
        pytest.param(
            "Legacy",
            {"importer.image.openshift.io/prefer-arch": "arm64"},
            ("arm64", "linux", "v8"),
            id="legacy-prefer-arm64",
        ),
        pytest.param(
            "Legacy",
            {"importer.image.openshift.io/prefer-arch": "s390x"},
            ("amd64", "linux", ""),
            id="legacy-unknown-arch-falls-back-to-amd64",
        ),
    ],
)
async def test_legacy_list_import_picks_one_platform(
    mode: str, annotations: dict[str, str] | None, expected: tuple[str, str, str]
) -> None:
    reg = MemRegistry()
    index = build_index(fmt="docker", salt="legacy")
    reg.push("ns/multi", "latest", index)
    stream = msgspec.convert(
        {"metadata": {"name": "s"}, "spec": {"tags": [{"name": "t", "annotations": annotations}]}},
        ImageStream,
    )
    isi = _isi(_spec("ns/multi:latest", mode=mode, to="t"))
    await _importer(reg).run(isi, stream)
    child = next(c for c in index.children if c.platform == expected)
    status = isi.status.images[0]
    assert status.image is not None and status.image.metadata.name == child.digest
    assert status.image.docker_image_reference == f"{HOST}/ns/multi@{child.digest}"
    assert status.manifests == []


async def test_preserve_original_keeps_the_list_and_fetches_every_child() -> None:
    reg = MemRegistry()
    index = build_index(fmt="oci", salt="preserve")
    reg.push("ns/multi", "latest", index)
    isi = _isi(_spec("ns/multi", mode="PreserveOriginal"))
    await _importer(reg).run(isi, None)
    status = isi.status.images[0]
    assert status.tag == "latest"
    assert status.image is not None
    assert status.image.metadata.name == index.digest
    assert status.image.docker_image_manifest_media_type == mt.OCI_INDEX
    assert status.image.docker_image_layers == []
    assert [m.digest for m in status.image.docker_image_manifests] == [
        c.digest for c in index.children
    ]
    assert [m.metadata.name for m in status.manifests] == [c.digest for c in index.children]
    assert {m.docker_image_reference for m in status.manifests} == {
        f"{HOST}/ns/multi@{c.digest}" for c in index.children
    }
    assert reg.calls == {"GET": 1 + 2 * len(index.children)}


async def test_digest_import_has_no_tag_and_verifies_content() -> None:
    reg = MemRegistry()
    image = build_image(salt="bydigest")
    reg.push("ns/app", "v1", image)
    isi = _isi(_spec(f"ns/app@{image.digest}"), _spec(f"ns/app@sha256:{'a' * 64}"))
    await _importer(reg).run(isi, None)
    ok, missing = isi.status.images
    assert ok.tag == "" and ok.image is not None and ok.image.metadata.name == image.digest
    assert missing.status.reason == "NotFound"
    assert missing.status.message == (
        f'dockerimage.image.openshift.io "{HOST}/ns/app@sha256:{"a" * 64}" not found'
    )


async def test_repository_import_limit_and_additional_tags() -> None:
    reg = MemRegistry()
    for tag in ("v1", "other", "v2", "3", "3.1", "abc"):
        reg.push("ns/repo", tag, build_image(salt=tag))
    isi = _isi(repository={"from": {"kind": "DockerImage", "name": f"{HOST}/ns/repo"}})
    progress: list[tuple[int, int]] = []
    await _importer(reg, limit=5).run(isi, None, progress=lambda d, t: progress.append((d, t)))
    repo = isi.status.repository
    assert repo is not None
    assert [i.tag for i in repo.images] == ["3.1", "3", "abc", "other", "v1"]
    assert repo.additional_tags == ["v2"]
    assert repo.status.status == "Success"
    assert progress[-1] == (5, 5) and len(progress) == 5


async def test_repository_failures_are_counted() -> None:
    reg = MemRegistry()
    reg.push("ns/repo", "good", build_image(salt="good"))
    reg.tags["ns/repo"]["bad1"] = "sha256:" + "b" * 64
    reg.tags["ns/repo"]["bad2"] = "sha256:" + "c" * 64
    isi = _isi(repository={"from": {"kind": "DockerImage", "name": f"{HOST}/ns/repo"}})
    await _importer(reg).run(isi, None)
    repo = isi.status.repository
    assert repo is not None
    assert (repo.status.status, repo.status.reason, repo.status.message) == (
        "Failure",
        "ImportFailed",
        "2 of the images from this repository failed to import",
    )
    assert [(i.tag, i.status.reason) for i in repo.images] == [
        ("bad1", "NotFound"),
        ("bad2", "NotFound"),
        ("good", ""),
    ]


async def test_retry_after_is_honoured_per_registry() -> None:
    reg = MemRegistry()
    image = build_image(salt="throttle")
    reg.push("ns/app", "v1", image)
    answers = [httpx.Response(429, headers={"Retry-After": "7"})]
    reg.hook = lambda request: answers.pop() if answers else None
    sleeps = Sleeps()
    importer = _importer(reg, sleeps)
    isi = _isi(_spec("ns/app:v1"))
    await importer.run(isi, None)
    assert isi.status.images[0].status.status == "Success"
    assert sleeps.waits == [7.0]
    assert reg.calls == {"GET": 3}


def test_status_json_is_upstreams() -> None:
    isi = _isi(_spec("ns/app:v1"))
    assert json.loads(msgspec.json.encode(isi.spec.images[0]))["to"] == {"name": "v1"}
