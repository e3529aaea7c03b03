"""Import-related server flags, parsed once at start-up.

``imagestreams serve`` takes upstream's ``imagePolicyConfig`` knobs as flags (see
``docs/cli``): ``--allowed-registries-for-import`` (comma-separated ``domain[:port]`` globs; an
entry written ``http://domain[:port]`` is an insecure entry, i.e. port 80 by default),
``--import-credentials-file`` (a docker ``config.json`` used for every namespace) and
``--max-images-bulk-imported-per-repository``; ``--import-request-timeout`` bounds each registry
request (connect, headers and body) so a stalled registry cannot hold imports. Bad values fail
the start with a message naming the flag, instead of failing imports later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imagestreams.importer.credentials import load_keyring_file
from imagestreams.importer.importer import DEFAULT_MAX_IMAGES_PER_REPOSITORY, Importer
from imagestreams.importer.pool import ClientPool
from imagestreams.oci.client import Timeouts
from imagestreams.oci.credentials import Keyring
from imagestreams.validation.whitelist import AllowedRegistry

__all__ = ["ImporterFlags", "SettingsError", "parse_allowed_registries"]


class SettingsError(ValueError):
    """A flag value that cannot be used; the message names the flag."""


def parse_allowed_registries(text: str | None) -> tuple[AllowedRegistry, ...] | None:
    """``None`` (flag not given: every registry allowed) or the entries of the list."""
    if text is None:
        return None
    entries: list[AllowedRegistry] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        insecure = item.startswith("http://")
        domain = item.removeprefix("http://").removeprefix("https://").rstrip("/")
        if not domain or "/" in domain or domain.count(":") > 1:
            raise SettingsError(
                f"--allowed-registries-for-import: {item!r} is not a domain[:port] entry"
            )
        entries.append(AllowedRegistry(domain_name=domain, insecure=insecure))
    return tuple(entries)


@dataclass(frozen=True)
class ImporterFlags:
    import_credentials_file: Path | None = None
    allowed_registries_for_import: str | None = None
    max_images_bulk_imported_per_repository: int = DEFAULT_MAX_IMAGES_PER_REPOSITORY
    import_request_timeout: float = 60.0

    def allowed_registries(self) -> tuple[AllowedRegistry, ...] | None:
        return parse_allowed_registries(self.allowed_registries_for_import)

    def server_credentials(self) -> Keyring | None:
        if self.import_credentials_file is None:
            return None
        try:
            return load_keyring_file(self.import_credentials_file)
        except (OSError, ValueError) as exc:
            raise SettingsError(
                f"--import-credentials-file: cannot read {self.import_credentials_file}: {exc}"
            ) from None

    def importer(self) -> Importer:
        limit = self.max_images_bulk_imported_per_repository
        if limit < -1:
            raise SettingsError("--max-images-bulk-imported-per-repository must be -1 or more")
        total = self.import_request_timeout
        if total <= 0:
            raise SettingsError("--import-request-timeout must be positive")
        timeouts = Timeouts(connect=min(10.0, total), read=min(30.0, total), total=total)
        return Importer(ClientPool(timeouts=timeouts), max_images_per_repository=limit)
