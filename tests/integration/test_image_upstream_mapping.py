"""ImageStreamMapping, Image and ImageStreamImage as upstream's tests exercise them.

Sources of the behaviours: origin ``test/extended/images/imagestream.go``
(``TestImageStreamMappingCreate``, ``TestImageStreamWithoutDockerImageConfig``), openshift-apiserver
``registry/image/etcd/etcd_test.go`` (``TestCreateSetsMetadata``, ``TestUpdateResetsMetadata``),
``registry/imagestreammapping/rest_test.go`` and ``registry/imagestreamimage/rest_test.go``, and
``internal/imageutil`` (``InternalImageWithMetadata``: what a registry push of a raw manifest and
config turns into).
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.image_upstream_support import (
    BASE,
    CONFIG,
    CONFIG_DIGEST,
    LAYER_A,
    LAYER_B,
    MANIFEST,
    SCHEMA2,
    create_stream,
    digest,
    map_image,
    schema2_manifest,
)

pytestmark = pytest.mark.integration
NS_PREFIX = "ism"

REGISTRY = "image-registry.openshift-image-registry.svc:5000"


def _istag(http: httpx.Client, ns: str, name: str) -> httpx.Response:
    return http.get(f"{BASE}/namespaces/{ns}/imagestreamtags/{name}")


def test_mapping_create_lifecycle(http: httpx.Client, ns: str) -> None:
    """origin TestImageStreamMappingCreate, step by step."""
    create_stream(http, ns, "test")
    mapping_image = {"metadata": {"name": "image1"}, "dockerImageReference": "some/other/name"}
    first = map_image(http, ns, "test", "newer", mapping_image)
    assert (first.status_code, first.json()) == (
        201,
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"},
    )
    rv = http.get(f"{BASE}/namespaces/{ns}/imagestreams/test").json()["metadata"]
    again = map_image(http, ns, "test", "newer", mapping_image)
    assert again.status_code == 201
    unchanged = http.get(f"{BASE}/namespaces/{ns}/imagestreams/test").json()["metadata"]
    assert unchanged["resourceVersion"] == rv["resourceVersion"]

    image_name = f"image-{ns}"
    image = {"metadata": {"name": image_name}, "dockerImageMetadata": {"Config": {"Env": ["A=B"]}}}
    rejected = http.post(f"{BASE}/images", json=image)
    assert rejected.status_code == 422
    assert rejected.json()["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "dockerImageReference",
        }
    ]
    image["dockerImageReference"] = "some/other/name"
    assert http.post(f"{BASE}/images", json=image).status_code == 201

    overwrite = {**image, "dockerImageReference": "different"}
    assert map_image(http, ns, "test", "newest", overwrite).status_code == 201
    stored = http.get(f"{BASE}/images/{image_name}").json()
    assert stored["dockerImageReference"] == "some/other/name"

    fetched = http.get(f"{BASE}/images/{image_name}").json()
    del fetched["metadata"]["resourceVersion"]
    assert map_image(http, ns, "test", "anothertag", fetched).status_code == 201

    stream = http.get(f"{BASE}/namespaces/{ns}/imagestreams/test").json()
    assert "tags" not in stream["spec"]
    assert [t["tag"] for t in stream["status"]["tags"]] == ["anothertag", "newer", "newest"]

    missing = _istag(http, ns, "test:doesnotexist")
    assert (missing.status_code, missing.json()["reason"]) == (404, "NotFound")
    expected = {"newer": "some/other/name", "newest": "different", "anothertag": "some/other/name"}
    for tag, reference in expected.items():
        istag = _istag(http, ns, f"test:{tag}").json()
        assert istag["metadata"]["name"] == f"test:{tag}"
        assert istag["image"]["metadata"]["uid"]
        assert istag["image"]["dockerImageReference"] == reference


def test_mapping_with_resource_version_on_image_is_an_error(http: httpx.Client, ns: str) -> None:
    """The mapping creates the image, and creates must not carry a resourceVersion."""
    create_stream(http, ns, "test")
    image = {"metadata": {"name": f"rv-{ns}"}, "dockerImageReference": "quay.io/o/r:1"}
    created = http.post(f"{BASE}/images", json=image).json()
    response = map_image(http, ns, "test", "latest", created)
    assert response.status_code == 500
    assert (
        response.json()["message"] == "resourceVersion should not be set on objects to be created"
    )


def test_stream_without_docker_image_config(http: httpx.Client, ns: str) -> None:
    """origin TestImageStreamWithoutDockerImageConfig: the config is kept on the Image but never
    shown through ImageStreamTag or ImageStreamImage."""
    create_stream(http, ns, "test")
    config = json.dumps({"Hostname": "example.com", "Env": ["A=B"]})
    name = digest(f"without-config-{ns}")
    image = {
        "metadata": {"name": name},
        "dockerImageMetadata": {"Config": {"Hostname": "example.com", "Env": ["A=B"]}},
        "dockerImageConfig": config,
        "dockerImageReference": "some/namespace/name",
    }
    assert map_image(http, ns, "test", "newer", image).status_code == 201
    stored = http.get(f"{BASE}/images/{name}").json()
    assert stored["dockerImageConfig"] == config
    istag = _istag(http, ns, "test:newer").json()
    assert istag["image"]["metadata"]["name"] == name
    assert "dockerImageConfig" not in istag["image"]
    isimage = http.get(f"{BASE}/namespaces/{ns}/imagestreamimages/test@{name}").json()
    assert isimage["image"]["metadata"]["name"] == name
    assert "dockerImageConfig" not in isimage["image"]


EXPECTED_METADATA = {
    "kind": "DockerImage",
    "apiVersion": "image.openshift.io/1.0",
    "Id": CONFIG_DIGEST,
    "Created": "2024-03-14T09:26:53Z",
    "ContainerConfig": {"Cmd": ["/bin/sh", "-c", '#(nop) CMD ["/usr/bin/run"]']},
    "DockerVersion": "24.0.7",
    "Author": "OpenShift Team",
    "Config": {
        "User": "1001",
        "ExposedPorts": {"8080/tcp": {}},
        "Env": ["PATH=/usr/local/bin:/usr/bin", "APP_ROOT=/opt/app-root"],
        "Cmd": ["/usr/bin/run"],
        "WorkingDir": "/opt/app-root/src",
        "Labels": {"io.k8s.display-name": "Ruby 3.3"},
    },
    "Architecture": "amd64",
    "Size": len(CONFIG) + 39340183 + 1820,
}
EXPECTED_LAYERS = [
    {
        "name": LAYER_A,
        "size": 39340183,
        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    },
    {
        "name": LAYER_B,
        "size": 1820,
        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    },
]


def _pushed_image(ns: str) -> tuple[str, dict[str, object]]:
    manifest, name = schema2_manifest(ns)
    return name, {
        "metadata": {
            "name": name,
            "annotations": {
                "openshift.io/image.managed": "true",
                "image.openshift.io/manifestBlobStored": "true",
            },
        },
        "dockerImageReference": f"{REGISTRY}/{ns}/ruby@{name}",
        "dockerImageManifest": manifest,
        "dockerImageManifestMediaType": SCHEMA2,
        "dockerImageConfig": CONFIG,
    }


def test_push_of_raw_manifest_fills_layers_and_metadata(http: httpx.Client, ns: str) -> None:
    """A registry push sends manifest + config only; the server derives the rest."""
    create_stream(http, ns, "ruby")
    name, pushed = _pushed_image(ns)
    assert map_image(http, ns, "ruby", "3.3", pushed).status_code == 201
    image = http.get(f"{BASE}/images/{name}").json()
    assert image["metadata"]["annotations"] == {
        "openshift.io/image.managed": "true",
        "image.openshift.io/manifestBlobStored": "true",
        "image.openshift.io/dockerLayersOrder": "ascending",
    }
    assert "dockerImageManifest" not in image and "dockerImageConfig" not in image
    assert image["dockerImageManifestMediaType"] == SCHEMA2
    assert image["dockerImageLayers"] == EXPECTED_LAYERS
    assert image["dockerImageMetadata"] == EXPECTED_METADATA
    assert image["dockerImageMetadataVersion"] == "1.0"

    istag = _istag(http, ns, "ruby:3.3").json()
    assert istag["image"]["dockerImageLayers"] == EXPECTED_LAYERS
    assert istag["image"]["dockerImageMetadata"]["Size"] == EXPECTED_METADATA["Size"]

    layers = http.get(f"{BASE}/namespaces/{ns}/imagestreams/ruby/layers").json()
    assert layers["images"] == {
        name: {"layers": [LAYER_A, LAYER_B], "config": CONFIG_DIGEST, "imageMissing": False}
    }
    assert layers["blobs"] == {
        LAYER_A: {
            "size": 39340183,
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        },
        LAYER_B: {"size": 1820, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"},
        CONFIG_DIGEST: {
            "size": None,
            "mediaType": "application/vnd.docker.container.image.v1+json",
        },
        name: {"size": None, "mediaType": SCHEMA2},
    }


def test_image_size_limit_uses_the_derived_size(http: httpx.Client, ns: str) -> None:
    """The openshift.io/Image storage limit applies to the size computed from the manifest."""
    create_stream(http, ns, "ruby")
    limit = {
        "metadata": {"name": "images"},
        "spec": {"limits": [{"type": "openshift.io/Image", "max": {"storage": "10Mi"}}]},
    }
    assert http.post(f"/api/v1/namespaces/{ns}/limitranges", json=limit).status_code == 201
    response = map_image(http, ns, "ruby", "3.3", _pushed_image(ns)[1])
    assert response.status_code == 403
    assert (
        "requested usage of storage exceeds the maximum limit per openshift.io/Image"
        in (response.json()["message"])
    )


def _schema1_manifest() -> str:
    def compat(ident: str, parent: str, size: int | None) -> str:
        doc: dict[str, object] = {
            "id": ident,
            "created": "2016-01-04T12:00:00.123Z",
            "container_config": {"Cmd": ["/bin/sh", "-c", f"#(nop) layer {ident[:6]}"]},
            "config": {"Env": ["HOME=/root"], "Entrypoint": ["/etcd"]},
            "docker_version": "1.9.1",
            "architecture": "amd64",
            "os": "linux",
        }
        if parent:
            doc["parent"] = parent
        if size is not None:
            doc["Size"] = size
        return json.dumps(doc, separators=(",", ":"))

    empty = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
    base = "sha256:6c40cc604d8e4c121adcb6b0bfe8bb038815c350980090e74aa5a6423f8f82c0"
    top = "sha256:e110a4a1794126ef308a49f2d65785af2f25538f06700721aad8283b81fdfa58"
    ids = ["c" * 64, "b" * 64, "a" * 64]
    return json.dumps(
        {
            "schemaVersion": 1,
            "name": "coreos/etcd",
            "tag": "v2.2.2",
            "architecture": "amd64",
            "fsLayers": [{"blobSum": empty}, {"blobSum": top}, {"blobSum": base}],
            "history": [
                {"v1Compatibility": compat(ids[0], ids[1], None)},
                {"v1Compatibility": compat(ids[1], ids[2], 7340032)},
                {"v1Compatibility": compat(ids[2], "", 2097152)},
            ],
        },
        indent=3,
    )


def test_image_create_with_schema1_manifest_sets_metadata(http: httpx.Client, ns: str) -> None:
    """etcd_test TestCreateSetsMetadata: schema1 layers are stored base first with the sizes of
    their v1 compatibility entries; metadata comes from the newest history entry."""
    name = f"etcd-{ns}"
    body = {
        "metadata": {"name": name},
        "dockerImageReference": "quay.io/coreos/etcd:v2.2.2",
        "dockerImageManifest": _schema1_manifest(),
    }
    response = http.post(f"{BASE}/images", json=body)
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["dockerImageManifestMediaType"] == (
        "application/vnd.docker.distribution.manifest.v1+json"
    )
    assert [(layer["name"][7:13], layer["size"]) for layer in image["dockerImageLayers"]] == [
        ("6c40cc", 2097152),
        ("e110a4", 7340032),
        ("a3ed95", 0),
    ]
    metadata = image["dockerImageMetadata"]
    assert (metadata["Id"], metadata["Parent"], metadata["Size"]) == ("c" * 64, "b" * 64, 9437184)
    assert metadata["Created"] == "2016-01-04T12:00:00Z"
    assert metadata["Config"] == {"Env": ["HOME=/root"], "Entrypoint": ["/etcd"]}


def test_image_update_keeps_metadata_and_ignores_foreign_manifest(
    http: httpx.Client, ns: str
) -> None:
    """etcd_test TestUpdateResetsMetadata: metadata and layers are immutable; a manifest that
    does not hash to the image name is dropped; labels do change."""
    name = f"plain-{ns}"
    created = http.post(
        f"{BASE}/images",
        json={
            "metadata": {"name": name},
            "dockerImageReference": "quay.io/openshift/ruby-19-centos-2",
            "dockerImageLayers": [{"name": LAYER_A, "size": 10, "mediaType": ""}],
            "dockerImageMetadata": {"Id": "foo"},
        },
    ).json()
    created["metadata"]["labels"] = {"a": "b"}
    created["dockerImageManifest"] = MANIFEST
    created["dockerImageConfig"] = CONFIG
    created["dockerImageMetadata"] = {"Id": "bar", "Size": 5}
    created["dockerImageLayers"] = []
    created["dockerImageReference"] = "quay.io/openshift/ruby-19-centos"
    response = http.put(f"{BASE}/images/{name}", json=created)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["metadata"]["labels"] == {"a": "b"}
    assert updated["dockerImageReference"] == "quay.io/openshift/ruby-19-centos"
    assert "dockerImageManifest" not in updated and "dockerImageConfig" not in updated
    assert updated["dockerImageMetadata"]["Id"] == "foo"
    assert "Size" not in updated["dockerImageMetadata"]
    assert updated["dockerImageLayers"] == [{"name": LAYER_A, "size": 10, "mediaType": ""}]


def test_image_update_accepts_manifest_matching_the_name(http: httpx.Client, ns: str) -> None:
    """A manifest that hashes to the image name may be added later; metadata follows it."""
    manifest, name = schema2_manifest(f"update-{ns}")
    created = http.post(
        f"{BASE}/images",
        json={"metadata": {"name": name}, "dockerImageReference": "quay.io/o/ruby"},
    )
    image = created.json()
    image["dockerImageManifest"] = manifest
    image["dockerImageManifestMediaType"] = SCHEMA2
    image["dockerImageConfig"] = CONFIG
    response = http.put(f"{BASE}/images/{name}", json=image)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["dockerImageManifest"] == manifest
    assert updated["dockerImageConfig"] == CONFIG
    assert updated["dockerImageMetadata"] == EXPECTED_METADATA
    assert updated["dockerImageLayers"] == EXPECTED_LAYERS


def test_image_metadata_wire_shape(http: httpx.Client, ns: str) -> None:
    """dockerImageMetadata is always the versioned DockerImage object; unknown keys vanish and
    keys match case-insensitively, as Go's decoder does."""
    name = f"shape-{ns}"
    body = {
        "metadata": {"name": name},
        "dockerImageReference": "quay.io/o/r@sha256:" + "e" * 64,
        "dockerImageMetadata": {"config": {"env": ["A=B"]}, "Unknown": 1, "architecture": "s390x"},
    }
    image = http.post(f"{BASE}/images", json=body).json()
    assert image["dockerImageMetadata"] == {
        "kind": "DockerImage",
        "apiVersion": "image.openshift.io/1.0",
        "Id": "",
        "Created": None,
        "ContainerConfig": {},
        "Config": {"Env": ["A=B"]},
        "Architecture": "s390x",
    }
    assert image["dockerImageMetadataVersion"] == "1.0"
    assert (
        http.get(f"{BASE}/images/{name}").json()["dockerImageMetadata"]
        == (image["dockerImageMetadata"])
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {
                "metadata": {"name": "s"},
                "image": {"metadata": {"name": "i"}, "dockerImageReference": "a/b"},
            },
            'ImageStreamMapping.image.openshift.io "s" is invalid: tag: Required value',
            id="missing-tag",
        ),
        pytest.param(
            {"metadata": {"name": "s"}, "tag": "t", "image": {"dockerImageReference": "a/b"}},
            'ImageStreamMapping.image.openshift.io "s" is invalid: image.metadata.name: '
            "Required value: name or generateName is required",
            id="missing-image-name",
        ),
    ],
)
def test_mapping_validation(
    http: httpx.Client, ns: str, body: dict[str, object], message: str
) -> None:
    response = http.post(f"{BASE}/namespaces/{ns}/imagestreammappings", json=body)
    assert (response.status_code, response.json()["message"]) == (422, message)


def test_mapping_to_missing_stream_is_not_found(http: httpx.Client, ns: str) -> None:
    image = {"metadata": {"name": digest(ns)}, "dockerImageReference": "quay.io/a/b"}
    response = map_image(http, ns, "nosuch", "latest", image)
    assert response.status_code == 404
    assert response.json()["message"] == 'imagestreams.image.openshift.io "nosuch" not found'


def test_imagestreamimage_lookup(http: httpx.Client, ns: str) -> None:
    """imagestreamimage rest_test: partial ids match, the stream's annotations are reported,
    unknown ids are NotFound with the full name, malformed names are BadRequest."""
    http.post(
        f"{BASE}/namespaces/{ns}/imagestreams",
        json={"metadata": {"name": "app", "annotations": {"description": "my app"}}},
    ).raise_for_status()
    name = digest(f"isimage-{ns}")
    image = {"metadata": {"name": name}, "dockerImageReference": f"quay.io/o/app@{name}"}
    assert map_image(http, ns, "app", "latest", image).status_code == 201
    short = name[7:19]
    found = http.get(f"{BASE}/namespaces/{ns}/imagestreamimages/app@{short}")
    assert found.status_code == 200
    body = found.json()
    assert body["metadata"]["name"] == f"app@{short}"
    assert body["metadata"]["annotations"] == {"description": "my app"}
    assert body["image"]["metadata"]["name"] == name
    missing = http.get(f"{BASE}/namespaces/{ns}/imagestreamimages/app@sha256:0000")
    assert (missing.status_code, missing.json()["message"]) == (
        404,
        'imagestreamimage.image.openshift.io "app@sha256:0000" not found',
    )
    bad = http.get(f"{BASE}/namespaces/{ns}/imagestreamimages/app")
    assert (bad.status_code, bad.json()["message"]) == (
        400,
        "ImageStreamImages must be retrieved with <name>@<id>",
    )
