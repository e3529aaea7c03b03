"""Reading a kubeconfig the way kubectl does, for the HTTP API client.

``--kubeconfig`` wins, else ``$KUBECONFIG`` (the first existing file of a ``:``-separated list;
kubectl merges them, which nothing here needs), else ``~/.kube/config``. The current context (or
``--context``) names a cluster (``server``, ``certificate-authority[-data]``,
``insecure-skip-tls-verify``) and a user (``token``, ``tokenFile``,
``client-certificate[-data]``/``client-key[-data]``); the context's namespace is the default
namespace of commands. Relative file paths are relative to the kubeconfig's directory.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["KubeConfig", "KubeConfigError", "load_kubeconfig", "resolve_path"]


class KubeConfigError(Exception):
    """The kubeconfig is missing or does not name what is needed."""


@dataclass(frozen=True, slots=True)
class KubeConfig:
    server: str
    namespace: str = "default"
    token: str = ""
    ca_pem: bytes | None = None
    insecure: bool = False
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None

    def __repr__(self) -> str:
        return f"KubeConfig(server={self.server!r}, namespace={self.namespace!r})"

    def ssl_context(self) -> ssl.SSLContext | bool:
        """``verify=`` for httpx: an SSL context with the CA / client cert, or False."""
        if self.insecure:
            return False
        ctx = ssl.create_default_context()
        if self.ca_pem:
            ctx.load_verify_locations(cadata=self.ca_pem.decode("ascii"))
        if self.client_cert_pem and self.client_key_pem:
            with tempfile.TemporaryDirectory() as tmp:
                cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
                cert.write_bytes(self.client_cert_pem)
                key.write_bytes(self.client_key_pem)
                ctx.load_cert_chain(cert, key)
        return ctx


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The kubeconfig file kubectl would read."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KUBECONFIG", "")
    for part in env.split(os.pathsep):
        if part and Path(part).exists():
            return Path(part)
    return Path.home() / ".kube" / "config"


def _named(entries: Any, name: str, what: str) -> dict[str, Any]:
    for entry in entries or ():
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(what)
            return value if isinstance(value, dict) else {}
    raise KubeConfigError(f'{what} "{name}" not found in the kubeconfig')


def _data(section: dict[str, Any], key: str, base: Path) -> bytes | None:
    encoded = section.get(f"{key}-data")
    if isinstance(encoded, str) and encoded:
        return base64.b64decode(encoded)
    path = section.get(key)
    if isinstance(path, str) and path:
        return (base / path).read_bytes()
    return None


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None, context: str | None = None
) -> KubeConfig:
    """The connection settings of ``context`` (default: current-context) in ``path``."""
    file = resolve_path(path)
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise KubeConfigError(f"cannot read kubeconfig {file}: {exc.strerror}") from None
    if not isinstance(doc, dict):
        raise KubeConfigError(f"{file} is not a kubeconfig")
    name = context or doc.get("current-context") or ""
    if not name:
        raise KubeConfigError(f"{file} has no current-context")
    ctx = _named(doc.get("contexts"), name, "context")
    cluster = _named(doc.get("clusters"), str(ctx.get("cluster", "")), "cluster")
    user = _named(doc.get("users"), str(ctx.get("user", "")), "user") if ctx.get("user") else {}
    server = cluster.get("server")
    if not isinstance(server, str) or not server:
        raise KubeConfigError(f'cluster "{ctx.get("cluster", "")}" has no server')
    base = file.parent
    token = str(user.get("token") or "")
    if not token and user.get("tokenFile"):
        token = (base / str(user["tokenFile"])).read_text(encoding="utf-8").strip()
    return KubeConfig(
        server=server.rstrip("/"),
        namespace=str(ctx.get("namespace") or "default"),
        token=token,
        ca_pem=_data(cluster, "certificate-authority", base),
        insecure=bool(cluster.get("insecure-skip-tls-verify", False)),
        client_cert_pem=_data(user, "client-certificate", base),
        client_key_pem=_data(user, "client-key", base),
    )
