"""``oc describe is`` / image text from literal objects at a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from imagestreams.cli.common import CommandError
from imagestreams.cli.describe import describe_image
from imagestreams.cli.describe_format import describe_image_stream, follow_tag_reference

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64
A = "sha256:" + "a" * 64


def _meta(**extra: Any) -> dict[str, Any]:
    return {
        "name": "ruby",
        "namespace": "demo",
        "creationTimestamp": "2024-05-01T11:58:00Z",
        **extra,
    }


EMPTY = {"metadata": _meta(), "spec": {}, "status": {"dockerImageRepository": "reg:5000/demo/ruby"}}
EMPTY_TEXT = (
    "Name:\t\t\truby\n"
    "Namespace:\t\tdemo\n"
    "Created:\t\t2 minutes ago\n"
    "Labels:\t\t\t<none>\n"
    "Annotations:\t\t<none>\n"
    "Image Repository:\treg:5000/demo/ruby\n"
    "Image Lookup:\t\tlocal=false\n"
    "Tags:\t\t\t<none>\n"
)

RICH = {
    "metadata": _meta(
        labels={"b": "2", "app": "x"},
        annotations={"description": "Ruby images", "openshift.io/display-name": "Ruby"},
    ),
    "spec": {
        "lookupPolicy": {"local": True},
        "tags": [
            {
                "name": "latest",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:3"},
                "generation": 2,
                "importPolicy": {"scheduled": True},
            },
            {
                "name": "stable",
                "from": {"kind": "ImageStreamTag", "name": "ruby:latest"},
                "generation": 2,
                "referencePolicy": {"type": "Local"},
            },
            {
                "name": "2.7",
                "from": {"kind": "ImageStreamImage", "name": f"ruby@{A}", "namespace": "other"},
                "generation": 1,
                "importPolicy": {"insecure": True},
                "annotations": {"description": "Ruby 2.7", "tags": "ruby,builder"},
            },
            {
                "name": "ref",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:ref"},
                "reference": True,
                "generation": 1,
            },
            {
                "name": "new",
                "from": {"kind": "DockerImage", "name": "quay.io/x/ruby:new"},
                "generation": 3,
            },
            {"name": "bare"},
        ],
    },
    "status": {
        "dockerImageRepository": "reg:5000/demo/ruby",
        "publicDockerImageRepository": "public.example.com/demo/ruby",
        "tags": [
            {
                "tag": "latest",
                "items": [
                    {
                        "created": "2024-05-01T11:59:00Z",
                        "dockerImageReference": f"quay.io/x/ruby@{B}",
                        "image": B,
                        "generation": 2,
                    },
                    {
                        "created": "2024-04-01T11:59:00Z",
                        "dockerImageReference": "quay.io/x/ruby:3",
                        "image": C,
                        "generation": 1,
                    },
                ],
            },
            {
                "tag": "2.7",
                "items": [],
                "conditions": [
                    {
                        "type": "ImportSuccess",
                        "status": "False",
                        "reason": "NotFound",
                        "message": "not there",
                        "lastTransitionTime": "2024-05-01T10:00:00Z",
                        "generation": 1,
                    },
                ],
            },
            {
                "tag": "ref",
                "items": [
                    {
                        "created": "2024-04-29T12:00:00Z",
                        "dockerImageReference": "quay.io/x/ruby:ref",
                        "image": "",
                        "generation": 1,
                    },
                ],
            },
            {
                "tag": "pushed",
                "items": [
                    {
                        "created": "2024-05-01T11:59:59Z",
                        "dockerImageReference": f"reg:5000/demo/ruby@{A}",
                        "image": A,
                        "generation": 1,
                    },
                ],
            },
        ],
    },
}
RICH_TEXT = (
    "Name:\t\t\truby\n"
    "Namespace:\t\tdemo\n"
    "Created:\t\t2 minutes ago\n"
    "Labels:\t\t\tapp=x\n"
    "\t\t\tb=2\n"
    "Description:\t\tRuby images\n"
    "Annotations:\t\topenshift.io/display-name=Ruby\n"
    "Image Repository:\tpublic.example.com/demo/ruby\n"
    "Image Lookup:\t\tlocal=true\n"
    "Unique Images:\t\t4\n"
    "Tags:\t\t\t7\n"
    "\n"
    "latest (stable)\n"
    "  updates automatically from registry quay.io/x/ruby:3\n"
    "\n"
    f"  * quay.io/x/ruby@{B}\n"
    "      About a minute ago\n"
    "    quay.io/x/ruby:3\n"
    f"      4 weeks ago\t{C}\n"
    "\n"
    "2.7\n"
    f"  tagged from other/ruby@{A}\n"
    "    will use insecure HTTPS or HTTP connections\n"
    "\n"
    "  Ruby 2.7\n"
    "  Tags: ruby, builder\n"
    "\n"
    "  ! error: Import failed (NotFound): not there\n"
    "      2 hours ago\n"
    "\n"
    "bare\n"
    "  tag without source image\n"
    "\n"
    "\n"
    "new\n"
    "  tagged from quay.io/x/ruby:new\n"
    "\n"
    "  ~ importing latest image ...\n"
    "\n"
    "pushed\n"
    "  no spec tag\n"
    "\n"
    f"  * reg:5000/demo/ruby@{A}\n"
    "      1 second ago\n"
    "\n"
    "ref\n"
    "  reference to registry quay.io/x/ruby:ref\n"
    "\n"
    "  * quay.io/x/ruby:ref\n"
    "      2 days ago\n"
)


@pytest.mark.parametrize(
    ("stream", "text"),
    [pytest.param(EMPTY, EMPTY_TEXT, id="no-tags"), pytest.param(RICH, RICH_TEXT, id="rich")],
)
def test_describe_image_stream(stream: dict[str, Any], text: str) -> None:
    assert describe_image_stream(stream, NOW) == text


def _tags(*tags: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "s", "namespace": "n"}, "spec": {"tags": list(tags)}}


@pytest.mark.parametrize(
    ("stream", "tag", "expected"),
    [
        pytest.param(
            _tags({"name": "a", "from": {"kind": "DockerImage", "name": "x"}}),
            "a",
            ("a", False, True),
            id="terminal",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "b"}}, {"name": "b"}),
            "a",
            ("b", True, True),
            id="same-stream",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "s:b"}}, {"name": "b"}),
            "a",
            ("b", True, True),
            id="qualified",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "o:b"}}),
            "a",
            ("a", False, False),
            id="other-stream",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "b", "namespace": "x"}}),
            "a",
            ("a", False, False),
            id="other-ns",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "b"}}),
            "a",
            ("b", True, False),
            id="missing-target",
        ),
        pytest.param(
            _tags({"name": "a", "from": {"kind": "ImageStreamTag", "name": "a"}}),
            "a",
            ("a", True, False),
            id="circular",
        ),
    ],
)
def test_follow_tag_reference(
    stream: dict[str, Any], tag: str, expected: tuple[str, bool, bool]
) -> None:
    assert follow_tag_reference(stream, tag) == expected


IMAGE = {
    "metadata": {
        "name": B,
        "creationTimestamp": "2024-04-30T12:00:00Z",
        "annotations": {"image.openshift.io/dockerLayersOrder": "ascending"},
    },
    "dockerImageReference": f"quay.io/x/ruby@{B}",
    "dockerImageMetadata": {
        "kind": "DockerImage",
        "apiVersion": "1.0",
        "Created": "2024-01-01T00:00:00Z",
        "Architecture": "amd64",
        "Size": 2814000,
        "Config": {
            "Cmd": ["/bin/sh", "-c", "run"],
            "WorkingDir": "/app",
            "User": "1001",
            "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}},
            "Labels": {"v": "1"},
            "Env": ["PATH=/bin", "A=b"],
            "Volumes": {"/data": {}},
        },
    },
    "dockerImageLayers": [{"name": A, "size": 1500}, {"name": C, "size": 999}],
}
IMAGE_TEXT = (
    f"Image Name:\truby:3\n"
    f"Docker Image:\tquay.io/x/ruby@{B}\n"
    f"Name:\t\t{B}\n"
    "Created:\t24 hours ago\n"
    "Annotations:\timage.openshift.io/dockerLayersOrder=ascending\n"
    "Image Size:\t2.814MB in 2 layers\n"
    f"Layers:\t\t1.5kB\t{A}\n"
    f"\t\t999B\t{C}\n"
    "Image Created:\t4 months ago\n"
    "Author:\t\t<none>\n"
    "Arch:\t\tamd64\n"
    "Command:\t/bin/sh -c run\n"
    "Working Dir:\t/app\n"
    "User:\t\t1001\n"
    "Exposes Ports:\t443/tcp, 8080/tcp\n"
    "Docker Labels:\tv=1\n"
    "Environment:\tPATH=/bin\n"
    "\t\tA=b\n"
    "Volumes:\t/data\n"
)


def test_describe_image() -> None:
    assert describe_image(IMAGE, "ruby:3", NOW) == IMAGE_TEXT


def test_describe_image_without_metadata_fails() -> None:
    with pytest.raises(CommandError) as info:
        describe_image({"metadata": {"name": B}}, "", NOW)
    assert info.value.message == "unable to read image metadata"
