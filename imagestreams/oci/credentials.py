"""Registry credentials from docker config files and pull secrets, matched like upstream.

Imports use the namespace's ``kubernetes.io/dockerconfigjson`` (``{"auths": {loc: entry}}``) and
legacy ``kubernetes.io/dockercfg`` (``{loc: entry}``) secrets. Upstream feeds them into the
kubelet's ``BasicDockerKeyring``; :class:`Keyring` reproduces its matching exactly:

* a location is normalised to ``host[:port][/path]``: the scheme is dropped and a leading
  ``/v1/`` or ``/v2/`` is stripped, so ``https://index.docker.io/v1/`` becomes ``index.docker.io``;
* keys are tried in reverse lexical order, so ``quay.io/team`` wins over ``quay.io``;
* a key matches when the ports are equal, the hosts have as many dot-separated parts and each
  part glob-matches (``*.example.com``), and the key's path is a string prefix of the target's;
* nothing matched and the target is Docker Hub -> the ``index.docker.io`` entry.

On top of that, :meth:`Keyring.lookup` applies the fallbacks of openshift's ``BasicFromKeyring``
(``index.docker.io`` -> ``docker.io``, canonical ``:443`` dropped) and treats the Docker Hub
names ``docker.io``, ``index.docker.io`` and ``registry-1.docker.io`` as one registry, since the
importer talks to ``registry-1.docker.io`` while people store ``docker.io`` credentials.

Credentials never show up in ``repr``; entries that cannot be decoded are skipped and counted in
``Keyring.skipped`` (their content is not kept).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import fnmatch
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DOCKER_HUB_HOSTS",
    "Credential",
    "Keyring",
    "normalize_location",
]

DOCKER_HUB_HOSTS: Final = ("index.docker.io", "docker.io", "registry-1.docker.io")
_DEFAULT_REGISTRY_KEY: Final = "index.docker.io"
_SECRET_KEYS: Final = {
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/dockercfg": ".dockercfg",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Credential:
    """A username/password pair for one registry location; secrets are kept out of ``repr``."""

    username: str
    password: str = dataclasses.field(repr=False)
    email: str = ""
    identity_token: str = dataclasses.field(default="", repr=False)
    location: str = ""

    def __repr__(self) -> str:
        return f"Credential(username={self.username!r}, location={self.location!r})"

    __str__ = __repr__


def normalize_location(location: str) -> str | None:
    """A docker config key as the keyring stores it, or ``None`` when it is unusable."""
    value = location.strip()
    for scheme in ("https://", "http://"):
        if value.startswith(scheme):
            value = value[len(scheme) :]
            break
    host, sep, path = value.partition("/")
    if not host or any(c in host for c in " @?#"):
        return None
    path = sep + path
    path = path.split("?", 1)[0].split("#", 1)[0]
    if path.startswith(("/v2/", "/v1/")):
        path = path[3:]
    if path and path != "/":
        return host + path
    return host


def _split_host(target: str) -> tuple[list[str], str, str]:
    """``host:port/path`` -> (host parts, port, path) like Go's ``SplitURL`` + ``url.Path``."""
    hostport, sep, path = target.partition("/")
    path = sep + path
    host, port = hostport, ""
    if hostport.count(":") == 1:
        host, port = hostport.split(":")
    return host.split("."), port, path


def _urls_match(glob: str, target: str) -> bool:
    glob_parts, glob_port, glob_path = _split_host(glob)
    target_parts, target_port, target_path = _split_host(target)
    if glob_port != target_port or len(glob_parts) != len(target_parts):
        return False
    if not target_path.startswith(glob_path):
        return False
    return all(fnmatch.fnmatchcase(t, g) for g, t in zip(glob_parts, target_parts, strict=True))


def _is_default_registry_match(image: str) -> bool:
    first, sep, _ = image.partition("/")
    if not first:
        return False
    if not sep:
        return True
    if first in ("docker.io", "index.docker.io"):
        return True
    return not any(c in first for c in ".:")


def _decode_entry(location: str, entry: Any) -> Credential | None:
    if not isinstance(entry, Mapping):
        return None
    username = entry.get("username") or ""
    password = entry.get("password") or ""
    auth = entry.get("auth") or ""
    if not all(isinstance(v, str) for v in (username, password, auth)):
        return None
    if auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        if not sep:
            return None
    email = entry.get("email") or ""
    token = entry.get("identitytoken") or ""
    return Credential(
        username=username,
        password=password,
        email=email if isinstance(email, str) else "",
        identity_token=token if isinstance(token, str) else "",
        location=location,
    )


class Keyring:
    """Docker credentials indexed the way kubelet's ``BasicDockerKeyring`` indexes them."""

    def __init__(self) -> None:
        self._creds: dict[str, list[Credential]] = {}
        self._index: list[str] = []
        self.skipped = 0

    def __repr__(self) -> str:
        return f"Keyring(locations={self._index!r})"

    def __len__(self) -> int:
        return sum(len(v) for v in self._creds.values())

    # -- building ---------------------------------------------------------------------------

    def add_docker_config(self, config: Mapping[str, Any]) -> None:
        """Add ``{"auths": {...}}`` (config.json) or legacy ``{location: entry}`` (dockercfg)."""
        auths = config.get("auths")
        entries: Mapping[str, Any] = auths if isinstance(auths, Mapping) else config
        for location, entry in entries.items():
            key = normalize_location(location) if isinstance(location, str) else None
            cred = _decode_entry(location, entry) if key is not None else None
            if key is None or cred is None:
                self.skipped += 1
                continue
            self._creds.setdefault(key, []).append(cred)
        self._index = sorted(self._creds, reverse=True)

    def add_secret(self, secret: Mapping[str, Any]) -> bool:
        """Add a ``dockerconfigjson``/``dockercfg`` Secret (base64 ``data``); False if unusable."""
        data_key = _SECRET_KEYS.get(str(secret.get("type", "")))
        data = secret.get("data")
        if data_key is None or not isinstance(data, Mapping):
            return False
        encoded = data.get(data_key)
        if not isinstance(encoded, str):
            self.skipped += 1
            return False
        try:
            config = json.loads(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            self.skipped += 1
            return False
        if not isinstance(config, dict):
            self.skipped += 1
            return False
        if data_key == ".dockerconfigjson" and not isinstance(config.get("auths"), Mapping):
            self.skipped += 1
            return False
        self.add_docker_config(config)
        return True

    @classmethod
    def from_secrets(cls, secrets: Iterable[Mapping[str, Any]]) -> Keyring:
        """A keyring of every docker-config secret in ``secrets``, in order."""
        keyring = cls()
        for secret in secrets:
            keyring.add_secret(secret)
        return keyring

    @classmethod
    def from_file(cls, path: str | Path) -> Keyring:
        """A keyring from a ``config.json`` or legacy ``.dockercfg`` file."""
        keyring = cls()
        config = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(config, dict):
            keyring.add_docker_config(config)
        return keyring

    # -- lookup -----------------------------------------------------------------------------

    def match(self, image: str) -> list[Credential]:
        """Upstream ``BasicDockerKeyring.Lookup``: ``image`` is ``host[:port]/path`` (no scheme)."""
        found: list[Credential] = []
        for key in self._index:
            if _urls_match(key, image):
                found.extend(self._creds[key])
        if not found and _is_default_registry_match(image):
            found.extend(self._creds.get(_DEFAULT_REGISTRY_KEY, ()))
        return found

    def lookup(self, registry_host: str, repository: str = "") -> list[Credential]:
        """Credentials for ``registry_host`` (optionally a repository in it), best match first.

        ``registry_host`` may carry a scheme, a port and a path (``https://quay.io/ns``).
        """
        location = normalize_location(registry_host)
        if location is None:
            return []
        if repository:
            location = f"{location.rstrip('/')}/{repository.strip('/')}"
        host, _, path = location.partition("/")
        # Always a path, so a bare host is never mistaken for a Docker Hub image name.
        path = "/" + path
        candidates = [host]
        if host.endswith(":443"):
            candidates.append(host[: -len(":443")])
        if host in DOCKER_HUB_HOSTS:
            candidates.extend(h for h in DOCKER_HUB_HOSTS if h != host)
        for candidate in candidates:
            found = self.match(candidate + path)
            if found:
                return found
        return []

    def first(self, registry_host: str, repository: str = "") -> Credential | None:
        """The credential upstream would use (``configs[0]``), or None."""
        found = self.lookup(registry_host, repository)
        return found[0] if found else None
