"""Defaulting of decoded image-group objects (spec 2.2)."""

from __future__ import annotations

import pytest

from imagestreams.api import image_defaults
from imagestreams.api.image_v1 import (
    ImageImportSpec,
    ImageStream,
    ImageStreamImport,
    ImageStreamImportSpec,
    ImageStreamSpec,
    ImageStreamTag,
    RepositoryImportSpec,
    TagReference,
)
from imagestreams.api.meta import ObjectReference

DIGEST_A = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"


def test_default_image_stream_fills_policies_but_keeps_given_values() -> None:
    stream = ImageStream(
        spec=ImageStreamSpec(tags=[TagReference(name="a"), TagReference(name="b")])
    )
    stream.spec.tags[1].reference_policy.type = "Local"
    stream.spec.tags[1].import_policy.import_mode = "PreserveOriginal"
    image_defaults.default_image_stream(stream)
    assert [(t.reference_policy.type, t.import_policy.import_mode) for t in stream.spec.tags] == [
        ("Source", "Legacy"),
        ("Local", "PreserveOriginal"),
    ]


def test_default_import_mode_is_configurable() -> None:
    istag = ImageStreamTag(tag=TagReference(name="x"))
    image_defaults.default_image_stream_tag(istag, "PreserveOriginal")
    assert istag.tag is not None
    assert istag.tag.import_policy.import_mode == "PreserveOriginal"


@pytest.mark.parametrize(
    ("from_name", "to"),
    [
        pytest.param("docker.io/library/redis:7.2", "7.2", id="tag-becomes-to"),
        pytest.param("redis", None, id="no-tag-no-to"),
        pytest.param(f"quay.io/app/web@{DIGEST_A}", None, id="digest-no-to"),
        pytest.param("Not A Reference", None, id="unparsable-no-to"),
    ],
)
def test_default_image_import_spec_to(from_name: str, to: str | None) -> None:
    isi = ImageStreamImport(
        spec=ImageStreamImportSpec(
            images=[ImageImportSpec(from_=ObjectReference(kind="DockerImage", name=from_name))],
            repository=RepositoryImportSpec(
                from_=ObjectReference(kind="DockerImage", name="redis")
            ),
        ),
    )
    image_defaults.default_image_stream_import(isi)
    spec = isi.spec.images[0]
    assert (spec.to.name if spec.to else None) == to
    assert (spec.import_policy.import_mode, spec.reference_policy.type) == ("Legacy", "Source")
    assert isi.spec.repository is not None
    assert isi.spec.repository.reference_policy.type == "Source"


def test_defaulters_table_covers_upstream_kinds() -> None:
    assert sorted(image_defaults.DEFAULTERS) == [
        "ImageStream",
        "ImageStreamImport",
        "ImageStreamList",
        "ImageStreamTag",
        "ImageStreamTagList",
        "ImageTag",
        "ImageTagList",
    ]
