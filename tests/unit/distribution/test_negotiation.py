"""Manifest ``Accept`` negotiation and ``If-None-Match``, as distribution's ``GetManifest``.

One repository ``ns/neg`` holds an OCI manifest (``oci``), an OCI index (``index``), a Docker
schema2 manifest (``docker``), a Docker manifest list with a linux/amd64 child (``list``) and one
without (``noamd``); each case fetches one of them with given ``Accept`` headers and checks the
exact status, body, ``Content-Type`` and ``Docker-Content-Digest``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from imagestreams.distribution.negotiation import (
    OCI_INDEX_REFUSED,
    OCI_MANIFEST_REFUSED,
    accepted_types,
    default_child,
    etag_matches,
)
from imagestreams.oci import mediatypes as mt
from tests.oci_images import BuiltImage, BuiltIndex, build_image, build_index
from tests.unit.distribution.conftest import Env, bearer

OCI = build_image(fmt="oci", salt="neg-oci")
DOCKER = build_image(fmt="docker", salt="neg-docker")
INDEX = build_index(fmt="oci", salt="neg-index")
LIST = build_index(fmt="docker", salt="neg-list")
NOAMD = build_index(
    fmt="docker", platforms=(("arm64", "linux", "v8"), ("ppc64le", "linux", "")), salt="neg-noamd"
)
AMD64 = LIST.children[0]
assert AMD64.platform == ("amd64", "linux", "")

DOCS: dict[str, BuiltImage | BuiltIndex] = {
    "oci": OCI,
    "docker": DOCKER,
    "index": INDEX,
    "list": LIST,
    "noamd": NOAMD,
    "amd64": AMD64,
}


@pytest.fixture
async def pushed(env: Env) -> AsyncIterator[Env]:
    for tag in ("oci", "docker"):
        image = DOCS[tag]
        assert isinstance(image, BuiltImage)
        assert (await env.push_image("ns/neg", tag, image)).status_code == 201
    for tag in ("index", "list", "noamd"):
        index = DOCS[tag]
        assert isinstance(index, BuiltIndex)
        assert (await env.push_index("ns/neg", tag, index)).status_code == 201
    yield env


def _ref(name: str, by: str) -> str:
    return DOCS[name].digest if by == "digest" else name


def _refused(message: str) -> dict[str, object]:
    return {"errors": [{"code": "MANIFEST_UNKNOWN", "message": message}]}


@pytest.mark.parametrize(
    ("method", "name", "by", "accept", "served"),
    [
        pytest.param("GET", "oci", "tag", [mt.MANIFEST_ACCEPT], "oci", id="oci-full-accept"),
        pytest.param("GET", "oci", "tag", [], OCI_MANIFEST_REFUSED, id="oci-no-accept"),
        pytest.param(
            "GET", "oci", "digest", [mt.DOCKER_SCHEMA2], OCI_MANIFEST_REFUSED, id="oci-schema2-only"
        ),
        pytest.param("GET", "oci", "tag", ["*/*"], OCI_MANIFEST_REFUSED, id="oci-wildcard"),
        pytest.param(
            "GET",
            "oci",
            "tag",
            [mt.DOCKER_SCHEMA2, f"{mt.OCI_MANIFEST}; q=0.5"],
            "oci",
            id="oci-second-header-with-params",
        ),
        pytest.param("GET", "oci", "tag", [mt.OCI_MANIFEST.upper()], "oci", id="oci-upper-case"),
        pytest.param("HEAD", "oci", "tag", [], OCI_MANIFEST_REFUSED, id="oci-head-refused"),
        pytest.param(
            "GET", "index", "tag", [mt.OCI_MANIFEST], OCI_INDEX_REFUSED, id="index-refused"
        ),
        pytest.param(
            "GET", "index", "digest", [f"{mt.OCI_INDEX},text/plain"], "index", id="index-accepted"
        ),
        pytest.param("GET", "docker", "tag", [], "docker", id="schema2-never-converted"),
        pytest.param("GET", "list", "tag", [mt.DOCKER_SCHEMA2], "amd64", id="list-tag-to-amd64"),
        pytest.param("GET", "list", "tag", [], "amd64", id="list-tag-no-accept-to-amd64"),
        pytest.param("HEAD", "list", "tag", [mt.DOCKER_SCHEMA2], "amd64", id="list-head-to-amd64"),
        pytest.param("GET", "list", "digest", [], "list", id="list-by-digest-served"),
        pytest.param(
            "GET", "list", "tag", [mt.DOCKER_MANIFEST_LIST], "list", id="list-accepted-by-tag"
        ),
        pytest.param(
            "GET", "noamd", "tag", [mt.DOCKER_SCHEMA2], "manifest unknown", id="list-without-amd64"
        ),
    ],
)
async def test_accept_negotiation(
    pushed: Env, method: str, name: str, by: str, accept: list[str], served: str
) -> None:
    headers = [(k, v) for k, v in bearer("admin").items()] + [("Accept", a) for a in accept]
    response = await pushed.http.request(
        method, f"/v2/ns/neg/manifests/{_ref(name, by)}", headers=headers
    )
    doc = DOCS.get(served)
    if doc is None:
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        if method == "GET":
            assert response.json() == _refused(served)
        return
    assert response.status_code == 200
    assert response.headers["content-type"] == doc.media_type
    assert response.headers["docker-content-digest"] == doc.digest
    assert response.headers["etag"] == f'"{doc.digest}"'
    assert response.headers["content-length"] == str(len(doc.manifest))
    assert response.content == (b"" if method == "HEAD" else doc.manifest)


@pytest.mark.parametrize(
    ("method", "name", "by", "if_none_match", "status"),
    [
        pytest.param("GET", "docker", "tag", f'"{DOCKER.digest}"', 304, id="quoted"),
        pytest.param("GET", "docker", "tag", DOCKER.digest, 304, id="unquoted"),
        pytest.param("HEAD", "docker", "digest", DOCKER.digest, 304, id="head-by-digest"),
        pytest.param("GET", "docker", "tag", f'W/"{DOCKER.digest}"', 200, id="weak-is-not-equal"),
        pytest.param("GET", "docker", "tag", f'"{OCI.digest}"', 200, id="other-digest"),
        pytest.param("GET", "oci", "tag", OCI.digest, 304, id="before-the-accept-check"),
        pytest.param("GET", "list", "tag", f'"{LIST.digest}"', 304, id="list-digest-not-child"),
        pytest.param("GET", "list", "tag", f'"{AMD64.digest}"', 200, id="child-digest-no-match"),
    ],
)
async def test_if_none_match(
    pushed: Env, method: str, name: str, by: str, if_none_match: str, status: int
) -> None:
    response = await pushed.http.request(
        method,
        f"/v2/ns/neg/manifests/{_ref(name, by)}",
        headers={**bearer("admin"), "If-None-Match": if_none_match},
    )
    assert response.status_code == status
    if status == 304:
        assert response.content == b""
        assert "docker-content-digest" not in response.headers
        assert "content-length" not in response.headers
        assert response.headers["docker-distribution-api-version"] == "registry/2.0"


async def test_if_none_match_on_unknown_digest_still_304(env: Env) -> None:
    """Distribution compares before looking the manifest up at all."""
    digest = "sha256:" + "c" * 64
    response = await env.http.get(
        f"/v2/ns/missing/manifests/{digest}", headers={**bearer("admin"), "If-None-Match": digest}
    )
    assert (response.status_code, response.content) == (304, b"")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([], frozenset(), id="none"),
        pytest.param(
            ["application/a+json, application/b ;q=0.9", "Application/C"],
            frozenset({"application/a+json", "application/b", "application/c"}),
            id="split-params-case-several-headers",
        ),
        pytest.param(
            ["garbage, , /x, a/, a b/c, text/plain"], frozenset({"text/plain"}), id="garbage"
        ),
    ],
)
def test_accepted_types(headers: list[str], expected: frozenset[str]) -> None:
    assert accepted_types(headers) == expected


@pytest.mark.parametrize(
    ("values", "matches"),
    [
        pytest.param(["sha256:ab"], True, id="bare"),
        pytest.param(['"sha256:ab"'], True, id="quoted"),
        pytest.param(["x", '"sha256:ab"'], True, id="second-header"),
        pytest.param(['"sha256:ab", "x"'], False, id="list-in-one-header-not-split"),
        pytest.param([], False, id="absent"),
    ],
)
def test_etag_matches(values: list[str], matches: bool) -> None:
    assert etag_matches(values, "sha256:ab") is matches


@pytest.mark.parametrize(
    ("raw", "child"),
    [
        pytest.param(LIST.manifest, AMD64.digest, id="docker-list"),
        pytest.param(NOAMD.manifest, None, id="no-amd64"),
        pytest.param(
            b'{"manifests":[{"digest":"sha256:1","platform":{"architecture":"amd64","os":"windows"}}'
            b',{"digest":"sha256:2","platform":{"architecture":"amd64","os":"linux"}}]}',
            "sha256:2",
            id="os-must-be-linux",
        ),
        pytest.param(b"{not json", None, id="garbage"),
    ],
)
def test_default_child(raw: bytes, child: str | None) -> None:
    assert default_child(raw) == child
