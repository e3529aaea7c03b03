"""Real CNCF distribution registries (Debian ``docker-registry`` 2.8) for integration tests.

Each registry is a child process with its own config and storage under a temp dir, bound to
``127.0.0.1:0``; the port is read from the ``listening on`` log line, readiness is ``/v2/``
answering 200 or 401, and it is stopped by PID. Variants: anonymous, htpasswd Basic (bcrypt from
``htpasswd -B``; MD5 is rejected by 2.8), token auth with :class:`TokenServer`, and schema1
compatibility. :class:`HostileRegistry` is a small real HTTP server (not a mock) that answers
the distribution API the way a broken or malicious registry would.

Token auth in 2.8 (``registry/auth/token``) verifies an RS256/ES256 JWT whose header names the
signing key either by ``x5c`` chain or by ``kid``; a ``kid`` must equal the libtrust key ID of a
certificate's public key in ``rootcertbundle`` (SHA-256 of the DER SubjectPublicKeyInfo, first
240 bits, base32, in 12 colon-separated groups of 4). Claims: ``iss`` = the configured issuer,
``aud`` = the service, ``exp``/``nbf`` and ``access`` = ``[{type, name, actions}]``. ES256
signatures are ``r || s``, not DER. So the token server here signs with a P-256 key whose
self-signed certificate is the bundle; no PyJWT needed.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

__all__ = [
    "HOSTILE_REPOSITORIES",
    "REGISTRY_BIN",
    "HostileRegistry",
    "RegistryProcess",
    "TokenServer",
    "libtrust_key_id",
    "needs_registry",
    "start_registry",
]

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
needs_registry = pytest.mark.skipif(
    not Path(REGISTRY_BIN).exists(), reason="docker-registry (Debian package) is not installed"
)
_LISTEN_RE = re.compile(r"listening on (\S+):(\d+)")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


class TokenServer:
    """A distribution token server on a thread: Basic-authenticated, ES256-signed JWTs."""

    def __init__(
        self,
        directory: Path,
        *,
        users: dict[str, str] | None = None,
        anonymous_pull: bool = False,
        expires_in: int = 300,
        service: str = "test-registry",
        issuer: str = "test-issuer",
    ) -> None:
        self.users = dict(users or {})
        self.anonymous_pull = anonymous_pull
        self.expires_in = expires_in
        self.service = service
        self.issuer = issuer
        self.requests: list[dict[str, str]] = []
        self._lock = threading.RLock()
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.kid = libtrust_key_id(self._key.public_key())
        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test token issuer")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self._key, hashes.SHA256())
        )
        self.cert_path = directory / "token-cert.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self._httpd.server_address[1]}/token"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def sign(self, subject: str, access: list[dict[str, object]], ttl: int) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "kid": self.kid}
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + ttl,
            "nbf": now - 5,
            "iat": now,
            "jti": os.urandom(8).hex(),
            "access": access,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}." + _b64url(
            json.dumps(claims).encode()
        )
        r, s = decode_dss_signature(
            self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        )
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        user = ""
        header = handler.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if self.users.get(user) != password or not user:
                self._reply(handler, 401, {"errors": [{"code": "UNAUTHORIZED"}]})
                return
        with self._lock:
            self.requests.append(
                {
                    "user": user,
                    "scope": " ".join(query.get("scope", [])),
                    "service": ",".join(query.get("service", [])),
                }
            )
        access: list[dict[str, object]] = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = [a for a in actions.split(",") if a]
            granted = wanted if user else (["pull"] if self.anonymous_pull else [])
            granted = [a for a in wanted if a in granted]
            if granted:
                access.append({"type": kind, "name": name, "actions": granted})
        token = self.sign(user, access, self.expires_in)
        issued = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        self._reply(
            handler,
            200,
            {
                "token": token,
                "access_token": token,
                "expires_in": self.expires_in,
                "issued_at": issued,
            },
        )

    @staticmethod
    def _reply(handler: http.server.BaseHTTPRequestHandler, code: int, doc: object) -> None:
        body = json.dumps(doc).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@dataclasses.dataclass
class RegistryProcess:
    process: subprocess.Popen[bytes]
    host: str
    directory: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _htpasswd_line(user: str, password: str) -> str:
    htpasswd = shutil.which("htpasswd")
    if htpasswd:
        out = subprocess.run(
            [htpasswd, "-Bbn", user, password], check=True, capture_output=True, text=True
        )
        return out.stdout.strip()
    import bcrypt  # type: ignore[import-not-found]

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}"


def start_registry(
    directory: Path,
    *,
    users: dict[str, str] | None = None,
    token_server: TokenServer | None = None,
    schema1: bool = False,
    access_log: bool = False,
) -> RegistryProcess:
    """Start ``docker-registry serve`` on a free loopback port and wait until it answers.

    ``access_log``: one combined-log line per request in the log (benchmarks count them).
    """
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        "version: 0.1",
        f"log: {{level: info, accesslog: {{disabled: {'false' if access_log else 'true'}}}}}",
        "storage:",
        "  cache: {blobdescriptor: inmemory}",  # as Debian's packaged config.yml
        f"  filesystem: {{rootdirectory: {directory / 'data'}}}",
        "  delete: {enabled: true}",
        "  maintenance: {uploadpurging: {enabled: false}}",
        "http:",
        "  addr: 127.0.0.1:0",
        "  secret: imagestreams-test-secret",
    ]
    if users:
        passwd = directory / "htpasswd"
        passwd.write_text("".join(_htpasswd_line(u, p) + "\n" for u, p in users.items()))
        lines += ["auth:", "  htpasswd:", "    realm: basic-realm", f"    path: {passwd}"]
    elif token_server is not None:
        lines += [
            "auth:",
            "  token:",
            f"    realm: {token_server.realm}",
            f"    service: {token_server.service}",
            f"    issuer: {token_server.issuer}",
            f"    rootcertbundle: {token_server.cert_path}",
        ]
    if schema1:
        lines += ["compatibility: {schema1: {enabled: true}}"]
    config = directory / "config.yml"
    config.write_text("\n".join(lines) + "\n")
    log_path = directory / "registry.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [REGISTRY_BIN, "serve", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    registry = RegistryProcess(process, "", directory, log_path)
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"docker-registry exited:\n{registry.log()[-2000:]}")
            match = _LISTEN_RE.search(registry.log())
            if match:
                registry.host = f"{match.group(1)}:{match.group(2)}"
                try:
                    status = httpx.get(f"{registry.url}/v2/", timeout=1).status_code
                except httpx.TransportError:
                    status = 0
                if status in (200, 401):
                    return registry
            time.sleep(0.02)
        raise RuntimeError(f"docker-registry did not become ready:\n{registry.log()[-2000:]}")
    except BaseException:
        registry.stop()
        raise


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """An anonymous registry shared by the session."""
    if not Path(REGISTRY_BIN).exists():
        pytest.skip("docker-registry is not installed")
    reg = start_registry(tmp_path_factory.mktemp("registry-anon"))
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """An htpasswd registry with user ``testuser`` / ``testpass``."""
    if not Path(REGISTRY_BIN).exists():
        pytest.skip("docker-registry is not installed")
    reg = start_registry(tmp_path_factory.mktemp("registry-basic"), users={"testuser": "testpass"})
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RegistryProcess, TokenServer]]:
    """A token-auth registry and its token server (user ``tokenuser`` / ``tokenpass``)."""
    if not Path(REGISTRY_BIN).exists():
        pytest.skip("docker-registry is not installed")
    directory = tmp_path_factory.mktemp("registry-token")
    server = TokenServer(directory, users={"tokenuser": "tokenpass"})
    reg = start_registry(directory, token_server=server)
    yield reg, server
    reg.stop()
    server.stop()


HOSTILE_REPOSITORIES = ("wrongdigest", "oversized", "endless", "slow", "garbage")
_HOSTILE_MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + "0" * 64,
            "size": 2,
        },
        "layers": [],
    }
).encode()


class HostileRegistry:
    """A registry that misbehaves per repository (``hostile/<name>``, tag ``latest``):

    * ``wrongdigest``: a valid manifest whose ``Docker-Content-Digest`` names other content;
    * ``oversized``: a 5 MiB manifest announced with its ``Content-Length``;
    * ``endless``: a chunked manifest body that never ends (stops after 256 MiB or on
      disconnect);
    * ``slow``: headers at once, then one byte every ``drip`` seconds (for ``slow_for`` seconds);
    * ``garbage``: ``200 OK`` with a manifest content type and a body that is not JSON.

    ``requests`` counts what was asked, so tests can check that the server gave up.
    """

    def __init__(self, *, drip: float = 0.5, slow_for: float = 120.0) -> None:
        self.drip = drip
        self.slow_for = slow_for
        self.requests: list[str] = []
        self._stop = threading.Event()
        hostile = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                hostile._serve(self, head=True)

            def do_GET(self) -> None:
                hostile._serve(self, head=False)

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, handler: http.server.BaseHTTPRequestHandler, *, head: bool) -> None:
        path = handler.path.split("?", 1)[0]
        self.requests.append(f"{handler.command} {path}")
        media = "application/vnd.oci.image.manifest.v1+json"
        try:
            if path == "/v2/":
                self._send(handler, 200, b"{}", "application/json", head)
                return
            match = re.fullmatch(r"/v2/hostile/([a-z]+)/manifests/[^/]+", path)
            kind = match.group(1) if match else ""
            if kind == "wrongdigest":
                other = "sha256:" + hashlib.sha256(b"something else").hexdigest()
                self._send(handler, 200, _HOSTILE_MANIFEST, media, head, digest=other)
            elif kind == "oversized":
                self._send(handler, 200, b" " * (5 * 1024 * 1024), media, head)
            elif kind == "garbage":
                self._send(handler, 200, b"<html>not a manifest</html>", media, head)
            elif kind == "endless":
                handler.send_response(200)
                handler.send_header("Content-Type", media)
                handler.send_header("Transfer-Encoding", "chunked")
                handler.end_headers()
                chunk = b" " * 65536
                frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                for _ in range(4096):
                    if self._stop.is_set():
                        break
                    handler.wfile.write(frame)
            elif kind == "slow":
                handler.send_response(200)
                handler.send_header("Content-Type", media)
                handler.send_header("Content-Length", str(len(_HOSTILE_MANIFEST)))
                handler.end_headers()
                deadline = time.monotonic() + self.slow_for
                for byte in _HOSTILE_MANIFEST:
                    if self._stop.wait(self.drip) or time.monotonic() > deadline:
                        break
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
            else:
                body = json.dumps({"errors": [{"code": "NAME_UNKNOWN", "message": "unknown"}]})
                self._send(handler, 404, body.encode(), "application/json", head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _send(
        handler: http.server.BaseHTTPRequestHandler,
        code: int,
        body: bytes,
        content_type: str,
        head: bool,
        digest: str = "",
    ) -> None:
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if code == 200 and content_type != "application/json":
            handler.send_header(
                "Docker-Content-Digest", digest or "sha256:" + hashlib.sha256(body).hexdigest()
            )
        handler.end_headers()
        if not head:
            handler.wfile.write(body)


@pytest.fixture(scope="session")
def hostile_registry() -> Iterator[HostileRegistry]:
    server = HostileRegistry()
    yield server
    server.stop()
