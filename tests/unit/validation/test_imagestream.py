"""ImageStream validation: one row per rule of spec sections 3.1 and 4.7 (upstream test names)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageStream
from imagestreams.validation.imagestream import (
    validate_image_stream,
    validate_image_stream_name,
    validate_image_stream_status_update,
    validate_image_stream_update,
    validate_path_segment_name,
)
from imagestreams.validation.whitelist import AllowedRegistry, RegistryWhitelister, Transport

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
COMPONENT_MSG = 'must match "[a-z0-9]+(?:[._-][a-z0-9]+)*"'


def stream(
    *,
    ns: str = "foo",
    name: str = "bar",
    annotations: dict[str, str] | None = None,
    repo: str = "",
    tags: list[dict[str, Any]] | None = None,
    status: dict[str, list[str]] | None = None,
) -> ImageStream:
    doc: dict[str, Any] = {
        "metadata": {"namespace": ns, "name": name, "annotations": annotations or {}},
        "spec": {"dockerImageRepository": repo, "tags": tags or []},
        "status": {
            "tags": [
                {"tag": t, "items": [{"dockerImageReference": r} for r in refs]}
                for t, refs in (status or {}).items()
            ]
        },
    }
    for tag in doc["spec"]["tags"]:
        tag.setdefault("referencePolicy", {"type": "Source"})
    return msgspec.convert(doc, ImageStream)


def docker(name: str, tag: str = "tag", **extra: Any) -> dict[str, Any]:
    return {"name": tag, "from": {"kind": "DockerImage", "name": name}, **extra}


def errors(errs: list[Any]) -> list[str]:
    return [str(e) for e in errs]


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        pytest.param(".", False, ["may not be '.'"], id="dot"),
        pytest.param("..", False, ["may not be '..'"], id="dotdot"),
        pytest.param("..", True, [COMPONENT_MSG], id="dotdot-prefix-falls-to-component-rule"),
        pytest.param("foo/bar", False, ["may not contain '/'"], id="slash"),
        pytest.param("foo%%bar", False, ["may not contain '%'"], id="percent"),
        pytest.param("a/%", False, ["may not contain '/'", "may not contain '%'"], id="both"),
        pytest.param("foo bar", False, [COMPONENT_MSG], id="space"),
        pytest.param("Foo", False, [COMPONENT_MSG], id="upper"),
        pytest.param("foo-", False, [COMPONENT_MSG], id="trailing-separator"),
        pytest.param("a..b", False, [COMPONENT_MSG], id="double-separator"),
        pytest.param(
            "abcdefghijklmnopqrstuvwxyz-1234567890.dot_underscore-dash",
            False,
            [],
            id="all-characters",
        ),
        pytest.param("g", False, [], id="shortest"),
    ],
)
def test_image_stream_name(name: str, prefix: bool, expected: list[str]) -> None:
    assert validate_image_stream_name(name, prefix) == expected


def test_path_segment_name_allows_digests_and_anything_else() -> None:
    assert validate_path_segment_name(D, False) == []
    assert validate_path_segment_name("Image 1", False) == []


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(stream(), [], id="minimal-valid"),
        pytest.param(stream(ns="f", name="g"), [], id="shortest-name-components"),
        pytest.param(stream(ns="n" * 63, name="a" * 191), [], id="max-name-and-namespace-length"),
        pytest.param(
            stream(ns="n" * 63, name="a" * 192),
            [
                'metadata.name: Invalid value: "'
                + "a" * 192
                + "\": 'namespace/name' cannot be longer than 255 characters"
            ],
            id="name-and-namespace-length-exceeded",
        ),
        pytest.param(
            stream(repo="a-|///bbb"),
            ['spec.dockerImageRepository: Invalid value: "a-|///bbb": invalid reference format'],
            id="invalid-dockerImageRepository",
        ),
        pytest.param(
            stream(repo="a/b:tag"),
            [
                'spec.dockerImageRepository: Invalid value: "a/b:tag": '
                "the repository name may not contain a tag"
            ],
            id="dockerImageRepository-with-tag",
        ),
        pytest.param(
            stream(repo="a/b@sha256:something"),
            [
                'spec.dockerImageRepository: Invalid value: "a/b@sha256:something": '
                "invalid reference format"
            ],
            id="dockerImageRepository-with-short-id",
        ),
        pytest.param(
            stream(repo=f"a/b@{D}"),
            [
                f'spec.dockerImageRepository: Invalid value: "a/b@{D}": '
                "the repository name may not contain an ID"
            ],
            id="dockerImageRepository-with-id",
        ),
        pytest.param(
            stream(tags=[{"name": "t", "from": {"kind": "DockerImage", "name": ""}}]),
            ["spec.tags[t].from.name: Required value"],
            id="from-name-required",
        ),
        pytest.param(
            stream(tags=[docker("abc@badid", tag="badid", importPolicy={"scheduled": True})]),
            ['spec.tags[badid].from.name: Invalid value: "abc@badid": invalid reference format'],
            id="image-ids-cant-be-scheduled",
        ),
        pytest.param(
            stream(
                tags=[
                    docker("abc", importPolicy={"scheduled": True}),
                    {
                        "name": "other",
                        "from": {"kind": "ImageStreamTag", "name": "other:latest"},
                        "importPolicy": {"scheduled": True},
                    },
                ]
            ),
            [
                "spec.tags[other].importPolicy.scheduled: Invalid value: true: only tags pointing "
                "to Docker repositories may be scheduled for background import"
            ],
            id="imagestreamtags-cant-be-scheduled",
        ),
        pytest.param(
            stream(
                tags=[
                    {
                        "name": "otherimage",
                        "from": {"kind": "ImageStreamImage", "name": "other@latest"},
                        "importPolicy": {"scheduled": True},
                    }
                ]
            ),
            [
                "spec.tags[otherimage].importPolicy.scheduled: Invalid value: true: only tags "
                "pointing to Docker repositories may be scheduled for background import"
            ],
            id="imagestreamimages-cant-be-scheduled",
        ),
        pytest.param(
            stream(tags=[{"name": "t", "from": {"kind": "Other", "name": "x"}}]),
            [
                "spec.tags[t].from.kind: Required value: valid values are 'DockerImage', "
                "'ImageStreamImage', 'ImageStreamTag'"
            ],
            id="unknown-from-kind",
        ),
        pytest.param(
            stream(tags=[{"name": "t", "from": {"kind": "", "name": ""}}]),
            [
                "spec.tags[t].from.name: Required value",
                "spec.tags[t].from.kind: Required value: valid values are 'DockerImage', "
                "'ImageStreamImage', 'ImageStreamTag'",
            ],
            id="empty-from",
        ),
        pytest.param(
            stream(tags=[docker("abc", referencePolicy={"type": "Other"})]),
            [
                'spec.tags[tag].referencePolicy.type: Invalid value: "Other": '
                'valid values are "Source", "Local"'
            ],
            id="referencePolicy-type-must-be-valid",
        ),
        pytest.param(
            stream(tags=[docker("abc", importPolicy={"importMode": "PreserveOriginal"})]),
            [],
            id="valid-importMode",
        ),
        pytest.param(
            stream(tags=[docker("abc", importPolicy={"importMode": "Invalid"})]),
            [
                'spec.tags[tag].importPolicy.importMode: Invalid value: "Invalid": invalid import '
                "mode, valid modes are '', 'Legacy', 'PreserveOriginal'"
            ],
            id="invalid-importMode",
        ),
        pytest.param(
            stream(status={"tag": ["", "foo/bar:latest", ""]}),
            [
                "status.tags[tag].items[0].dockerImageReference: Required value",
                "status.tags[tag].items[2].dockerImageReference: Required value",
            ],
            id="status-tag-missing-dockerImageReference",
        ),
        pytest.param(
            stream(status={"tag": ["Bad:Ref"]}),
            [
                'status.tags[tag].items[0].dockerImageReference: Invalid value: "Bad:Ref": '
                "repository name must be lowercase"
            ],
            id="status-tag-unparsable",
        ),
        pytest.param(
            stream(
                tags=[
                    docker("abc"),
                    {"name": "other", "from": {"kind": "ImageStreamTag", "name": "other:latest"}},
                ],
                status={"tag": ["foo/bar:latest"]},
            ),
            [],
            id="valid",
        ),
        pytest.param(
            stream(tags=[docker("zzz", tag="b"), docker("Bad", tag="a")]),
            ['spec.tags[a].from.name: Invalid value: "Bad": repository name must be lowercase'],
            id="errors-in-tag-name-order",
        ),
        pytest.param(
            stream(tags=[docker("Bad", tag="dup"), docker("good", tag="dup")]),
            [],
            id="duplicate-tags-last-wins",
        ),
    ],
)
def test_validate_image_stream(obj: ImageStream, expected: list[str]) -> None:
    assert errors(validate_image_stream(obj)) == expected


WHITELIST = RegistryWhitelister(
    [
        AllowedRegistry("example.com"),
        AllowedRegistry("localhost:5000"),
        AllowedRegistry("dev.null.io:80"),
    ]
)
ALLOWED_MSG = '"example.com:443", "localhost:5000", "dev.null.io:80"'
STATUS_REFS = [
    "docker.io/library/fedora:latest",
    "example.com/library/fedora:latest",
    "example.com:80/library/fedora:latest",
    "dev.null.io/library/fedora:latest",
    "dev.null.io:80/library/fedora:latest",
]


@pytest.mark.parametrize(
    ("obj", "whitelister", "expected"),
    [
        pytest.param(
            stream(tags=[docker("registry.ltd/a/b", tag="fail"), docker("example.com/a/b")]),
            WHITELIST,
            [
                f'spec.tags[fail].from.name: Forbidden: registry "registry.ltd" not allowed by '
                f"whitelist: {ALLOWED_MSG}"
            ],
            id="forbid-spec-references-not-on-the-whitelist",
        ),
        pytest.param(
            stream(tags=[docker("example.com/a/b", tag="secure")], status={"secure": STATUS_REFS}),
            WHITELIST,
            [
                f'status.tags[secure].items[{i}].dockerImageReference: Forbidden: registry "{h}" '
                f"not allowed by whitelist: {ALLOWED_MSG}"
                for i, h in ((0, "docker.io"), (2, "example.com:80"), (3, "dev.null.io"))
            ],
            id="forbid-status-references-secure",
        ),
        pytest.param(
            stream(
                tags=[docker("example.com/a/b", tag="insecure", importPolicy={"insecure": True})],
                status={
                    "insecure": [STATUS_REFS[1], STATUS_REFS[2], "registry.ltd/a/b", STATUS_REFS[4]]
                },
            ),
            WHITELIST,
            [
                f'status.tags[insecure].items[{i}].dockerImageReference: Forbidden: registry "{h}" '
                f"not allowed by whitelist: {ALLOWED_MSG}"
                for i, h in ((1, "example.com:80"), (2, "registry.ltd"))
            ],
            id="forbid-status-references-insecure",
        ),
        pytest.param(
            stream(
                status={"nospec": ["localhost/repo", "example.com:443/bar", "example.com/repo"]}
            ),
            WHITELIST,
            [
                "status.tags[nospec].items[0].dockerImageReference: Forbidden: "
                f'registry "localhost" not allowed by whitelist: {ALLOWED_MSG}'
            ],
            id="forbid-status-references-without-spec-tag",
        ),
        pytest.param(
            stream(repo="example.com/openshift/origin"),
            RegistryWhitelister([AllowedRegistry("example.com")]),
            [],
            id="whitelisted-repository",
        ),
        pytest.param(
            stream(repo="example.com/openshift/origin"),
            RegistryWhitelister([AllowedRegistry("*.example.com")]),
            [
                'spec.dockerImageRepository: Forbidden: registry "example.com" not allowed by '
                'whitelist: "*.example.com:443"'
            ],
            id="not-whitelisted-repository",
        ),
        pytest.param(
            stream(
                repo="example.com/openshift/origin",
                annotations={"openshift.io/image.insecureRepository": "true"},
            ),
            RegistryWhitelister([AllowedRegistry("example.com", insecure=True)]),
            [],
            id="insecure-repository-annotation-accepts-port-80-entries",
        ),
        pytest.param(
            stream(tags=[docker("172.30.30.30:5000/ns/app:1")]),
            RegistryWhitelister([], internal_registry="172.30.30.30:5000"),
            [],
            id="integrated-registry-always-allowed",
        ),
        pytest.param(
            stream(tags=[docker("quay.io/a/b")]),
            RegistryWhitelister([]),
            [
                'spec.tags[tag].from.name: Forbidden: registry "quay.io" not allowed by empty '
                "whitelist"
            ],
            id="empty-whitelist",
        ),
    ],
)
def test_validate_image_stream_with_whitelister(
    obj: ImageStream, whitelister: RegistryWhitelister, expected: list[str]
) -> None:
    assert errors(validate_image_stream(obj, whitelister)) == expected


DOCKER_ONLY = RegistryWhitelister([AllowedRegistry("docker.io")])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            stream(),
            stream(tags=[docker("example.com/my/app")], status={"tag": ["example.com/my/app"]}),
            [
                'spec.tags[tag].from.name: Forbidden: registry "example.com" not allowed by '
                'whitelist: "docker.io:443"',
                'status.tags[tag].items[0].dockerImageReference: Forbidden: registry "example.com" '
                'not allowed by whitelist: "docker.io:443"',
            ],
            id="report-not-whitelisted",
        ),
        pytest.param(
            stream(tags=[docker("example.com/my/app:v1")]),
            stream(tags=[docker("example.com/my/app:v2", tag="other")]),
            [],
            id="allow-old-not-whitelisted-references",
        ),
        pytest.param(
            stream(status={"x": ["example.com/my/app@" + D]}),
            stream(tags=[docker("example.com/my/app:latest")]),
            [],
            id="allow-old-not-whitelisted-references-from-status",
        ),
        pytest.param(
            stream(repo="docker.io/my/app"),
            stream(repo="example.com/my/newapp"),
            [
                'spec.dockerImageRepository: Forbidden: registry "example.com" not allowed by '
                'whitelist: "docker.io:443"'
            ],
            id="forbid-not-whitelisted-dockerImageRepository",
        ),
        pytest.param(
            stream(repo="example.com/my/app"),
            stream(repo="example.com/my/app"),
            [],
            id="permit-no-change-to-not-whitelisted-dockerImageRepository",
        ),
    ],
)
def test_validate_image_stream_update(
    old: ImageStream, new: ImageStream, expected: list[str]
) -> None:
    assert errors(validate_image_stream_update(new, old, DOCKER_ONLY)) == expected
    # the exemptions live on a copy: the shared whitelister is unchanged
    assert DOCKER_ONLY.admit_pull_spec("example.com/my/app", Transport.SECURE) is not None


@pytest.mark.parametrize(
    ("old", "new", "whitelister", "expected"),
    [
        pytest.param(
            stream(status={"t": ["Bad/Ref"]}),
            stream(status={"t": ["Bad/Ref", "Bad/Ref"]}),
            None,
            [],
            id="old-references-are-not-parsed",
        ),
        pytest.param(
            stream(),
            stream(status={"t": [""]}),
            None,
            [
                'status.tags[t].items[0].dockerImageReference: Invalid value: "": '
                "repository name must have at least one component"
            ],
            id="new-empty-reference",
        ),
        pytest.param(
            stream(),
            stream(status={"a": ["example.com/x"], "b": ["example.com/x"]}),
            DOCKER_ONLY,
            [
                f"status.tags[{t}].items[0].dockerImageReference: Forbidden: "
                'registry "example.com" not allowed by whitelist: "docker.io:443"'
                for t in ("a", "b")
            ],
            id="every-holder-of-a-forbidden-reference",
        ),
        pytest.param(
            stream(status={"a": ["example.com/x"]}),
            stream(status={"b": ["example.com/x"]}),
            DOCKER_ONLY,
            [],
            id="reference-already-in-old-status",
        ),
    ],
)
def test_validate_image_stream_status_update(
    old: ImageStream,
    new: ImageStream,
    whitelister: RegistryWhitelister | None,
    expected: list[str],
) -> None:
    assert errors(validate_image_stream_status_update(new, old, whitelister)) == expected
