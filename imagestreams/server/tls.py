"""First-start PKI: a private CA and a serving certificate under ``--data-dir``.

kube-apiserver refuses to start without a serving certificate and, when none is given, writes a
self-signed one (``apiserver.crt``). We go one step further so that clients can *verify* the server
instead of skipping verification: a private CA (10 years) signs a short-lived serving certificate
(1 year) whose subject alternative names cover every host name and address the server is reached by.
The CA certificate goes into the admin kubeconfig as ``certificate-authority-data``.

Later starts reuse what is on disk. The serving certificate is re-issued, with the same CA, when
the host list changed, when it is close to expiry or when it was not signed by the CA on disk; the
CA is never replaced silently, since that would break every kubeconfig handed out. Private keys
are written with mode 0600, each file atomically (temp file + rename): a crash leaves no half key.

Keys are ECDSA P-256: small, fast, and accepted by Go's crypto/tls, OpenSSL and every kube client.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "ALWAYS_HOSTS",
    "CA_VALIDITY",
    "SERVING_RENEW_BEFORE",
    "SERVING_VALIDITY",
    "Pki",
    "PkiError",
    "ensure_pki",
]

CA_VALIDITY = dt.timedelta(days=3650)
SERVING_VALIDITY = dt.timedelta(days=365)
# Re-issue the serving certificate on start when less than this remains.
SERVING_RENEW_BEFORE = dt.timedelta(days=30)
# Backdate notBefore a little so that clients with a slightly slow clock accept a fresh cert.
_CLOCK_SKEW = dt.timedelta(minutes=5)

ALWAYS_HOSTS = ("127.0.0.1", "::1", "localhost")

_SAN = x509.IPAddress | x509.DNSName


class PkiError(Exception):
    """The files on disk cannot be used (half a CA, unreadable key, ...); the message names them."""


@dataclass(frozen=True)
class Pki:
    """Where the CA and serving material live, and what ``ensure_pki`` had to create."""

    ca_cert_path: Path
    ca_key_path: Path
    cert_path: Path
    key_path: Path
    ca_pem: bytes
    created_ca: bool = False
    issued_serving: bool = False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not widen or narrow what we asked for
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomic(path, pem, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    _write_atomic(path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _sans(hosts: Iterable[str]) -> list[_SAN]:
    """Hosts as SAN entries: addresses as IPAddress, the rest as lower-case DNS names, no dups."""
    seen: set[_SAN] = set()
    out: list[_SAN] = []
    for raw in (*ALWAYS_HOSTS, *hosts):
        host = raw.strip().strip("[]")  # accept "[::1]" as written in URLs
        if not host:
            continue
        entry: _SAN
        try:
            entry = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            entry = x509.DNSName(host.lower().rstrip("."))
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out


def _new_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"imagestreams-ca@{int(now.timestamp())}")]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _new_serving(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, sans: list[_SAN]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagestreams-apiserver")])
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(min(now + SERVING_VALIDITY, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as e:
        raise PkiError(f"cannot read certificate {path}: {e}") from e


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise PkiError(f"cannot read private key {path}: {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"private key {path} is not an ECDSA key")
    return key


def _same_public_key(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)


def _serving_is_current(
    cert_path: Path, key_path: Path, ca: x509.Certificate, sans: list[_SAN]
) -> bool:
    """True when the serving pair on disk may be kept: readable, matching, signed by ``ca``,
    for exactly these SANs and not about to expire."""
    if not (cert_path.exists() and key_path.exists()):
        return False
    try:
        cert = _load_cert(cert_path)
        key = _load_key(key_path)
    except PkiError:
        return False  # ours to regenerate: the serving pair carries no trust of its own
    if not _same_public_key(cert, key) or cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    try:
        current = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if set(current) != set(sans):
        return False
    return cert.not_valid_after_utc - _now() > SERVING_RENEW_BEFORE


def ensure_pki(data_dir: Path, hosts: list[str]) -> Pki:
    """Create (first start) or reuse the CA and serving certificate under ``data_dir``.

    ``hosts`` are the names and addresses clients use (``--advertise-address``, the bind address,
    DNS names); ``127.0.0.1``, ``::1`` and ``localhost`` are always added. Raises ``PkiError`` when
    only half of the CA is present or it cannot be read: replacing it would silently break clients.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = data_dir / "ca.crt", data_dir / "ca.key"
    cert_path, key_path = data_dir / "serving.crt", data_dir / "serving.key"

    created_ca = False
    if ca_cert_path.exists() and ca_key_path.exists():
        ca = _load_cert(ca_cert_path)
        ca_key = _load_key(ca_key_path)
        if not _same_public_key(ca, ca_key):
            raise PkiError(f"CA key {ca_key_path} does not belong to certificate {ca_cert_path}")
    elif ca_cert_path.exists() or ca_key_path.exists():
        present, missing = (
            (ca_cert_path, ca_key_path) if ca_cert_path.exists() else (ca_key_path, ca_cert_path)
        )
        raise PkiError(f"found {present} but not {missing}; restore it or remove both")
    else:
        ca, ca_key = _new_ca()
        _write_key(ca_key_path, ca_key)
        _write_cert(ca_cert_path, ca)
        created_ca = True

    sans = _sans(hosts)
    issued = False
    if created_ca or not _serving_is_current(cert_path, key_path, ca, sans):
        cert, key = _new_serving(ca, ca_key, sans)
        _write_key(key_path, key)
        _write_cert(cert_path, cert)
        issued = True

    return Pki(
        ca_cert_path=ca_cert_path,
        ca_key_path=ca_key_path,
        cert_path=cert_path,
        key_path=key_path,
        ca_pem=ca.public_bytes(serialization.Encoding.PEM),
        created_ca=created_ca,
        issued_serving=issued,
    )
