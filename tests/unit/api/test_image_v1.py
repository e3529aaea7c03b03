"""Wire format of the image.openshift.io/v1 Structs: round trips, always-written fields, times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from imagestreams.api import image_defaults
from imagestreams.api.image_v1 import (
    Image,
    ImageBlobReferences,
    ImageLayerData,
    ImageSignature,
    ImageStream,
    ImageStreamImport,
    ImageStreamImportSpec,
    ImageStreamLayers,
    ImageStreamList,
    ImageStreamMapping,
    ImageStreamSpec,
    ImageStreamStatus,
    ImageStreamTag,
    ImageTag,
    NamedTagEventList,
    TagEvent,
    TagEventCondition,
    TagReference,
)
from imagestreams.api.meta import (
    ObjectMeta,
    ObjectReference,
    Status,
    format_time,
    parse_time,
)

DIGEST_A = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"
DIGEST_B = "sha256:5d2f1c7a9e3b8c6d4f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"

# What `oc get is ruby -o json` prints for a stream with an imported tag, a tracking tag and a
# failed import (the shape of a real response; metadata trimmed to the fields we model).
OC_GET_IS: dict[str, Any] = {
    "kind": "ImageStream",
    "apiVersion": "image.openshift.io/v1",
    "metadata": {
        "name": "ruby",
        "namespace": "demo",
        "uid": "7b1c8f1e-4f5a-4c59-9b53-0a3a4d1f6a10",
        "resourceVersion": "48213",
        "generation": 3,
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "labels": {"app": "ruby"},
        "annotations": {"openshift.io/image.dockerRepositoryCheck": "2024-05-01T10:00:02Z"},
    },
    "spec": {
        "lookupPolicy": {"local": False},
        "tags": [
            {
                "name": "3.2",
                "annotations": {"description": "Ruby 3.2"},
                "from": {"kind": "DockerImage", "name": "registry.example.com/ubi9/ruby-32:1-50"},
                "generation": 2,
                "importPolicy": {"scheduled": True, "importMode": "Legacy"},
                "referencePolicy": {"type": "Local"},
            },
            {
                "name": "broken",
                "annotations": None,
                "from": {"kind": "DockerImage", "name": "registry.example.com/nope/missing:1"},
                "generation": 3,
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
            {
                "name": "latest",
                "annotations": None,
                "from": {"kind": "ImageStreamTag", "name": "3.2"},
                "generation": 2,
                "importPolicy": {"importMode": "Legacy"},
                "referencePolicy": {"type": "Source"},
            },
        ],
    },
    "status": {
        "dockerImageRepository": "image-registry.openshift-image-registry.svc:5000/demo/ruby",
        "publicDockerImageRepository": "default-route.apps.example.com/demo/ruby",
        "tags": [
            {
                "tag": "3.2",
                "items": [
                    {
                        "created": "2024-05-01T10:00:02Z",
                        "dockerImageReference": f"registry.example.com/ubi9/ruby-32@{DIGEST_A}",
                        "image": DIGEST_A,
                        "generation": 2,
                    },
                    {
                        "created": "2024-04-01T08:30:00Z",
                        "dockerImageReference": f"registry.example.com/ubi9/ruby-32@{DIGEST_B}",
                        "image": DIGEST_B,
                        "generation": 1,
                    },
                ],
            },
            {
                "tag": "broken",
                "items": None,
                "conditions": [
                    {
                        "type": "ImportSuccess",
                        "status": "False",
                        "lastTransitionTime": "2024-05-01T10:00:02Z",
                        "reason": "NotFound",
                        "message": "dockerimage.image.openshift.io "
                        '"registry.example.com/nope/missing:1" not found',
                        "generation": 3,
                    }
                ],
            },
        ],
    },
}


def test_decode_then_encode_oc_get_is_round_trips() -> None:
    stream = msgspec.convert(OC_GET_IS, ImageStream)
    assert stream.spec.tags[0].from_ == ObjectReference(
        kind="DockerImage", name="registry.example.com/ubi9/ruby-32:1-50"
    )
    assert stream.status.tags[1].items is None
    assert msgspec.to_builtins(stream) == OC_GET_IS


def test_decode_ignores_unknown_fields() -> None:
    doc = json.loads(json.dumps(OC_GET_IS))
    doc["metadata"]["futureField"] = {"x": 1}
    doc["spec"]["tags"][0]["futureTagField"] = True
    stream = msgspec.convert(doc, ImageStream)
    assert msgspec.to_builtins(stream) == OC_GET_IS


def test_exact_json_bytes_of_stream_with_tags_and_history() -> None:
    stream = ImageStream(
        kind="ImageStream",
        api_version="image.openshift.io/v1",
        metadata=ObjectMeta(
            name="web", namespace="demo", creation_timestamp="2024-05-01T10:00:00Z"
        ),
        spec=ImageStreamSpec(
            tags=[
                TagReference(
                    name="latest",
                    from_=ObjectReference(kind="DockerImage", name="docker.io/library/nginx:1.25"),
                    generation=1,
                )
            ]
        ),
        status=ImageStreamStatus(
            tags=[
                NamedTagEventList(
                    tag="latest",
                    items=[
                        TagEvent(
                            created="2024-05-01T10:00:01Z",
                            docker_image_reference=f"docker.io/library/nginx@{DIGEST_A}",
                            image=DIGEST_A,
                            generation=1,
                        )
                    ],
                )
            ]
        ),
    )
    image_defaults.default_image_stream(stream)
    assert msgspec.json.encode(stream) == (
        b'{"kind":"ImageStream","apiVersion":"image.openshift.io/v1",'
        b'"metadata":{"name":"web","namespace":"demo","creationTimestamp":"2024-05-01T10:00:00Z"},'
        b'"spec":{"lookupPolicy":{"local":false},"tags":[{"name":"latest","annotations":null,'
        b'"from":{"kind":"DockerImage","name":"docker.io/library/nginx:1.25"},"generation":1,'
        b'"importPolicy":{"importMode":"Legacy"},"referencePolicy":{"type":"Source"}}]},'
        b'"status":{"dockerImageRepository":"","tags":[{"tag":"latest","items":[{"created":'
        b'"2024-05-01T10:00:01Z","dockerImageReference":"docker.io/library/nginx@'
        + DIGEST_A.encode()
        + b'","image":"'
        + DIGEST_A.encode()
        + b'","generation":1}]}]}}'
    )


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            ImageStream(),
            {
                "metadata": {"creationTimestamp": None},
                "spec": {"lookupPolicy": {"local": False}},
                "status": {"dockerImageRepository": ""},
            },
            id="empty-stream-keeps-lookupPolicy-and-status-repository",
        ),
        pytest.param(
            TagReference(name="t"),
            {
                "name": "t",
                "annotations": None,
                "generation": None,
                "importPolicy": {},
                "referencePolicy": {"type": ""},
            },
            id="tag-reference-null-annotations-and-generation",
        ),
        pytest.param(NamedTagEventList(tag="t"), {"tag": "t", "items": None}, id="items-null"),
        pytest.param(
            NamedTagEventList(tag="t", items=[]), {"tag": "t", "items": []}, id="items-empty"
        ),
        pytest.param(
            TagEvent(),
            {"created": None, "dockerImageReference": "", "image": "", "generation": 0},
            id="tag-event-all-fields",
        ),
        pytest.param(
            TagEventCondition(type="ImportSuccess", status="False"),
            {
                "type": "ImportSuccess",
                "status": "False",
                "lastTransitionTime": None,
                "generation": 0,
            },
            id="condition",
        ),
        pytest.param(
            ImageStreamTag(),
            {
                "metadata": {"creationTimestamp": None},
                "tag": None,
                "generation": 0,
                "lookupPolicy": {"local": False},
                "image": {"metadata": {"creationTimestamp": None}},
            },
            id="istag-null-tag",
        ),
        pytest.param(
            ImageTag(),
            {"metadata": {"creationTimestamp": None}, "spec": None, "status": None, "image": None},
            id="image-tag-nulls",
        ),
        pytest.param(
            ImageStreamMapping(tag="latest"),
            {
                "metadata": {"creationTimestamp": None},
                "image": {"metadata": {"creationTimestamp": None}},
                "tag": "latest",
            },
            id="mapping",
        ),
        pytest.param(
            ImageStreamImport(spec=ImageStreamImportSpec(import_=True)),
            {"metadata": {"creationTimestamp": None}, "spec": {"import": True}, "status": {}},
            id="import-keyword-field",
        ),
        pytest.param(
            ImageStreamLayers(
                blobs={
                    DIGEST_B: ImageLayerData(media_type="application/vnd.oci.image.layer.v1.tar")
                },
                images={DIGEST_A: ImageBlobReferences(layers=[DIGEST_B])},
            ),
            {
                "metadata": {"creationTimestamp": None},
                "blobs": {
                    DIGEST_B: {"size": None, "mediaType": "application/vnd.oci.image.layer.v1.tar"}
                },
                "images": {DIGEST_A: {"imageMissing": False, "layers": [DIGEST_B], "config": None}},
            },
            id="layers",
        ),
        pytest.param(
            ImageSignature(type="AtomicImageV1", content=b"sig"),
            {"metadata": {"creationTimestamp": None}, "type": "AtomicImageV1", "content": "c2ln"},
            id="signature-content-base64",
        ),
        pytest.param(
            ImageStreamList(),
            {"metadata": {}, "items": []},
            id="list-items-always",
        ),
        pytest.param(
            Status(status="Success"), {"metadata": {}, "status": "Success"}, id="success-status"
        ),
    ],
)
def test_always_serialised_fields(obj: msgspec.Struct, expected: dict[str, Any]) -> None:
    assert msgspec.to_builtins(obj) == expected


def test_image_wire_names_round_trip() -> None:
    doc = {
        "metadata": {"name": DIGEST_A, "creationTimestamp": "2024-05-01T10:00:00Z"},
        "dockerImageReference": f"quay.io/app/web@{DIGEST_A}",
        "dockerImageMetadata": {
            "kind": "DockerImage",
            "apiVersion": "image.openshift.io/1.0",
            "Id": DIGEST_B,
            "Size": 1234,
        },
        "dockerImageMetadataVersion": "1.0",
        "dockerImageLayers": [
            {
                "name": DIGEST_B,
                "size": 1200,
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            }
        ],
        "signatures": [
            {
                "metadata": {"name": f"{DIGEST_A}@abc", "creationTimestamp": None},
                "type": "AtomicImageV1",
                "content": "c2ln",
                "issuedTo": {"commonName": "ci", "publicKeyID": "0x685ebe62bf278440"},
            }
        ],
        "dockerImageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
        "dockerImageManifests": [
            {
                "digest": DIGEST_B,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "manifestSize": 527,
                "architecture": "arm64",
                "os": "linux",
                "variant": "v8",
            }
        ],
    }
    image = msgspec.convert(doc, Image)
    assert image.signatures[0].issued_to is not None
    assert image.signatures[0].issued_to.public_key_id == "0x685ebe62bf278440"
    assert image.docker_image_manifests[0].manifest_size == 527
    assert msgspec.to_builtins(image) == doc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            datetime(2024, 5, 1, 10, 0, 0, 999999, tzinfo=UTC),
            "2024-05-01T10:00:00Z",
            id="drops-microseconds",
        ),
        pytest.param(
            datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T10:00:00Z",
            id="converts-to-utc",
        ),
        pytest.param(datetime(2024, 5, 1, 10, 0, 0), "2024-05-01T10:00:00Z", id="naive-is-utc"),
    ],
)
def test_format_time(value: datetime, expected: str) -> None:
    assert format_time(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC), id="zulu"),
        pytest.param(
            "2024-05-01T12:00:00.5+02:00",
            datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC),
            id="offset-and-fraction",
        ),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_parse_time_rejects_missing_offset() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_time("2024-05-01T10:00:00")
