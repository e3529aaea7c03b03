"""Registry errors as the distribution API reports them: a code, its HTTP status, a message.

Clients (skopeo, podman, docker, containerd) read the JSON body ``{"errors": [{"code",
"message", "detail"}]}`` and branch on ``code``; several also branch on the status (404 on a
blob HEAD means "upload it", 401 means "fetch a token"). The table below is distribution's
``registry/api/errcode`` + ``registry/api/v2/errors.go`` registration: code, default message and
status, so a registry error here reads exactly like one from ``docker-registry``. Handlers raise
:class:`RegistryError`; only ``app.py`` turns it into a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec

__all__ = [
    "API_VERSION_HEADER",
    "CODES",
    "ERROR_CONTENT_TYPE",
    "RegistryError",
    "error_body",
]

API_VERSION_HEADER: Final = ("Docker-Distribution-Api-Version", "registry/2.0")
ERROR_CONTENT_TYPE: Final = "application/json; charset=utf-8"

CODES: Final[Mapping[str, tuple[int, str]]] = {
    # errcode (register.go)
    "UNKNOWN": (500, "unknown error"),
    "UNSUPPORTED": (405, "The operation is unsupported."),
    "UNAUTHORIZED": (401, "authentication required"),
    "DENIED": (403, "requested access to the resource is denied"),
    "UNAVAILABLE": (503, "service unavailable"),
    "TOOMANYREQUESTS": (429, "too many requests"),
    # v2 (errors.go)
    "DIGEST_INVALID": (400, "provided digest did not match uploaded content"),
    "SIZE_INVALID": (400, "provided length did not match content length"),
    "RANGE_INVALID": (416, "invalid content range"),
    "NAME_INVALID": (400, "invalid repository name"),
    "TAG_INVALID": (400, "manifest tag did not match URI"),
    "NAME_UNKNOWN": (404, "repository name not known to registry"),
    "MANIFEST_UNKNOWN": (404, "manifest unknown"),
    "MANIFEST_INVALID": (400, "manifest invalid"),
    "MANIFEST_UNVERIFIED": (400, "manifest failed signature verification"),
    "MANIFEST_BLOB_UNKNOWN": (400, "blob unknown to registry"),
    "BLOB_UNKNOWN": (404, "blob unknown to registry"),
    "BLOB_UPLOAD_UNKNOWN": (404, "blob upload unknown to registry"),
    "BLOB_UPLOAD_INVALID": (400, "blob upload invalid"),
    "PAGINATION_NUMBER_INVALID": (400, "invalid number of results requested"),
    # openshift/image-registry's signature extension (signaturedispatcher.go)
    "SIGNATURE_INVALID": (400, "invalid image signature"),
    "SIGNATURE_EXISTS": (409, "image signature already exists"),
}


class RegistryError(Exception):
    """One distribution error; ``headers`` go on the response (e.g. ``WWW-Authenticate``)."""

    def __init__(
        self,
        code: str,
        detail: Any = None,
        *,
        message: str = "",
        status: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        default_status, default_message = CODES[code]
        self.code = code
        self.message = message or default_message
        self.detail = detail
        self.status = status or default_status
        self.headers: dict[str, str] = dict(headers or {})
        self.also: list[RegistryError] = []
        """Further errors reported in the same body (e.g. every unknown blob of a manifest)."""
        super().__init__(f"{code}: {self.message}")

    def entry(self) -> dict[str, Any]:
        """The object inside ``errors``; ``detail`` is left out when there is none, as
        distribution's ``omitempty`` does, except on UNAUTHORIZED, whose detail is the (possibly
        nil) access-record list and so always present."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None or self.code == "UNAUTHORIZED":
            out["detail"] = self.detail
        return out

    def body(self) -> bytes:
        return error_body([self, *self.also])


def error_body(errors: list[RegistryError]) -> bytes:
    """``{"errors": [...]}`` followed by a newline, as Go's ``json.Encoder`` writes it."""
    return msgspec.json.encode({"errors": [e.entry() for e in errors]}) + b"\n"
