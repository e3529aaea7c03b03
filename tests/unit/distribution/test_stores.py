"""The pure parts: error bodies, blob store, uploads, manifest checks, pagination."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from imagestreams.distribution.blobs import BlobStore, check_digest
from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.manifestformat import parse_pushed, references, split_reference
from imagestreams.distribution.tags import paginate
from imagestreams.distribution.uploads import UploadStore, parse_content_range
from tests.oci_images import build_image, build_index


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        pytest.param(
            RegistryError("BLOB_UNKNOWN", detail="sha256:ab"),
            404,
            {"code": "BLOB_UNKNOWN", "message": "blob unknown to registry", "detail": "sha256:ab"},
            id="blob-unknown",
        ),
        pytest.param(
            RegistryError("UNSUPPORTED"),
            405,
            {"code": "UNSUPPORTED", "message": "The operation is unsupported."},
            id="no-detail-omitted",
        ),
        pytest.param(
            RegistryError("UNAUTHORIZED"),
            401,
            {"code": "UNAUTHORIZED", "message": "authentication required", "detail": None},
            id="unauthorized-null-detail",
        ),
        pytest.param(
            RegistryError("PAGINATION_NUMBER_INVALID", detail={"n": "x"}),
            400,
            {
                "code": "PAGINATION_NUMBER_INVALID",
                "message": "invalid number of results requested",
                "detail": {"n": "x"},
            },
            id="pagination",
        ),
    ],
)
def test_error_bodies(error: RegistryError, status: int, body: dict[str, object]) -> None:
    assert error.status == status
    assert json.loads(error.body()) == {"errors": [body]}
    assert error.body().endswith(b"\n")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("sha256:" + "a" * 63, "DIGEST_INVALID", id="short"),
        pytest.param("sha512:" + "a" * 128, "UNSUPPORTED", id="other-algorithm"),
        pytest.param("latest", "DIGEST_INVALID", id="not-a-digest"),
        pytest.param("sha256:" + "A" * 64, "DIGEST_INVALID", id="upper-case"),
    ],
)
def test_check_digest_rejects(value: str, code: str) -> None:
    with pytest.raises(RegistryError) as caught:
        check_digest(value)
    assert caught.value.code == code


async def test_ingest_verifies_and_stores(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = b"hello world" * 1000
    digest, size = await store.ingest(chunks(data[:7], data[7:]), sha(data))
    assert (digest, size) == (sha(data), len(data))
    assert store.path(digest).read_bytes() == data
    assert store.size(digest) == len(data)
    parts = [c async for c in store.stream(digest, 3, 9)]
    assert b"".join(parts) == data[3:10]
    with pytest.raises(RegistryError) as caught:
        await store.ingest(chunks(b"other"), sha(data + b"!"))
    assert caught.value.code == "DIGEST_INVALID"
    assert list((tmp_path / "tmp").iterdir()) == []  # no stray temp files


async def test_upload_lifecycle(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    uploads = UploadStore(tmp_path, store)
    data = b"0123456789" * 50
    upload = uploads.start("ns/app")
    assert await uploads.append("ns/app", upload, chunks(data[:100]), "0-99") == 100
    with pytest.raises(RegistryError) as caught:
        await uploads.append("ns/app", upload, chunks(b"x"), "10-10")
    assert (caught.value.code, caught.value.status) == ("RANGE_INVALID", 416)
    with pytest.raises(RegistryError) as other:
        uploads.offset("ns/other", upload)
    assert other.value.code == "BLOB_UPLOAD_UNKNOWN"
    assert await uploads.finish("ns/app", upload, sha(data), chunks(data[100:])) == len(data)
    assert store.path(sha(data)).read_bytes() == data
    assert not (tmp_path / "uploads" / upload).exists()


async def test_upload_with_wrong_digest_is_cancelled(tmp_path: Path) -> None:
    uploads = UploadStore(tmp_path, BlobStore(tmp_path))
    upload = uploads.start("ns/app")
    with pytest.raises(RegistryError) as caught:
        await uploads.finish("ns/app", upload, sha(b"other"), chunks(b"data"))
    assert caught.value.code == "DIGEST_INVALID"
    with pytest.raises(RegistryError) as gone:
        uploads.offset("ns/app", upload)
    assert gone.value.code == "BLOB_UPLOAD_UNKNOWN"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("0-99", (0, 99), id="plain"),
        pytest.param("bytes=5-9", (5, 9), id="bytes-prefix"),
    ],
)
def test_parse_content_range(value: str, expected: tuple[int, int]) -> None:
    assert parse_content_range(value) == expected


@pytest.mark.parametrize("value", ["9-5", "abc", "-5"])
def test_parse_content_range_invalid(value: str) -> None:
    with pytest.raises(RegistryError):
        parse_content_range(value)


@pytest.mark.parametrize(
    ("raw", "ctype", "detail"),
    [
        pytest.param(
            b'{"schemaVersion":1}',
            "application/json",
            "manifest type unsupported",
            id="schema1-by-body",
        ),
        pytest.param(
            b"[]",
            "application/vnd.oci.image.manifest.v1+json",
            "invalid manifest: not a JSON object",
            id="not-object",
        ),
        pytest.param(
            b'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.'
            b'manifest.v2+json","config":{},"layers":[]}',
            "application/vnd.oci.image.manifest.v1+json",
            "invalid manifest: mediaType 'application/vnd.docker.distribution.manifest.v2"
            "+json' does not match content type 'application/vnd.oci.image.manifest.v1"
            "+json'",
            id="type-mismatch",
        ),
        pytest.param(
            b"{}", "text/html", "unsupported manifest media type 'text/html'", id="unknown-type"
        ),
    ],
)
def test_parse_pushed_rejects(raw: bytes, ctype: str, detail: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_pushed(raw, ctype)
    assert (caught.value.code, caught.value.detail) == ("MANIFEST_INVALID", detail)


def test_references() -> None:
    image = build_image(fmt="docker")
    assert references(parse_pushed(image.manifest, None)) == [
        image.config.digest,
        *(layer.digest for layer in image.layers),
    ]
    index = build_index()
    assert references(parse_pushed(index.manifest, "application/json")) == [
        child.digest for child in index.children
    ]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param("v1.0_rc-2", ("v1.0_rc-2", ""), id="tag"),
        pytest.param("sha256:" + "c" * 64, ("", "sha256:" + "c" * 64), id="digest"),
    ],
)
def test_split_reference(reference: str, expected: tuple[str, str]) -> None:
    assert split_reference(reference) == expected


@pytest.mark.parametrize(
    ("query", "page", "link"),
    [
        pytest.param({}, ["a", "b", "c", "d"], None, id="all"),
        pytest.param({"n": "2"}, ["a", "b"], '</x?last=b&n=2>; rel="next"', id="first-page"),
        pytest.param({"n": "2", "last": "b"}, ["c", "d"], None, id="last-page"),
        pytest.param({"last": "bb"}, ["c", "d"], None, id="last-not-present"),
        pytest.param({"n": "0"}, [], None, id="zero"),
        pytest.param({"n": "9"}, ["a", "b", "c", "d"], None, id="more-than-all"),
    ],
)
def test_paginate(query: dict[str, str], page: list[str], link: str | None) -> None:
    assert paginate(["d", "b", "a", "c"], query, "/x") == (page, link)


@pytest.mark.parametrize("n", ["-1", "x", "1.5"])
def test_paginate_invalid_n(n: str) -> None:
    with pytest.raises(RegistryError) as caught:
        paginate(["a"], {"n": n}, "/x")
    assert (caught.value.code, caught.value.detail) == ("PAGINATION_NUMBER_INVALID", {"n": n})
