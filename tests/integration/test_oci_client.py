"""RegistryClient against a real CNCF distribution registry (Debian docker-registry 2.8).

Images come from ``tests/oci_images.py`` with known digests; each digest the client reports is
checked against the builder and against ``skopeo inspect --raw``. Auth variants: anonymous,
htpasswd Basic, and distribution token auth with the fixture's token server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagestreams.oci import errors, manifests, mediatypes as mt
from imagestreams.oci.client import ManifestHead, RegistryClient, Timeouts
from imagestreams.oci.credentials import Credential, Keyring

# Registered before import so the fixture module can also be loaded as a pytest plugin.
from tests.integration.registry_fixture import (
    RegistryProcess,
    TokenServer,
    needs_registry,
    start_registry,
)
from tests.oci_images import (
    BuiltImage,
    BuiltIndex,
    Pusher,
    build_image,
    build_index,
    write_oci_layout,
)

# The registry fixtures (registry, basic_registry, token_registry) live with their helpers.
pytestmark = [pytest.mark.integration, needs_registry]
SKOPEO = shutil.which("skopeo")
needs_skopeo = pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed")

Pushed = dict[str, BuiltImage | BuiltIndex]


@pytest.fixture(scope="module")
def pushed(registry: RegistryProcess) -> Pushed:
    """One image of each manifest type in ``it/app`` on the anonymous registry."""
    images: Pushed = {
        "schema2": build_image(fmt="docker", labels={"kind": "schema2"}),
        "oci": build_image(fmt="oci", labels={"kind": "oci"}),
        "dockerlist": build_index(fmt="docker"),
        "ociindex": build_index(fmt="oci"),
    }
    with Pusher(registry.host) as pusher:
        for tag, item in images.items():
            if isinstance(item, BuiltIndex):
                assert pusher.push_index("it/app", tag, item) == item.digest
            else:
                assert pusher.push_image("it/app", tag, item) == item.digest
    return images


def skopeo_raw(ref: str, *extra: str) -> bytes:
    assert SKOPEO is not None
    out = subprocess.run(
        [SKOPEO, "inspect", "--raw", "--tls-verify=false", *extra, f"docker://{ref}"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return out.stdout


@pytest.mark.parametrize(
    ("tag", "media_type"),
    [
        pytest.param("schema2", mt.DOCKER_SCHEMA2, id="docker-schema2"),
        pytest.param("oci", mt.OCI_MANIFEST, id="oci-manifest"),
        pytest.param("dockerlist", mt.DOCKER_MANIFEST_LIST, id="docker-manifest-list"),
        pytest.param("ociindex", mt.OCI_INDEX, id="oci-index"),
    ],
)
@needs_skopeo
async def test_get_and_head_manifest(
    registry: RegistryProcess, pushed: Pushed, tag: str, media_type: str
) -> None:
    item = pushed[tag]
    async with RegistryClient(registry.host, insecure=True) as client:
        raw, got_type, digest = await client.get_manifest("it/app", tag)
        assert (got_type, digest, raw) == (media_type, item.digest, item.manifest)
        head = await client.head_manifest("it/app", tag)
        assert head == ManifestHead(item.digest, media_type, len(item.manifest))
        assert await client.get_manifest("it/app", item.digest) == (raw, media_type, digest)
        assert client.stats.by_method == {"GET": 2, "HEAD": 1}
    skopeo = skopeo_raw(f"{registry.host}/it/app:{tag}")
    assert "sha256:" + hashlib.sha256(skopeo).hexdigest() == digest


async def test_import_cost_two_requests_then_head_only(
    registry: RegistryProcess, pushed: Pushed
) -> None:
    image = pushed["oci"]
    assert isinstance(image, BuiltImage)
    async with RegistryClient(registry.host, insecure=True) as client:
        raw, media_type, digest = await client.get_manifest("it/app", "oci")
        parsed = manifests.parse(raw, media_type, digest)
        assert isinstance(parsed, manifests.Manifest)
        config = await client.get_blob("it/app", parsed.config.digest)
        assert config == image.config.data
        assert json.loads(config)["config"]["Labels"] == {"kind": "oci"}
        assert [layer.digest for layer in parsed.layers] == [b.digest for b in image.layers]
        assert client.stats.by_method == {"GET": 2}
        client.stats.reset()
        head = await client.head_manifest("it/app", "oci")
        assert head is not None
        assert head.digest == digest
        assert client.stats.by_method == {"HEAD": 1}


@pytest.mark.parametrize("tag", ["dockerlist", "ociindex"])
async def test_manifest_list_platform_choice(
    registry: RegistryProcess, pushed: Pushed, tag: str
) -> None:
    index = pushed[tag]
    assert isinstance(index, BuiltIndex)
    async with RegistryClient(registry.host, insecure=True) as client:
        raw, media_type, digest = await client.get_manifest("it/app", tag)
        parsed = manifests.parse(raw, media_type, digest)
        assert isinstance(parsed, manifests.ManifestList)
        assert [
            (d.platform.architecture, d.platform.variant) for d in parsed.manifests if d.platform
        ] == [("amd64", ""), ("arm64", "v8"), ("ppc64le", "")]
        chosen = manifests.select_platform(parsed, "arm64", "linux")
        assert chosen.digest == index.children[1].digest
        assert manifests.select_platform(parsed, "s390x", "linux").digest == (
            index.children[0].digest
        )
        child_raw, child_type, child_digest = await client.get_manifest("it/app", chosen.digest)
        assert (child_type, child_digest) == (chosen.media_type, chosen.digest)
        assert child_raw == index.children[1].manifest


async def test_not_found(registry: RegistryProcess, pushed: Pushed) -> None:
    async with RegistryClient(registry.host, insecure=True) as client:
        with pytest.raises(errors.ManifestUnknown) as info:
            await client.get_manifest("it/app", "missing")
        assert info.value.status_reason == "NotFound"
        assert info.value.message == "manifest it/app:missing not found: manifest unknown"
        assert await client.head_manifest("it/app", "missing") is None
        with pytest.raises(errors.NotFound) as repo_info:
            await client.get_manifest("it/nothere", "v1")
        assert repo_info.value.registry_code in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")
        with pytest.raises(errors.BlobUnknown):
            await client.get_blob("it/app", "sha256:" + "0" * 64)
        with pytest.raises(errors.NameUnknown):
            await client.list_tags("it/nothere")


async def test_list_tags(registry: RegistryProcess) -> None:
    with Pusher(registry.host) as pusher:
        digests = pusher.push_many("it/many", 12)
    assert len(set(digests.values())) == 12
    async with RegistryClient(registry.host, insecure=True) as client:
        tags = await client.list_tags("it/many")
        assert sorted(tags) == sorted(digests)
        # distribution 2.8 ignores ?n= on tags/list: one page, no Link
        assert sorted(await client.list_tags("it/many", page_size=5)) == sorted(digests)
        assert len(await client.list_tags("it/many", limit=4)) == 4
        head = await client.head_manifest("it/many", "t7")
        assert head is not None
        assert head.digest == digests["t7"]


async def test_ping(registry: RegistryProcess) -> None:
    async with RegistryClient(registry.host, insecure=True) as client:
        assert await client.ping() == f"http://{registry.host}"


async def test_secure_client_against_http_registry(registry: RegistryProcess) -> None:
    async with RegistryClient(registry.host) as client:
        with pytest.raises(errors.InsecureRequired) as info:
            await client.get_manifest("it/app", "oci")
    assert info.value.status_reason == "BadRequest"
    assert info.value.message == (
        f"the registry {registry.host} is HTTP only and requires the insecure flag to import"
    )


async def test_registry_down_is_unreachable_quickly() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    async with RegistryClient(
        f"127.0.0.1:{port}", insecure=True, timeouts=Timeouts(connect=2, read=2, total=5)
    ) as client:
        with pytest.raises(errors.Unreachable) as info:
            await client.get_manifest("it/app", "v1")
        assert client.stats.total == 0
    assert time.monotonic() - start < 1.0
    assert f"127.0.0.1:{port}" in info.value.message
    assert info.value.status_reason == "InternalError"


@pytest.fixture(scope="module")
def basic_pushed(basic_registry: RegistryProcess) -> BuiltImage:
    image = build_image(fmt="oci", salt="basic")
    with Pusher(basic_registry.host, username="testuser", password="testpass") as pusher:
        pusher.push_image("it/private", "v1", image)
    return image


async def test_basic_auth(basic_registry: RegistryProcess, basic_pushed: BuiltImage) -> None:
    async with RegistryClient(
        basic_registry.host, insecure=True, credential=Credential("testuser", "testpass")
    ) as client:
        for _ in range(3):
            _, _, digest = await client.get_manifest("it/private", "v1")
            assert digest == basic_pushed.digest
        # one 401 to learn the scheme, then Basic is sent up front
        assert client.stats.by_method == {"GET": 4}


async def test_basic_auth_from_pull_secret(
    basic_registry: RegistryProcess, basic_pushed: BuiltImage
) -> None:
    config = {
        "auths": {
            f"http://{basic_registry.host}": {
                "auth": base64.b64encode(b"testuser:testpass").decode()
            }
        }
    }
    secret = {
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }
    keyring = Keyring.from_secrets([secret])
    async with RegistryClient(basic_registry.host, insecure=True, keyring=keyring) as client:
        head = await client.head_manifest("it/private", "v1")
    assert head is not None
    assert head.digest == basic_pushed.digest


@pytest.mark.parametrize(
    ("credential", "had_credentials", "message"),
    [
        pytest.param(None, False, "no credentials were found", id="anonymous"),
        pytest.param(
            Credential("testuser", "WRONG-secret"),
            True,
            "incorrect username or password",
            id="wrong-password",
        ),
    ],
)
async def test_basic_auth_unauthorized(
    basic_registry: RegistryProcess,
    basic_pushed: BuiltImage,
    credential: Credential | None,
    had_credentials: bool,
    message: str,
) -> None:
    async with RegistryClient(basic_registry.host, insecure=True, credential=credential) as client:
        with pytest.raises(errors.Unauthorized, match=message) as info:
            await client.get_manifest("it/private", "v1")
    assert info.value.had_credentials is had_credentials
    assert info.value.status_reason == "Unauthorized"
    assert "WRONG-secret" not in str(info.value) + repr(info.value)


@pytest.fixture(scope="module")
def token_pushed(
    token_registry: tuple[RegistryProcess, TokenServer], tmp_path_factory: pytest.TempPathFactory
) -> BuiltIndex:
    if SKOPEO is None:
        pytest.skip("skopeo is not installed")
    reg, _ = token_registry
    index = build_index(fmt="oci", salt="token")
    layout = write_oci_layout(tmp_path_factory.mktemp("layout"), {"multi": index})
    subprocess.run(
        [
            SKOPEO,
            "copy",
            "--all",
            "--dest-tls-verify=false",
            "--dest-creds",
            "tokenuser:tokenpass",
            f"oci:{layout}:multi",
            f"docker://{reg.host}/it/token:multi",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return index


async def test_bearer_token_flow_and_reuse(
    token_registry: tuple[RegistryProcess, TokenServer], token_pushed: BuiltIndex
) -> None:
    reg, server = token_registry
    before = len(server.requests)
    async with RegistryClient(
        reg.host, insecure=True, credential=Credential("tokenuser", "tokenpass")
    ) as client:
        _, media_type, digest = await client.get_manifest("it/token", "multi")
        assert (media_type, digest) == (mt.OCI_INDEX, token_pushed.digest)
        for child in token_pushed.children:
            raw, _, _ = await client.get_manifest("it/token", child.digest)
            assert raw == child.manifest
            assert await client.get_blob("it/token", child.config.digest) == child.config.data
        assert client.stats.token_requests == 1
        # first GET: 401 + retry; everything after carries the cached token
        assert client.stats.by_method == {"GET": 8}
        assert await client.head_manifest("it/other", "x") is None
        assert client.stats.token_requests == 2
    new = server.requests[before:]
    assert new == [
        {"user": "tokenuser", "scope": "repository:it/token:pull", "service": "test-registry"},
        {"user": "tokenuser", "scope": "repository:it/other:pull", "service": "test-registry"},
    ]


@pytest.mark.parametrize(
    ("credential", "had_credentials"),
    [
        pytest.param(None, False, id="anonymous-token-without-access"),
        pytest.param(Credential("tokenuser", "WRONG-secret"), True, id="token-server-rejects"),
    ],
)
async def test_bearer_unauthorized(
    token_registry: tuple[RegistryProcess, TokenServer],
    token_pushed: BuiltIndex,
    credential: Credential | None,
    had_credentials: bool,
) -> None:
    reg, _ = token_registry
    async with RegistryClient(reg.host, insecure=True, credential=credential) as client:
        with pytest.raises(errors.Unauthorized) as info:
            await client.get_manifest("it/token", "multi")
    assert info.value.had_credentials is had_credentials
    assert "WRONG-secret" not in str(info.value) + repr(info.value)


@pytest.fixture(scope="module")
def schema1_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    if SKOPEO is None:
        pytest.skip("skopeo is not installed")
    directory = tmp_path_factory.mktemp("registry-schema1")
    reg = start_registry(directory / "reg", schema1=True)
    try:
        layout = write_oci_layout(Path(directory / "layout"), {"v1": build_image(fmt="oci")})
        subprocess.run(
            [
                SKOPEO,
                "copy",
                "--format",
                "v2s1",
                "--dest-tls-verify=false",
                f"oci:{layout}:v1",
                f"docker://{reg.host}/it/old:v1",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield reg
    finally:
        reg.stop()


async def test_schema1_is_unsupported(schema1_registry: RegistryProcess) -> None:
    assert json.loads(skopeo_raw(f"{schema1_registry.host}/it/old:v1"))["schemaVersion"] == 1
    async with RegistryClient(schema1_registry.host, insecure=True) as client:
        with pytest.raises(errors.Unsupported) as info:
            await client.get_manifest("it/old", "v1")
    assert info.value.message == (
        "manifest it/old:v1 is a Docker schema1 manifest, which is not supported;"
        " convert the image to schema2 or OCI"
    )
