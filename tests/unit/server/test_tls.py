"""The first-start PKI: what is created, what is reused, what forces a new serving cert."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from imagestreams.server import tls


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _sans(path: Path) -> set[str]:
    ext = _cert(path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v.value) for v in ext}


def test_first_start_creates_ca_and_serving(tmp_path: Path) -> None:
    pki = tls.ensure_pki(tmp_path / "data", ["10.1.2.3", "API.Example.com", "[fd00::1]"])

    assert (pki.created_ca, pki.issued_serving) == (True, True)
    assert pki.ca_cert_path == tmp_path / "data" / "ca.crt"
    assert pki.key_path == tmp_path / "data" / "serving.key"
    for key in (pki.ca_key_path, pki.key_path):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert pki.ca_pem == pki.ca_cert_path.read_bytes()
    assert pki.ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")

    ca, serving = _cert(pki.ca_cert_path), _cert(pki.cert_path)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    ca_life = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert dt.timedelta(days=3650) <= ca_life <= dt.timedelta(days=3651)
    serving.verify_directly_issued_by(ca)
    assert serving.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    eku = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert _sans(pki.cert_path) == {
        "127.0.0.1", "::1", "localhost", "10.1.2.3", "api.example.com", "fd00::1",
    }  # fmt: skip
    ips = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.1.2.3") in ips.get_values_for_type(x509.IPAddress)


def test_python_ssl_accepts_the_pair_and_trusts_the_ca(tmp_path: Path) -> None:
    pki = tls.ensure_pki(tmp_path, [])
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki.cert_path, pki.key_path)  # raises if key and cert differ
    client = ssl.create_default_context(cadata=pki.ca_pem.decode())
    assert len(client.get_ca_certs()) == 1


def test_second_start_reuses_everything(tmp_path: Path) -> None:
    first = tls.ensure_pki(tmp_path, ["example.com"])
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}

    again = tls.ensure_pki(tmp_path, ["example.com", "localhost"])  # localhost is implied

    assert (again.created_ca, again.issued_serving) == (False, False)
    assert again.ca_pem == first.ca_pem
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_changed_hosts_reissue_serving_cert_with_the_same_ca(tmp_path: Path) -> None:
    first = tls.ensure_pki(tmp_path, ["a.example.com"])
    old_serving = first.cert_path.read_bytes()

    second = tls.ensure_pki(tmp_path, ["b.example.com"])

    assert (second.created_ca, second.issued_serving) == (False, True)
    assert second.ca_pem == first.ca_pem
    assert second.cert_path.read_bytes() != old_serving
    assert "b.example.com" in _sans(second.cert_path)
    assert "a.example.com" not in _sans(second.cert_path)
    _cert(second.cert_path).verify_directly_issued_by(_cert(second.ca_cert_path))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param("delete-cert", id="serving-cert-missing"),
        pytest.param("delete-key", id="serving-key-missing"),
        pytest.param("garbage-key", id="serving-key-unreadable"),
        pytest.param("foreign-key", id="serving-key-does-not-match"),
    ],
)
def test_broken_serving_pair_is_reissued(tmp_path: Path, damage: str) -> None:
    pki = tls.ensure_pki(tmp_path, [])
    if damage == "delete-cert":
        pki.cert_path.unlink()
    elif damage == "delete-key":
        pki.key_path.unlink()
    elif damage == "garbage-key":
        pki.key_path.write_text("not a key")
    else:
        pki.key_path.write_bytes(pki.ca_key_path.read_bytes())

    again = tls.ensure_pki(tmp_path, [])

    assert again.issued_serving is True
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(again.cert_path, again.key_path)


def test_serving_cert_from_another_ca_is_reissued(tmp_path: Path) -> None:
    other = tls.ensure_pki(tmp_path / "other", [])
    pki = tls.ensure_pki(tmp_path / "mine", [])
    pki.cert_path.write_bytes(other.cert_path.read_bytes())
    pki.key_path.write_bytes(other.key_path.read_bytes())

    again = tls.ensure_pki(tmp_path / "mine", [])

    assert again.issued_serving is True
    _cert(again.cert_path).verify_directly_issued_by(_cert(again.ca_cert_path))


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        pytest.param("ca.key", "ca.crt but not", id="ca-key-missing"),
        pytest.param("ca.crt", "ca.key but not", id="ca-cert-missing"),
    ],
)
def test_half_a_ca_is_an_error_not_a_new_ca(tmp_path: Path, remove: str, message: str) -> None:
    tls.ensure_pki(tmp_path, [])
    (tmp_path / remove).unlink()
    with pytest.raises(tls.PkiError, match=message):
        tls.ensure_pki(tmp_path, [])
    assert not (tmp_path / remove).exists()


def test_mismatched_ca_key_is_an_error(tmp_path: Path) -> None:
    pki = tls.ensure_pki(tmp_path, [])
    pki.ca_key_path.write_bytes(pki.key_path.read_bytes())
    with pytest.raises(tls.PkiError, match="does not belong to certificate"):
        tls.ensure_pki(tmp_path, [])


def test_serving_cert_close_to_expiry_is_renewed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tls, "SERVING_VALIDITY", dt.timedelta(days=10))
    first = tls.ensure_pki(tmp_path, [])
    short = _cert(first.cert_path)
    assert short.not_valid_after_utc - short.not_valid_before_utc < dt.timedelta(days=11)
    monkeypatch.undo()

    again = tls.ensure_pki(tmp_path, [])

    assert (again.created_ca, again.issued_serving) == (False, True)
    renewed = _cert(again.cert_path)
    assert renewed.not_valid_after_utc - renewed.not_valid_before_utc > dt.timedelta(days=364)
