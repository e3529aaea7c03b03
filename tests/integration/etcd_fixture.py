"""A real etcd for integration tests, started as a child process on free loopback ports.

Tests that need etcd use the ``etcd_server`` fixture (import it into the test module or a
conftest: ``from tests.integration.etcd_fixture import etcd_server``) or ``run_etcd`` directly
for several members or restarts. etcd is never optional: CI installs the Debian ``etcd-server``
package, so a missing binary fails the test instead of skipping it.

Raft timers are shortened (``--heartbeat-interval 10 --election-timeout 100``) so a member is
healthy in about 0.1 s instead of 1 s. The process is stopped by its own PID (SIGTERM, then
SIGKILL after 5 s), never by name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

__all__ = ["EtcdServer", "etcd_binary", "etcd_server", "free_port", "run_etcd"]

_INSTALL_WAIT = 120.0
"""How long to wait for an etcd binary that is still being installed."""


@dataclasses.dataclass(frozen=True)
class EtcdServer:
    process: subprocess.Popen[bytes]
    endpoints: list[str]
    """Client URLs, e.g. ``["http://127.0.0.1:41234"]``."""
    data_dir: pathlib.Path
    log_path: pathlib.Path


def free_port() -> int:
    """A loopback port that was free a moment ago (the usual bind-to-0 trick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def etcd_binary(wait: float = _INSTALL_WAIT) -> str:
    """The etcd executable, waiting up to ``wait`` seconds for an install in progress."""
    deadline = time.monotonic() + wait
    while True:
        found = shutil.which("etcd") or (
            "/usr/bin/etcd" if pathlib.Path("/usr/bin/etcd").exists() else None
        )
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail("etcd is not installed (apt-get install -y etcd-server)")
        time.sleep(1)


def _healthy(url: str) -> bool:
    try:
        response = httpx.get(f"{url}/health", timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("health") == "true"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start(data_dir: pathlib.Path, name: str, timeout: float) -> EtcdServer | None:
    """One attempt; None when the ports were taken in the meantime."""
    client, peer = free_port(), free_port()
    client_url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
    log_path = data_dir.with_suffix(".log")
    command = [
        etcd_binary(),
        "--name", name,
        "--data-dir", str(data_dir),
        "--listen-client-urls", client_url,
        "--advertise-client-urls", client_url,
        "--listen-peer-urls", peer_url,
        "--initial-advertise-peer-urls", peer_url,
        "--initial-cluster", f"{name}={peer_url}",
        "--initial-cluster-state", "new",
        "--heartbeat-interval", "10",
        "--election-timeout", "100",
        "--logger", "zap",
        "--log-level", "warn",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        if _healthy(client_url):
            return EtcdServer(process, [client_url], data_dir, log_path)
        time.sleep(0.02)
    _stop(process)
    raise RuntimeError(f"etcd did not become healthy in {timeout}s; see {log_path}")


@contextlib.contextmanager
def run_etcd(
    data_dir: pathlib.Path, *, name: str = "test", timeout: float = 15.0
) -> Iterator[EtcdServer]:
    """A single-member etcd with its data in ``data_dir`` (created; must not be reused by a
    running member), stopped on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        server = _start(data_dir, name, timeout)
        if server is not None:
            break
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
    else:
        log = data_dir.with_suffix(".log")
        raise RuntimeError(f"etcd exited at startup three times: {log.read_text()[-2000:]}")
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(scope="module")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    """One etcd per test module; tests keep apart by key prefix."""
    with run_etcd(tmp_path_factory.mktemp("etcd") / "data") as server:
        yield server
