"""Image, ImageSignature and ImageStreamLayers validation (spec 11 and the 4.7 table)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import Image, ImageSignature, ImageStreamLayers
from imagestreams.validation.field import FieldPath
from imagestreams.validation.image import validate_image, validate_image_stream_layers
from imagestreams.validation.imagesignature import (
    split_image_signature_name,
    validate_image_signature,
    validate_image_signature_update,
)

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
D2 = "sha256:5d2f1c7a9e3b8c6d4f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"
OCI = "application/vnd.oci.image.manifest.v1+json"


def image(**doc: Any) -> Image:
    base: dict[str, Any] = {"metadata": {"name": D}, "dockerImageReference": f"quay.io/a/b@{D}"}
    base.update(doc)
    return msgspec.convert(base, Image)


def manifest(**over: Any) -> dict[str, Any]:
    return {
        "digest": D2,
        "mediaType": OCI,
        "manifestSize": 527,
        "architecture": "amd64",
        "os": "linux",
        **over,
    }


def strs(errs: list[Any]) -> list[str]:
    return [str(e) for e in errs]


@pytest.mark.parametrize(
    ("obj", "path", "expected"),
    [
        pytest.param(image(), None, [], id="valid"),
        pytest.param(
            image(dockerImageReference=""),
            None,
            ["dockerImageReference: Required value"],
            id="missing-dockerImageReference",
        ),
        pytest.param(
            image(dockerImageReference="Quay.io/A"),
            None,
            ['dockerImageReference: Invalid value: "Quay.io/A": repository name must be lowercase'],
            id="unparsable-reference",
        ),
        pytest.param(
            image(metadata={}),
            FieldPath.root("image"),
            ["image.metadata.name: Required value: name or generateName is required"],
            id="embedded-missing-name",
        ),
        pytest.param(
            image(metadata={"name": "foo/bar"}),
            FieldPath.root("image"),
            ["image.metadata.name: Invalid value: \"foo/bar\": may not contain '/'"],
            id="embedded-slash",
        ),
        pytest.param(
            image(metadata={"name": "foo%%bar"}),
            FieldPath.root("image"),
            ["image.metadata.name: Invalid value: \"foo%%bar\": may not contain '%'"],
            id="embedded-percent",
        ),
        pytest.param(
            image(metadata={"name": "image1", "namespace": "ns"}),
            FieldPath.root("image"),
            ["image.metadata.namespace: Forbidden: not allowed on this type"],
            id="embedded-namespace-forbidden",
        ),
        pytest.param(image(dockerImageManifests=[manifest()]), None, [], id="valid-manifest-list"),
        pytest.param(
            image(
                dockerImageManifests=[
                    manifest(
                        digest="abc", mediaType="foobar", architecture="", os="", manifestSize=-2
                    )
                ]
            ),
            None,
            [
                'dockerImageManifests[0].digest: Invalid value: "abc": '
                "digest does not conform with OCI image specification",
                'dockerImageManifests[0].mediaType: Invalid value: "foobar": media type does not '
                "conform to RFC6838",
                "dockerImageManifests[0].architecture: Required value",
                "dockerImageManifests[0].os: Required value",
                "dockerImageManifests[0].size: Invalid value: -2: manifest size cannot be negative",
            ],
            id="invalid-manifests",
        ),
        pytest.param(
            image(
                dockerImageManifests=[manifest()],
                dockerImageLayers=[{"name": D2, "size": 1, "mediaType": OCI}],
            ),
            None,
            [
                f'dockerImageLayers: Invalid value: []string{{"{D2}"}}: '
                "dockerImageLayers should not be set when dockerImageManifests is set"
            ],
            id="layers-with-manifests",
        ),
        pytest.param(
            image(signatures=[{"metadata": {"name": f"{D}@sig"}, "type": "AtomicImageV1"}]),
            None,
            ["signatures[0].content: Required value"],
            id="embedded-signature-checked",
        ),
    ],
)
def test_validate_image(obj: Image, path: FieldPath | None, expected: list[str]) -> None:
    assert strs(validate_image(obj, path)) == expected


def signature(**doc: Any) -> ImageSignature:
    base: dict[str, Any] = {
        "metadata": {"name": f"{D}@a1b2"},
        "type": "AtomicImageV1",
        "content": "c2lnbmF0dXJl",
    }
    base.update(doc)
    return msgspec.convert(base, ImageSignature)


def cond(kind: str, status: str = "True", probe: str = "2024-05-01T10:00:00Z") -> dict[str, str]:
    return {"type": kind, "status": status, "lastProbeTime": probe}


UNKNOWN = "must be unset for unknown signature state"


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(signature(), [], id="valid"),
        pytest.param(
            signature(
                conditions=[cond("Trusted"), cond("ForImage")],
                imageIdentity="registry.example.com/app:1",
                signedClaims={"a": "b"},
            ),
            [],
            id="trusted-with-claims",
        ),
        pytest.param(
            signature(metadata={"name": "notype"}, type=""),
            [
                'metadata.name: Invalid value: "notype": name must be of format '
                "<imageName>@<signatureName>",
                "type: Required value",
            ],
            id="bad-name-and-no-type",
        ),
        pytest.param(signature(content=None), ["content: Required value"], id="missing-content"),
        pytest.param(
            signature(conditions=[cond("Trusted")]),
            ['conditions: Invalid value: []string{"Trusted"}: missing "ForImage" condition type'],
            id="only-trusted",
        ),
        pytest.param(
            signature(conditions=[cond("ForImage")]),
            ['conditions: Invalid value: []string{"ForImage"}: missing "Trusted" condition type'],
            id="only-for-image",
        ),
        pytest.param(
            signature(conditions=[cond("Trusted", probe="2024-05-02T00:00:00Z"), cond("Trusted")]),
            [
                'conditions: Invalid value: []string{"Trusted", "Trusted"}: missing "ForImage" '
                "condition type"
            ],
            id="older-second-trusted-is-not-for-image",
        ),
        pytest.param(
            signature(
                metadata={"name": f"{D}@a1b2", "labels": {"a": "b"}, "annotations": {"c": "d"}}
            ),
            [
                "metadata.labels: Forbidden: signature labels cannot be set",
                "metadata.annotations: Forbidden: signature annotations cannot be set",
            ],
            id="labels-and-annotations",
        ),
        pytest.param(
            signature(
                conditions=[cond("Trusted", "Unknown"), cond("ForImage")],
                imageIdentity="id",
                signedClaims={"a": "b"},
                issuedBy={"commonName": "ca"},
                issuedTo={"publicKeyID": "0x1"},
            ),
            [
                'imageIdentity: Invalid value: "id": ' + UNKNOWN,
                'signedClaims: Invalid value: {"a":"b"}: ' + UNKNOWN,
                'issuedBy: Invalid value: "<issuer>": ' + UNKNOWN,
                'issuedTo: Invalid value: "<subject>": ' + UNKNOWN,
            ],
            id="unknown-state-with-identity",
        ),
    ],
)
def test_validate_image_signature(obj: ImageSignature, expected: list[str]) -> None:
    assert strs(validate_image_signature(obj)) == expected


def test_signature_update_is_immutable() -> None:
    new = signature(type="Other", content="b3RoZXI=")
    assert strs(validate_image_signature_update(new, signature())) == [
        "type: Forbidden: cannot change signature type",
        "content: Forbidden: cannot change signature content",
    ]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        pytest.param("img@sig", None, id="ok"),
        pytest.param("img", 'expected exactly one @ in the image signature name "img"', id="no-at"),
        pytest.param(
            "@sig",
            'image signature name "@sig" must have an image name and signature name',
            id="empty-image",
        ),
    ],
)
def test_split_image_signature_name(name: str, error: str | None) -> None:
    if error is None:
        assert split_image_signature_name(name) == ("img", "sig")
    else:
        with pytest.raises(ValueError) as exc:
            split_image_signature_name(name)
        assert str(exc.value) == error


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        pytest.param({D: {"layers": [D2], "config": D2}}, [], id="valid"),
        pytest.param(
            {D: {"layers": [D2, ""]}},
            [f'images[{D}].layers[1]: Invalid value: "": layer cannot be empty'],
            id="empty-layer",
        ),
        pytest.param(
            {D: {"layers": [], "config": ""}},
            [f'images[{D}].config: Invalid value: "": config cannot be an empty string'],
            id="empty-config",
        ),
        pytest.param(
            {D: {"manifests": [""]}},
            [f'images[{D}].manifests[0]: Invalid value: "": manifest cannot be empty'],
            id="empty-manifest",
        ),
        pytest.param(
            {D: {"manifests": [D2], "layers": [D2], "config": D2}},
            [
                f'images[{D}].layers: Invalid value: []string{{"{D2}"}}: layers must be '
                "empty if manifests are present",
                f'images[{D}].config: Invalid value: "{D2}": config must be null if '
                "manifests are present",
            ],
            id="manifest-list-with-layers",
        ),
        pytest.param(
            {D: {"imageMissing": True, "layers": [D2], "manifests": [D2]}},
            [
                f'images[{D}].layers: Invalid value: []string{{"{D2}"}}: layers must be '
                "empty if image is missing",
                f'images[{D}].manifest: Invalid value: []string{{"{D2}"}}: manifests must '
                "be empty if image is missing",
            ],
            id="missing-image-with-content",
        ),
    ],
)
def test_validate_image_stream_layers(images: dict[str, Any], expected: list[str]) -> None:
    layers = msgspec.convert({"blobs": {}, "images": images}, ImageStreamLayers)
    assert strs(validate_image_stream_layers(layers)) == expected
