"""ImageStreamMapping validation (spec 10 step 1; upstream ValidateImageStreamMapping*)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageStreamMapping
from imagestreams.validation.imagestreammapping import validate_image_stream_mapping

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
REF = f"image-registry.openshift-image-registry.svc:5000/demo/web@{D}"


def mapping(name: str = "web", tag: str = "latest", **image: Any) -> ImageStreamMapping:
    img: dict[str, Any] = {"metadata": {"name": D}, "dockerImageReference": REF}
    img.update(image)
    return msgspec.convert(
        {"metadata": {"namespace": "demo", "name": name}, "tag": tag, "image": img},
        ImageStreamMapping,
    )


@pytest.mark.parametrize(
    ("obj", "repository", "expected"),
    [
        pytest.param(mapping(), "", [], id="valid"),
        pytest.param(
            mapping(name=""),
            "",
            ["name: Required value", "dockerImageRepository: Required value"],
            id="missing-name-and-repository",
        ),
        pytest.param(
            mapping(name=""), "registry.example.com/demo/web", [], id="repository-instead-of-name"
        ),
        pytest.param(
            mapping(name=""),
            "Bad Repo",
            ['dockerImageRepository: Invalid value: "Bad Repo": invalid reference format'],
            id="bad-repository",
        ),
        pytest.param(mapping(tag=""), "", ["tag: Required value"], id="missing-tag"),
        pytest.param(
            mapping(metadata={}),
            "",
            ["image.metadata.name: Required value: name or generateName is required"],
            id="missing-image-name",
        ),
        pytest.param(
            mapping(dockerImageReference=""),
            "",
            ["image.dockerImageReference: Required value"],
            id="missing-image-reference",
        ),
        pytest.param(
            mapping(dockerImageReference="a-|///bbb"),
            "",
            ['image.dockerImageReference: Invalid value: "a-|///bbb": invalid reference format'],
            id="bad-image-reference",
        ),
    ],
)
def test_validate_image_stream_mapping(
    obj: ImageStreamMapping, repository: str, expected: list[str]
) -> None:
    assert [str(e) for e in validate_image_stream_mapping(obj, repository)] == expected
