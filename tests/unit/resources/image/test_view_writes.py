"""Writes through the tag views checked as upstream's REST handlers and strategies check them
(openshift-apiserver imagestreamtag/imagetag rest_test.go, validation_test.go)."""

from __future__ import annotations

import pytest

from imagestreams import errors
from tests.unit.resources.image.conftest import Api, tag
from tests.unit.resources.image.test_imagestreams import create

REF = {"kind": "DockerImage", "name": "a/b:c"}


async def test_imagetag_update_must_name_its_tag(api: Api) -> None:
    await create(api, "test", [tag("tag", "DockerImage", "a/b:c", reference=True)])
    current = await api.r("imagetags").get(api.ctx(), "test:tag")
    current["spec"]["name"] = ""
    with pytest.raises(errors.Invalid) as caught:
        await api.r("imagetags").update(api.ctx(), "test:tag", current)
    assert 'spec.name: Invalid value: "": must match image tag name' in caught.value.message


@pytest.mark.parametrize(
    ("resource", "url_name", "body_md", "message"),
    [
        pytest.param("imagestreamtags", "new2:v", {"name": "other:v"},
                     "the name of the object (other:v) does not match the name on the URL "
                     "(new2:v)", id="istag-name"),
        pytest.param("imagetags", "a:x", {"name": "a:y"},
                     "the name of the object (a:y) does not match the name on the URL (a:x)",
                     id="itag-name"),
        pytest.param("imagestreamtags", "a:t", {"name": "a:t", "namespace": "other"},
                     "the namespace of the provided object does not match the namespace sent "
                     "on the request", id="istag-namespace"),
    ],
)  # fmt: skip
async def test_a_body_for_another_object_is_a_bad_request(
    api: Api, resource: str, url_name: str, body_md: dict[str, str], message: str
) -> None:
    body = {"metadata": body_md, "tag": {"from": REF, "reference": True}}
    if resource == "imagetags":
        body = {"metadata": body_md, "spec": {"from": REF, "reference": True}}
    with pytest.raises(errors.BadRequest) as caught:
        await api.r(resource).update(api.ctx(), url_name, body)
    assert caught.value.message == message


async def test_istag_put_that_creates_the_stream_checks_annotations(api: Api) -> None:
    body = {
        "metadata": {"name": "new:v", "annotations": {"a": "1"}},
        "tag": {"annotations": {"x": "9"}, "from": REF, "reference": True},
    }
    with pytest.raises(errors.Invalid, match="tag annotations must not be provided or must be"):
        await api.r("imagestreamtags").update(api.ctx(), "new:v", body)
    with pytest.raises(errors.NotFound):
        await api.r("imagestreams").get(api.ctx(), "new")


async def test_signature_delete_with_a_malformed_name(api: Api) -> None:
    with pytest.raises(errors.BadRequest) as caught:
        await api.r("imagesignatures").delete(api.ctx(""), "noat", {})
    assert caught.value.message == (
        "ImageSignatures must be accessed with <imageName>@<signatureName>"
    )
