"""Allowed registries for import (spec 4.10): globs, default ports, transports, messages."""

from __future__ import annotations

import pytest

from imagestreams.api.reference import DockerImageReference
from imagestreams.validation.whitelist import (
    AllowedRegistry,
    RegistryWhitelister,
    Transport,
    wildcard_match,
)


@pytest.mark.parametrize(
    ("value", "pattern", "match"),
    [
        pytest.param("example.com", "*.example.com", False, id="star-needs-dot"),
        pytest.param("a.example.com", "*.example.com", True, id="subdomain"),
        pytest.param("5000", "*", True, id="any-port"),
        pytest.param("ab", "a?", True, id="question-one-char"),
        pytest.param("a", "a?", False, id="question-needs-char"),
        pytest.param("", "*", True, id="star-empty"),
    ],
)
def test_wildcard_match(value: str, pattern: str, match: bool) -> None:
    assert wildcard_match(value, pattern) is match


@pytest.mark.parametrize(
    ("allowed", "spec", "transport", "expected"),
    [
        pytest.param(
            [AllowedRegistry("example.com:*")],
            "foo/bar:biz",
            Transport.SECURE,
            'registry "docker.io:443" not allowed by whitelist: "example.com:*"',
            id="hub-default-host-port-in-message",
        ),
        pytest.param(
            [AllowedRegistry("example.com", insecure=True)],
            "example.com/foo/bar:baz",
            Transport.SECURE,
            'registry "example.com" not allowed by whitelist: "example.com:80"',
            id="insecure-entry-not-matched-by-secure-reference",
        ),
        pytest.param(
            [AllowedRegistry("example.com")],
            "example.com/foo/bar:baz",
            Transport.ANY,
            None,
            id="insecure-tag-accepts-secure-entry",
        ),
        pytest.param(
            [AllowedRegistry("docker.io")],
            "registry-1.docker.io/a/b",
            Transport.SECURE,
            None,
            id="hub-aliases-checked-as-docker-io",
        ),
        pytest.param(
            [AllowedRegistry(f"r{i}.io") for i in range(7)],
            "quay.io/a",
            Transport.SECURE,
            'registry "quay.io" not allowed by whitelist: "r0.io:443", "r1.io:443", '
            '"r2.io:443", "r3.io:443", and 3 more ...',
            id="at-most-five-listed",
        ),
    ],
)
def test_admit_reference(
    allowed: list[AllowedRegistry], spec: str, transport: Transport, expected: str | None
) -> None:
    whitelister = RegistryWhitelister(allowed)
    assert whitelister.admit_reference(DockerImageReference.parse(spec), transport) == expected


def test_internal_registry_is_listed_first() -> None:
    whitelister = RegistryWhitelister(
        [AllowedRegistry("example.com")], internal_registry="image-registry.svc:5000"
    )
    assert whitelister.admit_hostname("quay.io", Transport.SECURE) == (
        'registry "quay.io" not allowed by whitelist: "image-registry.svc:5000", "example.com:443"'
    )


def test_allow_all_and_repository_exemption() -> None:
    assert (
        RegistryWhitelister.allow_all().admit_pull_spec("quay.io/a/b:1", Transport.SECURE) is None
    )
    whitelister = RegistryWhitelister([])
    exempt = whitelister.copy()
    exempt.whitelist_repository("quay.io/a/b:1")
    assert exempt.admit_pull_spec(f"quay.io/a/b@sha256:{'0' * 64}", Transport.SECURE) is None
    assert whitelister.admit_pull_spec("quay.io/a/b", Transport.SECURE) is not None


def test_too_many_colons() -> None:
    with pytest.raises(
        ValueError, match='failed to parse allowed registry "a:b:c": too many colons'
    ):
        RegistryWhitelister([AllowedRegistry("a:b:c")])
