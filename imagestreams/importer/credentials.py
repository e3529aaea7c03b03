"""Which registry credential an import uses: namespace pull secrets, then the server's file.

Upstream builds the importer's credential store from the namespace's docker-config secrets (the
``imagestreams/<name>/secrets`` view, spec §12.2) and unions it with the node's credentials; the
first matching entry wins (§13.2 step 5). Here the node's credentials are the server-wide
``--import-credentials-file`` (a docker ``config.json``). :class:`CredentialChain` asks each
keyring in turn, so a namespace secret for ``quay.io/team`` beats the server's ``quay.io`` entry
and the server file still covers registries the namespace has no secret for.

The chain is built per request from freshly read secrets; clients are shared per
(registry, credential) by the importer's pool, so a rotated secret takes effect on the next
import without restarting anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from imagestreams.api.image_v1 import ANNOTATION_EXCLUDE_IMAGE_SECRET
from imagestreams.oci.credentials import Credential, Keyring

__all__ = [
    "ANONYMOUS",
    "PULL_SECRET_TYPES",
    "CredentialChain",
    "is_pull_secret",
    "load_keyring_file",
]

PULL_SECRET_TYPES: Final = ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson")


def is_pull_secret(secret: Mapping[str, Any]) -> bool:
    """The ``imagestreams/secrets`` filter: docker-config types, not excluded by annotation."""
    if secret.get("type") not in PULL_SECRET_TYPES:
        return False
    metadata = secret.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    return bool(annotations.get(ANNOTATION_EXCLUDE_IMAGE_SECRET) != "true")


def load_keyring_file(path: str | Path) -> Keyring:
    """The server-wide credentials (``--import-credentials-file``); raises on unreadable files
    so a typo in the flag fails the start instead of every private import."""
    return Keyring.from_file(path)


class CredentialChain:
    """Keyrings asked in order; the first one with a match decides."""

    def __init__(self, *keyrings: Keyring) -> None:
        self._keyrings = tuple(k for k in keyrings if len(k))

    def __repr__(self) -> str:
        return f"CredentialChain({len(self._keyrings)} keyrings)"

    def __bool__(self) -> bool:
        return bool(self._keyrings)

    @classmethod
    def from_secrets(
        cls, secrets: Iterable[Mapping[str, Any]], server: Keyring | None = None
    ) -> CredentialChain:
        """Namespace ``secrets`` (filtered with :func:`is_pull_secret`) before ``server``."""
        namespace = Keyring.from_secrets(s for s in secrets if is_pull_secret(s))
        return cls(namespace, *(() if server is None else (server,)))

    def first(self, registry_host: str, repository: str = "") -> Credential | None:
        """The credential for ``repository`` on ``registry_host``, or None (anonymous)."""
        for keyring in self._keyrings:
            found = keyring.first(registry_host, repository)
            if found is not None:
                return found
        return None


ANONYMOUS: Final = CredentialChain()
