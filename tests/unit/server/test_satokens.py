"""Service account JWTs: issue, verify, expiry, audience, tampering, deleted accounts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from imagestreams.server import authn, satokens


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> satokens.rsa.RSAPrivateKey:
    return satokens.ensure_signing_key(tmp_path_factory.mktemp("k"))


def test_key_is_private_and_reused(tmp_path: Path) -> None:
    first = satokens.ensure_signing_key(tmp_path)
    assert (tmp_path / "sa.key").stat().st_mode & 0o777 == 0o600
    second = satokens.ensure_signing_key(tmp_path)
    assert first.private_numbers() == second.private_numbers()


def test_claims_shape(key: satokens.rsa.RSAPrivateKey) -> None:
    clock = Clock()
    signer = satokens.TokenSigner(key, clock=clock)
    token, exp = signer.issue("proj", "builder", "uid-1", expiration_seconds=600)
    header, claims, _ = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {
        "alg": "RS256",
        "kid": signer.key_id,
    }
    body = json.loads(base64.urlsafe_b64decode(claims + "=="))
    assert body["sub"] == "system:serviceaccount:proj:builder"
    assert body["aud"] == ["https://kubernetes.default.svc"]
    assert body["exp"] == exp == int(clock.now) + 600
    assert body["kubernetes.io"] == {
        "namespace": "proj",
        "serviceaccount": {"name": "builder", "uid": "uid-1"},
    }


@pytest.mark.parametrize(
    ("advance", "audiences", "tamper", "error"),
    [
        pytest.param(0, (), False, None, id="fresh"),
        pytest.param(600 + 59, (), False, None, id="within-leeway"),
        pytest.param(600 + 61, (), False, "service account token has expired", id="expired"),
        pytest.param(0, ("other",), False, "token audiences is invalid", id="wrong-audience"),
        pytest.param(0, (), True, "invalid signature", id="tampered"),
    ],
)
def test_verify(
    key: satokens.rsa.RSAPrivateKey,
    advance: int,
    audiences: tuple[str, ...],
    tamper: bool,
    error: str | None,
) -> None:
    clock = Clock()
    signer = satokens.TokenSigner(key, clock=clock)
    token, _ = signer.issue("proj", "builder", "uid-1", expiration_seconds=600)
    if tamper:
        head, body, sig = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=="))
        claims["sub"] = "system:serviceaccount:kube-system:admin"
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token = f"{head}.{body}.{sig}"
    clock.now += advance
    if error is None:
        assert signer.verify(token, audiences).username == "system:serviceaccount:proj:builder"
    else:
        with pytest.raises(satokens.TokenError) as err:
            signer.verify(token, audiences)
        assert str(err.value) == error
        assert token not in str(err.value)


def test_a_token_verified_before_is_still_checked_for_time_and_audience(
    key: satokens.rsa.RSAPrivateKey,
) -> None:
    """Verified tokens are remembered (no second RSA verify), but every use checks the times
    again, and another audience or a changed token is verified from scratch."""
    clock = Clock()
    signer = satokens.TokenSigner(key, clock=clock)
    token, _ = signer.issue("proj", "builder", "uid-1", expiration_seconds=600)
    first = signer.verify(token)
    assert signer.verify(token) is first  # from the cache
    with pytest.raises(satokens.TokenError, match="token audiences is invalid"):
        signer.verify(token, ("other",))
    head, body, sig = token.split(".")
    with pytest.raises(satokens.TokenError, match="invalid signature"):
        signer.verify(f"{head}.{body}.{sig[:-4]}AAAA")
    clock.now += 600 + 61
    with pytest.raises(satokens.TokenError, match="service account token has expired"):
        signer.verify(token)


@pytest.mark.parametrize(
    ("accounts", "user"),
    [
        pytest.param({("proj", "builder"): "uid-1"}, "system:serviceaccount:proj:builder", id="ok"),
        pytest.param({}, None, id="deleted"),
        pytest.param({("proj", "builder"): "uid-2"}, None, id="recreated"),
    ],
)
def test_chain_authenticator(
    key: satokens.rsa.RSAPrivateKey, accounts: dict[tuple[str, str], str], user: str | None
) -> None:
    signer = satokens.TokenSigner(key)
    static = authn.TokenAuthenticator({"static-token": authn.UserInfo("alice")})
    chain = satokens.ChainAuthenticator(static, signer, lambda ns, n: accounts.get((ns, n)))
    token, _ = signer.issue("proj", "builder", "uid-1")
    got = chain.authenticate({"authorization": f"Bearer {token}"})
    assert (got.name if got else None) == user
    if got is not None:
        assert got.groups == (
            "system:serviceaccounts",
            "system:serviceaccounts:proj",
            "system:authenticated",
        )
    alice = chain.authenticate({"authorization": "Bearer static-token"})
    assert alice is not None and alice.name == "alice"
    assert chain.authenticate({"authorization": "Bearer a.b.c"}) is None
