"""Run the real, preinstalled kubectl against a test server."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Kubectl", "kubectl_binary"]

_VERSIONED = Path("/usr/lib/google-cloud-sdk/bin/kubectl.1.32")


def kubectl_binary() -> str:
    if _VERSIONED.exists():
        return str(_VERSIONED)
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl is not installed")
    return found


@dataclass
class Kubectl:
    kubeconfig: Path

    def __post_init__(self) -> None:
        self.cache_dir = tempfile.mkdtemp(prefix="kubectl-cache-")

    def run(
        self, *args: str, stdin: str | None = None, timeout: float = 60, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            kubectl_binary(),
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            self.cache_dir,
            *args,
        ]
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n"
                f"{proc.stderr}"
            )
        return proc

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout
