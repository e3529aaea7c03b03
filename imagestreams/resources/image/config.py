"""Server-wide settings of the image API group and the values derived from them.

Upstream reads these from the openshift-apiserver configuration: the internal registry hostname
(``status.dockerImageRepository``), the first external registry hostname
(``status.publicDockerImageRepository``), ``imagePolicyConfig.allowedRegistriesForImport`` and
the default import mode. They are fixed for the life of the server, so one frozen value is shared
by every strategy and REST object of the group.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagestreams.api.image_v1 import IMPORT_MODE_LEGACY
from imagestreams.validation.whitelist import AllowedRegistry, RegistryWhitelister

__all__ = ["ImageConfig"]


@dataclass(frozen=True, slots=True)
class ImageConfig:
    registry_hostname: str = ""
    """Internal registry ``host[:port]``; ``""`` = none (status repository = spec repository)."""
    public_registry_hostname: str = ""
    """External hostname of the registry; ``""`` = ``publicDockerImageRepository`` omitted."""
    allowed_registries: tuple[AllowedRegistry, ...] | None = None
    """``None``: every registry may be imported from; otherwise only these (and the internal
    registry)."""
    import_mode: str = IMPORT_MODE_LEGACY
    """The cluster default ``importPolicy.importMode``."""

    def whitelister(self) -> RegistryWhitelister | None:
        """A fresh whitelister (callers may exempt references on it), or ``None``."""
        if self.allowed_registries is None:
            return None
        return RegistryWhitelister(
            self.allowed_registries, internal_registry=self.registry_hostname
        )

    def repository(self, namespace: str, name: str, spec_repository: str) -> str:
        """``status.dockerImageRepository`` (spec 4.2)."""
        if self.registry_hostname:
            return f"{self.registry_hostname}/{namespace}/{name}"
        return spec_repository

    def public_repository(self, namespace: str, name: str) -> str:
        """``status.publicDockerImageRepository`` (spec 4.2); ``""`` when not configured."""
        if self.public_registry_hostname:
            return f"{self.public_registry_hostname}/{namespace}/{name}"
        return ""
