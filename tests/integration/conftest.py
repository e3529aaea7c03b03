from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server_fixture import RunningServer, start_server


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One HTTPS server for the session; tests use their own namespaces."""
    with start_server(tmp_path_factory.mktemp("api") / "data") as server:
        yield server


@pytest.fixture
def kubectl_env(api_server: RunningServer, tmp_path: Path) -> dict[str, str]:
    return {"KUBECONFIG": str(api_server.kubeconfig), "HOME": str(tmp_path)}
