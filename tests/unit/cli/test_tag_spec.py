"""``oc tag`` grammar, validation and request building, as tables (no server)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from imagestreams.api.reference import DockerImageReference as Ref
from imagestreams.cli.common import CommandError
from imagestreams.cli.tag_spec import (
    Destination,
    TagOptions,
    TagSource,
    build_tag_reference,
    parse_destination,
    parse_source,
    resolve_source,
    source_kind_from_flag,
    tag_message,
    validate,
)

D = "sha256:" + "a" * 64
NS = "proj"


@pytest.mark.parametrize(
    ("source", "kind", "expected"),
    [
        pytest.param(
            "ruby:2.7", "", TagSource("ImageStreamTag", Ref(name="ruby", tag="2.7")), id="istag"
        ),
        pytest.param(
            "other/ruby:2.7",
            "",
            TagSource("ImageStreamTag", Ref(namespace="other", name="ruby", tag="2.7")),
            id="istag-cross-ns",
        ),
        pytest.param(
            f"ruby@{D}", "", TagSource("ImageStreamImage", Ref(name="ruby", id=D)), id="isimage"
        ),
        pytest.param(
            "quay.io/x/ruby:2.7",
            "",
            TagSource(
                "DockerImage", Ref(registry="quay.io", namespace="x", name="ruby", tag="2.7")
            ),
            id="registry-is-docker",
        ),
        pytest.param(
            "localhost:5000/ruby@" + D,
            "",
            TagSource("DockerImage", Ref(registry="localhost:5000", name="ruby", id=D)),
            id="registry-with-digest",
        ),
        pytest.param(
            "mysql", "", TagSource("DockerImage", Ref(name="mysql")), id="bare-name-is-docker"
        ),
        pytest.param(
            "ruby:2.7",
            "DockerImage",
            TagSource("DockerImage", Ref(name="ruby", tag="2.7")),
            id="source-docker-hint",
        ),
        pytest.param(
            "library/ruby:2.7",
            "ImageStreamTag",
            TagSource("ImageStreamTag", Ref(namespace=NS, name="ruby", tag="2.7")),
            id="library-is-current-ns",
        ),
        pytest.param(
            "library/ruby:2.7",
            "",
            TagSource("ImageStreamTag", Ref(namespace="library", name="ruby", tag="2.7")),
            id="library-kept-when-inferred",
        ),
    ],
)
def test_parse_source(source: str, kind: str, expected: TagSource) -> None:
    assert parse_source(source, kind, NS) == expected


@pytest.mark.parametrize(
    ("source", "kind", "message"),
    [
        pytest.param(
            "Ruby:1", "", "invalid SOURCE: repository name must be lowercase", id="uppercase"
        ),
        pytest.param(
            "a@sha256:abc", "", "invalid SOURCE: invalid reference format", id="short-digest"
        ),
        pytest.param(
            "quay.io/ruby:1",
            "ImageStreamTag",
            "server in SOURCE is only allowed when providing a container image",
            id="istag-with-registry",
        ),
        pytest.param(
            "ruby",
            "ImageStreamTag",
            "--source=ImageStreamTag requires a valid <name>:<tag> in SOURCE",
            id="istag-needs-tag",
        ),
        pytest.param(
            "ruby:1",
            "ImageStreamImage",
            "--source=ImageStreamImage requires a valid <name>@<id> in SOURCE",
            id="isimage-needs-id",
        ),
    ],
)
def test_parse_source_errors(source: str, kind: str, message: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_source(source, kind, NS)
    assert (info.value.message, info.value.exit_code, info.value.hint_path) == (message, 1, "")


@pytest.mark.parametrize(
    ("flag", "kind"),
    [
        pytest.param("istag", "ImageStreamTag", id="istag"),
        pytest.param("ImageStreamTag", "ImageStreamTag", id="kind-name"),
        pytest.param("imagestreamimages", "ImageStreamImage", id="plural"),
        pytest.param("isimage", "ImageStreamImage", id="isimage"),
        pytest.param("docker", "DockerImage", id="docker"),
        pytest.param("DockerImage", "DockerImage", id="dockerimage"),
    ],
)
def test_source_kind_from_flag(flag: str, kind: str) -> None:
    assert source_kind_from_flag(flag) == kind


def test_source_kind_from_flag_rejects_unknown() -> None:
    with pytest.raises(CommandError) as info:
        source_kind_from_flag("is")
    assert info.value.message == (
        'invalid source "is"; valid values are docker, dockerimage, imagestreamimage,'
        " imagestreamtag, isimage, istag"
    )
    # oc's UsageErrorf: exit 1 through CheckErr, with the -h hint
    assert (info.value.hint_path, info.value.exit_code) == ("imagestreams", 1)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        pytest.param("ruby:tip", Destination(NS, "ruby:tip"), id="plain"),
        pytest.param("other/ruby:tip", Destination("other", "ruby:tip"), id="cross-ns"),
        pytest.param("ruby", Destination(NS, "ruby"), id="no-tag-checked-later"),
    ],
)
def test_parse_destination(arg: str, expected: Destination) -> None:
    assert parse_destination(arg, NS) == expected


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        pytest.param("a/b/c:t", 'invalid image stream "a/b/c:t"', id="two-slashes"),
        pytest.param("/b:t", 'invalid namespace "" for image stream "/b:t"', id="empty-ns"),
        pytest.param("a/", 'invalid name "" for image stream "a/"', id="empty-name"),
    ],
)
def test_parse_destination_errors(arg: str, message: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_destination(arg, NS)
    assert (info.value.message, info.value.exit_code) == (message, 1)


NOT_POINTING = (
    '"ruby:2.7" is not currently pointing to an image, cannot use it as the source of a tag'
)


def _stream(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": {"tags": [{"tag": "2.7", "items": items}]}}


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        pytest.param(
            _stream(
                [{"image": D, "dockerImageReference": f"quay.io/r@{D}"}, {"image": "sha256:old"}]
            ),
            TagSource("ImageStreamImage", Ref(namespace="other", name="ruby", id=D)),
            id="pinned-to-image",
        ),
        pytest.param(
            _stream([{"image": "", "dockerImageReference": "quay.io/x/ruby:3"}]),
            TagSource("DockerImage", Ref(registry="quay.io", namespace="x", name="ruby", tag="3")),
            id="reference-only-becomes-docker",
        ),
    ],
)
def test_resolve_source(stream: dict[str, Any], expected: TagSource) -> None:
    source = TagSource("ImageStreamTag", Ref(namespace="other", name="ruby", tag="2.7"))
    assert resolve_source(source, stream, "other/ruby:2.7") == expected


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        pytest.param(
            {},
            NOT_POINTING,
            id="no-status",
        ),
        pytest.param(
            _stream([]),
            NOT_POINTING,
            id="empty-history",
        ),
        pytest.param(
            _stream([{"dockerImageReference": "Bad"}]),
            'the image stream tag "ruby:2.7" has an invalid pull spec and cannot be used to tag:'
            " repository name must be lowercase",
            id="bad-pull-spec",
        ),
    ],
)
def test_resolve_source_errors(stream: dict[str, Any], message: str) -> None:
    source = TagSource("ImageStreamTag", Ref(name="ruby", tag="2.7"))
    with pytest.raises(CommandError) as info:
        resolve_source(source, stream, "ruby:2.7")
    assert info.value.message == message


ISTAG = TagSource("ImageStreamTag", Ref(name="ruby", tag="2.7"))
DOCKER = TagSource("DockerImage", Ref(registry="quay.io", name="x/ruby", tag="3"))
BASE = TagOptions(namespace=NS, destinations=(Destination(NS, "ruby:tip"),), source=DOCKER)


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        pytest.param(
            replace(BASE, delete=True, alias=True, source=None),
            "--alias and --delete may not be both specified",
            id="alias-delete",
        ),
        pytest.param(
            replace(BASE, reference_policy="Local"),
            "reference policy must be set to 'source' or 'local'",
            id="policy-case",
        ),
        pytest.param(
            replace(BASE, delete=True, source=None, source_flag="docker"),
            "cannot specify a source kind when deleting",
            id="delete-kind",
        ),
        pytest.param(
            replace(BASE, delete=True, source=None, scheduled=True),
            "cannot set flags for importing images when deleting a tag",
            id="delete-scheduled",
        ),
        pytest.param(
            replace(BASE, delete=True, source=None, import_mode="Legacy"),
            "cannot specify an import mode when deleting",
            id="delete-import-mode",
        ),
        pytest.param(
            replace(BASE, destinations=()),
            "at least a destination is required",
            id="no-destination",
        ),
        pytest.param(
            replace(BASE, source=ISTAG, insecure=True),
            "only container images can have importing flags set",
            id="istag-insecure",
        ),
        pytest.param(
            replace(BASE, alias=True, scheduled=True),
            "cannot set a container image tag as an alias and also set import flags",
            id="alias-scheduled",
        ),
        pytest.param(
            replace(
                BASE,
                source=ISTAG,
                alias=True,
                destinations=(Destination(NS, "ruby:a"), Destination(NS, "copy:tip")),
            ),
            "cannot set alias across different Image Streams",
            id="alias-other-stream",
        ),
        pytest.param(
            replace(BASE, source=ISTAG, alias=True, destinations=(Destination("x", "ruby:tip"),)),
            "cannot set alias across different Image Streams",
            id="alias-other-ns",
        ),
        pytest.param(
            replace(BASE, source=ISTAG, alias=True, destinations=(Destination(NS, "ruby"),)),
            '"ruby" must be of the form <stream_name>:<tag>',
            id="alias-dest-without-tag",
        ),
        pytest.param(
            replace(BASE, import_mode="legacy"),
            "valid ImportMode values are Legacy or PreserveOriginal",
            id="import-mode-case",
        ),
    ],
)
def test_validate_errors(opts: TagOptions, message: str) -> None:
    with pytest.raises(CommandError) as info:
        validate(opts)
    # oc's Validate errors go through kcmdutil.CheckErr: exit 1, not a usage error
    assert (info.value.message, info.value.exit_code) == (message, 1)


def test_validate_defaults_import_mode() -> None:
    assert validate(BASE).import_mode == "Legacy"
    same_stream = replace(BASE, source=ISTAG, alias=True, destinations=(Destination(NS, "ruby:a"),))
    assert validate(same_stream).alias


@pytest.mark.parametrize(
    ("opts", "dest", "spec", "message"),
    [
        pytest.param(
            BASE,
            Destination(NS, "ruby:tip"),
            {
                "name": "tip",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:3"},
                "generation": 0,
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
            "Tag ruby:tip set to quay.io/x/ruby:3.",
            id="docker",
        ),
        pytest.param(
            replace(
                BASE,
                scheduled=True,
                insecure=True,
                reference_policy="local",
                import_mode="PreserveOriginal",
            ),
            Destination(NS, "ruby:tip"),
            {
                "name": "tip",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:3"},
                "generation": 0,
                "importPolicy": {
                    "importMode": "PreserveOriginal",
                    "insecure": True,
                    "scheduled": True,
                },
                "referencePolicy": {"type": "Local"},
            },
            "Tag ruby:tip set to import quay.io/x/ruby:3 periodically.",
            id="docker-scheduled",
        ),
        pytest.param(
            replace(BASE, scheduled=True),
            Destination("other", "ruby:tip"),
            {
                "name": "tip",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:3"},
                "generation": 0,
                "importPolicy": {"importMode": "Legacy", "scheduled": True},
                "referencePolicy": {"type": "Source"},
            },
            "Tag other/ruby:tip set to quay.io/x/ruby:3 periodically.",
            id="docker-scheduled-cross-ns",
        ),
        pytest.param(
            replace(BASE, source=ISTAG, alias=True),
            Destination(NS, "ruby:tip"),
            {
                "name": "tip",
                "from": {"kind": "ImageStreamTag", "name": "ruby:2.7"},
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
            "Tag ruby:tip set up to track ruby:2.7.",
            id="alias",
        ),
        pytest.param(
            replace(
                BASE, source=TagSource("ImageStreamImage", Ref(name="ruby", id=D)), reference=True
            ),
            Destination("other", "copy:1"),
            {
                "name": "1",
                "from": {"kind": "ImageStreamImage", "name": f"ruby@{D}", "namespace": NS},
                "reference": True,
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
            f"Tag other/copy:1 set to ruby@{D}.",
            id="isimage-into-other-ns-names-source-ns",
        ),
        pytest.param(
            replace(
                BASE, source=TagSource("ImageStreamImage", Ref(namespace="src", name="ruby", id=D))
            ),
            Destination(NS, "copy:1"),
            {
                "name": "1",
                "from": {"kind": "ImageStreamImage", "name": f"ruby@{D}", "namespace": "src"},
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
            f"Tag copy:1 set to src/ruby@{D}.",
            id="isimage-from-other-ns",
        ),
    ],
)
def test_build_tag_reference_and_message(
    opts: TagOptions, dest: Destination, spec: dict[str, Any], message: str
) -> None:
    opts = replace(opts, destinations=(dest,))
    assert build_tag_reference(opts, dest) == spec
    assert tag_message(opts, dest) == message
