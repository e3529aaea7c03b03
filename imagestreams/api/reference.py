"""Container image pull specs and composite resource names, with library-go's semantics.

``DockerImageReference.parse`` accepts exactly the grammar of library-go's ``reference.Parse``
(the Docker distribution grammar) and fails with the same messages, because validation errors
quote them verbatim (``invalid reference format``, ``repository name must be lowercase``, ...).
It then splits the name into registry / namespace / name by the same heuristics: a first path
component containing ``.`` or ``:`` or equal to ``localhost`` is a registry; a single component
with a ``.`` or starting with ``localhost`` is a registry only.

The grammar is checked component by component instead of with one big regular expression:
Go's RE2 is linear-time, Python's backtracking engine is not, and pull specs come from clients.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

__all__ = [
    "DOCKER_DEFAULT_REGISTRY",
    "DOCKER_DEFAULT_V1_REGISTRY",
    "DOCKER_DEFAULT_V2_REGISTRY",
    "NAME_TOTAL_LENGTH_MAX",
    "DockerImageReference",
    "InvalidReference",
    "digest_or_image_match",
    "is_registry_docker_hub",
    "join_image_stream_image",
    "join_image_stream_tag",
    "parse_digest",
    "parse_image_stream_image_name",
    "parse_image_stream_tag_name",
    "split_image_stream_image",
    "split_image_stream_tag",
]

DOCKER_DEFAULT_REGISTRY = "docker.io"
DOCKER_DEFAULT_V1_REGISTRY = "index.docker.io"
DOCKER_DEFAULT_V2_REGISTRY = "registry-1.docker.io"
NAME_TOTAL_LENGTH_MAX = 255
_DEFAULT_TAG = "latest"

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST_LABEL = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")
_TAG = re.compile(r"\w[\w.-]{0,127}", re.ASCII)
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_DIGEST_LOOSE = re.compile(r"[a-zA-Z0-9\-_+.]+:[a-fA-F0-9]+")
_DIGEST_SIZES = {"sha256": 64, "sha384": 96, "sha512": 128}


def _q(value: str) -> str:
    """Go's ``%q`` for ordinary strings."""
    return json.dumps(value, ensure_ascii=False)


class InvalidReference(ValueError):
    """A pull spec or composite name that does not parse; ``str()`` is the upstream message."""


def parse_digest(value: str) -> str:
    """Validate ``alg:hex`` as go-digest's ``ParseDigest`` (sha256/384/512 only); return it."""
    if not _DIGEST_LOOSE.fullmatch(value):
        raise InvalidReference("invalid checksum digest format")
    algorithm, _, hexpart = value.partition(":")
    size = _DIGEST_SIZES.get(algorithm)
    if size is None:
        raise InvalidReference("unsupported digest algorithm")
    if len(hexpart) != size:
        raise InvalidReference("invalid checksum digest length")
    return value


def _is_digest(value: str) -> bool:
    try:
        parse_digest(value)
    except InvalidReference:
        return False
    return True


def _is_host(segment: str) -> bool:
    host, colon, port = segment.partition(":")
    if colon and not (port.isascii() and port.isdigit()):
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def _is_name(name: str) -> bool:
    parts = name.split("/")
    if all(_COMPONENT.fullmatch(p) for p in parts):
        return True
    return len(parts) > 1 and _is_host(parts[0]) and all(_COMPONENT.fullmatch(p) for p in parts[1:])


def _match(spec: str) -> tuple[str, str, str] | None:
    """``(name, tag, digest)`` when ``spec`` matches the reference grammar as a whole."""
    rest, at, digest = spec.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        return None
    slash = rest.rfind("/")
    colon = rest.find(":", slash + 1)
    name, tag = (rest[:colon], rest[colon + 1 :]) if colon != -1 else (rest, "")
    if colon != -1 and not _TAG.fullmatch(tag):
        return None
    if not _is_name(name):
        return None
    return name, tag, digest


def is_registry_docker_hub(registry: str) -> bool:
    return registry in (
        DOCKER_DEFAULT_REGISTRY,
        DOCKER_DEFAULT_V1_REGISTRY,
        DOCKER_DEFAULT_V2_REGISTRY,
    )


@dataclass(frozen=True, slots=True)
class DockerImageReference:
    """``[registry/][namespace/]name[:tag][@id]``; every transform returns a new value."""

    registry: str = ""
    namespace: str = ""
    name: str = ""
    tag: str = ""
    id: str = ""

    @classmethod
    def parse(cls, spec: str) -> DockerImageReference:
        """Parse a pull spec or raise ``InvalidReference`` with library-go's message."""
        matched = _match(spec)
        if matched is None:
            if spec == "":
                raise InvalidReference("repository name must have at least one component")
            if _match(spec.lower()) is not None:
                raise InvalidReference("repository name must be lowercase")
            raise InvalidReference("invalid reference format")
        name, tag, digest = matched
        if len(name) > NAME_TOTAL_LENGTH_MAX:
            raise InvalidReference(
                f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            )
        if digest:
            parse_digest(digest)
        i = name.find("/")
        registry_only = i == -1 and ("." in name or name.startswith("localhost"))
        if registry_only:
            return cls(registry=spec, id=digest)
        registry, path = "", name
        if i != -1 and (":" in name[:i] or "." in name[:i] or name[:i] == "localhost"):
            registry, path = name[:i], name[i + 1 :]
        namespace, slash, rest = path.partition("/")
        if slash:
            return cls(registry=registry, namespace=namespace, name=rest, tag=tag, id=digest)
        return cls(registry=registry, name=path, tag=tag, id=digest)

    # -- renderings ---------------------------------------------------------------------------
    def name_string(self) -> str:
        """``name[@id|:id|:tag]``; an id that is not a digest is a legacy v1 id (``:id``)."""
        if not self.name:
            return ""
        if self.id:
            return f"{self.name}@{self.id}" if _is_digest(self.id) else f"{self.name}:{self.id}"
        if self.tag:
            return f"{self.name}:{self.tag}"
        return self.name

    def exact(self) -> str:
        """The reference exactly as held, with no defaults filled in."""
        name = self.name_string()
        if not name:
            return ""
        prefix = f"{self.registry}/" if self.registry else ""
        if self.namespace:
            prefix += f"{self.namespace}/"
        return prefix + name

    def __str__(self) -> str:
        """As ``Exact()`` but with ``library`` filled in for Docker Hub hosts (Go ``String()``)."""
        if not self.namespace and is_registry_docker_hub(self.registry):
            return replace(self, namespace="library").exact()
        return self.exact()

    def repository_name(self) -> str:
        return replace(self, tag="", id="", registry="").exact()

    # -- transforms ---------------------------------------------------------------------------
    def docker_client_defaults(self) -> DockerImageReference:
        """Fill registry ``docker.io``, namespace ``library`` (hub only) and tag ``latest``."""
        registry = self.registry or DOCKER_DEFAULT_REGISTRY
        namespace = self.namespace
        if not namespace and is_registry_docker_hub(registry):
            namespace = "library"
        return replace(self, registry=registry, namespace=namespace, tag=self.tag or _DEFAULT_TAG)

    def minimal(self) -> DockerImageReference:
        """Drop a ``latest`` tag."""
        return replace(self, tag="") if self.tag == _DEFAULT_TAG else self

    def daemon_minimal(self) -> DockerImageReference:
        """The shortest form the docker daemon accepts for the same image."""
        ref = self
        if ref.registry in (DOCKER_DEFAULT_V1_REGISTRY, DOCKER_DEFAULT_V2_REGISTRY):
            ref = replace(ref, registry=DOCKER_DEFAULT_REGISTRY)
        if is_registry_docker_hub(ref.registry) and ref.namespace == "library":
            ref = replace(ref, namespace="")
        return ref.minimal()

    def as_repository(self) -> DockerImageReference:
        return replace(self, tag="", id="")

    def as_v2(self) -> DockerImageReference:
        """Docker Hub's v2 API host for ``docker.io``/``index.docker.io``."""
        if self.registry in (DOCKER_DEFAULT_V1_REGISTRY, DOCKER_DEFAULT_REGISTRY):
            return replace(self, registry=DOCKER_DEFAULT_V2_REGISTRY)
        return self

    def most_specific(self) -> DockerImageReference:
        """Drop the tag when a valid digest is present; a non-digest id becomes the tag."""
        if not self.id:
            return self
        if _is_digest(self.id):
            return replace(self, tag="")
        if not self.tag:
            return replace(self, tag=self.id, id="")
        return self

    def registry_host_port(self, insecure: bool) -> tuple[str, str]:
        """``(host, port)`` of the v2 registry; the port defaults to 443, or 80 if insecure."""
        registry = self.as_v2().docker_client_defaults().registry
        if ":" in registry:
            host, _, port = registry.rpartition(":")
            return host.strip("[]"), port
        return registry, "80" if insecure else "443"

    def equal(self, other: DockerImageReference) -> bool:
        """Equal after client defaults (``mysql`` equals ``docker.io/library/mysql:latest``)."""
        return self.docker_client_defaults() == other.docker_client_defaults()


# -- composite names ---------------------------------------------------------------------------


def split_image_stream_tag(name_and_tag: str) -> tuple[str, str, bool]:
    """``(stream, tag, ok)``: split on the first ``:``, tag ``latest`` when missing."""
    name, colon, tag = name_and_tag.partition(":")
    return name, tag or _DEFAULT_TAG, bool(colon)


def split_image_stream_image(name_and_id: str) -> tuple[str, str, bool]:
    name, at, image_id = name_and_id.partition("@")
    return name, image_id, bool(at)


def join_image_stream_tag(name: str, tag: str) -> str:
    return f"{name}:{tag or _DEFAULT_TAG}"


def join_image_stream_image(name: str, image_id: str) -> str:
    return f"{name}@{image_id}"


def parse_image_stream_tag_name(istag: str) -> tuple[str, str]:
    """``stream:tag`` -> ``(stream, tag)`` or ``InvalidReference`` with library-go's message."""
    if "@" in istag:
        raise InvalidReference(f"{_q(istag)} is an image stream image, not an image stream tag")
    segments = istag.split(":")
    if len(segments) != 2:
        raise InvalidReference(f"expected exactly one : delimiter in the istag {_q(istag)}")
    name, tag = segments
    if not name or not tag:
        raise InvalidReference(f"image stream tag name {_q(istag)} must have a name and a tag")
    return name, tag


def parse_image_stream_image_name(isimage: str) -> tuple[str, str]:
    """``stream@id`` -> ``(stream, id)`` or ``InvalidReference`` with library-go's message."""
    segments = isimage.split("@")
    if len(segments) != 2:
        raise InvalidReference(f"expected exactly one @ in the isimage name {_q(isimage)}")
    name, image_id = segments
    if not name or not image_id:
        raise InvalidReference(f"image stream image name {_q(isimage)} must have a name and ID")
    return name, image_id


def digest_or_image_match(image: str, image_id: str) -> bool:
    """True when image name ``image`` matches the (possibly short) id ``image_id`` (spec 5.6)."""
    if _is_digest(image):
        hexpart = image.partition(":")[2]
        return hexpart.startswith(image_id) or image.startswith(image_id)
    return image.startswith(image_id)
