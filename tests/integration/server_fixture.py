"""Start the real ``imagestreams serve`` as a child process on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["RunningServer", "free_port", "start_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "admin.kubeconfig"

    @property
    def token(self) -> str:
        return (self.data_dir / "admin.token").read_text().strip()

    @property
    def ca_file(self) -> Path:
        return self.data_dir / "ca.crt"

    def client(self, token: str | None = None, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        verify: object = self.ssl_context() if self.url.startswith("https") else False
        return httpx.Client(base_url=self.url, headers=headers, verify=verify, timeout=30, **kw)  # type: ignore[arg-type]

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _wait_ready(url: str, ca: Path, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            verify: object = (
                ssl.create_default_context(cafile=str(ca))
                if url.startswith("https") and ca.exists()
                else False
            )
            if httpx.get(f"{url}/readyz", verify=verify, timeout=2).status_code == 200:  # type: ignore[arg-type]
                return
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server not ready in 30 s:\n{log.read_text()}")


@contextlib.contextmanager
def start_server(
    data_dir: Path, *args: str, plain_http: bool = False, env: dict[str, str] | None = None
) -> Iterator[RunningServer]:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    cmd = [
        sys.executable,
        "-m",
        "imagestreams",
        "serve",
        "--data-dir",
        str(data_dir),
        "--listen",
        f"127.0.0.1:{port}",
        *args,
    ]
    if plain_http:
        cmd.append("--plain-http")
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    scheme = "http" if plain_http else "https"
    server = RunningServer(f"{scheme}://127.0.0.1:{port}", data_dir, proc, log_path)
    try:
        _wait_ready(server.url, server.ca_file, proc, log_path)
        yield server
    finally:
        server.stop()
