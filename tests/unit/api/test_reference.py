"""Pull-spec parsing and rendering against library-go's reference package behaviour."""

from __future__ import annotations

import time

import pytest

from imagestreams.api.reference import (
    DockerImageReference as Ref,
    InvalidReference,
    digest_or_image_match,
    join_image_stream_image,
    join_image_stream_tag,
    parse_digest,
    parse_image_stream_image_name,
    parse_image_stream_tag_name,
    split_image_stream_image,
    split_image_stream_tag,
)

D = "sha256:0f1b7e4ac25bd2b4a01fbb6b3c8b8dd1d8b82e2f43b7fda1cc6df6c3e0d1e3a9"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("mysql", Ref(name="mysql"), id="name-only"),
        pytest.param("mysql:8.0", Ref(name="mysql", tag="8.0"), id="name-tag"),
        pytest.param("a/b/c", Ref(namespace="a", name="b/c"), id="deep-path"),
        pytest.param(
            "docker.io/library/busybox:1",
            Ref(registry="docker.io", namespace="library", name="busybox", tag="1"),
            id="hub-full",
        ),
        pytest.param("example.com", Ref(registry="example.com"), id="registry-only-dot"),
        pytest.param(
            "localhost:5000", Ref(registry="localhost:5000"), id="registry-only-localhost"
        ),
        pytest.param(
            "localhost/app", Ref(registry="localhost", name="app"), id="localhost-registry"
        ),
        pytest.param(
            "registry:5000/ns/app",
            Ref(registry="registry:5000", namespace="ns", name="app"),
            id="port-registry",
        ),
        pytest.param(
            f"quay.io/ns/app:v1@{D}",
            Ref(registry="quay.io", namespace="ns", name="app", tag="v1", id=D),
            id="tag-and-digest",
        ),
        pytest.param(f"app@{D}", Ref(name="app", id=D), id="digest"),
        pytest.param(
            "172.30.30.30:5000/ns/is",
            Ref(registry="172.30.30.30:5000", namespace="ns", name="is"),
            id="ip-registry",
        ),
        pytest.param("UPPER/x", Ref(namespace="UPPER", name="x"), id="upper-host-like-namespace"),
        pytest.param(
            "a__b.c-d---e/f",
            Ref(registry="a__b.c-d---e", name="f"),
            id="dotted-first-component-is-a-registry",
        ),
        pytest.param("a__b-c/f", Ref(namespace="a__b-c", name="f"), id="separators-in-namespace"),
    ],
)
def test_parse(spec: str, expected: Ref) -> None:
    assert Ref.parse(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("", "repository name must have at least one component", id="empty"),
        pytest.param("Foo/Bar:latest", "repository name must be lowercase", id="uppercase-path"),
        pytest.param("a-|///bbb", "invalid reference format", id="garbage"),
        pytest.param("a/b@sha256:something", "invalid reference format", id="short-digest"),
        pytest.param("abc@badid", "invalid reference format", id="bad-id"),
        pytest.param("a:b:c", "invalid reference format", id="two-colons"),
        pytest.param("-leading", "invalid reference format", id="leading-separator"),
        pytest.param(
            "a" * 256, "repository name must not be more than 255 characters", id="too-long"
        ),
        pytest.param(
            "abc@sha256:" + "a" * 63, "invalid checksum digest length", id="digest-length"
        ),
        pytest.param("abc@md5:" + "a" * 32, "unsupported digest algorithm", id="digest-algorithm"),
        pytest.param("abc:" + "t" * 129, "invalid reference format", id="tag-too-long"),
    ],
)
def test_parse_errors(spec: str, message: str) -> None:
    with pytest.raises(InvalidReference) as exc:
        Ref.parse(spec)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("a" * 20000 + "!", id="long-component"),
        pytest.param("a-" * 10000 + "!", id="dashes"),
        pytest.param("a." * 10000 + "/b!", id="host-labels"),
        pytest.param("a_" * 10000 + "__!", id="underscores"),
        pytest.param("A" * 100000, id="uppercase"),
    ],
)
def test_parse_is_linear_on_hostile_input(spec: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidReference):
        Ref.parse(spec)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("spec", "exact", "string", "minimal", "daemon"),
    [
        pytest.param("busybox", "busybox", "busybox", "busybox", "busybox", id="bare"),
        pytest.param(
            "docker.io/busybox:latest",
            "docker.io/busybox:latest",
            "docker.io/library/busybox:latest",
            "docker.io/busybox",
            "docker.io/busybox",
            id="hub",
        ),
        pytest.param(
            "index.docker.io/library/busybox:1",
            "index.docker.io/library/busybox:1",
            "index.docker.io/library/busybox:1",
            "index.docker.io/library/busybox:1",
            "docker.io/busybox:1",
            id="hub-v1",
        ),
        pytest.param(
            f"quay.io/ns/app:v1@{D}",
            f"quay.io/ns/app@{D}",
            f"quay.io/ns/app@{D}",
            f"quay.io/ns/app@{D}",
            f"quay.io/ns/app@{D}",
            id="digest-wins",
        ),
        pytest.param("example.com", "", "", "", "", id="registry-only-renders-empty"),
    ],
)
def test_renderings(spec: str, exact: str, string: str, minimal: str, daemon: str) -> None:
    ref = Ref.parse(spec)
    assert (ref.exact(), str(ref), ref.minimal().exact(), ref.daemon_minimal().exact()) == (
        exact,
        string,
        minimal,
        daemon,
    )


def test_legacy_v1_id_renders_with_colon() -> None:
    assert Ref(name="app", id="abc123").exact() == "app:abc123"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(
            Ref(name="mysql"),
            Ref(registry="docker.io", namespace="library", name="mysql", tag="latest"),
            id="hub-defaults",
        ),
        pytest.param(
            Ref(registry="quay.io", name="app"),
            Ref(registry="quay.io", name="app", tag="latest"),
            id="no-library-off-hub",
        ),
    ],
)
def test_docker_client_defaults(ref: Ref, expected: Ref) -> None:
    assert ref.docker_client_defaults() == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(Ref(name="a", tag="t", id=D), Ref(name="a", id=D), id="digest-drops-tag"),
        pytest.param(Ref(name="a", id="v1id"), Ref(name="a", tag="v1id"), id="v1-id-becomes-tag"),
        pytest.param(Ref(name="a", tag="t"), Ref(name="a", tag="t"), id="no-id"),
        pytest.param(
            Ref(name="a", tag="t", id="v1id"),
            Ref(name="a", tag="t", id="v1id"),
            id="v1-id-with-tag-kept",
        ),
    ],
)
def test_most_specific(ref: Ref, expected: Ref) -> None:
    assert ref.most_specific() == expected


@pytest.mark.parametrize(
    ("spec", "insecure", "expected"),
    [
        pytest.param("busybox", False, ("docker.io", "443"), id="no-registry-is-docker-io"),
        pytest.param("busybox", True, ("docker.io", "80"), id="no-registry-insecure"),
        pytest.param("docker.io/a/b", False, ("registry-1.docker.io", "443"), id="hub-v2"),
        pytest.param("example.com/a/b", False, ("example.com", "443"), id="secure"),
        pytest.param("example.com:5000/a/b", True, ("example.com", "5000"), id="explicit-port"),
    ],
)
def test_registry_host_port(spec: str, insecure: bool, expected: tuple[str, str]) -> None:
    assert Ref.parse(spec).registry_host_port(insecure) == expected


def test_equal_and_repository_helpers() -> None:
    assert Ref.parse("mysql").equal(Ref.parse("docker.io/library/mysql:latest"))
    assert not Ref.parse("mysql").equal(Ref.parse("quay.io/mysql"))
    ref = Ref.parse(f"quay.io/ns/app:v1@{D}")
    assert ref.as_repository().exact() == "quay.io/ns/app"
    assert ref.repository_name() == "ns/app"
    assert Ref.parse("docker.io/a/b").as_v2().registry == "registry-1.docker.io"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("ruby:3.2", ("ruby", "3.2"), id="ok"),
        pytest.param("ruby", 'expected exactly one : delimiter in the istag "ruby"', id="no-colon"),
        pytest.param("a:b:c", 'expected exactly one : delimiter in the istag "a:b:c"', id="two"),
        pytest.param(":t", 'image stream tag name ":t" must have a name and a tag', id="no-name"),
        pytest.param("s:", 'image stream tag name "s:" must have a name and a tag', id="no-tag"),
        pytest.param(
            f"s@{D}", f'"s@{D}" is an image stream image, not an image stream tag', id="at-sign"
        ),
    ],
)
def test_parse_image_stream_tag_name(name: str, expected: tuple[str, str] | str) -> None:
    if isinstance(expected, tuple):
        assert parse_image_stream_tag_name(name) == expected
    else:
        with pytest.raises(InvalidReference) as exc:
            parse_image_stream_tag_name(name)
        assert str(exc.value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(f"ruby@{D}", ("ruby", D), id="ok"),
        pytest.param("ruby@0f1b", ("ruby", "0f1b"), id="prefix"),
        pytest.param("ruby", 'expected exactly one @ in the isimage name "ruby"', id="no-at"),
        pytest.param("a@b@c", 'expected exactly one @ in the isimage name "a@b@c"', id="two"),
        pytest.param("@x", 'image stream image name "@x" must have a name and ID', id="no-name"),
    ],
)
def test_parse_image_stream_image_name(name: str, expected: tuple[str, str] | str) -> None:
    if isinstance(expected, tuple):
        assert parse_image_stream_image_name(name) == expected
    else:
        with pytest.raises(InvalidReference) as exc:
            parse_image_stream_image_name(name)
        assert str(exc.value) == expected


def test_split_and_join() -> None:
    assert split_image_stream_tag("ruby") == ("ruby", "latest", False)
    assert split_image_stream_tag("ruby:") == ("ruby", "latest", True)
    assert split_image_stream_tag("ruby:a:b") == ("ruby", "a:b", True)
    assert split_image_stream_image("ruby@x") == ("ruby", "x", True)
    assert join_image_stream_tag("ruby", "") == "ruby:latest"
    assert join_image_stream_image("ruby", D) == f"ruby@{D}"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param(D, None, id="sha256"),
        pytest.param("sha512:" + "ab" * 64, None, id="sha512"),
        pytest.param("sha256:xyz", "invalid checksum digest format", id="not-hex"),
        pytest.param("sha256", "invalid checksum digest format", id="no-colon"),
        pytest.param("sha1:" + "a" * 40, "unsupported digest algorithm", id="sha1"),
        pytest.param("sha256:abc", "invalid checksum digest length", id="short"),
    ],
)
def test_parse_digest(value: str, error: str | None) -> None:
    if error is None:
        assert parse_digest(value) == value
    else:
        with pytest.raises(InvalidReference, match=error):
            parse_digest(value)


@pytest.mark.parametrize(
    ("image", "prefix", "match"),
    [
        pytest.param(D, "0f1b", True, id="hex-prefix"),
        pytest.param(D, "sha256:0f1b", True, id="full-prefix"),
        pytest.param(D, "", True, id="empty-matches"),
        pytest.param(D, "ffff", False, id="other"),
        pytest.param("image1", "image", True, id="plain-name"),
        pytest.param("image1", "1", False, id="plain-name-no-hex-rule"),
    ],
)
def test_digest_or_image_match(image: str, prefix: str, match: bool) -> None:
    assert digest_or_image_match(image, prefix) is match
