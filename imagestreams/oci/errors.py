"""The registry client's error tree.

The importer must turn every registry failure into an ``ImageStreamImport`` status the way
upstream does (spec §13.5): unknown manifest or repository -> ``NotFound``, 401 ->
``Unauthorized``, plain-HTTP registry without ``insecure`` -> ``BadRequest``, registry without the
v2 API -> ``Forbidden``/``NotV2Registry``, everything else -> ``InternalError``. So each class
carries ``status_reason`` and ``status_code`` and a short user-facing ``message``; the importer
formats the final text (it knows the image reference). Messages never contain credentials,
tokens or response headers.

::

    RegistryError
     +-- Unauthorized              401 (no or wrong credentials)
     +-- Forbidden                 403 / DENIED
     +-- NotFound                  404
     |    +-- ManifestUnknown      MANIFEST_UNKNOWN
     |    +-- NameUnknown          NAME_UNKNOWN
     |    +-- BlobUnknown          BLOB_UNKNOWN
     +-- TooManyRequests           429, .retry_after seconds (None when not given)
     +-- Unreachable               connection refused, DNS, TLS
     |    +-- InsecureRequired     TLS spoken to a plain-HTTP registry
     |    +-- CertificateInvalid   the registry's certificate failed verification
     +-- Timeout                   connect/read/overall deadline exceeded
     +-- InvalidDigest             content integrity error
     +-- TooLarge                  body over the client's limit
     +-- Unsupported               schema1 and unknown manifest types
     +-- NotV2Registry             /v2/ not served
     +-- ProtocolError             malformed answers, redirect loops, 5xx
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BlobUnknown",
    "CertificateInvalid",
    "Forbidden",
    "InsecureRequired",
    "InvalidDigest",
    "ManifestUnknown",
    "NameUnknown",
    "NotFound",
    "NotV2Registry",
    "ProtocolError",
    "RegistryError",
    "Timeout",
    "TooLarge",
    "TooManyRequests",
    "Unauthorized",
    "Unreachable",
    "Unsupported",
]


class RegistryError(Exception):
    """Base of every registry client failure.

    ``status_reason``/``status_code`` are the ``metav1.Status`` reason and code upstream's
    importer reports for this kind of failure; ``http_status`` is the registry's answer (0 when
    there was none) and ``registry_code`` the distribution error code (``MANIFEST_UNKNOWN``...).
    """

    status_reason: ClassVar[str] = "InternalError"
    status_code: ClassVar[int] = 500

    def __init__(self, message: str, *, http_status: int = 0, registry_code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.registry_code = registry_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class Unauthorized(RegistryError):
    """The registry wants credentials we lack, or rejected the ones we sent.

    ``token_error`` is set when a bearer token server refused to issue a token: its answer as
    the distribution client's error text (``unauthorized: incorrect username or password``),
    and ``request_url`` is the registry request the token was for. Upstream's importer tells
    these apart from a registry's own 401 (spec §13.5).
    """

    status_reason = "Unauthorized"
    status_code = 401

    def __init__(
        self,
        message: str,
        *,
        had_credentials: bool = False,
        http_status: int = 401,
        registry_code: str = "",
        token_error: str = "",
        request_url: str = "",
    ) -> None:
        super().__init__(message, http_status=http_status, registry_code=registry_code)
        self.had_credentials = had_credentials
        self.token_error = token_error
        self.request_url = request_url


class Forbidden(RegistryError):
    """Authenticated, but access denied (403 or ``DENIED``)."""

    status_reason = "Forbidden"
    status_code = 403


class NotFound(RegistryError):
    """The registry has no such thing (404)."""

    status_reason = "NotFound"
    status_code = 404


class ManifestUnknown(NotFound):
    """``MANIFEST_UNKNOWN``: the tag or digest does not exist in the repository."""


class NameUnknown(NotFound):
    """``NAME_UNKNOWN``: the repository does not exist."""


class BlobUnknown(NotFound):
    """``BLOB_UNKNOWN``: the blob does not exist in the repository."""


class TooManyRequests(RegistryError):
    """429: rate limited; ``retry_after`` is the delay the registry asked for, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, http_status=429, registry_code="TOOMANYREQUESTS")
        self.retry_after = retry_after


class Unreachable(RegistryError):
    """No HTTP answer at all: refused, unresolvable, reset, TLS failure."""


class InsecureRequired(Unreachable):
    """A TLS handshake met a plain-HTTP server; importing needs ``insecure: true``."""

    status_reason = "BadRequest"
    status_code = 400


class CertificateInvalid(Unreachable):
    """The registry's TLS certificate failed verification.

    ``x509_error`` is what Go's ``crypto/x509`` says about it and ``url`` the request Go's
    client would have failed on (upstream's importer reports both, spec §13.5).
    """

    def __init__(self, message: str, *, x509_error: str, url: str) -> None:
        super().__init__(message)
        self.x509_error = x509_error
        self.url = url


class Timeout(RegistryError):
    """A connect, read or overall deadline passed."""


class InvalidDigest(RegistryError):
    """Content does not match its digest (``content integrity error``), or a malformed digest."""


class TooLarge(RegistryError):
    """A manifest, config or tag list is larger than the client accepts."""


class Unsupported(RegistryError):
    """A manifest type the client does not import (Docker schema1, unknown types)."""


class NotV2Registry(RegistryError):
    """The server does not implement the registry v2 API."""

    status_reason = "NotV2Registry"
    status_code = 403


class ProtocolError(RegistryError):
    """The registry answered, but not in a way the distribution spec allows."""
