"""Allowed registries for import (``imagePolicyConfig.allowedRegistriesForImport``, spec 4.10).

Mirrors openshift-apiserver's ``validation/whitelist`` package: entries are ``host[:port]`` globs
(``*``/``?``); an entry without a port means 443 when secure, 80 when insecure. The internal
registry is always allowed. A reference is checked with a *transport*: ``secure`` (port 443 by
default), ``insecure`` (port 80) or ``any`` (the tag/stream is insecure: 80 and 443 both pass).
Repositories already present in a stored object can be exempted with ``whitelist_repository`` on a
``copy()``, so users can keep or delete references that are no longer allowed.

Admission returns the upstream error text (or ``None``), which validation wraps into a
``Forbidden`` field error.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass

from imagestreams.api.reference import DOCKER_DEFAULT_REGISTRY, DockerImageReference

__all__ = ["AllowedRegistry", "RegistryWhitelister", "Transport", "wildcard_match"]

_SHOW_MAX = 5


class Transport(enum.Enum):
    ANY = "any"
    SECURE = "secure"
    INSECURE = "insecure"

    @classmethod
    def for_flag(cls, insecure: bool) -> Transport:
        """The transport validation uses for a tag: insecure tags accept either port."""
        return cls.ANY if insecure else cls.SECURE


@dataclass(frozen=True, slots=True)
class AllowedRegistry:
    """One ``allowedRegistriesForImport`` entry."""

    domain_name: str
    insecure: bool = False


def wildcard_match(value: str, pattern: str) -> bool:
    """Glob match where ``*`` is any run (also empty) and ``?`` is one character."""
    row = [True] + [False] * len(value)
    for p in pattern:
        nxt = [row[0] and p == "*"] + [False] * len(value)
        for i, letter in enumerate(value, start=1):
            if p == "*":
                nxt[i] = nxt[i - 1] or row[i]
            else:
                nxt[i] = row[i - 1] and (p in ("?", letter))
        row = nxt
    return row[len(value)]


def _split_host_port(registry: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort`` for the forms registries use; ``None`` when there is no port."""
    if registry.startswith("["):
        end = registry.find("]")
        if end == -1 or registry[end + 1 : end + 2] != ":":
            return None
        return registry[1:end], registry[end + 2 :]
    if registry.count(":") != 1:
        return None
    host, _, port = registry.partition(":")
    return host, port


def _join_host_port(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class RegistryWhitelister:
    """Decides whether a registry may be imported from."""

    def __init__(
        self, allowed: Iterable[AllowedRegistry] = (), *, internal_registry: str = ""
    ) -> None:
        self._globs: list[tuple[str, str]] = []
        self._repositories: set[str] = set()
        for entry in reversed(list(allowed)):
            transport = Transport.INSECURE if entry.insecure else Transport.SECURE
            self.whitelist_registry(entry.domain_name, transport)
        if internal_registry:
            self.whitelist_registry(internal_registry, Transport.SECURE)

    @classmethod
    def allow_all(cls) -> RegistryWhitelister:
        whitelister = cls()
        whitelister._globs = [("*", "*")]
        return whitelister

    def copy(self) -> RegistryWhitelister:
        other = RegistryWhitelister()
        other._globs = list(self._globs)
        other._repositories = set(self._repositories)
        return other

    def whitelist_registry(self, host_port_glob: str, transport: Transport) -> None:
        """Allow ``host[:port]`` (globs allowed); raises ``ValueError`` on too many colons."""
        parts = host_port_glob.split(":", 2)
        if len(parts) > 2:
            raise ValueError(
                f"failed to parse allowed registry {json.dumps(host_port_glob)}: too many colons"
            )
        if len(parts) == 2:
            pairs = [(parts[0], parts[1])]
        elif transport is Transport.ANY:
            pairs = [(parts[0], "80"), (parts[0], "443")]
        elif transport is Transport.INSECURE:
            pairs = [(parts[0], "80")]
        else:
            pairs = [(parts[0], "443")]
        for pair in pairs:
            if pair not in self._globs:
                self._globs.insert(0, pair)

    def whitelist_repository(self, pull_spec: str) -> None:
        """Exempt a repository (raises ``InvalidReference`` when the pull spec does not parse)."""
        ref = DockerImageReference.parse(pull_spec)
        self._repositories.add(_canonical_repository(ref))

    def admit_hostname(self, hostname: str, transport: Transport) -> str | None:
        return self.admit_reference(DockerImageReference(registry=hostname), transport)

    def admit_pull_spec(self, pull_spec: str, transport: Transport) -> str | None:
        return self.admit_reference(DockerImageReference.parse(pull_spec), transport)

    def admit_reference(self, ref: DockerImageReference, transport: Transport) -> str | None:
        """``None`` when allowed, else upstream's ``registry "..." not allowed by ...`` text."""
        if self._repositories and _canonical_repository(ref) in self._repositories:
            return None
        if transport is Transport.ANY:
            split = _split_host_port(ref.registry)
            host, port = split if split and split[1] else (ref.registry, "")
            if not host:
                host, _ = ref.registry_host_port(False)
        else:
            host, port = ref.registry_host_port(transport is Transport.INSECURE)

        if host in ("index.docker.io", "registry-1.docker.io") and self._match(
            DOCKER_DEFAULT_REGISTRY, port
        ):
            return None
        if self._match(host, port):
            return None

        hostname = ref.registry or (_join_host_port(host, port) if port else host)
        if not self._globs:
            return f"registry {json.dumps(hostname)} not allowed by empty whitelist"
        shown = [json.dumps(_join_host_port(h, p)) for h, p in self._globs]
        text = f"registry {json.dumps(hostname)} not allowed by whitelist: "
        if len(shown) <= _SHOW_MAX:
            return text + ", ".join(shown)
        return (
            text
            + ", ".join(shown[: _SHOW_MAX - 1])
            + f", and {len(shown) - _SHOW_MAX + 1} more ..."
        )

    def _match(self, host: str, port: str) -> bool:
        for glob_host, glob_port in self._globs:
            if not wildcard_match(host, glob_host):
                continue
            if not port:
                if glob_port in ("80", "443", "*"):
                    return True
                continue
            if wildcard_match(port, glob_port):
                return True
        return False


def _canonical_repository(ref: DockerImageReference) -> str:
    return ref.docker_client_defaults().as_repository().exact()
