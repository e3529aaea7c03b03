"""Who is calling: bearer tokens, kube-apiserver's token file, the admin token and its kubeconfig.

The API server authenticates like kube-apiserver with ``--token-auth-file``: a static table of
opaque bearer tokens, each naming a user, a uid and groups. Every authenticated user also gets the
group ``system:authenticated`` (kube's ``AuthenticatedGroupAdder``). On first start the server makes
one random admin token (``admin.token`` in the data directory, in ``system:masters``) and writes an
admin kubeconfig, so ``kubectl`` works at once and verifies the server against our CA.

Tokens are compared by their SHA-256 digest: the lookup time then depends on the digest of what the
client sent, not on how many leading bytes it guessed right. Tokens never appear in errors or logs.

Anonymous requests follow kube's ``--anonymous-auth`` semantics: a request *without* a bearer token
becomes ``system:anonymous`` when anonymous access is enabled, but a request with a *wrong* token is
always rejected (401), never downgraded to anonymous.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

__all__ = [
    "ADMIN",
    "ALL_AUTHENTICATED",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "SYSTEM_MASTERS",
    "Authenticator",
    "TokenAuthenticator",
    "TokenFileError",
    "UserInfo",
    "bearer_token",
    "ensure_admin_token",
    "load_token_file",
    "write_kubeconfig",
]

log = logging.getLogger(__name__)

ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
SYSTEM_MASTERS = "system:masters"


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity (``k8s.io/apiserver/pkg/authentication/user.Info``)."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


ANONYMOUS = UserInfo(name="system:anonymous", groups=(ALL_UNAUTHENTICATED,))
ADMIN = UserInfo(name="admin", groups=(SYSTEM_MASTERS, ALL_AUTHENTICATED))


class Authenticator(Protocol):
    """Turns request headers into a user; ``None`` means "answer 401 Unauthorized"."""

    def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None: ...


class TokenFileError(Exception):
    """The token file cannot be used; the message names the file and line, never a token."""


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>`` as kube reads it, else ``None``.

    ``headers`` must be case-insensitive (Starlette's ``Headers``). The scheme is matched without
    regard to case; the value is split on single spaces and the second part is the token, so an
    empty token (``Bearer  x``) counts as no token at all.
    """
    value = headers.get("authorization", "").strip()
    if not value:
        return None
    parts = value.split(" ", 2)
    if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
        return None
    return parts[1]


def _with_authenticated(user: UserInfo) -> UserInfo:
    """kube's AuthenticatedGroupAdder: add ``system:authenticated`` unless the user is anonymous or
    already in one of the two catch-all groups."""
    if user.name == ANONYMOUS.name:
        return user
    if ALL_AUTHENTICATED in user.groups or ALL_UNAUTHENTICATED in user.groups:
        return user
    return UserInfo(user.name, user.uid, (*user.groups, ALL_AUTHENTICATED), user.extra)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenAuthenticator:
    """Static bearer tokens (``--token-auth-file`` plus the admin token)."""

    def __init__(self, tokens: Mapping[str, UserInfo], *, allow_anonymous: bool = False) -> None:
        self._users = {_digest(t): _with_authenticated(u) for t, u in tokens.items() if t}
        self.allow_anonymous = allow_anonymous

    def __len__(self) -> int:
        return len(self._users)

    def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        return self.authenticate_token(bearer_token(headers))

    def authenticate_token(self, token: str | None) -> UserInfo | None:
        """The user of an already extracted bearer token (``None``: no token was sent)."""
        if token is None:
            return ANONYMOUS if self.allow_anonymous else None
        return self._users.get(_digest(token))


# -- kube-apiserver --token-auth-file ------------------------------------------------------------

_BARE_QUOTE = 'bare " in non-quoted-field'
_QUOTE = 'extraneous or missing " in quoted-field'


class _CsvError(Exception):
    def __init__(self, start: int, line: int, column: int, why: str) -> None:
        where = f"parse error on line {line}, column {column}: {why}"
        super().__init__(where if start == line else f"record on line {start}; {where}")


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Records of ``text`` as Go's ``encoding/csv`` reads them (RFC 4180, no lazy quotes, blank
    lines skipped, records may span lines inside quotes), each with its first line number."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        start = i + 1
        line = lines[i]
        i += 1
        if line == "":
            continue
        fields: list[str] = []
        pos = 0
        while True:
            if not line.startswith('"', pos):
                end = line.find(",", pos)
                value = line[pos:] if end < 0 else line[pos:end]
                if '"' in value:
                    raise _CsvError(start, i, pos + value.index('"') + 1, _BARE_QUOTE)
                fields.append(value)
                if end < 0:
                    break
                pos = end + 1
                continue
            pos += 1  # opening quote
            buf: list[str] = []
            while True:
                q = line.find('"', pos)
                if q < 0:  # the field goes on past the end of this line
                    buf.append(line[pos:] + "\n")
                    if i >= len(lines):
                        raise _CsvError(start, i, len(line) + 1, _QUOTE)
                    line, pos = lines[i], 0
                    i += 1
                    continue
                buf.append(line[pos:q])
                after = line[q + 1 : q + 2]
                if after == '"':
                    buf.append('"')
                    pos = q + 2
                elif after in (",", ""):
                    pos = q + 2
                    break
                else:
                    raise _CsvError(start, i, q + 2, _QUOTE)
            fields.append("".join(buf))
            if pos > len(line):
                break
        yield start, fields


def load_token_file(path: Path) -> dict[str, UserInfo]:
    """Parse a kube-apiserver token file: ``token,user,uid[,"group1,group2"][,ignored...]``.

    As kube: fewer than three columns is an error, an empty token is skipped with a warning, a
    duplicate token warns and the later line wins, and the groups column is split on commas.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TokenFileError(f"cannot read token file '{path}': {e}") from e
    tokens: dict[str, UserInfo] = {}
    record_num = 0
    try:
        for line, record in _csv_records(text):
            if len(record) < 3:
                raise TokenFileError(
                    f"token file '{path}' line {line}: must have at least 3 columns "
                    f"(token, user name, user uid), found {len(record)}"
                )
            record_num += 1
            token, name, uid = record[0], record[1], record[2]
            if not token:
                log.warning(
                    "empty token has been found in token file '%s', record number '%d'",
                    path,
                    record_num,
                )
                continue
            if token in tokens:
                log.warning(
                    "duplicate token has been found in token file '%s', record number '%d'",
                    path,
                    record_num,
                )
            # compat: like kube, an empty groups column yields one group named "".
            groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
            tokens[token] = UserInfo(name=name, uid=uid, groups=groups)
    except _CsvError as e:
        raise TokenFileError(f"token file '{path}': {e}") from None
    return tokens


# -- the admin token and kubeconfig --------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def ensure_admin_token(data_dir: Path) -> str:
    """The admin bearer token from ``data_dir/admin.token``, created on first start (32 random
    bytes, URL-safe base64) and reused afterwards; the file is kept at mode 0600."""
    path = data_dir / "admin.token"
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return token
    token = secrets.token_urlsafe(32)
    _write_private(path, (token + "\n").encode())
    return token


def write_kubeconfig(
    path: Path,
    server_url: str,
    ca_pem: bytes | None,
    token: str,
    user: str = "admin",
    cluster: str = "imagestreams",
    namespace: str = "default",
) -> None:
    """Write a kubeconfig (mode 0600) for ``user`` with a bearer ``token``.

    With ``ca_pem`` the cluster entry carries ``certificate-authority-data`` so clients verify the
    server; verification is never switched off here. The context is ``<user>@<cluster>``.
    """
    cluster_entry: dict[str, str] = {"server": server_url}
    if ca_pem is not None:
        cluster_entry["certificate-authority-data"] = base64.b64encode(ca_pem).decode("ascii")
    context = f"{user}@{cluster}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": cluster, "user": user, "namespace": namespace},
            }
        ],
        "current-context": context,
        "preferences": {},
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False).encode())
