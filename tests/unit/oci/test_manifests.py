"""Manifest parsing and verification on raw bytes, digests, and Legacy platform choice."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from imagestreams.oci import errors, manifests, mediatypes as mt
from imagestreams.oci.manifests import Descriptor, ManifestList, Platform

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
D3 = "sha256:" + "3" * 64
D4 = "sha256:" + "4" * 64


def _raw(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2).encode()


SCHEMA2 = _raw(
    {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_SCHEMA2,
        "config": {"mediaType": mt.DOCKER_CONFIG, "size": 7023, "digest": D1},
        "layers": [
            {"mediaType": mt.DOCKER_LAYER, "size": 32654, "digest": D2},
            {"mediaType": mt.DOCKER_LAYER, "size": 16724, "digest": D3},
        ],
    }
)
OCI = _raw(
    {
        "schemaVersion": 2,
        "config": {"mediaType": mt.OCI_CONFIG, "size": 10, "digest": D1},
        "layers": [
            {"mediaType": mt.OCI_LAYER_GZIP, "size": 5, "digest": D2, "urls": ["https://x/l"]}
        ],
        "annotations": {"org.opencontainers.image.title": "t"},
    }
)
LIST = _raw(
    {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST_LIST,
        "manifests": [
            {
                "mediaType": mt.DOCKER_SCHEMA2,
                "size": 1,
                "digest": D1,
                "platform": {"architecture": "ppc64le", "os": "linux"},
            },
            {
                "mediaType": mt.DOCKER_SCHEMA2,
                "size": 2,
                "digest": D2,
                "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
            },
            {
                "mediaType": mt.DOCKER_SCHEMA2,
                "size": 3,
                "digest": D3,
                "platform": {"architecture": "amd64", "os": "linux"},
            },
            {
                "mediaType": mt.DOCKER_SCHEMA2,
                "size": 4,
                "digest": D4,
                "platform": {
                    "architecture": "amd64",
                    "os": "windows",
                    "os.version": "10.0.17763.1",
                    "os.features": ["win32k"],
                },
            },
        ],
    }
)
INDEX = _raw(
    {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [{"mediaType": mt.OCI_MANIFEST, "size": 9, "digest": D1}],
    }
)


def _sha(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def test_parse_schema2() -> None:
    m = manifests.parse(SCHEMA2, mt.DOCKER_SCHEMA2)
    assert isinstance(m, manifests.Manifest)
    assert (m.media_type, m.digest, m.is_list) == (mt.DOCKER_SCHEMA2, _sha(SCHEMA2), False)
    assert m.config == Descriptor(mt.DOCKER_CONFIG, D1, 7023)
    assert m.layers == (
        Descriptor(mt.DOCKER_LAYER, D2, 32654),
        Descriptor(mt.DOCKER_LAYER, D3, 16724),
    )


def test_parse_oci_without_media_type_field() -> None:
    m = manifests.parse(OCI, "application/json; charset=utf-8")
    assert isinstance(m, manifests.Manifest)
    assert m.media_type == mt.OCI_MANIFEST
    assert m.layers[0].urls == ("https://x/l",)
    assert m.annotations == {"org.opencontainers.image.title": "t"}


def test_parse_lists() -> None:
    lst = manifests.parse(LIST, mt.DOCKER_MANIFEST_LIST)
    assert isinstance(lst, ManifestList)
    assert lst.is_list
    assert [d.digest for d in lst.manifests] == [D1, D2, D3, D4]
    assert lst.manifests[1].platform == Platform("arm64", "linux", "v8")
    assert lst.manifests[3].platform == Platform(
        "amd64", "windows", "", "10.0.17763.1", ("win32k",)
    )
    index = manifests.parse(INDEX, mt.OCI_INDEX)
    assert isinstance(index, ManifestList)
    assert index.manifests == (Descriptor(mt.OCI_MANIFEST, D1, 9),)


def test_parse_verifies_given_digest() -> None:
    assert manifests.parse(SCHEMA2, mt.DOCKER_SCHEMA2, _sha(SCHEMA2)).digest == _sha(SCHEMA2)
    with pytest.raises(errors.InvalidDigest, match="content integrity error"):
        manifests.parse(SCHEMA2 + b" ", mt.DOCKER_SCHEMA2, _sha(SCHEMA2))


@pytest.mark.parametrize(
    ("raw", "media_type", "error", "message"),
    [
        pytest.param(
            b'{"schemaVersion":1,"signatures":[]}',
            mt.DOCKER_SCHEMA1_SIGNED,
            errors.Unsupported,
            "schema1",
            id="schema1-signed",
        ),
        pytest.param(
            b'{"schemaVersion":1,"fsLayers":[]}',
            "application/json",
            errors.Unsupported,
            "schema1",
            id="schema1-sniffed",
        ),
        pytest.param(
            b"{}",
            "application/vnd.example+json",
            errors.Unsupported,
            "unsupported manifest media type",
            id="unknown-type",
        ),
        pytest.param(
            b"{nope", mt.OCI_MANIFEST, errors.ProtocolError, "not valid JSON", id="bad-json"
        ),
        pytest.param(b"[]", mt.OCI_MANIFEST, errors.ProtocolError, "not a JSON object", id="array"),
        pytest.param(
            SCHEMA2.replace(b'"schemaVersion": 2', b'"schemaVersion": 3'),
            mt.DOCKER_SCHEMA2,
            errors.ProtocolError,
            "schemaVersion",
            id="version",
        ),
        pytest.param(
            SCHEMA2,
            mt.OCI_MANIFEST,
            errors.ProtocolError,
            "does not match",
            id="media-type-mismatch",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "config": {"size": 1, "digest": D1}, "layers": []}),
            mt.DOCKER_SCHEMA2,
            errors.ProtocolError,
            "does not match",
            id="docker-needs-media-type",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "config": {"size": 1, "digest": "sha256:abc"}, "layers": []}),
            mt.OCI_MANIFEST,
            errors.ProtocolError,
            "config.digest",
            id="short-digest",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "config": {"size": -1, "digest": D1}, "layers": []}),
            mt.OCI_MANIFEST,
            errors.ProtocolError,
            "config.size",
            id="negative-size",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "config": {"size": 1, "digest": D1}}),
            mt.OCI_MANIFEST,
            errors.ProtocolError,
            "layers",
            id="no-layers",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "manifests": {}}),
            mt.OCI_INDEX,
            errors.ProtocolError,
            "manifests is not a list",
            id="index-shape",
        ),
        pytest.param(
            _raw({"schemaVersion": 2, "manifests": [{"digest": D1, "size": "1"}]}),
            mt.OCI_INDEX,
            errors.ProtocolError,
            r"manifests\[0\].size",
            id="entry-size",
        ),
    ],
)
def test_parse_errors(
    raw: bytes, media_type: str, error: type[errors.RegistryError], message: str
) -> None:
    with pytest.raises(error, match=message):
        manifests.parse(raw, media_type)


@pytest.mark.parametrize(
    ("digest", "ok"),
    [
        pytest.param(D1, True, id="sha256"),
        pytest.param("sha512:" + "a" * 128, True, id="sha512"),
        pytest.param("sha256:" + "A" * 64, False, id="uppercase-hex"),
        pytest.param("sha256:" + "a" * 63, False, id="short"),
        pytest.param("md5:" + "a" * 32, False, id="unknown-algorithm"),
        pytest.param("sha256", False, id="no-colon"),
        pytest.param("sha256:../../etc", False, id="path"),
    ],
)
def test_parse_digest(digest: str, ok: bool) -> None:
    if ok:
        assert manifests.parse_digest(digest) == tuple(digest.split(":"))
    else:
        with pytest.raises(errors.InvalidDigest):
            manifests.parse_digest(digest)


def test_verify_digest_sha512() -> None:
    raw = b"hello"
    good = "sha512:" + hashlib.sha512(raw).hexdigest()
    assert manifests.verify_digest(raw, good) == good
    with pytest.raises(errors.InvalidDigest):
        manifests.verify_digest(b"other", good)


def _list(*platforms: tuple[str, str] | None) -> ManifestList:
    entries = tuple(
        Descriptor(
            mt.OCI_MANIFEST, f"sha256:{i:064x}", 1, Platform(p[0], p[1]) if p is not None else None
        )
        for i, p in enumerate(platforms)
    )
    return ManifestList(mt.OCI_INDEX, D1, entries)


@pytest.mark.parametrize(
    ("platforms", "arch", "os", "index"),
    [
        pytest.param(
            [("ppc64le", "linux"), ("arm64", "linux"), ("amd64", "linux")],
            "arm64",
            "linux",
            1,
            id="preferred",
        ),
        pytest.param(
            [("ppc64le", "linux"), ("amd64", "linux")],
            "s390x",
            "linux",
            1,
            id="fallback-linux-amd64",
        ),
        pytest.param(
            [("amd64", "windows"), ("amd64", "linux")], "amd64", "linux", 1, id="os-must-match"
        ),
        pytest.param(
            [("ppc64le", "linux"), ("arm64", "linux")], "s390x", "linux", 0, id="fallback-first"
        ),
        pytest.param([None, ("amd64", "linux")], "amd64", "linux", 1, id="no-platform-entry"),
        pytest.param(
            [("amd64", "linux"), ("amd64", "linux")], "amd64", "linux", 0, id="first-of-equals"
        ),
        pytest.param(
            [("arm64", "linux"), ("amd64", "linux")], "arm64", "", 0, id="os-defaults-to-host"
        ),
    ],
)
def test_select_platform(
    platforms: list[tuple[str, str] | None], arch: str, os: str, index: int
) -> None:
    lst = _list(*platforms)
    assert manifests.select_platform(lst, arch, os) == lst.manifests[index]


def test_select_platform_defaults_to_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifests, "host_platform", lambda: ("arm64", "linux"))
    lst = _list(("amd64", "linux"), ("arm64", "linux"))
    assert manifests.select_platform(lst) == lst.manifests[1]


def test_select_platform_empty() -> None:
    with pytest.raises(errors.ProtocolError, match="no manifests in manifest list"):
        manifests.select_platform(ManifestList(mt.OCI_INDEX, D1, ()))


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        pytest.param(mt.OCI_INDEX, b"", mt.OCI_INDEX, id="specific-wins"),
        pytest.param("application/json", b'{"mediaType":"x/y"}', "x/y", id="field"),
        pytest.param(None, b'{"manifests":[]}', mt.OCI_INDEX, id="index-shape"),
        pytest.param("text/plain", b'{"config":{}}', mt.OCI_MANIFEST, id="manifest-shape"),
        pytest.param("application/json", b"[1]", "", id="unknown"),
    ],
)
def test_sniff(content_type: str | None, raw: bytes, expected: str) -> None:
    assert mt.sniff(content_type, raw) == expected
