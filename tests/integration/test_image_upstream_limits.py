"""LimitRange admission of image streams, the layers view and the secrets view.

Sources: origin ``test/extended/images/imagestream_admission.go``
(``TestImageStreamTagsAdmission``, ``TestImageStreamAdmitSpecUpdate``,
``TestImageStreamAdmitStatusUpdate``; clients recognise a limit error by reason Forbidden or
Invalid and the message substring ``exceeds the maximum limit``), origin
``test/extended/images/layers.go`` and openshift-apiserver ``registry/imagestream/etcd``
(``TestGetLayersOK``) and ``registry/imagesecret/rest_test.go``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.image_upstream_support import (
    BASE,
    create_stream,
    digest,
    map_image,
)

pytestmark = pytest.mark.integration
NS_PREFIX = "lim"


def _limit(http: httpx.Client, ns: str, **maximum: str) -> None:
    body = {
        "metadata": {"name": "limits"},
        "spec": {"limits": [{"type": "openshift.io/ImageStream", "max": maximum}]},
    }
    existing = http.get(f"/api/v1/namespaces/{ns}/limitranges/limits")
    if existing.status_code == 200:
        body["metadata"]["resourceVersion"] = existing.json()["metadata"]["resourceVersion"]  # type: ignore[index]
        assert http.put(f"/api/v1/namespaces/{ns}/limitranges/limits", json=body).status_code == 200
    else:
        assert http.post(f"/api/v1/namespaces/{ns}/limitranges", json=body).status_code == 201


def _exceeded(response: httpx.Response, *resources: str) -> bool:
    body = response.json()
    message = body.get("message", "").lower()
    ok = body.get("reason") in ("Forbidden", "Invalid") and "exceeds the maximum limit" in message
    return ok and all(resource in body["message"] for resource in resources)


def _src_images(http: httpx.Client, ns: str, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = digest(f"src-{ns}-{i}")
        image = {"metadata": {"name": name}, "dockerImageReference": f"openshift/test@{name}"}
        assert map_image(http, ns, "src", f"tag{i + 1}", image).status_code == 201
        names.append(name)
    return names


def _istag_put(http: httpx.Client, ns: str, name: str, kind: str, source: str) -> httpx.Response:
    body = {"metadata": {"name": name}, "tag": {"from": {"kind": kind, "name": source}}}
    return http.put(f"{BASE}/namespaces/{ns}/imagestreamtags/{name}", json=body)


def test_image_stream_tags_admission(http: httpx.Client, ns: str) -> None:
    create_stream(http, ns, "src")
    one, two, misc = _src_images(http, ns, 3)
    _limit(http, ns, **{"openshift.io/image-tags": "0"})
    denied = _istag_put(http, ns, "dest:tag1", "ImageStreamImage", f"src@{one}")
    assert denied.status_code in (403, 422) and _exceeded(denied, "openshift.io/image-tags")

    _limit(http, ns, **{"openshift.io/image-tags": "1"})
    assert _istag_put(http, ns, "dest:tag1", "ImageStreamImage", f"src@{one}").status_code == 201
    over = _istag_put(http, ns, "dest:tag2", "ImageStreamImage", f"src@{two}")
    assert _exceeded(over, "openshift.io/image-tags")
    again = _istag_put(http, ns, "dest:tag1again", "ImageStreamImage", f"src@{one}")
    assert again.status_code == 201
    assert _istag_put(http, ns, "new:misc", "ImageStreamImage", f"src@{misc}").status_code == 201

    _limit(http, ns, **{"openshift.io/image-tags": "2"})
    assert _istag_put(http, ns, "dest:tag2", "ImageStreamTag", "src:tag2").status_code == 201
    assert _exceeded(_istag_put(http, ns, "dest:tag3", "ImageStreamTag", "src:tag3"))
    assert _istag_put(http, ns, "dest:tag2again", "ImageStreamTag", "src:tag2").status_code == 201


def _with_tags(name: str, tags: dict[str, str]) -> dict[str, Any]:
    spec_tags = [
        {"name": t, "from": {"kind": "ImageStreamTag", "name": s}} for t, s in tags.items()
    ]
    return {"metadata": {"name": name}, "spec": {"tags": spec_tags}}


def test_image_stream_admit_spec_update(http: httpx.Client, ns: str) -> None:
    create_stream(http, ns, "src")
    _src_images(http, ns, 2)
    _limit(http, ns, **{"openshift.io/image-tags": "0", "openshift.io/images": "0"})
    streams = f"{BASE}/namespaces/{ns}/imagestreams"
    denied = http.post(streams, json=_with_tags("is", {"tag1": "src:tag1"}))
    assert _exceeded(denied, "openshift.io/image-tags", "openshift.io/images")
    assert http.get(f"{streams}/is").status_code == 404

    _limit(http, ns, **{"openshift.io/image-tags": "1", "openshift.io/images": "1"})
    assert http.post(streams, json=_with_tags("is", {"tag1": "src:tag1"})).status_code == 201
    stream = http.get(f"{streams}/is").json()
    stream["spec"]["tags"].append(
        {"name": "tag2", "from": {"kind": "ImageStreamTag", "name": "src:tag2"}}
    )
    over = http.put(f"{streams}/is", json=stream)
    assert _exceeded(over, "openshift.io/image-tags", "openshift.io/images")

    stream = http.get(f"{streams}/is").json()
    stream["spec"]["tags"].append(
        {"name": "1again", "from": {"kind": "ImageStreamTag", "name": "src:tag1"}}
    )
    assert http.put(f"{streams}/is", json=stream).status_code == 200


def test_image_stream_admit_status_update(http: httpx.Client, ns: str) -> None:
    names = [digest(f"status-{ns}-{i}") for i in range(2)]
    for name in names:
        body = {"metadata": {"name": name}, "dockerImageReference": f"openshift/test@{name}"}
        assert http.post(f"{BASE}/images", json=body).status_code == 201
    _limit(http, ns, **{"openshift.io/image-tags": "0", "openshift.io/images": "0"})
    streams = f"{BASE}/namespaces/{ns}/imagestreams"
    assert http.post(streams, json={"metadata": {"name": "is"}}).status_code == 201

    def add_status_tag(tag: str, image: str) -> httpx.Response:
        stream = http.get(f"{streams}/is").json()
        stream["status"].setdefault("tags", []).append(
            {
                "tag": tag,
                "items": [
                    {
                        "created": None,
                        "dockerImageReference": f"openshift/test@{image}",
                        "image": image,
                        "generation": 0,
                    }
                ],
            }
        )
        return http.put(f"{streams}/is/status", json=stream)

    denied = add_status_tag("tag1", names[0])
    assert _exceeded(denied, "openshift.io/images")
    _limit(http, ns, **{"openshift.io/image-tags": "0", "openshift.io/images": "1"})
    assert add_status_tag("tag1", names[0]).status_code == 200
    assert _exceeded(add_status_tag("tag2", names[1]), "openshift.io/images")
    assert add_status_tag("1again", names[0]).status_code == 200


def test_layers_view(http: httpx.Client, ns: str) -> None:
    """etcd TestGetLayersOK: every image of the history with its layers; a missing Image
    object is reported, never an error; a never-tagged stream is empty."""
    create_stream(http, ns, "empty")
    empty = http.get(f"{BASE}/namespaces/{ns}/imagestreams/empty/layers").json()
    assert (empty["kind"], empty["blobs"], empty["images"]) == ("ImageStreamLayers", {}, {})
    assert empty["metadata"]["name"] == "empty"

    create_stream(http, ns, "app")
    layer = "sha256:" + "5" * 64
    name = digest(f"layers-{ns}")
    image = {
        "metadata": {"name": name},
        "dockerImageReference": f"quay.io/o/app@{name}",
        "dockerImageLayers": [
            {"name": layer, "size": 512, "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}
        ],
        "dockerImageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
        "dockerImageMetadata": {"Id": "sha256:" + "6" * 64},
    }
    assert map_image(http, ns, "app", "latest", image).status_code == 201
    assert http.delete(f"{BASE}/images/{name}").status_code == 200
    gone = http.get(f"{BASE}/namespaces/{ns}/imagestreams/app/layers").json()
    assert gone["images"] == {name: {"imageMissing": True, "layers": None, "config": None}}
    assert gone["blobs"] == {}
    missing = http.get(f"{BASE}/namespaces/{ns}/imagestreams/nosuch/layers")
    assert missing.status_code == 404


def test_secrets_view(http: httpx.Client, ns: str) -> None:
    """imagesecret rest_test: docker config secrets of the namespace, minus excluded ones; the
    stream need not exist."""
    config = "eyJhdXRocyI6e319"
    secrets = [
        ("pull", "kubernetes.io/dockerconfigjson", {".dockerconfigjson": config}, {}),
        ("legacy", "kubernetes.io/dockercfg", {".dockercfg": "e30="}, {}),
        (
            "hidden",
            "kubernetes.io/dockerconfigjson",
            {".dockerconfigjson": config},
            {"openshift.io/image.excludeSecret": "true"},
        ),
        ("opaque", "Opaque", {"a": "Yg=="}, {}),
    ]
    for name, kind, data, extra in secrets:
        body = {"metadata": {"name": name, "annotations": extra}, "type": kind, "data": data}
        assert http.post(f"/api/v1/namespaces/{ns}/secrets", json=body).status_code == 201
    listed = http.get(f"{BASE}/namespaces/{ns}/imagestreams/anything/secrets").json()
    assert (listed["kind"], listed["apiVersion"]) == ("SecretList", "image.openshift.io/v1")
    assert sorted(s["metadata"]["name"] for s in listed["items"]) == ["legacy", "pull"]
