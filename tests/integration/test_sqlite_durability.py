"""An acknowledged SQLite write survives ``kill -9``.

A child process writes keys as fast as it can (one writer, or several racing so that writes are
group-committed) and prints each acknowledged revision. The test SIGKILLs it mid-stream, reopens
the file, and checks that every acknowledged key is there at the acknowledged revision, and that
the log has no holes: revisions 2..current are each exactly one write.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys

import pytest

from imagestreams.storage.interface import KeyValue
from imagestreams.storage.sqlite import SQLiteStorage

__all__: list[str] = []

pytestmark = pytest.mark.integration

_ROOT = pathlib.Path(__file__).resolve().parents[2]

_CHILD = """
import asyncio, sys
from imagestreams.storage.sqlite import SQLiteStorage

async def main(path: str, writers: int) -> None:
    async with SQLiteStorage(path) as storage:
        async def write(w: int) -> None:
            n = 0
            while True:
                kv = await storage.create(f"/k/{w}/{n}", f"{w}-{n}".encode())
                print(kv.key, kv.mod_revision, flush=True)
                n += 1
        await asyncio.gather(*(write(w) for w in range(writers)))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def _write_until_killed(path: pathlib.Path, writers: int, acks: int) -> dict[str, int]:
    """Run the child until it has acknowledged ``acks`` writes, SIGKILL it, and return every
    acknowledgement it printed (including those still in the pipe)."""
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(writers)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=_ROOT,
    )
    assert child.stdout is not None
    lines: list[bytes] = []
    try:
        while len(lines) < acks:
            line = child.stdout.readline()
            if not line:
                raise AssertionError(f"child exited early with {child.wait()}")
            lines.append(line)
        os.kill(child.pid, signal.SIGKILL)
        lines += child.stdout.read().splitlines(keepends=True)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    acknowledged = {}
    for line in lines:
        if line.endswith(b"\n"):  # a line cut by the kill was not fully acknowledged
            key, revision = line.decode().split()
            acknowledged[key] = int(revision)
    return acknowledged


def _value_of(key: str) -> bytes:
    """The child writes ``/k/<writer>/<n>`` with value ``<writer>-<n>``."""
    _, _, writer, n = key.split("/")
    return f"{writer}-{n}".encode()


@pytest.mark.parametrize(
    ("writers", "acks"),
    [
        pytest.param(1, 300, id="one-writer"),
        pytest.param(16, 1000, id="sixteen-writers-group-commit"),
    ],
)
async def test_acknowledged_writes_survive_sigkill(
    tmp_path: pathlib.Path, writers: int, acks: int
) -> None:
    path = tmp_path / "durable.db"
    acknowledged = await asyncio.to_thread(_write_until_killed, path, writers, acks)
    async with SQLiteStorage(path) as storage:
        stored = {kv.key: kv for kv in (await storage.list("/k/")).items}
        current = await storage.current_revision()
        # The store is usable after the crash and continues from where it stopped.
        after = await storage.create("/after-crash", b"")
    missing = {
        key: revision
        for key, revision in acknowledged.items()
        if stored.get(key) != KeyValue(key, _value_of(key), revision, revision)
    }
    assert len(acknowledged) >= acks
    assert missing == {}
    assert sorted(kv.mod_revision for kv in stored.values()) == list(range(2, current + 1))
    assert after.mod_revision == current + 1
