"""Docker config parsing and upstream keyring matching (kubelet BasicDockerKeyring rules)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from imagestreams.oci.credentials import Credential, Keyring, normalize_location


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _keyring(locations: dict[str, str]) -> Keyring:
    """A keyring where each location's username is the given label."""
    keyring = Keyring()
    keyring.add_docker_config(
        {"auths": {loc: {"auth": _auth(user, "pw-" + user)} for loc, user in locations.items()}}
    )
    return keyring


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        pytest.param("quay.io", "quay.io", id="host"),
        pytest.param("https://index.docker.io/v1/", "index.docker.io", id="docker-hub-v1"),
        pytest.param("http://reg:5000/v2/", "reg:5000", id="http-v2"),
        pytest.param("https://quay.io/team/", "quay.io/team/", id="path-kept"),
        pytest.param("quay.io/v2/team", "quay.io/team", id="v2-prefix-stripped"),
        pytest.param("quay.io/", "quay.io", id="slash-only"),
        pytest.param("", None, id="empty"),
        pytest.param("user@host", None, id="userinfo-rejected"),
    ],
)
def test_normalize_location(location: str, expected: str | None) -> None:
    assert normalize_location(location) == expected


KEYRING = {
    "quay.io": "quay",
    "quay.io/team": "team",
    "quay.io/team/app": "app",
    "*.example.com": "wild",
    "reg.local:5000": "port",
    "https://index.docker.io/v1/": "hub",
    "http://plain.example.org": "plain",
}


@pytest.mark.parametrize(
    ("host", "repository", "expected"),
    [
        pytest.param("quay.io", "", ["quay"], id="host-only"),
        pytest.param("quay.io", "other/app", ["quay"], id="host-match-other-repo"),
        pytest.param("quay.io", "team/app", ["app", "team", "quay"], id="longest-first"),
        pytest.param("quay.io", "teamx/app", ["team", "quay"], id="string-prefix-quirk"),
        pytest.param("https://quay.io", "team/other", ["team", "quay"], id="scheme-stripped"),
        pytest.param("quay.io:443", "", ["quay"], id="canonical-https-port-dropped"),
        pytest.param("a.example.com", "x", ["wild"], id="glob-host"),
        pytest.param("a.b.example.com", "x", [], id="glob-needs-same-part-count"),
        pytest.param("reg.local:5000", "ns/x", ["port"], id="port-match"),
        pytest.param("reg.local", "ns/x", [], id="port-mismatch"),
        pytest.param("reg.local:5001", "ns/x", [], id="other-port"),
        pytest.param("docker.io", "library/busybox", ["hub"], id="docker-io-alias"),
        pytest.param("registry-1.docker.io", "library/busybox", ["hub"], id="registry-1-alias"),
        pytest.param("index.docker.io", "", ["hub"], id="index-host"),
        pytest.param("plain.example.org", "", ["plain"], id="http-scheme-entry"),
        pytest.param("ghcr.io", "x/y", [], id="no-match"),
    ],
)
def test_lookup(host: str, repository: str, expected: list[str]) -> None:
    found = _keyring(KEYRING).lookup(host, repository)
    assert [c.username for c in found] == expected
    assert all(c.password == "pw-" + c.username for c in found)


@pytest.mark.parametrize(
    ("locations", "host", "expected"),
    [
        pytest.param({"docker.io": "dio"}, "registry-1.docker.io", "dio", id="docker-io-entry"),
        pytest.param({"docker.io": "dio"}, "index.docker.io", "dio", id="index-to-docker-io"),
        pytest.param({"index.docker.io": "idx"}, "docker.io", "idx", id="docker-io-to-index"),
        pytest.param({"registry-1.docker.io": "r1"}, "docker.io", "r1", id="registry-1-entry"),
    ],
)
def test_docker_hub_aliases(locations: dict[str, str], host: str, expected: str) -> None:
    cred = _keyring(locations).first(host, "library/busybox")
    assert cred is not None
    assert cred.username == expected


def test_match_is_upstream_lookup() -> None:
    keyring = _keyring({"https://index.docker.io/v1/": "hub", "quay.io": "quay"})
    assert [c.username for c in keyring.match("library/busybox")] == ["hub"]
    assert [c.username for c in keyring.match("user/app")] == ["hub"]
    assert [c.username for c in keyring.match("quay.io/a/b")] == ["quay"]
    assert keyring.match("reg.local:5000/a") == []


def _secret(kind: str, key: str, doc: Any) -> dict[str, Any]:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return {"type": kind, "data": {key: base64.b64encode(raw).decode()}}


def test_from_secrets_both_formats_and_field_precedence() -> None:
    keyring = Keyring.from_secrets(
        [
            _secret(
                "kubernetes.io/dockerconfigjson",
                ".dockerconfigjson",
                {"auths": {"a.io": {"auth": _auth("from-auth", "p1"), "username": "ignored"}}},
            ),
            _secret(
                "kubernetes.io/dockercfg",
                ".dockercfg",
                {"b.io": {"username": "plain", "password": "p2", "email": "e@x"}},
            ),
            {"type": "Opaque", "data": {"x": "eA=="}},
            _secret("kubernetes.io/dockerconfigjson", ".dockerconfigjson", b"not json"),
            _secret("kubernetes.io/dockerconfigjson", ".dockerconfigjson", {"a.io": {}}),
            _secret(
                "kubernetes.io/dockercfg",
                ".dockercfg",
                {"c.io": {"auth": base64.b64encode(b"no-colon").decode()}},
            ),
        ]
    )
    a = keyring.first("a.io")
    b = keyring.first("b.io")
    assert (a.username, a.password) == ("from-auth", "p1") if a else False
    assert (b.username, b.password, b.email) == ("plain", "p2", "e@x") if b else False
    assert keyring.first("c.io") is None
    assert keyring.skipped == 3
    assert len(keyring) == 2


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"auths": {"reg:5000": {"auth": _auth("u", "p")}}}))
    cred = Keyring.from_file(path).first("reg:5000", "ns/app")
    assert cred is not None
    assert (cred.username, cred.password, cred.location) == ("u", "p", "reg:5000")


def test_secrets_never_in_repr() -> None:
    cred = Credential("alice", "hunter2", identity_token="idtok")
    keyring = _keyring({"quay.io": "alice"})
    for text in (repr(cred), str(cred), repr(keyring), repr(keyring.lookup("quay.io"))):
        assert "hunter2" not in text
        assert "idtok" not in text
        assert "pw-alice" not in text
    assert repr(cred) == "Credential(username='alice', location='')"
