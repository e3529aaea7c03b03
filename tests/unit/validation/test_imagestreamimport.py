"""ImageStreamImport validation (spec 13.2 step 1, 4.10; upstream ValidateImageStreamImport)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageStreamImport
from imagestreams.validation.field import FieldPath
from imagestreams.validation.imagestreamimport import (
    validate_image_stream_import,
    validate_registry_allowed_for_import,
)
from imagestreams.validation.whitelist import AllowedRegistry, RegistryWhitelister

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
IMPORT_MODE_MSG = "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'"


def isi(
    images: list[dict[str, Any]] | None = None,
    repository: dict[str, Any] | None = None,
) -> ImageStreamImport:
    spec: dict[str, Any] = {"import": True, "images": images or []}
    if repository is not None:
        spec["repository"] = repository
    return msgspec.convert(
        {"metadata": {"namespace": "demo", "name": "web"}, "spec": spec}, ImageStreamImport
    )


def src(name: str, kind: str = "DockerImage", **extra: Any) -> dict[str, Any]:
    return {"from": {"kind": kind, "name": name}, **extra}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(isi([src("quay.io/app/web:1")]), [], id="valid-image"),
        pytest.param(isi(repository=src("quay.io/app/web")), [], id="valid-repository"),
        pytest.param(
            isi(),
            [
                "spec.images: Invalid value: null: you must specify at least one "
                "image or a repository import"
            ],
            id="nothing-to-import",
        ),
        pytest.param(
            isi(
                [
                    src("abc"),
                    src("abc@badid"),
                    src("abc", "ImageStreamTag"),
                    src("abc", "ImageStreamImage"),
                ]
            ),
            [
                'spec.images[1].from.name: Invalid value: "abc@badid": invalid reference format',
                'spec.images[2].from.kind: Invalid value: "ImageStreamTag": only DockerImage is '
                "supported",
                'spec.images[3].from.kind: Invalid value: "ImageStreamImage": only DockerImage is '
                "supported",
            ],
            id="only-DockerImage-tags-can-be-imported",
        ),
        pytest.param(
            isi([src("")]), ["spec.images[0].from.name: Required value"], id="image-name-required"
        ),
        pytest.param(
            isi([src("*", importPolicy={"importMode": "Invalid"})]),
            [],
            id="legacy-star-skips-remaining-checks",
        ),
        pytest.param(
            isi([src("redis:7", to={"name": ""})]),
            [
                'spec.images[0].to.name: Invalid value: "": the name of the target tag '
                "must be specified"
            ],
            id="empty-to-name",
        ),
        pytest.param(
            isi([src("redis", importPolicy={"importMode": "Invalid"})]),
            [
                f'spec.images[0].importPolicy.importMode: Invalid value: "Invalid": '
                f"{IMPORT_MODE_MSG}"
            ],
            id="invalid-image-importMode",
        ),
        pytest.param(
            isi(repository=src("a-|///bbb")),
            ['spec.repository.from.name: Invalid value: "a-|///bbb": invalid reference format'],
            id="invalid-dockerImageRepository",
        ),
        pytest.param(
            isi(repository=src("a/b:tag")),
            [
                'spec.repository.from.name: Invalid value: "a/b:tag": you must specify an '
                "image repository, not a tag or ID"
            ],
            id="dockerImageRepository-with-tag",
        ),
        pytest.param(
            isi(repository=src(f"a/b@{D}")),
            [
                f'spec.repository.from.name: Invalid value: "a/b@{D}": you must specify an '
                "image repository, not a tag or ID"
            ],
            id="dockerImageRepository-with-id",
        ),
        pytest.param(
            isi(repository=src("a/b@sha256:something")),
            [
                'spec.repository.from.name: Invalid value: "a/b@sha256:something": invalid '
                "reference format"
            ],
            id="dockerImageRepository-with-short-id",
        ),
        pytest.param(
            isi(repository=src("")),
            [
                "spec.repository.from.name: Required value: container image references "
                "require a name"
            ],
            id="repository-name-required",
        ),
        pytest.param(
            isi(repository=src("a/b", "ImageStreamTag")),
            [
                'spec.repository.from.kind: Invalid value: "ImageStreamTag": only '
                "DockerImage is supported"
            ],
            id="repository-kind",
        ),
        pytest.param(
            isi(repository=src("a/b", importPolicy={"importMode": "Invalid"})),
            [
                f'spec.repository.importPolicy.importMode: Invalid value: "Invalid": '
                f"{IMPORT_MODE_MSG}"
            ],
            id="invalid-repository-importMode",
        ),
    ],
)
def test_validate_image_stream_import(obj: ImageStreamImport, expected: list[str]) -> None:
    assert [str(e) for e in validate_image_stream_import(obj)] == expected


@pytest.mark.parametrize(
    ("allowed", "host", "port", "expected"),
    [
        pytest.param(
            [AllowedRegistry("foo.bar")],
            "example.com",
            "443",
            [
                "spec.images[0].from.name: Forbidden: importing images from registry "
                '"example.com:443" is forbidden: registry "example.com:443" not allowed by '
                'whitelist: "foo.bar:443"'
            ],
            id="fail-when-not-on-whitelist",
        ),
        pytest.param([AllowedRegistry("example.com")], "example.com", "443", [], id="allowed"),
    ],
)
def test_validate_registry_allowed_for_import(
    allowed: list[AllowedRegistry], host: str, port: str, expected: list[str]
) -> None:
    errs = validate_registry_allowed_for_import(
        RegistryWhitelister(allowed),
        FieldPath.root("spec", "images").index(0).child("from", "name"),
        host,
        port,
    )
    assert [str(e) for e in errs] == expected
