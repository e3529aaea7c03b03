"""Import statuses that follow upstream's ``importSubManifests`` and ``formatRepositoryError``.

* a missing child of a list kept under ``PreserveOriginal`` is reported with the child's
  reference; under ``Legacy`` with the tag's;
* a registry's own 401 (``UNAUTHORIZED``) is "you may not have access" with or without
  credentials; only a token server that says "incorrect username or password" gives that text,
  and only that text triggers the anonymous retry.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

from imagestreams.api.image_defaults import default_image_stream_import
from imagestreams.api.image_v1 import ImageStreamImport
from imagestreams.importer.credentials import CredentialChain
from imagestreams.importer.importer import Importer
from imagestreams.importer.pool import ClientPool
from imagestreams.oci.credentials import Keyring
from tests.oci_images import build_image, build_index
from tests.unit.importer.memregistry import MemRegistry

HOST = "reg.test"
REALM = "https://auth.test/token"


def _isi(*images: dict[str, Any]) -> ImageStreamImport:
    spec = {"import": False, "images": list(images)}
    isi = msgspec.convert({"metadata": {"name": "s"}, "spec": spec}, ImageStreamImport)
    return default_image_stream_import(isi)


def _spec(ref: str, mode: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"from": {"kind": "DockerImage", "name": f"{HOST}/{ref}"}}
    if mode:
        spec["importPolicy"] = {"importMode": mode}
    return spec


def _importer(reg: MemRegistry) -> Importer:
    async def no_sleep(_: float) -> None:
        return None

    return Importer(ClientPool(transport_factory=lambda host: reg.transport(), sleep=no_sleep))


def _status(isi: ImageStreamImport) -> tuple[str, str, int, str]:
    status = isi.status.images[0].status
    return status.status, status.reason, status.code, status.message


_NOT_FOUND = 'dockerimage.image.openshift.io "{ref}" not found'


@pytest.mark.parametrize(
    ("mode", "ref", "drop", "expected"),
    [
        pytest.param(
            "PreserveOriginal",
            "ns/multi:latest",
            "manifest",
            ("Failure", "NotFound", 404, _NOT_FOUND.format(ref=f"{HOST}/ns/multi@{{child}}")),
            id="preserve-tag-missing-child-manifest",
        ),
        pytest.param(
            "PreserveOriginal",
            "ns/multi@{index}",
            "manifest",
            ("Failure", "NotFound", 404, _NOT_FOUND.format(ref=f"{HOST}/ns/multi@{{child}}")),
            id="preserve-digest-missing-child-manifest",
        ),
        pytest.param(
            "PreserveOriginal",
            "ns/multi:latest",
            "config",
            (
                "Failure",
                "InternalError",
                500,
                f"Internal error occurred: {HOST}/ns/multi@{{child}}:"
                " blob ns/multi@{config} not found",
            ),
            id="preserve-missing-child-config",
        ),
        pytest.param(
            "Legacy",
            "ns/multi:latest",
            "manifest",
            ("Failure", "NotFound", 404, _NOT_FOUND.format(ref=f"{HOST}/ns/multi:latest")),
            id="legacy-missing-child-is-the-tag",
        ),
    ],
)
async def test_missing_sub_manifest_is_reported_like_upstream(
    mode: str, ref: str, drop: str, expected: tuple[str, str, int, str]
) -> None:
    reg = MemRegistry()
    index = build_index(fmt="oci", salt=f"missing-{mode}-{drop}")
    reg.push("ns/multi", "latest", index)
    child = index.children[0]  # linux/amd64: also the one Legacy picks
    if drop == "manifest":
        del reg.manifests[("ns/multi", child.digest)]
    else:
        del reg.blobs[child.config.digest]
    isi = _isi(_spec(ref.format(index=index.digest), mode))
    await _importer(reg).run(isi, None)
    fill = {"child": child.digest, "config": child.config.digest}
    assert _status(isi) == tuple(e.format(**fill) if isinstance(e, str) else e for e in expected)
    assert isi.status.images[0].image is None
    assert isi.status.images[0].manifests == []


async def test_first_missing_child_in_list_order_is_reported() -> None:
    reg = MemRegistry()
    index = build_index(fmt="docker", salt="two-missing")
    reg.push("ns/multi", "latest", index)
    for child in index.children[1:]:
        del reg.manifests[("ns/multi", child.digest)]
    isi = _isi(_spec("ns/multi:latest", "PreserveOriginal"))
    await _importer(reg).run(isi, None)
    named = f"{HOST}/ns/multi@{index.children[1].digest}"
    assert _status(isi) == ("Failure", "NotFound", 404, _NOT_FOUND.format(ref=named))


async def test_list_without_children_imports_under_preserve_original() -> None:
    reg = MemRegistry()
    index = build_index(fmt="oci", salt="empty", platforms=())
    reg.push("ns/empty", "latest", index)
    isi = _isi(_spec("ns/empty:latest", "PreserveOriginal"))
    await _importer(reg).run(isi, None)
    status = isi.status.images[0]
    assert status.status.status == "Success"
    assert status.image is not None and status.image.metadata.name == index.digest
    assert status.image.docker_image_manifests == []
    assert status.manifests == []


def _keyring(password: str) -> CredentialChain:
    keyring = Keyring()
    auth = base64.b64encode(f"user:{password}".encode()).decode()
    keyring.add_docker_config({"auths": {HOST: {"auth": auth}}})
    return CredentialChain(keyring)


def _basic(request: httpx.Request) -> httpx.Response | None:
    """An htpasswd registry: every request needs ``user:right``."""
    if request.headers.get("authorization") == "Basic " + base64.b64encode(b"user:right").decode():
        return None
    return httpx.Response(
        401,
        headers={"WWW-Authenticate": 'Basic realm="basic-realm"'},
        json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
    )


def _token_server(refusal: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response | None]:
    """A bearer registry whose token server refuses credentials with ``refusal`` and gives
    anonymous pulls a token (a public image behind a wrong pull secret)."""

    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "auth.test":
            if request.headers.get("authorization"):
                return httpx.Response(401, json=refusal)
            return httpx.Response(200, json={"token": "anonymous"})
        if request.headers.get("authorization") == "Bearer anonymous":
            return None
        challenge = f'Bearer realm="{REALM}",service="reg",scope="repository:ns/app:pull"'
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    return hook


_ACCESS = f'you may not have access to the container image "{HOST}/ns/app:v1"'
_MANIFEST_URL = f"https://{HOST}/v2/ns/app/manifests/v1"


@pytest.mark.parametrize(
    ("hook", "password", "expected", "manifest_gets"),
    [
        pytest.param(
            _basic, None, ("Failure", "Unauthorized", 401, _ACCESS), 1, id="basic-anonymous"
        ),
        pytest.param(
            _basic,
            "wrong",
            ("Failure", "Unauthorized", 401, _ACCESS),
            2,  # no anonymous retry: the text is not "username or password"
            id="basic-wrong-password",
        ),
        pytest.param(_basic, "right", ("Success", "", 0, ""), 2, id="basic-right-password"),
        pytest.param(
            _token_server({"details": "incorrect username or password"}),
            "wrong",
            ("Success", "", 0, ""),  # retried anonymously: the image is public
            3,  # with the wrong password (token refused), then anonymous: 401 + with token
            id="token-server-says-incorrect-password-retry-succeeds",
        ),
        pytest.param(
            _token_server({"errors": [{"code": "UNAUTHORIZED"}]}),
            "wrong",
            (
                "Failure",
                "InternalError",
                500,
                f'Internal error occurred: {HOST}/ns/app:v1: Get "{_MANIFEST_URL}": unauthorized',
            ),
            1,
            id="token-server-refuses-otherwise",
        ),
    ],
)
async def test_unauthorized_statuses_follow_upstream(
    hook: Callable[[httpx.Request], httpx.Response | None],
    password: str | None,
    expected: tuple[str, str, int, str],
    manifest_gets: int,
) -> None:
    reg = MemRegistry()
    reg.push("ns/app", "v1", build_image(salt="auth"))
    reg.hook = hook
    credentials = _keyring(password) if password else CredentialChain()
    isi = _isi(_spec("ns/app:v1"))
    await _importer(reg).run(isi, None, credentials)
    assert _status(isi) == expected
    assert reg.log.count("GET /v2/ns/app/manifests/v1") == manifest_gets


async def test_a_retry_that_still_fails_keeps_the_first_status() -> None:
    reg = MemRegistry()
    reg.push("ns/app", "v1", build_image(salt="private"))
    hook = _token_server({"details": "incorrect username or password"})

    def private(request: httpx.Request) -> httpx.Response | None:
        answer = hook(request)
        if answer is None:  # the anonymous token has no access to this private image
            return httpx.Response(401, json={"errors": [{"code": "UNAUTHORIZED"}]})
        return answer

    reg.hook = private
    isi = _isi(_spec("ns/app:v1"))
    await _importer(reg).run(isi, None, _keyring("wrong"))
    assert _status(isi) == (
        "Failure",
        "Unauthorized",
        401,
        f'incorrect username or password for image "{HOST}/ns/app:v1"',
    )
