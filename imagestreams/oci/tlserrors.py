"""A failed certificate verification, in the words of Go's ``crypto/x509`` (spec §13.5).

Upstream's importer reports a registry whose certificate does not verify as an internal error
carrying Go's text (``x509: certificate signed by unknown authority``, ``x509: certificate is
valid for a.example, not b.example``...); users, scripts and origin's extended tests match on
it. Python only has OpenSSL's reason (``self-signed certificate``), and OpenSSL checks in a
different order: the chain first, the name last. Go's ``Certificate.Verify`` checks the leaf's
validity period, then the host name, and only then builds a chain, so a self-signed certificate
for the wrong name is a *name* error in Go.

So on this (rare) failure path the peer certificate is fetched once more over an unverified
handshake (:func:`peer_certificate`, bounded by the connect timeout) and :func:`go_x509_text`
replays Go's order on it: validity period, ``VerifyHostname`` (exact and left-most wildcard DNS
SANs, IP SANs, Go's ``HostnameError`` texts), then the chain verdict OpenSSL gave. Without the
certificate the OpenSSL reason alone is mapped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from datetime import UTC, datetime
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

__all__ = ["go_hostname_error", "go_x509_text", "peer_certificate", "verification_failure"]

_UNKNOWN_AUTHORITY: Final = "x509: certificate signed by unknown authority"
# OpenSSL X509_V_ERR_* codes whose Go counterpart is "no chain to a trusted root".
_CHAIN_CODES: Final = frozenset({2, 7, 18, 19, 20, 21, 27, 28})
_MAX_NAMES: Final = 100  # Go prints at most this many names in a HostnameError
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def verification_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error behind a transport error, if that is what it was."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        # aiohttp's ClientConnectorCertificateError is an ssl.CertificateError too, but keeps
        # OpenSSL's verdict in ``certificate_error``.
        if isinstance(current, ssl.SSLCertVerificationError) and hasattr(current, "verify_code"):
            return current
        seen.add(id(current))
        wrapped = getattr(current, "certificate_error", None)
        current = (
            wrapped
            if isinstance(wrapped, BaseException)
            else current.__cause__ or current.__context__
        )
    return None


async def peer_certificate(host: str, port: int, timeout: float) -> bytes | None:
    """The DER certificate ``host:port`` presents, over a handshake that verifies nothing;
    None when it cannot be had within ``timeout`` seconds."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port, ssl=context)
            try:
                tls = writer.get_extra_info("ssl_object")
                der = tls.getpeercert(binary_form=True) if isinstance(tls, ssl.SSLObject) else None
            finally:
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await writer.wait_closed()
    except (OSError, ssl.SSLError, TimeoutError):
        return None
    return der or None


def _go_ip(ip: _IP) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)  # Go prints a 4-in-6 address as IPv4
    return str(ip)


def _parse_ip(text: str) -> _IP | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _valid_hostname(host: str, pattern: bool) -> bool:
    """Go's ``validHostname``: LDH labels (plus ``_``), a ``*`` first label in patterns."""
    if not pattern:
        host = host.removesuffix(".")
    if not host:
        return False
    for i, part in enumerate(host.split(".")):
        if not part:
            return False
        if pattern and i == 0 and part == "*":
            continue
        for j, c in enumerate(part):
            if not (c.isascii() and (c.isalnum() or c == "_" or (c == "-" and j != 0))):
                return False
    return True


def _match_hostnames(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower(), host.removesuffix(".").lower()
    if not pattern or not host:
        return False
    pattern_parts, host_parts = pattern.split("."), host.split(".")
    if len(pattern_parts) != len(host_parts):
        return False
    return all(
        (i == 0 and p == "*") or p == h
        for i, (p, h) in enumerate(zip(pattern_parts, host_parts, strict=True))
    )


def _match_exactly(a: str, b: str) -> bool:
    return a not in ("", ".") and b not in ("", ".") and a.lower() == b.lower()


def _sans(cert: x509.Certificate) -> tuple[bool, list[str], list[_IP]]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False, [], []
    names = ext.value.get_values_for_type(x509.DNSName)
    ips = [ip for ip in ext.value.get_values_for_type(x509.IPAddress) if isinstance(ip, _IP)]
    return True, names, ips


def _common_name(cert: x509.Certificate) -> str:
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = values[-1].value if values else ""  # Go keeps the last one
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def go_hostname_error(cert: x509.Certificate, host: str) -> str | None:
    """Go's ``Certificate.VerifyHostname(host)`` as its error text; None when it matches."""
    has_san, names, ips = _sans(cert)
    candidate = host[1:-1] if len(host) >= 3 and host[0] == "[" and host[-1] == "]" else host
    ip = _parse_ip(candidate)
    if ip is not None:
        if any(_parse_ip(str(other)) == ip for other in ips):
            return None
        host = candidate
    else:
        valid_input = _valid_hostname(host.lower(), pattern=False)
        for name in names:
            if valid_input and _valid_hostname(name, pattern=True):
                if _match_hostnames(name, host):
                    return None
            elif _match_exactly(name, host):
                return None
    if not has_san and _match_hostnames(_common_name(cert), host):
        return "x509: certificate relies on legacy Common Name field, use SANs instead"
    if ip is not None:
        if not ips:
            return (
                f"x509: cannot validate certificate for {host}"
                " because it doesn't contain any IP SANs"
            )
        if len(ips) >= _MAX_NAMES:
            return f"x509: certificate is valid for {len(ips)} IP SANs, but none matched {host}"
        valid = ", ".join(_go_ip(other) for other in ips)
    else:
        if len(names) >= _MAX_NAMES:
            return f"x509: certificate is valid for {len(names)} names, but none matched {host}"
        valid = ", ".join(names)
    if not valid:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {valid}, not {host}"


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _openssl_reason(code: int, message: str) -> str:
    if code in _CHAIN_CODES:
        return _UNKNOWN_AUTHORITY
    if code in (9, 10):
        return "x509: certificate has expired or is not yet valid"
    if code == 24:
        return "x509: certificate is not authorized to sign other certificates"
    if code == 26:
        return "x509: certificate specifies an incompatible key usage"
    return f"x509: {message}" if message else _UNKNOWN_AUTHORITY


def go_x509_text(
    error: ssl.SSLCertVerificationError, host: str, der: bytes | None, now: datetime
) -> str:
    """What Go's ``Verify`` would have said about the certificate OpenSSL rejected with
    ``error`` for ``host`` (no port): from the certificate ``der`` when there is one."""
    code = getattr(error, "verify_code", 0)
    message = getattr(error, "verify_message", "")
    code = code if isinstance(code, int) else 0
    message = message if isinstance(message, str) else ""
    if der is None:
        return _openssl_reason(code, message)
    try:
        cert = x509.load_der_x509_certificate(der)
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    except ValueError:
        return _openssl_reason(code, message)
    if now < not_before:
        return (
            "x509: certificate has expired or is not yet valid: current time"
            f" {_rfc3339(now)} is before {_rfc3339(not_before)}"
        )
    if now > not_after:
        return (
            "x509: certificate has expired or is not yet valid: current time"
            f" {_rfc3339(now)} is after {_rfc3339(not_after)}"
        )
    try:
        hostname_error = go_hostname_error(cert, host)
    except ValueError:  # a malformed SAN: leave the verdict to OpenSSL's reason
        hostname_error = None
    return hostname_error or _openssl_reason(code, message)
