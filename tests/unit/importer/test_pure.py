"""Pure parts of the importer: tag priority, Image building, statuses, flags, credentials."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageLayer
from imagestreams.api.reference import DockerImageReference
from imagestreams.importer import status as st
from imagestreams.importer.credentials import CredentialChain, is_pull_secret
from imagestreams.importer.images import (
    docker_config,
    docker_image_metadata,
    image_from_list,
    image_from_manifest,
    strip_for_storage,
)
from imagestreams.importer.settings import SettingsError, parse_allowed_registries
from imagestreams.importer.tags import parse_semver, prioritize_tags, sort_repository_tags
from imagestreams.oci import errors as oci, manifests
from imagestreams.oci.credentials import Keyring
from imagestreams.validation.whitelist import AllowedRegistry
from tests.oci_images import build_image, build_index


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(
            ["3", "3.1", "abc", "other", "v1", "v2"],
            ["3.1", "3", "abc", "other", "v1", "v2"],
            id="upstream-importer-test",
        ),
        pytest.param(
            ["1.0.0", "latest", "v1.1", "1.1-rc1", "2.0.0-beta", "2.0.0", "zz", "v1.0.0"],
            ["latest", "v1.1", "1.1-rc1", "2.0.0", "2.0.0-beta", "1.0.0", "v1.0.0", "zz"],
            id="latest-minor-full-other",
        ),
        pytest.param(
            ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-1", "1.0.0"],
            ["1.0.0", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-alpha", "1.0.0-1"],
            id="semver-precedence",
        ),
        pytest.param(["01.2.3", "1.2.3"], ["1.2.3", "01.2.3"], id="leading-zero-is-other"),
    ],
)
def test_prioritize_tags(tags: list[str], expected: list[str]) -> None:
    assert prioritize_tags(tags) == expected


@pytest.mark.parametrize(
    ("limit", "imported", "additional"),
    [
        pytest.param(2, ["latest", "b"], ["c"], id="limit"),
        pytest.param(-1, ["latest", "b", "c"], [], id="unlimited"),
        pytest.param(0, [], ["latest", "b", "c"], id="zero"),
    ],
)
def test_sort_repository_tags(limit: int, imported: list[str], additional: list[str]) -> None:
    assert sort_repository_tags(["c", "", "b", "c"], limit) == (imported, additional)


def test_parse_semver_rejects_loose_versions() -> None:
    assert parse_semver("1.2") is None
    assert parse_semver("1.2.3+build.5") is not None
    assert parse_semver("1.2.03") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {"env": ["A=1"], "CMD": ["sh"], "Labels": {"a": "b"}, "StopSignal": "TERM"},
            {"Env": ["A=1"], "Cmd": ["sh"], "Labels": {"a": "b"}},
            id="case-insensitive-unknown-dropped",
        ),
        pytest.param(
            {"ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}}, "Tty": False, "User": ""},
            {"ExposedPorts": {"80/tcp": {}}, "Volumes": {"/data": {}}},
            id="sets-kept-zero-values-omitted",
        ),
        pytest.param(
            {"Cpuset": "0-1", "CpuShares": 2, "WorkingDir": "/w", "Entrypoint": ["/e"]},
            {"CpuShares": 2, "Cpuset": "0-1", "WorkingDir": "/w", "Entrypoint": ["/e"]},
            id="declaration-order",
        ),
        pytest.param(None, {}, id="absent"),
    ],
)
def test_docker_config(raw: Any, expected: dict[str, Any]) -> None:
    result = docker_config(raw)
    assert result == expected
    assert list(result) == list(expected)


def test_docker_config_rejects_wrong_types() -> None:
    with pytest.raises(oci.ProtocolError, match=r"invalid value for config\.Env"):
        docker_config({"Env": "A=1"})


def test_metadata_from_config() -> None:
    config = json.dumps(
        {
            "architecture": "arm64",
            "created": "2024-03-04T05:06:07.123456789Z",
            "author": "me",
            "docker_version": "24.0",
            "config": {"Env": ["X=1"]},
            "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop)"]},
            "os": "linux",
        }
    ).encode()
    layers = (
        ImageLayer(name="sha256:" + "1" * 64, size=10),
        ImageLayer(name="sha256:" + "2" * 64, size=20),
        ImageLayer(name="sha256:" + "1" * 64, size=10),
    )
    meta = docker_image_metadata(config, "sha256:" + "c" * 64, layers)
    assert meta == {
        "kind": "DockerImage",
        "apiVersion": "image.openshift.io/1.0",
        "Id": "sha256:" + "c" * 64,
        "Created": "2024-03-04T05:06:07Z",
        "ContainerConfig": {"Cmd": ["/bin/sh", "-c", "#(nop)"]},
        "DockerVersion": "24.0",
        "Author": "me",
        "Config": {"Env": ["X=1"]},
        "Architecture": "arm64",
        "Size": len(config) + 30,
    }
    assert list(meta)[:4] == ["kind", "apiVersion", "Id", "Created"]


def test_metadata_without_created_is_null() -> None:
    meta = docker_image_metadata(b"{}", "sha256:" + "c" * 64, ())
    assert meta["Created"] is None and meta["ContainerConfig"] == {} and meta["Size"] == 2


def test_image_from_manifest_and_storage_form() -> None:
    built = build_image(fmt="docker", labels={"k": "v"})
    parsed = manifests.parse(built.manifest, built.media_type)
    assert isinstance(parsed, manifests.Manifest)
    image = image_from_manifest(parsed, built.manifest, built.config.data, f"r/x@{built.digest}")
    wire = msgspec.to_builtins(image)
    assert wire["metadata"] == {
        "name": built.digest,
        "creationTimestamp": None,
        "annotations": {"image.openshift.io/dockerLayersOrder": "ascending"},
    }
    assert wire["dockerImageLayers"] == [
        {"name": b.digest, "size": b.size, "mediaType": b.media_type} for b in built.layers
    ]
    assert wire["dockerImageMetadata"]["Config"]["Labels"] == {"k": "v"}
    stored = msgspec.to_builtins(strip_for_storage(image))
    assert "dockerImageManifest" not in stored and "dockerImageConfig" not in stored
    assert stored["dockerImageMetadata"] == wire["dockerImageMetadata"]


def test_image_from_list() -> None:
    index = build_index(fmt="docker")
    parsed = manifests.parse(index.manifest, index.media_type)
    assert isinstance(parsed, manifests.ManifestList)
    image = msgspec.to_builtins(image_from_list(parsed, "r/x@d", created="2024-01-01T00:00:00Z"))
    assert image["dockerImageMetadata"] == {
        "kind": "DockerImage",
        "apiVersion": "image.openshift.io/1.0",
        "Id": index.digest,
        "Created": "2024-01-01T00:00:00Z",
        "ContainerConfig": {},
    }
    assert image["dockerImageManifests"][1] == {
        "digest": index.children[1].digest,
        "mediaType": index.children[1].media_type,
        "manifestSize": len(index.children[1].manifest),
        "architecture": "arm64",
        "os": "linux",
        "variant": "v8",
    }
    assert "dockerImageLayers" not in image and "annotations" not in image["metadata"]


_REF = DockerImageReference.parse("quay.io/team/app:v1")


_HUB = DockerImageReference.parse("busybox:1")
_ACCESS = 'you may not have access to the container image "quay.io/team/app:v1"'
_HTTP_ONLY = "the repository team/app is HTTP only and requires the insecure flag to import"


@pytest.mark.parametrize(
    ("error", "ref", "expected"),
    [
        pytest.param(
            oci.ManifestUnknown("x"),
            _HUB,
            (
                "NotFound",
                404,
                'dockerimage.image.openshift.io "docker.io/library/busybox:1" not found',
            ),
            id="not-found-docker-hub",
        ),
        pytest.param(
            oci.Unauthorized("x"), _REF, ("Unauthorized", 401, _ACCESS), id="unauthorized"
        ),
        pytest.param(
            oci.Unauthorized("x", had_credentials=True),
            _REF,
            ("Unauthorized", 401, _ACCESS),
            id="registry-rejects-credentials",
        ),
        pytest.param(
            oci.Unauthorized(
                "x", token_error="unauthorized: incorrect username or password", request_url="u"
            ),
            _REF,
            ("Unauthorized", 401, 'incorrect username or password for image "quay.io/team/app:v1"'),
            id="token-server-says-bad-credentials",
        ),
        pytest.param(
            oci.Unauthorized(
                "x",
                token_error="unauthorized: authentication required",
                request_url="https://q/v2/",
            ),
            _REF,
            (
                "InternalError",
                500,
                'Internal error occurred: quay.io/team/app:v1: Get "https://q/v2/":'
                " unauthorized: authentication required",
            ),
            id="token-server-refuses",
        ),
        pytest.param(
            oci.InsecureRequired("x"), _REF, ("BadRequest", 400, _HTTP_ONLY), id="insecure-required"
        ),
        pytest.param(
            oci.CertificateInvalid(
                "unable to reach the registry quay.io for manifest team/app:v1: [SSL: ...]",
                x509_error="x509: certificate signed by unknown authority",
                url="https://quay.io/v2/",
            ),
            _REF,
            (
                "InternalError",
                500,
                'Internal error occurred: quay.io/team/app:v1: Get "https://quay.io/v2/":'
                " tls: failed to verify certificate: x509: certificate signed by unknown authority",
            ),
            id="certificate-invalid-speaks-go",
        ),
        pytest.param(
            oci.Timeout("too long"),
            _REF,
            ("InternalError", 500, "Internal error occurred: quay.io/team/app:v1: too long"),
            id="internal",
        ),
    ],
)
def test_status_for(error: Exception, ref: DockerImageReference, expected: tuple[Any, ...]) -> None:
    status = st.status_for(error, ref)
    assert (status.reason, status.code, status.message) == expected
    assert status.status == "Failure"


def test_status_wire_forms() -> None:
    assert msgspec.to_builtins(st.success()) == {"metadata": {}, "status": "Success"}
    assert msgspec.to_builtins(st.not_found("a/b:c")) == {
        "metadata": {},
        "status": "Failure",
        "message": 'dockerimage.image.openshift.io "a/b:c" not found',
        "reason": "NotFound",
        "details": {"name": "a/b:c", "group": "image.openshift.io", "kind": "dockerimage"},
        "code": 404,
    }
    assert msgspec.to_builtins(st.internal_error("boom"))["details"] == {
        "causes": [{"message": "boom"}]
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, None, id="flag-absent"),
        pytest.param("", (), id="empty-list"),
        pytest.param(
            "quay.io, http://*.local:5000,registry.example.com:*",
            (
                AllowedRegistry("quay.io"),
                AllowedRegistry("*.local:5000", insecure=True),
                AllowedRegistry("registry.example.com:*"),
            ),
            id="entries",
        ),
    ],
)
def test_parse_allowed_registries(
    text: str | None, expected: tuple[AllowedRegistry, ...] | None
) -> None:
    assert parse_allowed_registries(text) == expected


def test_parse_allowed_registries_rejects_paths() -> None:
    with pytest.raises(SettingsError, match=r"quay\.io/ns"):
        parse_allowed_registries("quay.io/ns")


def _secret(kind: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    config = {"auths": {"quay.io": {"auth": base64.b64encode(b"ns:pw").decode()}}}
    key = ".dockerconfigjson" if kind.endswith("json") else ".dockercfg"
    payload = config if key == ".dockerconfigjson" else config["auths"]
    return {
        "type": kind,
        "metadata": {"name": "s", "annotations": annotations or {}},
        "data": {key: base64.b64encode(json.dumps(payload).encode()).decode()},
    }


@pytest.mark.parametrize(
    ("secret", "usable"),
    [
        pytest.param(_secret("kubernetes.io/dockerconfigjson"), True, id="dockerconfigjson"),
        pytest.param(_secret("kubernetes.io/dockercfg"), True, id="dockercfg"),
        pytest.param(_secret("Opaque"), False, id="opaque"),
        pytest.param(
            _secret("kubernetes.io/dockercfg", {"openshift.io/image.excludeSecret": "true"}),
            False,
            id="excluded",
        ),
    ],
)
def test_pull_secret_filter(secret: dict[str, Any], usable: bool) -> None:
    assert is_pull_secret(secret) is usable
    chain = CredentialChain.from_secrets([secret])
    found = chain.first("quay.io", "team/app")
    assert (found is not None and found.username == "ns") is usable


def test_namespace_secrets_win_over_server_credentials() -> None:
    server = Keyring()
    server.add_docker_config(
        {
            "auths": {
                "quay.io": {"auth": base64.b64encode(b"srv:pw").decode()},
                "ghcr.io": {"auth": base64.b64encode(b"srv2:pw").decode()},
            }
        }
    )
    chain = CredentialChain.from_secrets([_secret("kubernetes.io/dockerconfigjson")], server)
    quay, ghcr = chain.first("quay.io", "a/b"), chain.first("ghcr.io", "a/b")
    assert quay is not None and quay.username == "ns"
    assert ghcr is not None and ghcr.username == "srv2"
    assert chain.first("docker.io", "library/x") is None
