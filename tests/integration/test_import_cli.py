"""``imagestreams import-image``: the request oc would build, and the command end to end.

The request-building rules are checked table-driven on ``build_import`` (no server needed);
the command itself runs as a child process against the real server and a real registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import click
import pytest

from imagestreams.cli.common import CommandError
from imagestreams.cli.import_image import ImportOptions, build_import
from tests.integration.registry_fixture import RegistryProcess, needs_registry
from tests.integration.server_fixture import RunningServer, start_server
from tests.oci_images import Pusher, build_image

Obj = dict[str, Any]


def _stream(tags: list[Obj], repository: str = "", insecure: bool = False) -> Obj:
    annotations = {"openshift.io/image.insecureRepository": "true"} if insecure else {}
    return {
        "metadata": {"name": "app", "namespace": "ns", "resourceVersion": "7",
                     "annotations": annotations},
        "spec": {"dockerImageRepository": repository, "tags": tags},
    }  # fmt: skip


def _docker(name: str, ref: str, **extra: Any) -> Obj:
    return {"name": name, "from": {"kind": "DockerImage", "name": ref}, **extra}


@pytest.mark.parametrize(
    ("target", "kw", "stream", "images", "repository"),
    [
        pytest.param(
            "app", {"confirm": True, "from_": "quay.io/a/b:1"}, None,
            [("latest", "quay.io/a/b:1")], None, id="new-stream-confirmed",
        ),
        pytest.param(
            "app:v2", {}, _stream([_docker("v2", "quay.io/a/b:2")]),
            [("v2", "quay.io/a/b:2")], None, id="reimport-existing-tag",
        ),
        pytest.param(
            "app:alias",
            {},
            _stream([{"name": "alias", "from": {"kind": "ImageStreamTag", "name": "app:v2"}},
                     _docker("v2", "quay.io/a/b:2")]),
            [("v2", "quay.io/a/b:2")], None, id="follows-same-stream-reference",
        ),
        pytest.param(
            "app", {}, _stream([], repository="quay.io/a/b"),
            [("latest", "quay.io/a/b")], None, id="latest-from-repository",
        ),
        pytest.param(
            "app", {"all_": True, "from_": "quay.io/a/b", "confirm": True}, None,
            [], "quay.io/a/b", id="all-new-stream",
        ),
        pytest.param(
            "app", {"all_": True}, _stream([], repository="quay.io/a/b"),
            [], "quay.io/a/b", id="all-existing-repository",
        ),
    ],
)  # fmt: skip
def test_build_import(
    target: str,
    kw: Obj,
    stream: Obj | None,
    images: list[tuple[str, str]],
    repository: str | None,
) -> None:
    isi = build_import(ImportOptions(target, namespace="ns", **kw), stream)
    assert isi["metadata"]["name"] == "app"
    assert isi["spec"]["import"] is True
    assert [(i["to"]["name"], i["from"]["name"]) for i in isi["spec"].get("images", [])] == images
    assert (isi["spec"].get("repository") or {}).get("from", {}).get("name") == repository
    if stream is not None:
        assert isi["metadata"]["resourceVersion"] == "7"


@pytest.mark.parametrize(
    ("target", "kw", "stream", "message"),
    [
        pytest.param("app", {}, None,
                     'no image stream named "app" exists, pass --confirm to create and import',
                     id="missing-needs-confirm"),
        pytest.param("app:x", {}, _stream([]),
                     'the tag "x" does not exist on the image stream - choose an existing tag to'
                     " import or use the 'tag' command to create a new tag", id="unknown-tag"),
        pytest.param("app:v2", {"from_": "quay.io/c/d:1"},
                     _stream([_docker("v2", "quay.io/a/b:2")]),
                     'the tag "v2" points to "quay.io/a/b:2" - use the \'tag\' command if you want'
                     ' to change the source to "quay.io/c/d:1"', id="source-change-refused"),
        pytest.param("app", {"all_": True, "from_": "quay.io/c/d"}, _stream([], "quay.io/a/b"),
                     'the image stream has a different import spec "quay.io/a/b", pass --confirm'
                     " to update", id="repository-change-needs-confirm"),
        pytest.param("app", {"all_": True}, _stream([]),
                     "image stream does not have tags pointing to external container images",
                     id="all-without-sources"),
    ],
)  # fmt: skip
def test_build_import_refusals(target: str, kw: Obj, stream: Obj | None, message: str) -> None:
    with pytest.raises(click.ClickException) as caught:
        build_import(ImportOptions(target, namespace="ns", **kw), stream)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("target", "kw", "message"),
    [
        pytest.param("app@sha256:" + "a" * 64, {}, "to import images by ID, use the 'tag' command",
                     id="by-id"),
        pytest.param("app:v1", {"all_": True}, 'cannot specify a tag "app:v1" as well as --all',
                     id="tag-and-all"),
        pytest.param("app", {"reference_policy": "bogus"},
                     "valid reference policy values are source or local", id="policy"),
        pytest.param("app", {"import_mode": "Other"},
                     "valid ImportMode values are Legacy or PreserveOriginal", id="mode"),
    ],
)  # fmt: skip
def test_usage_errors(target: str, kw: Obj, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        ImportOptions(target, **kw)
    # oc returns these from Complete/Validate, so kcmdutil.CheckErr exits 1
    assert (caught.value.message, caught.value.exit_code) == (message, 1)


def test_insecure_flag_beats_the_annotation_and_old_tag_policy_is_kept() -> None:
    stream = _stream([_docker("v2", "quay.io/a/b:2", importPolicy={"scheduled": True})], "", True)
    isi = build_import(ImportOptions("app:v2", namespace="ns"), stream)
    assert isi["spec"]["images"][0]["importPolicy"] == {
        "insecure": True, "scheduled": True, "importMode": "Legacy",
    }  # fmt: skip
    isi = build_import(ImportOptions("app:v2", namespace="ns", insecure=False), stream)
    assert isi["spec"]["images"][0]["importPolicy"]["insecure"] is False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("cli-import") / "data"
    with start_server(data, "--components", "api", plain_http=True) as srv:
        yield srv


def _cli(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    # a narrow COLUMNS must not make rich wrap output that goes to a pipe
    env = {**os.environ, "KUBECONFIG": str(server.kubeconfig), "COLUMNS": "40"}
    return subprocess.run(
        [sys.executable, "-m", "imagestreams", "import-image", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.integration
@needs_registry
def test_import_image_command(server: RunningServer, registry: RegistryProcess) -> None:
    image = build_image(fmt="oci", salt="cli-import")
    with Pusher(registry.host) as pusher:
        pusher.push_image("cli/app", "v1", image)
        pusher.push_image("cli/app", "v2", build_image(salt="cli-import-2"))
    ref = f"{registry.host}/cli/app:v1"
    refused = _cli(server, "web")
    assert refused.returncode == 1
    assert 'no image stream named "web" exists, pass --confirm' in refused.stderr
    done = _cli(server, "web:v1", f"--from={ref}", "--confirm", "--insecure")
    assert done.returncode == 0, done.stderr
    assert "imagestream.image.openshift.io/web imported" in done.stdout
    assert "web:v1" in done.stdout and image.digest in done.stdout
    assert any(image.digest in line and "web:v1" in line for line in done.stdout.splitlines())
    failed = _cli(server, "broken:v1", f"--from={registry.host}/cli/nope:v1", "--confirm",
                  "--insecure")  # fmt: skip
    # oc since d27e7c9: "imported with errors" on stdout, the tag errors, then exit 1
    assert failed.returncode == 1
    assert failed.stdout.startswith("imagestream.image.openshift.io/broken imported with errors\n")
    lines = failed.stderr.splitlines()
    assert lines[-1] == "error: imported completed with errors", failed.stderr
    assert lines[0].startswith(
        f'error: tag v1 failed: dockerimage.image.openshift.io "{registry.host}/cli/nope:v1"'
    ), failed.stderr
    assert len(lines) == 2, failed.stderr
    everything = _cli(server, "all", f"--from={registry.host}/cli/app", "--all", "--confirm",
                      "--insecure")  # fmt: skip
    assert everything.returncode == 0, everything.stderr
    assert "all:v1" in everything.stdout and "all:v2" in everything.stdout
    bad = _cli(server, "web", "--reference-policy=bogus")
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        1, "", "error: valid reference policy values are source or local\n"
    )  # fmt: skip
    unknown_flag = _cli(server, "web", "--bogus")
    assert unknown_flag.returncode == 2
