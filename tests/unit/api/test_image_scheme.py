"""Discovery entries of image.openshift.io/v1 (spec section 1)."""

from __future__ import annotations

import pytest

from imagestreams.api import image_scheme, scheme


@pytest.mark.parametrize(
    ("name", "kind", "namespaced", "verbs", "short", "singular"),
    [
        pytest.param("images", "Image", False, scheme.ALL_VERBS, (), "image", id="images"),
        pytest.param(
            "imagesignatures",
            "ImageSignature",
            False,
            ("create", "delete"),
            (),
            "imagesignature",
            id="imagesignatures",
        ),
        pytest.param(
            "imagestreamimages",
            "ImageStreamImage",
            True,
            ("get",),
            ("isimage",),
            "imagestreamimage",
            id="imagestreamimages",
        ),
        pytest.param(
            "imagestreamimports",
            "ImageStreamImport",
            True,
            ("create",),
            (),
            "imagestreamimport",
            id="imagestreamimports",
        ),
        pytest.param(
            "imagestreammappings",
            "ImageStreamMapping",
            True,
            ("create",),
            (),
            "imagestreammapping",
            id="imagestreammappings",
        ),
        pytest.param(
            "imagestreams",
            "ImageStream",
            True,
            scheme.ALL_VERBS,
            ("is",),
            "imagestream",
            id="imagestreams",
        ),
        pytest.param(
            "imagestreamtags",
            "ImageStreamTag",
            True,
            ("create", "delete", "get", "list", "patch", "update"),
            ("istag",),
            "imagestreamtag",
            id="imagestreamtags",
        ),
        pytest.param(
            "imagetags",
            "ImageTag",
            True,
            ("create", "delete", "get", "list", "patch", "update"),
            ("itag",),
            "imagetag",
            id="imagetags",
        ),
    ],
)
def test_resources(
    name: str,
    kind: str,
    namespaced: bool,
    verbs: tuple[str, ...],
    short: tuple[str, ...],
    singular: str,
) -> None:
    info = scheme.find("image.openshift.io", "v1", name)
    assert info is not None
    assert (info.kind, info.namespaced, info.verbs, info.short_names, info.singular_name) == (
        kind,
        namespaced,
        verbs,
        short,
        singular,
    )


@pytest.mark.parametrize(
    ("sub", "verbs", "response_kind"),
    [
        pytest.param("status", ("get", "patch", "update"), "", id="status"),
        pytest.param("layers", ("get",), "ImageStreamLayers", id="layers"),
        pytest.param("secrets", ("get",), "SecretList", id="secrets"),
    ],
)
def test_imagestream_subresources(sub: str, verbs: tuple[str, ...], response_kind: str) -> None:
    info = scheme.find("image.openshift.io", "v1", "imagestreams", sub)
    assert info is not None
    assert (info.kind, info.verbs, info.response_kind) == ("ImageStream", verbs, response_kind)


def test_imagestreams_in_category_all_and_resources_in_path_order() -> None:
    info = scheme.find("image.openshift.io", "v1", "imagestreams")
    assert info is not None and info.categories == ("all",)
    names = [i.name for i in image_scheme.IMAGE_RESOURCES]
    assert names == sorted(names)
    assert len(scheme.by_group_version("image.openshift.io", "v1")) == 11
