"""Go's ``crypto/x509`` wording for certificates OpenSSL rejected (``oci.tlserrors``).

Certificates are generated with ``cryptography``; the OpenSSL verdict is a real
``ssl.SSLCertVerificationError`` carrying the X509_V_ERR code OpenSSL would report (18: a
self-signed leaf, 62: host name mismatch, 10: expired). Expected texts are Go's
(``x509.HostnameError``, ``UnknownAuthorityError``, ``CertificateInvalidError``).
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from imagestreams.oci import tlserrors

_KEY = ec.generate_private_key(ec.SECP256R1())
NOW = datetime.datetime(2030, 6, 1, 12, 0, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _cert(
    *names: str,
    cn: str = "",
    san: bool = True,
    not_before: datetime.datetime = NOW - DAY,
    not_after: datetime.datetime = NOW + DAY,
) -> bytes:
    """A self-signed certificate; ``names`` are DNS SANs, or IP SANs when they parse as IPs."""
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "RedHat")]
        + ([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if san:
        general: list[x509.GeneralName] = []
        for name in names:
            try:
                general.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                general.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(general), critical=False)
    return builder.sign(_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _openssl(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    error.verify_code = code
    error.verify_message = message
    return error


SELF_SIGNED = _openssl(18, "self-signed certificate")
NO_IP_SANS = (
    "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
)
UNKNOWN = "x509: certificate signed by unknown authority"
MANY = [f"n{i}.example" for i in range(100)]


@pytest.mark.parametrize(
    ("der", "host", "error", "expected"),
    [
        pytest.param(
            _cert(san=False),
            "image-registry.ns",
            SELF_SIGNED,
            "x509: certificate is not valid for any names, but wanted to match image-registry.ns",
            id="origin-no-sans-hostname-before-chain",
        ),
        pytest.param(
            _cert(san=False),
            "127.0.0.1",
            SELF_SIGNED,
            NO_IP_SANS,
            id="ip-without-ip-sans",
        ),
        pytest.param(
            _cert("registry.example"),
            "127.0.0.1",
            SELF_SIGNED,
            NO_IP_SANS,
            id="ip-with-only-dns-sans",
        ),
        pytest.param(
            _cert("10.0.0.1", "::1"),
            "127.0.0.1",
            SELF_SIGNED,
            "x509: certificate is valid for 10.0.0.1, ::1, not 127.0.0.1",
            id="ip-mismatch",
        ),
        pytest.param(_cert("127.0.0.1"), "127.0.0.1", SELF_SIGNED, UNKNOWN, id="ip-matches"),
        pytest.param(_cert("::1"), "[::1]", SELF_SIGNED, UNKNOWN, id="bracketed-ipv6-matches"),
        pytest.param(
            _cert("registry.example", "*.apps.example"),
            "localhost",
            SELF_SIGNED,
            "x509: certificate is valid for registry.example, *.apps.example, not localhost",
            id="dns-mismatch",
        ),
        pytest.param(
            _cert("registry.example"),
            "REGISTRY.example",
            SELF_SIGNED,
            UNKNOWN,
            id="dns-matches-case-insensitively",
        ),
        pytest.param(
            _cert("*.apps.example"), "reg.apps.example", SELF_SIGNED, UNKNOWN, id="wildcard"
        ),
        pytest.param(
            _cert("*.apps.example"),
            "a.b.apps.example",
            SELF_SIGNED,
            "x509: certificate is valid for *.apps.example, not a.b.apps.example",
            id="wildcard-is-one-label",
        ),
        pytest.param(
            _cert(cn="localhost", san=False),
            "localhost",
            SELF_SIGNED,
            "x509: certificate relies on legacy Common Name field, use SANs instead",
            id="common-name-only",
        ),
        pytest.param(
            _cert(*MANY),
            "other.example",
            SELF_SIGNED,
            "x509: certificate is valid for 100 names, but none matched other.example",
            id="too-many-names-to-print",
        ),
        pytest.param(
            _cert("registry.example", not_after=NOW - DAY),
            "localhost",
            _openssl(10, "certificate has expired"),
            "x509: certificate has expired or is not yet valid: current time"
            " 2030-06-01T12:00:00Z is after 2030-05-31T12:00:00Z",
            id="expired-before-hostname",
        ),
        pytest.param(
            _cert("localhost", not_before=NOW + DAY, not_after=NOW + 2 * DAY),
            "localhost",
            _openssl(9, "certificate is not yet valid"),
            "x509: certificate has expired or is not yet valid: current time"
            " 2030-06-01T12:00:00Z is before 2030-06-02T12:00:00Z",
            id="not-yet-valid",
        ),
        pytest.param(None, "localhost", SELF_SIGNED, UNKNOWN, id="no-certificate-chain-reason"),
        pytest.param(
            None,
            "localhost",
            _openssl(20, "unable to get local issuer certificate"),
            UNKNOWN,
            id="no-certificate-unknown-issuer",
        ),
        pytest.param(
            None,
            "localhost",
            _openssl(10, "certificate has expired"),
            "x509: certificate has expired or is not yet valid",
            id="no-certificate-expired",
        ),
        pytest.param(
            b"not a certificate", "localhost", SELF_SIGNED, UNKNOWN, id="unparsable-certificate"
        ),
    ],
)
def test_go_x509_text(
    der: bytes | None, host: str, error: ssl.SSLCertVerificationError, expected: str
) -> None:
    assert tlserrors.go_x509_text(error, host, der, NOW) == expected


@pytest.mark.parametrize(
    ("names", "host", "expected"),
    [
        pytest.param(("registry.example",), "registry.example.", None, id="trailing-dot-host"),
        pytest.param(("a_b.example",), "a_b.example", None, id="underscore-allowed"),
        pytest.param(("*",), "localhost", None, id="bare-wildcard-matches-one-label-as-go"),
        pytest.param(("::ffff:10.0.0.1",), "10.0.0.1", None, id="ipv4-mapped-equals-ipv4"),
        pytest.param(
            ("::ffff:10.0.0.1",),
            "10.0.0.2",
            "x509: certificate is valid for 10.0.0.1, not 10.0.0.2",
            id="ipv4-mapped-printed-as-ipv4",
        ),
    ],
)
def test_go_hostname_error(names: tuple[str, ...], host: str, expected: str | None) -> None:
    cert = x509.load_der_x509_certificate(_cert(*names))
    assert tlserrors.go_hostname_error(cert, host) == expected


def test_verification_failure_walks_the_cause_chain() -> None:
    inner = _openssl(18, "self-signed certificate")
    try:
        try:
            raise inner
        except ssl.SSLError as exc:
            raise ConnectionError("connect failed") from exc
    except ConnectionError as outer:
        assert tlserrors.verification_failure(outer) is inner
    assert tlserrors.verification_failure(ConnectionError("refused")) is None


def test_verification_failure_unwraps_aiohttps_certificate_error() -> None:
    inner = _openssl(18, "self-signed certificate")
    key = ConnectionKey(
        host="reg.test", port=443, is_ssl=True, ssl=True, proxy=None, proxy_auth=None,
        proxy_headers_hash=None, server_hostname=None,
    )  # fmt: skip
    wrapper = aiohttp.ClientConnectorCertificateError(key, inner)
    assert isinstance(wrapper, ssl.SSLCertVerificationError)  # but without verify_code
    assert tlserrors.verification_failure(wrapper) is inner
