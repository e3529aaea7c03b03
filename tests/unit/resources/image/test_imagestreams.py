"""ImageStream behaviour through the installed REST objects (spec 4 and 5.3-5.4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from imagestreams import errors
from tests.unit.resources.image.conftest import REGISTRY, Api, tag

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


async def create(api: Api, name: str, tags: list[dict[str, Any]], ns: str = "ns") -> Any:
    body = {"metadata": {"name": name}, "spec": {"tags": tags}}
    return await api.r("imagestreams").create(api.ctx(ns), body)


async def push(api: Api, stream: str, tag_name: str, digest: str, ns: str = "ns") -> None:
    image = {
        "metadata": {"name": digest},
        "dockerImageReference": f"{REGISTRY}/{ns}/{stream}@{digest}",
    }
    body = {"metadata": {"name": stream}, "tag": tag_name, "image": image}
    await api.r("imagestreammappings").create(api.ctx(ns), body)


def heads(obj: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    return {
        t["tag"]: (t["items"][0]["dockerImageReference"], t["items"][0]["image"],
                   t["items"][0]["generation"])
        for t in obj["status"].get("tags", []) if t["items"]
    }  # fmt: skip


async def test_create_discards_status_and_stamps_generation(api: Api) -> None:
    body = {
        "metadata": {"name": "is"},
        "spec": {"tags": [tag("b", "DockerImage", "busybox", generation=7),
                          tag("a", "DockerImage", "busybox"), tag("a", "DockerImage", "alpine")]},
        "status": {"dockerImageRepository": "evil", "tags": [{"tag": "x", "items": []}]},
    }  # fmt: skip
    obj = await api.r("imagestreams").create(api.ctx(), body)
    assert obj["metadata"]["generation"] == 1
    assert [(t["name"], t["from"]["name"], t["generation"]) for t in obj["spec"]["tags"]] == [
        ("a", "alpine", 1),
        ("b", "busybox", 1),
    ]
    assert obj["spec"]["tags"][0]["referencePolicy"] == {"type": "Source"}
    assert obj["spec"]["tags"][0]["importPolicy"] == {"importMode": "Legacy"}
    assert obj["status"] == {
        "dockerImageRepository": f"{REGISTRY}/ns/is",
        "publicDockerImageRepository": "public.example/ns/is",
    }
    stored = json.loads(await api.stored("ns", "is"))
    assert "dockerImageRepository" not in stored["status"]
    assert "publicDockerImageRepository" not in stored["status"]


async def test_tag_processing_on_create(api: Api) -> None:
    await create(api, "src", [])
    await push(api, "src", "latest", D1)
    obj = await create(api, "is", [
        tag("ref", "DockerImage", "docker.io/library/busybox:1", reference=True),
        tag("import", "DockerImage", "busybox:1"),
        tag("copy", "ImageStreamTag", "src:latest"),
        tag("ref-copy", "ImageStreamTag", "src:latest", reference=True),
        tag("by-id", "ImageStreamImage", "src@1111"),
        tag("a-track", "ImageStreamTag", "ref"),
        tag("nothing-yet", "ImageStreamTag", "src:missing"),
    ])  # fmt: skip
    assert heads(obj) == {
        "ref": ("docker.io/library/busybox:1", "", 1),
        "a-track": ("docker.io/library/busybox:1", "", 1),
        "copy": (f"{REGISTRY}/ns/is@{D1}", D1, 1),
        "ref-copy": (f"{REGISTRY}/ns/src@{D1}", D1, 1),
        "by-id": (f"{REGISTRY}/ns/is@{D1}", D1, 1),
    }


@pytest.mark.parametrize(
    ("tags", "cause"),
    [
        pytest.param(
            [tag("t", "ImageStreamTag", "missing:latest")],
            'Internal error: imagestreams "is" is invalid: spec.tags[t].from.name: Not found: '
            '"missing:latest"',
            id="source-stream-missing",
        ),
        pytest.param(
            [tag("t", "ImageStreamTag", "a:b:c")],
            'Internal error: imagestreams "is" is invalid: spec.tags[t].from.name: Invalid value: '
            '"a:b:c": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>',
            id="two-separators",
        ),
        pytest.param(
            [tag("t", "ImageStreamImage", "src@ffff")],
            'Internal error: imagestreams "is" is invalid: spec.tags[t].from.name: Invalid value: '
            '"src@ffff": error generating tag event: imagestreamimage.image.openshift.io "ffff" '
            "not found",
            id="image-not-in-source",
        ),
        pytest.param(
            [tag("t", "ImageStreamTag", "src:latest", from_={"namespace": "other"})],
            'Internal error: imagestreams "is" is invalid: spec.tags[t].from: Forbidden: '
            'other/src: "" ""',
            id="cross-namespace-denied",
        ),
    ],
)
async def test_tag_processing_errors_are_wrapped(
    api: Api, tags: list[dict[str, Any]], cause: str
) -> None:
    await create(api, "src", [])
    await create(api, "src", [], ns="other")
    api.denied.add(("other", "src"))
    with pytest.raises(errors.Invalid) as caught:
        await create(api, "is", tags)
    status = caught.value.status()
    assert status["code"] == 422
    assert status["details"]["kind"] == "ImageStream"
    assert status["details"]["causes"] == [
        {"reason": "InternalError", "message": cause, "field": ""}
    ]
    assert status["message"] == f'ImageStream.image.openshift.io "is" is invalid: {cause}'


async def test_cross_namespace_allowed_resolves(api: Api) -> None:
    await create(api, "src", [], ns="other")
    await push(api, "src", "latest", D1, ns="other")
    obj = await create(
        api, "is", [tag("t", "ImageStreamTag", "src:latest", from_={"namespace": "other"})]
    )
    assert heads(obj) == {"t": (f"{REGISTRY}/ns/is@{D1}", D1, 1)}


async def _update(api: Api, name: str, mutate: Any) -> dict[str, Any]:
    current = await api.r("imagestreams").get(api.ctx(), name)
    mutate(current)
    obj, _ = await api.r("imagestreams").update(api.ctx(), name, current)
    return obj


@pytest.mark.parametrize(
    ("mutate", "stream_gen", "tag_gen"),
    [
        pytest.param(lambda o: o["metadata"].update(labels={"a": "b"}), 1, 1, id="labels-no-bump"),
        pytest.param(lambda o: o["spec"]["tags"][0].update(generation=0), 2, 2, id="gen-zero"),
        pytest.param(lambda o: o["spec"]["tags"][0].update(generation=5), 1, 1, id="gen-ignored"),
        pytest.param(lambda o: o["spec"]["tags"][0]["from"].update(name="alpine"), 2, 2,
                     id="new-source"),
        pytest.param(lambda o: o["spec"]["tags"][0]["importPolicy"].update(scheduled=True), 2, 1,
                     id="policy-only-bumps-stream-not-tag"),
        pytest.param(lambda o: o["spec"]["lookupPolicy"].update(local=True), 2, 1,
                     id="lookup-policy"),
    ],
)  # fmt: skip
async def test_update_generations(api: Api, mutate: Any, stream_gen: int, tag_gen: int) -> None:
    await create(api, "is", [tag("t", "DockerImage", "busybox")])
    obj = await _update(api, "is", mutate)
    assert (obj["metadata"]["generation"], obj["spec"]["tags"][0]["generation"]) == (
        stream_gen,
        tag_gen,
    )


async def test_update_keeps_stored_status_and_tracks_other_tag(api: Api) -> None:
    await create(api, "is", [tag("ref", "DockerImage", "a/b:1", reference=True),
                             tag("follow", "ImageStreamTag", "ref")])  # fmt: skip

    def retarget(o: dict[str, Any]) -> None:
        o["spec"]["tags"][1]["from"]["name"] = "a/b:2"
        o["status"] = {"tags": []}

    obj = await _update(api, "is", retarget)
    assert heads(obj) == {"ref": ("a/b:2", "", 2), "follow": ("a/b:2", "", 2)}


async def test_update_requires_resource_version(api: Api) -> None:
    await create(api, "is", [])
    with pytest.raises(errors.Invalid) as caught:
        await api.r("imagestreams").update(api.ctx(), "is", {"metadata": {"name": "is"}})
    assert "metadata.resourceVersion" in caught.value.message


async def test_status_update_resets_spec_and_fills_generation(api: Api) -> None:
    await create(api, "is", [tag("t", "DockerImage", "busybox")])
    current = await api.r("imagestreams").get(api.ctx(), "is")
    current["spec"]["tags"] = []
    current["status"]["tags"] = [
        {"tag": "t", "items": [{"created": "2024-05-01T10:00:00Z",
                                "dockerImageReference": f"docker.io/library/busybox@{D1}",
                                "image": D1, "generation": 0}]}
    ]  # fmt: skip
    obj, _ = await api.r("imagestreams", "status").update(api.ctx(), "is", current)
    assert [t["name"] for t in obj["spec"]["tags"]] == ["t"]
    assert heads(obj) == {"t": (f"docker.io/library/busybox@{D1}", D1, 1)}
    assert obj["metadata"]["generation"] == 1


async def test_status_update_invalid_new_reference(api: Api) -> None:
    await create(api, "is", [])
    current = await api.r("imagestreams").get(api.ctx(), "is")
    current["status"]["tags"] = [{"tag": "t", "items": [{"dockerImageReference": ""}]}]
    with pytest.raises(errors.Invalid) as caught:
        await api.r("imagestreams", "status").update(api.ctx(), "is", current)
    assert caught.value.causes == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "": repository name must have at least one component',
            "field": "status.tags[t].items[0].dockerImageReference",
        }
    ]


async def _limit(api: Api, limits: dict[str, str]) -> None:
    body = {"metadata": {"name": "l"},
            "spec": {"limits": [{"type": "openshift.io/ImageStream", "max": limits}]}}  # fmt: skip
    await api.core("limitranges").create(api.ctx(), body)


async def test_limit_on_main_endpoint(api: Api) -> None:
    await _limit(api, {"openshift.io/image-tags": "1"})
    with pytest.raises(errors.Invalid) as caught:
        await create(
            api, "is", [tag("a", "DockerImage", "a/b:1"), tag("b", "DockerImage", "c/d:1")]
        )
    assert caught.value.causes[0]["message"] == (
        'Internal error: ImageStream.image.openshift.io "is" is forbidden: requested usage of '
        "openshift.io/image-tags exceeds the maximum limit per openshift.io/ImageStream (2 > 1)"
    )


async def test_limit_on_status_endpoint(api: Api) -> None:
    await create(api, "is", [])
    await _limit(api, {"openshift.io/images": "1"})
    current = await api.r("imagestreams").get(api.ctx(), "is")
    current["status"]["tags"] = [
        {"tag": t, "items": [{"dockerImageReference": f"a/b@{d}", "image": d}]}
        for t, d in (("x", D1), ("y", D2))
    ]
    with pytest.raises(errors.Invalid) as caught:
        await api.r("imagestreams", "status").update(api.ctx(), "is", current)
    assert caught.value.causes[0] == {
        "reason": "FieldValueForbidden",
        "message": 'Forbidden: ImageStream.image.openshift.io "is" is forbidden: requested usage '
        "of openshift.io/images exceeds the maximum limit per openshift.io/ImageStream (2 > 1)",
        "field": "imageStream",
    }


async def test_mapping_updates_tracking_tags_and_keeps_existing_image(api: Api) -> None:
    await create(api, "is", [tag("stable", "ImageStreamTag", "latest")])
    await push(api, "is", "latest", D1)
    await push(api, "is", "latest", D1)
    obj = await api.r("imagestreams").get(api.ctx(), "is")
    assert heads(obj) == {
        "latest": (f"{REGISTRY}/ns/is@{D1}", D1, 1),
        "stable": (f"{REGISTRY}/ns/is@{D1}", D1, 1),
    }
    assert [len(t["items"]) for t in obj["status"]["tags"]] == [1, 1]
    image = await api.r("images").get(api.ctx(""), D1)
    assert image["dockerImageReference"] == f"{REGISTRY}/ns/is@{D1}"


async def test_mapping_errors(api: Api) -> None:
    body = {"metadata": {"name": "nope"}, "tag": "t",
            "image": {"metadata": {"name": D1}, "dockerImageReference": "a/b"}}  # fmt: skip
    with pytest.raises(errors.NotFound) as caught:
        await api.r("imagestreammappings").create(api.ctx(), body)
    assert caught.value.message == 'imagestreams.image.openshift.io "nope" not found'
    with pytest.raises(errors.Invalid) as invalid:
        await api.r("imagestreammappings").create(api.ctx(), {"metadata": {"name": "x"}})
    assert [c["field"] for c in invalid.value.causes] == [
        "tag",
        "image.metadata.name",
        "image.dockerImageReference",  # "REG/ns/x@" once the registry is filled in
    ]
