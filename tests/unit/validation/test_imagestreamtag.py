"""ImageStreamTag and ImageTag validation (spec 7.4, 7.5, 8; upstream ValidateIST*/ValidateIT*)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageStreamTag, ImageTag
from imagestreams.validation.imagestreamtag import (
    validate_image_stream_tag,
    validate_image_stream_tag_update,
    validate_image_tag,
    validate_image_tag_update,
)
from imagestreams.validation.whitelist import AllowedRegistry, RegistryWhitelister

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
ANNOTATIONS_MSG = (
    "tag annotations must not be provided or must be equal to the object meta annotations"
)
KINDS_MSG = "valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'"


def istag(
    tag: dict[str, Any] | None = None,
    *,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    **extra: Any,
) -> ImageStreamTag:
    doc: dict[str, Any] = {
        "metadata": {
            "namespace": "ns",
            "name": "is:latest",
            "resourceVersion": "7",
            "annotations": annotations or {},
            "labels": labels or {},
        },
        "tag": None if tag is None else {"referencePolicy": {"type": "Source"}, **tag},
        **extra,
    }
    return msgspec.convert(doc, ImageStreamTag)


def from_docker(name: str = "quay.io/app/web:1", **extra: Any) -> dict[str, Any]:
    return {"name": "latest", "from": {"kind": "DockerImage", "name": name}, **extra}


def strs(errs: list[Any]) -> list[str]:
    return [str(e) for e in errs]


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(istag(from_docker()), [], id="valid"),
        pytest.param(istag(None), [], id="null-tag"),
        pytest.param(
            istag(from_docker("")), ["tag.from.name: Required value"], id="tagToNameRequired"
        ),
        pytest.param(
            istag({"name": "latest", "from": {"kind": "", "name": "a"}}),
            [f"tag.from.kind: Required value: {KINDS_MSG}"],
            id="tagToKindRequired",
        ),
        pytest.param(
            istag(from_docker(annotations={"a": "b"}), annotations={"a": "c"}),
            [f'tag.annotations: Invalid value: "<map>": {ANNOTATIONS_MSG}'],
            id="mismatchedAnnotations",
        ),
        pytest.param(
            istag(from_docker(annotations={"a": "b"}), annotations={"a": "b"}),
            [],
            id="matching-annotations",
        ),
        pytest.param(
            istag(
                {
                    "name": "latest",
                    "from": {"kind": "ImageStreamTag", "name": "x:1"},
                    "importPolicy": {"scheduled": True},
                }
            ),
            [
                "tag.importPolicy.scheduled: Invalid value: true: only tags pointing to "
                "Docker repositories may be scheduled for background import"
            ],
            id="istag-source-cant-be-scheduled",
        ),
    ],
)
def test_validate_image_stream_tag(obj: ImageStreamTag, expected: list[str]) -> None:
    assert strs(validate_image_stream_tag(obj)) == expected


@pytest.mark.parametrize(
    ("whitelister", "obj", "expected"),
    [
        pytest.param(
            RegistryWhitelister([AllowedRegistry("example.com:*")]),
            istag(from_docker("foo/bar:biz")),
            [
                'tag.from.name: Forbidden: registry "docker.io:443" not allowed by '
                'whitelist: "example.com:*"'
            ],
            id="forbid-not-whitelisted",
        ),
        pytest.param(
            RegistryWhitelister([AllowedRegistry("example.com", insecure=True)]),
            istag(from_docker("example.com/foo/bar:baz")),
            [
                'tag.from.name: Forbidden: registry "example.com" not allowed by '
                'whitelist: "example.com:80"'
            ],
            id="do-not-match-insecure-registries-if-not-flagged",
        ),
        pytest.param(
            RegistryWhitelister([AllowedRegistry("example.com")]),
            istag(from_docker("example.com/foo/bar:baz", importPolicy={"insecure": True})),
            [],
            id="match-insecure-registry-if-flagged",
        ),
        pytest.param(
            RegistryWhitelister([], internal_registry="172.30.30.30:5000"),
            istag(from_docker("172.30.30.30:5000/ns/is:tag")),
            [],
            id="match-integrated-registry-url",
        ),
        pytest.param(
            RegistryWhitelister([AllowedRegistry("example.com")]),
            istag(from_docker("")),
            [
                "tag.from.name: Required value",
                'tag.from.name: Forbidden: registry "docker.io:443" not allowed by '
                'whitelist: "example.com:443"',
            ],
            id="empty-name-still-reaches-the-policy-as-upstream",
        ),
    ],
)
def test_validate_image_stream_tag_whitelisted(
    whitelister: RegistryWhitelister, obj: ImageStreamTag, expected: list[str]
) -> None:
    assert strs(validate_image_stream_tag(obj, whitelister)) == expected


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(istag(from_docker(), annotations={"one": "two"}), [], id="annotations-added"),
        pytest.param(istag(from_docker("quay.io/app/web:2")), [], id="tag-changed"),
        pytest.param(
            istag(from_docker(), lookupPolicy={"local": True}, generation=5),
            [],
            id="lookupPolicy-and-generation-ignored",
        ),
        pytest.param(
            istag(from_docker(), labels={"app": "web"}),
            ['metadata: Invalid value: "": may not update fields other than metadata.annotations'],
            id="changedLabel",
        ),
        pytest.param(
            istag(from_docker(), image={"metadata": {"name": D}}),
            ['metadata: Invalid value: "": may not update fields other than metadata.annotations'],
            id="changed-image",
        ),
    ],
)
def test_validate_image_stream_tag_update(new: ImageStreamTag, expected: list[str]) -> None:
    assert strs(validate_image_stream_tag_update(new, istag(from_docker()))) == expected


def test_istag_update_exempts_old_source() -> None:
    whitelister = RegistryWhitelister([AllowedRegistry("docker.io")])
    old = istag(from_docker("quay.io/app/web:1"))
    new = istag(from_docker("quay.io/app/web:2"), annotations={"a": "b"})
    assert validate_image_stream_tag_update(new, old, whitelister) == []
    other = istag(from_docker("quay.io/other/web:2"))
    assert strs(validate_image_stream_tag_update(other, old, whitelister)) == [
        'tag.from.name: Forbidden: registry "quay.io" not allowed by whitelist: "docker.io:443"'
    ]


def itag(
    name: str = "is:latest",
    spec: dict[str, Any] | None = None,
    *,
    labels: dict[str, str] | None = None,
    status: dict[str, Any] | None = None,
) -> ImageTag:
    return msgspec.convert(
        {
            "metadata": {"namespace": "ns", "name": name, "labels": labels or {}},
            "spec": None if spec is None else {"referencePolicy": {"type": "Source"}, **spec},
            "status": status,
        },
        ImageTag,
    )


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(itag(spec=from_docker()), [], id="valid"),
        pytest.param(
            itag(spec=None),
            ["spec: Required value: spec is a required field during creation"],
            id="spec-required",
        ),
        pytest.param(
            itag("foo:bar", from_docker() | {"name": "baz"}),
            ['spec.name: Invalid value: "baz": must match image tag name'],
            id="mismatchedSpecName",
        ),
        pytest.param(
            itag("foo", from_docker()),
            ['spec.name: Invalid value: "latest": must match image tag name'],
            id="name-without-colon",
        ),
        pytest.param(
            itag(spec=from_docker("")), ["spec.from.name: Required value"], id="tagToNameRequired"
        ),
        pytest.param(
            itag(spec={"name": "latest", "from": {"kind": "", "name": "a"}}),
            [f"spec.from.kind: Required value: {KINDS_MSG}"],
            id="tagToKindRequired",
        ),
    ],
)
def test_validate_image_tag(obj: ImageTag, expected: list[str]) -> None:
    assert strs(validate_image_tag(obj)) == expected


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(itag(spec=from_docker("quay.io/app/web:2")), [], id="spec-changed"),
        pytest.param(itag(spec=None), [], id="spec-removed"),
        pytest.param(
            itag(spec=from_docker(), labels={"a": "b"}),
            ['metadata: Invalid value: "": may not update fields other than spec'],
            id="changedLabel",
        ),
        pytest.param(
            itag(spec=from_docker(), status={"tag": "latest", "items": []}),
            ['status: Invalid value: "": may not update fields other than spec'],
            id="changedStatus",
        ),
    ],
)
def test_validate_image_tag_update(new: ImageTag, expected: list[str]) -> None:
    assert strs(validate_image_tag_update(new, itag(spec=from_docker()))) == expected
