"""Repository import throughput vs skopeo, request budget, memory (run on demand, not in CI).

    python bench/import.py [--tags 500] [--skopeo-sample 0] [--interval 10]

A local Debian docker-registry (with its access log on, to count requests) is seeded with
``--tags`` tags of one repository (shared layers, one config per tag), then:

1. the real server (``imagestreams serve``, a child process) imports the whole repository with
   one ImageStreamImport (``import: true``, tags marked ``scheduled``); wall time and the
   registry requests it made are recorded;
2. ``skopeo inspect`` is run for the same references one after another (``--skopeo-sample N``
   inspects only N of them and extrapolates, for a quick run);
3. the server's peak RSS (``VmHWM``) is read from ``/proc``;
4. the scheduled controller (interval ``--interval`` s) re-checks the unchanged tags: the HEAD
   and GET requests of one round are counted.

Targets: >= 10x faster than skopeo, <= 2 registry requests per imported tag, peak RSS < 300 MB,
a scheduled round <= one HEAD per tag and no GET. The script prints the numbers and exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.registry_fixture import RegistryProcess, start_registry  # noqa: E402
from tests.integration.server_fixture import RunningServer, start_server  # noqa: E402
from tests.oci_images import Pusher  # noqa: E402

__all__ = ["main"]

_REQUEST = re.compile(r'"(GET|HEAD|POST|PUT|PATCH|DELETE) (/v2/[^ ]*) HTTP/')
REPO = "bench/many"


def _requests(registry: RegistryProcess, since: int) -> tuple[dict[str, int], int]:
    """Requests per method in the registry's access log after byte offset ``since``."""
    text = registry.log_path.read_bytes()
    counts: dict[str, int] = {}
    for method, _path in _REQUEST.findall(text[since:].decode(errors="replace")):
        counts[method] = counts.get(method, 0) + 1
    return counts, len(text)


def _peak_rss_mb(server: RunningServer) -> float:
    status = pathlib.Path(f"/proc/{server.proc.pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def _scheduled_round(registry: RegistryProcess, interval: float) -> tuple[int, int]:
    """(HEAD, GET) requests of one whole scheduled round: wait for a quiet second, then for a
    round to start and to go quiet again."""

    def quiet_after(mark: int) -> int:
        while True:
            time.sleep(1.0)
            _, end = _requests(registry, 0)
            if end == mark:
                return mark
            mark = end

    _, mark = _requests(registry, 0)
    mark = quiet_after(mark)
    deadline = time.monotonic() + interval * 1.2 + 5
    while time.monotonic() < deadline:
        time.sleep(0.2)
        counts, end = _requests(registry, mark)
        if counts:
            quiet_after(end)
            counts, _ = _requests(registry, mark)
            return counts.get("HEAD", 0), counts.get("GET", 0)
    return 0, 0


def _skopeo(registry: RegistryProcess, tags: list[str], sample: int) -> float:
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        raise SystemExit("skopeo is not installed")
    chosen = tags if sample <= 0 else tags[:sample]
    started = time.perf_counter()
    for tag in chosen:
        subprocess.run(
            [skopeo, "inspect", "--tls-verify=false", f"docker://{registry.host}/{REPO}:{tag}"],
            check=True,
            capture_output=True,
        )
    elapsed = time.perf_counter() - started
    return elapsed * len(tags) / len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tags", type=int, default=500)
    parser.add_argument("--skopeo-sample", type=int, default=0)
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-import-"))
    registry = start_registry(work / "registry", access_log=True)
    try:
        started = time.perf_counter()
        with Pusher(registry.host) as pusher:
            tags = list(pusher.push_many(REPO, args.tags, prefix="t"))
        print(f"seeded {len(tags)} tags in {time.perf_counter() - started:.1f}s")
        with start_server(
            work / "data",
            "--max-images-bulk-imported-per-repository", "-1",
            "--scheduled-import-interval", str(args.interval),
            "--max-scheduled-image-imports-per-minute", "600",
            plain_http=True,
        ) as server, server.client() as api:  # fmt: skip
            _, mark = _requests(registry, 0)
            body = {
                "metadata": {"name": "many"},
                "spec": {
                    "import": True,
                    "repository": {
                        "from": {"kind": "DockerImage", "name": f"{registry.host}/{REPO}"},
                        "importPolicy": {"insecure": True, "scheduled": True},
                    },
                },
            }
            started = time.perf_counter()
            response = api.post("/apis/image.openshift.io/v1/namespaces/default/imagestreamimports",
                                json=body, timeout=600)  # fmt: skip
            import_seconds = time.perf_counter() - started
            response.raise_for_status()
            repo = response.json()["status"]["repository"]
            imported = sum(1 for i in repo["images"] if i["status"]["status"] == "Success")
            counts, mark = _requests(registry, mark)
            per_tag = (sum(counts.values()) - counts.get("GET_TAGS", 0)) / max(imported, 1)
            rss = _peak_rss_mb(server)
            skopeo_seconds = _skopeo(registry, tags, args.skopeo_sample)
            heads, gets = _scheduled_round(registry, args.interval)
            rss = max(rss, _peak_rss_mb(server))
    finally:
        registry.stop()
    speedup = skopeo_seconds / import_seconds
    print(f"server import of {imported} tags: {import_seconds:.2f}s "
          f"({imported / import_seconds:.0f} tags/s)")  # fmt: skip
    print(f"skopeo inspect, sequential:  {skopeo_seconds:.2f}s  -> speedup {speedup:.1f}x")
    print(f"registry requests per imported tag: {per_tag:.3f} (tag list included)")
    print(f"server peak RSS: {rss:.0f} MB")
    print(f"scheduled re-check of {imported} unchanged tags: {heads} HEAD, {gets} GET")
    failures = []
    if speedup < 10:
        failures.append("speedup < 10x")
    if per_tag > 2.0 + 1.0 / max(imported, 1):
        failures.append("> 2 requests per tag")
    if rss >= 300:
        failures.append("peak RSS >= 300 MB")
    if heads > imported or gets:
        failures.append("scheduled re-check did more than one HEAD per tag")
    if heads == 0:
        failures.append("no scheduled re-check observed")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
