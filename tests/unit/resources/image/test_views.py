"""The virtual resources of a stream: ImageStreamTag (7), ImageTag (8), ImageStreamImage (9),
layers and secrets (12), ImageSignature (11)."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams import errors
from imagestreams.rest.options import ListOptions
from tests.unit.resources.image.conftest import REGISTRY, Api, tag
from tests.unit.resources.image.test_imagestreams import create, push

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


async def test_istag_get_and_list(api: Api) -> None:
    await create(api, "is", [tag("latest", "DockerImage", "a/b", referencePolicy={"type": "Local"},
                                 annotations={"k": "v"})])  # fmt: skip
    await push(api, "is", "latest", D1)
    await push(api, "is", "pushed", D2)
    istags = api.r("imagestreamtags")
    got = await istags.get(api.ctx(), "is:latest")
    assert got["kind"] == "ImageStreamTag"
    assert got["metadata"]["annotations"] == {"k": "v"}
    assert got["tag"]["name"] == "latest"
    assert got["image"]["metadata"]["name"] == D1
    assert got["image"]["metadata"]["annotations"] == {"k": "v"}
    assert got["image"]["dockerImageReference"] == f"{REGISTRY}/ns/is@{D1}"
    pushed = await istags.get(api.ctx(), "is:pushed")
    assert pushed["tag"] is None
    listed = await istags.list(api.ctx(), ListOptions())
    assert [i["metadata"]["name"] for i in listed["items"]] == ["is:latest", "is:pushed"]
    assert listed["items"][1]["image"] == {
        "metadata": {"name": D2, "creationTimestamp": None},
        "dockerImageReference": f"{REGISTRY}/ns/is@{D2}",
    }
    everywhere = await istags.list(
        api.ctx(""), ListOptions(field_selector="metadata.name=is:pushed")
    )
    assert [i["metadata"]["name"] for i in everywhere["items"]] == ["is:pushed"]


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        pytest.param("is", errors.BadRequest, "ImageStreamTags must be retrieved with <name>:<tag>",
                     id="no-colon"),
        pytest.param("is:a@b", errors.BadRequest,
                     "ImageStreamTags must be retrieved with <name>:<tag>", id="at-sign"),
        pytest.param("missing:latest", errors.NotFound,
                     'imagestreams.image.openshift.io "missing" not found', id="stream-missing"),
        pytest.param("is:nope", errors.NotFound,
                     'imagestreamtags.image.openshift.io "is:nope" not found', id="tag-missing"),
        pytest.param("is:ref", errors.NotFound,
                     'imagestreamtags.image.openshift.io "is:ref" not found', id="reference-only"),
    ],
)  # fmt: skip
async def test_istag_get_errors(
    api: Api, name: str, error: type[errors.ApiError], message: str
) -> None:
    await create(api, "is", [tag("ref", "DockerImage", "a/b:1", reference=True)])
    with pytest.raises(error) as caught:
        await api.r("imagestreamtags").get(api.ctx(), name)
    assert caught.value.message == message


async def test_istag_create_update_delete(api: Api) -> None:
    istags = api.r("imagestreamtags")
    body: dict[str, Any] = {
        "metadata": {"name": "new:t"},
        "tag": {"from": {"kind": "DockerImage", "name": "a/b:1"}, "reference": True},
    }
    created = await istags.create(api.ctx(), body)
    assert created["tag"]["name"] == "t"
    # a reference-only head has no image: the response carries an empty one (upstream newISTag)
    assert created["image"] == {"metadata": {"creationTimestamp": None}}
    with pytest.raises(errors.AlreadyExists) as exists:
        await istags.create(api.ctx(), body)
    assert exists.value.message == 'imagestreamtag.image.openshift.io "new:t" already exists'
    put = {"metadata": {"name": "new:u"}, "tag": {"from": {"kind": "DockerImage", "name": "c"}}}
    _, was_created = await istags.update(api.ctx(), "new:u", put)
    assert was_created is True
    stale = {**put, "metadata": {"name": "new:u", "resourceVersion": "1"}}
    with pytest.raises(errors.Conflict) as conflict:
        await istags.update(api.ctx(), "new:u", stale)
    assert conflict.value.message.startswith(
        'Operation cannot be fulfilled on imagestreamtags.image.openshift.io "new:u": another '
        "caller has updated the resource version to "
    )
    _, was_created = await istags.update(api.ctx(), "new:u", put)
    assert was_created is False
    with pytest.raises(errors.Invalid) as invalid:
        await istags.update(
            api.ctx(), "new:u", {**put, "metadata": {"name": "new:u", "labels": {"x": "y"}}}
        )
    message = 'Invalid value: "": may not update fields other than metadata.annotations'
    assert invalid.value.causes == [
        {"reason": "FieldValueInvalid", "field": "metadata", "message": message}
    ]
    status, done = await istags.delete(api.ctx(), "new:t", {})
    assert (status["status"], done) == ("Success", True)
    stream = await api.r("imagestreams").get(api.ctx(), "new")
    assert [t["name"] for t in stream["spec"]["tags"]] == ["u"]
    assert stream.get("status", {}).get("tags", []) == []
    with pytest.raises(errors.NotFound) as gone:
        await istags.delete(api.ctx(), "new:t", {})
    assert gone.value.message == 'imagestreamtags.image.openshift.io "new:t" not found'
    with pytest.raises(errors.Conflict) as uid:
        await istags.delete(api.ctx(), "new:u", {"preconditions": {"uid": "x"}})
    assert uid.value.message == (
        'Operation cannot be fulfilled on imagestreamtags.image.openshift.io "new:u": the UID '
        "precondition was not met"
    )


async def test_istag_errors_of_the_stream_write_have_kind_imagestream(api: Api) -> None:
    body = {"metadata": {"name": "s:t"}, "tag": {"from": {"kind": "ImageStreamTag", "name": "x:y"}}}
    with pytest.raises(errors.Invalid) as caught:
        await api.r("imagestreamtags").create(api.ctx(), body)
    assert caught.value.kind == "ImageStream"
    body = {"metadata": {"name": "s:t"}, "tag": {"from": {"kind": "Nope", "name": "x"}}}
    with pytest.raises(errors.Invalid) as own:
        await api.r("imagestreamtags").create(api.ctx(), body)
    assert (own.value.kind, own.value.causes[0]["field"]) == ("ImageStreamTag", "tag.from.kind")


async def test_image_tag_lifecycle(api: Api) -> None:
    itags = api.r("imagetags")
    with pytest.raises(errors.Invalid) as missing_spec:
        await itags.create(api.ctx(), {"metadata": {"name": "is:t"}})
    assert str(missing_spec.value.errors[0]) == (
        "spec: Required value: spec is a required field during creation"
    )
    spec = {"from": {"kind": "DockerImage", "name": "a/b:1"}, "reference": True}
    created = await itags.create(api.ctx(), {"metadata": {"name": "is:t"}, "spec": spec})
    assert created["metadata"]["name"] == "is:t"
    assert created["status"]["items"][0]["dockerImageReference"] == "a/b:1"
    assert created["image"] is None
    with pytest.raises(errors.AlreadyExists):
        await itags.create(api.ctx(), {"metadata": {"name": "is:t"}, "spec": spec})
    current = await itags.get(api.ctx(), "is:t")
    current["spec"] = None
    updated, was_created = await itags.update(api.ctx(), "is:t", current)
    assert (updated["spec"], was_created) == (None, False)
    assert updated["status"]["tag"] == "t"
    listed = await itags.list(api.ctx(), ListOptions())
    assert [(i["metadata"]["name"], i["spec"]) for i in listed["items"]] == [("is:t", None)]
    await itags.delete(api.ctx(), "is:t", {})
    with pytest.raises(errors.NotFound) as gone:
        await itags.get(api.ctx(), "is:t")
    assert gone.value.message == 'imagetags.image.openshift.io "is:t" not found'


async def test_image_stream_image(api: Api) -> None:
    body = {"metadata": {"name": "is", "annotations": {"team": "x"}}}
    await api.r("imagestreams").create(api.ctx(), body)
    await push(api, "is", "latest", D1)
    isimages = api.r("imagestreamimages")
    got = await isimages.get(api.ctx(), "is@1111")
    assert got["metadata"]["name"] == "is@1111"
    assert got["metadata"]["annotations"] == {"team": "x"}
    assert got["image"]["metadata"]["name"] == D1
    with pytest.raises(errors.NotFound) as missing:
        await isimages.get(api.ctx(), "is@2222")
    assert missing.value.message == 'imagestreamimage.image.openshift.io "is@2222" not found'
    assert missing.value.kind == "imagestreamimage"
    with pytest.raises(errors.BadRequest):
        await isimages.get(api.ctx(), "is")


async def test_layers_and_secrets(api: Api) -> None:
    await create(api, "is", [])
    await push(api, "is", "latest", D1)
    layers = await api.r("imagestreams", "layers").get(api.ctx(), "is")
    assert layers["images"] == {D1: {"imageMissing": False, "layers": [], "config": None}}
    assert layers["blobs"] == {
        D1: {"size": None, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
    }
    secrets = api.core("secrets")
    cfg = {".dockerconfigjson": "e30="}
    kind = "kubernetes.io/dockerconfigjson"
    hidden = {"name": "hidden", "annotations": {"openshift.io/image.excludeSecret": "true"}}
    await secrets.create(api.ctx(), {"metadata": {"name": "pull"}, "type": kind, "data": cfg})
    await secrets.create(api.ctx(), {"metadata": hidden, "type": kind, "data": cfg})
    await secrets.create(api.ctx(), {"metadata": {"name": "opaque"}, "data": {"a": "YQ=="}})
    listed = await api.r("imagestreams", "secrets").get(api.ctx(), "anything")
    assert (listed["kind"], listed["apiVersion"]) == ("SecretList", "image.openshift.io/v1")
    assert [s["metadata"]["name"] for s in listed["items"]] == ["pull"]


async def test_signatures(api: Api) -> None:
    await create(api, "is", [])
    await push(api, "is", "latest", D1)
    sigs = api.r("imagesignatures")
    body = {"metadata": {"name": f"{D1}@sig"}, "type": "AtomicImageV1", "content": "YWJj"}
    created = await sigs.create(api.ctx(""), body)
    assert created["metadata"]["name"] == f"{D1}@sig"
    with pytest.raises(errors.AlreadyExists):
        await sigs.create(api.ctx(""), {**body, "metadata": {"name": f"{D1}@other"}})
    image = await api.r("images").get(api.ctx(""), D1)
    assert [s["metadata"]["name"] for s in image["signatures"]] == [f"{D1}@sig"]
    await sigs.delete(api.ctx(""), f"{D1}@sig", {})
    image = await api.r("images").get(api.ctx(""), D1)
    assert image.get("signatures", []) == []
    with pytest.raises(errors.NotFound):
        await sigs.delete(api.ctx(""), f"{D1}@sig", {})
