"""Service account tokens: bound, expiring JWTs signed with a key in the data directory.

These are kube-apiserver's TokenRequest tokens (``pkg/serviceaccount/claims.go``): RS256 JWTs whose
``sub`` is ``system:serviceaccount:<ns>:<name>``, with issuer, audiences, ``iat``/``nbf``/``exp``,
a ``jti``, and a private ``kubernetes.io`` claim naming the account and its uid. A token
authenticates only while it has not expired (60 s leeway, as go-jose's default), its audience is
one the server accepts, and the account still exists with the same uid, so deleting (or
deleting and re-creating) a service account revokes its tokens at once.

The signing key is ``sa.key`` (PKCS#8 PEM, mode 0600), created on first start; the key id is the
base64url SHA-256 of the public key's DER, as kube computes it. Tokens never appear in errors or
logs; failures say why without echoing the token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from imagestreams.server import authn

__all__ = [
    "DEFAULT_ISSUER",
    "ChainAuthenticator",
    "Claims",
    "ServiceAccountLookup",
    "TokenError",
    "TokenSigner",
    "ensure_signing_key",
]

DEFAULT_ISSUER = "https://kubernetes.default.svc"
LEEWAY_SECONDS = 60
_VERIFIED_CACHE_SIZE = 4096
CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
_SA_PREFIX = "system:serviceaccount:"

ServiceAccountLookup = Callable[[str, str], str | None]
"""``(namespace, name) -> uid`` of a service account that exists, else ``None``."""


class TokenError(Exception):
    """Why a token was refused (never contains the token)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure_signing_key(data_dir: Path) -> rsa.RSAPrivateKey:
    """``data_dir/sa.key``, created (RSA 2048, mode 0600) when missing."""
    path = data_dir / "sa.key"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TokenError(f"{path} is not an RSA private key")
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".sa.key.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key


@dataclass(frozen=True, slots=True)
class Claims:
    """The verified content of a service account token."""

    namespace: str
    name: str
    uid: str
    audiences: tuple[str, ...]
    expires: int
    jti: str

    @property
    def username(self) -> str:
        return f"{_SA_PREFIX}{self.namespace}:{self.name}"


class TokenSigner:
    """Issues and verifies service account tokens with one RSA key."""

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        *,
        issuer: str = DEFAULT_ISSUER,
        api_audiences: tuple[str, ...] = (DEFAULT_ISSUER,),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._public = key.public_key()
        der = self._public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = _b64(hashlib.sha256(der).digest())
        self.issuer = issuer
        self.api_audiences = api_audiences
        self.clock = clock
        # Tokens whose signature and claims were already checked (by digest, never the token),
        # with their not-before time: an RSA verify costs more than serving a GET, and a client
        # sends the same token on every request. Times are checked again on every use.
        self._verified: dict[bytes, tuple[Claims, int]] = {}

    def issue(
        self,
        namespace: str,
        name: str,
        uid: str,
        *,
        audiences: tuple[str, ...] = (),
        expiration_seconds: int = 3600,
        bound: Mapping[str, str] | None = None,
    ) -> tuple[str, int]:
        """A signed token and its expiry (Unix seconds)."""
        now = int(self.clock())
        exp = now + expiration_seconds
        private: dict[str, Any] = {
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": uid},
        }
        if bound and bound.get("kind") in ("Pod", "Secret"):
            private[bound["kind"].lower()] = {
                "name": bound.get("name", ""),
                "uid": bound.get("uid", ""),
            }
        claims = {
            "aud": list(audiences or self.api_audiences),
            "exp": exp,
            "iat": now,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": private,
            "nbf": now,
            "sub": f"{_SA_PREFIX}{namespace}:{name}",
        }
        header = {"alg": "RS256", "kid": self.key_id}
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}", exp

    def verify(self, token: str, audiences: tuple[str, ...] = ()) -> Claims:
        """Check signature, issuer, audience and times; raise ``TokenError`` with the reason."""
        key = hashlib.sha256("\0".join((token, *audiences)).encode()).digest()
        known = self._verified.get(key)
        if known is not None:
            self._check_times(known[0].expires, known[1])
            return known[0]
        claims, nbf = self._verify(token, audiences)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[key] = (claims, nbf)
        return claims

    def _check_times(self, exp: int, nbf: int) -> None:
        now = self.clock()
        if now > exp + LEEWAY_SECONDS:
            raise TokenError("service account token has expired")
        if now + LEEWAY_SECONDS < nbf:
            raise TokenError("service account token is not valid yet")

    def _verify(self, token: str, audiences: tuple[str, ...]) -> tuple[Claims, int]:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("token is not a JWT")
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise TokenError("token is malformed") from None
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise TokenError("unsupported signing algorithm")
        try:
            self._public.verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise TokenError("invalid signature") from None
        if not isinstance(claims, dict) or claims.get("iss") != self.issuer:
            raise TokenError("token issuer is not accepted")
        aud = claims.get("aud")
        token_auds = tuple(aud) if isinstance(aud, list) else (aud,) if isinstance(aud, str) else ()
        wanted = audiences or self.api_audiences
        matched = tuple(a for a in wanted if a in token_auds)
        if not matched:
            raise TokenError("token audiences is invalid")
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int):
            raise TokenError("service account token has expired")
        if not isinstance(nbf, int):
            nbf = 0
        self._check_times(exp, nbf)
        private = claims.get("kubernetes.io")
        sa = private.get("serviceaccount") if isinstance(private, dict) else None
        if not isinstance(private, dict) or not isinstance(sa, dict):
            raise TokenError("token is not a bound service account token")
        namespace, name, uid = private.get("namespace"), sa.get("name"), sa.get("uid")
        if not all(isinstance(v, str) and v for v in (namespace, name, uid)):
            raise TokenError("token is not a bound service account token")
        assert isinstance(namespace, str) and isinstance(name, str) and isinstance(uid, str)
        if claims.get("sub") != f"{_SA_PREFIX}{namespace}:{name}":
            raise TokenError("token subject does not match its service account")
        return Claims(namespace, name, uid, matched, exp, str(claims.get("jti", ""))), nbf


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class ChainAuthenticator:
    """Service account tokens first (they look like JWTs), then the static tokens.

    ``lookup`` answers from an in-memory cache, so authentication stays synchronous and does no
    storage I/O. A token that is not a valid service account token is then looked up among the
    static tokens (and, being unknown there too, answered 401).
    """

    def __init__(
        self, static: authn.TokenAuthenticator, signer: TokenSigner, lookup: ServiceAccountLookup
    ) -> None:
        self.static = static
        self.signer = signer
        self.lookup = lookup

    def review(self, token: str, audiences: tuple[str, ...] = ()) -> authn.UserInfo:
        """Authenticate a service account token; raise ``TokenError`` with the reason."""
        claims = self.signer.verify(token, audiences)
        current = self.lookup(claims.namespace, claims.name)
        if current is None:
            raise TokenError(f'serviceaccounts "{claims.name}" not found')
        if current != claims.uid:
            raise TokenError(f"service account UID ({current}) does not match claim ({claims.uid})")
        return authn.UserInfo(
            name=claims.username,
            uid=claims.uid,
            groups=(
                "system:serviceaccounts",
                f"system:serviceaccounts:{claims.namespace}",
                authn.ALL_AUTHENTICATED,
            ),
            extra={CREDENTIAL_ID: (f"JTI={claims.jti}",)} if claims.jti else {},
        )

    def authenticate(self, headers: Mapping[str, str]) -> authn.UserInfo | None:
        token = authn.bearer_token(headers)
        if token is not None and _looks_like_jwt(token):
            try:
                return self.review(token)
            except TokenError:
                pass
        return self.static.authenticate_token(token)
