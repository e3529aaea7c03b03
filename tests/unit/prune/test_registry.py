"""Finding the integrated registry (``DetermineRegistryHost``) and which addresses are private."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.prune.registry import (
    RegistryFailure,
    determine_registry_host,
    is_private_address,
)
from tests.unit.prune.fixtures import OLD, YOUNG, image, stream


@pytest.mark.parametrize(
    ("address", "private"),
    [
        pytest.param("127.0.0.1:5000", True, id="loopback"),
        pytest.param("10.1.2.3", True, id="ten"),
        pytest.param("172.16.0.1:443", True, id="172"),
        pytest.param("192.168.1.1", True, id="192"),
        pytest.param("169.254.1.1", True, id="link-local"),
        pytest.param("localhost:5000", True, id="localhost"),
        pytest.param("[::1]:5000", True, id="ipv6-loopback"),
        pytest.param("http://127.0.0.1:5000", True, id="with-scheme"),
        pytest.param("8.8.8.8", False, id="public"),
        pytest.param("registry.example.com", False, id="name"),
    ],
)
def test_is_private_address(address: str, private: bool) -> None:
    assert is_private_address(address) is private


def _with_ref(obj: dict[str, Any], ref: str) -> dict[str, Any]:
    return {**obj, "dockerImageReference": ref}


@pytest.mark.parametrize(
    ("images", "streams", "host"),
    [
        pytest.param(
            [
                _with_ref(image("1", created=OLD), "old.io:5000/a/b:x"),
                _with_ref(image("2", created=YOUNG), "young.io:5000/a/b:y"),
                _with_ref(image("3", created=YOUNG, managed=False), "ext.io/a/b:z"),
            ],
            [],
            "young.io:5000",
            id="youngest-managed-image",
        ),
        pytest.param(
            [image("1", managed=False)],
            [stream("ns", "s", {})],
            "registry.io",
            id="stream-repository",
        ),
    ],
)
def test_determine_registry_host(
    images: list[dict[str, Any]], streams: list[dict[str, Any]], host: str
) -> None:
    by_name = {i["metadata"]["name"]: i for i in images}
    assert determine_registry_host(by_name, streams) == host


@pytest.mark.parametrize(
    ("images", "message"),
    [
        pytest.param([], "no managed image found", id="nothing"),
        pytest.param(
            [_with_ref(image("1"), "foo/bar@sha256:x")],
            'unable to parse "foo/bar@sha256:x": invalid reference format',
            id="unparsable",
        ),
        pytest.param(
            [_with_ref(image("1"), "foo/bar:v1")],
            "foo/bar:v1 does not include a registry",
            id="no-registry",
        ),
    ],
)
def test_determine_registry_host_fails(images: list[dict[str, Any]], message: str) -> None:
    by_name = {i["metadata"]["name"]: i for i in images}
    with pytest.raises(RegistryFailure) as info:
        determine_registry_host(by_name, [])
    assert str(info.value) == message
