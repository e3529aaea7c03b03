"""``imagestreams tag``, ``describe`` and ``set image-lookup`` as subprocesses against the server.

Images enter streams through ImageStreamMapping (a registry push) and reference tags, so no
registry or network is needed; DockerImage tags that would be imported are avoided. Outputs are
compared with oc's wording exactly; ages in ``describe`` are matched by pattern.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

D1 = "sha256:" + "1" * 64
RESOLVE = "alpha.image.policy.openshift.io/resolve-names"
BASE = "/apis/image.openshift.io/v1"


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        if client.get(BASE).status_code != 200:
            pytest.skip("image.openshift.io/v1 is not served yet (runtime wiring pending)")
        yield client


def _namespace(http: httpx.Client) -> str:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    assert http.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    return name


@pytest.fixture
def ns(http: httpx.Client) -> str:
    return _namespace(http)


def _cli(
    server: RunningServer, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    environ = {**os.environ, "KUBECONFIG": str(server.kubeconfig), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "imagestreams", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _push(http: httpx.Client, ns: str, stream: str, tag: str, digest: str) -> None:
    """A registry push: the stream must exist (it is created here)."""
    created = http.post(f"{BASE}/namespaces/{ns}/imagestreams", json={"metadata": {"name": stream}})
    assert created.status_code in (201, 409), created.text
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": stream},
        "tag": tag,
        "image": {"metadata": {"name": digest}, "dockerImageReference": f"quay.io/x/y@{digest}"},
    }
    response = http.post(f"{BASE}/namespaces/{ns}/imagestreammappings", json=body)
    assert response.status_code == 201, response.text


def _stream(http: httpx.Client, ns: str, name: str) -> dict[str, Any]:
    response = http.get(f"{BASE}/namespaces/{ns}/imagestreams/{name}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _spec_tag(stream: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((t for t in stream["spec"].get("tags") or () if t["name"] == name), None)


def test_tag_sets_tracks_copies_and_deletes(
    api_server: RunningServer, http: httpx.Client, ns: str
) -> None:
    _push(http, ns, "ruby", "pushed", D1)
    n = ("-n", ns)

    assert _cli(api_server, "tag", "--reference", "quay.io/x/ruby:3", "ruby:ref", *n) == (
        0, "Tag ruby:ref set to quay.io/x/ruby:3.\n", ""
    )  # fmt: skip
    ref = _spec_tag(_stream(http, ns, "ruby"), "ref")
    assert ref is not None
    assert (ref["from"], ref.get("reference"), ref["referencePolicy"]) == (
        {"kind": "DockerImage", "name": "quay.io/x/ruby:3"}, True, {"type": "Source"}
    )  # fmt: skip

    assert _cli(api_server, "tag", "--alias", "ruby:pushed", "ruby:alias", *n) == (
        0, "Tag ruby:alias set up to track ruby:pushed.\n", ""
    )  # fmt: skip
    stream = _stream(http, ns, "ruby")
    assert _spec_tag(stream, "alias")["from"] == {"kind": "ImageStreamTag", "name": "ruby:pushed"}  # type: ignore[index]
    heads = {t["tag"]: t["items"][0]["image"] for t in stream["status"]["tags"]}
    assert heads["alias"] == D1

    # without --alias the source is pinned to the image it points at now
    assert _cli(api_server, "tag", "ruby:pushed", "ruby:pinned", "copy:1", *n) == (
        0, f"Tag ruby:pinned set to ruby@{D1}.\nTag copy:1 set to ruby@{D1}.\n", ""
    )  # fmt: skip
    assert _spec_tag(_stream(http, ns, "copy"), "1")["from"] == {  # type: ignore[index]
        "kind": "ImageStreamImage",
        "name": f"ruby@{D1}",
    }

    other = _namespace(http)
    assert _cli(api_server, "tag", "ruby:pushed", f"{other}/dest:x", *n) == (
        0, f"Tag {other}/dest:x set to ruby@{D1}.\n", ""
    )  # fmt: skip
    assert _spec_tag(_stream(http, other, "dest"), "x")["from"] == {  # type: ignore[index]
        "kind": "ImageStreamImage",
        "name": f"ruby@{D1}",
        "namespace": ns,
    }

    assert _cli(api_server, "tag", "-d", "ruby:alias", *n) == (
        0, f"Deleted tag {ns}/ruby:alias.\n", ""
    )  # fmt: skip
    assert _spec_tag(_stream(http, ns, "ruby"), "alias") is None


IS_MISSING = 'Error from server (NotFound): imagestreams.image.openshift.io "missing" not found\n'
BAD_TAG = (
    'error: invalid tag "-bad" format, tags must start with an alphanumeric character followed'
    " by alphanumeric, '.' or '-' characters, and have a maximum of 128 characters\n"
)


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        pytest.param(
            ("tag", "-d", "ruby:gone"),
            1,
            "Error from server (NotFound): imagestreamtags.image.openshift.io"
            ' "ruby:gone" not found\n',
            id="delete-missing-tag",
        ),
        pytest.param(("tag", "missing:t", "x:y"), 1, IS_MISSING, id="source-stream-missing"),
        pytest.param(
            ("tag", "ruby:nothing", "x:y"),
            1,
            'error: "ruby:nothing" is not currently pointing to an image, cannot use it as the'
            " source of a tag\n",
            id="source-tag-unresolved",
        ),
        pytest.param(
            ("tag", "--reference", "quay.io/x/ruby:3", "ruby:-bad"), 1, BAD_TAG, id="bad-tag"
        ),
        pytest.param(
            ("tag", "ruby:pushed", "other:tag1", "--alias"),
            1,
            "error: cannot set alias across different Image Streams\n",
            id="alias-across-streams",
        ),
        pytest.param(
            ("set", "image-lookup", "unknown", "--list"),
            1,
            'error: the server doesn\'t have a resource type "unknown"\n',
            id="lookup-list-unknown-type",
        ),
        pytest.param(("describe", "is", "missing"), 1, IS_MISSING, id="describe-missing"),
        pytest.param(("set", "image-lookup", "missing"), 1, IS_MISSING, id="lookup-missing"),
    ],
)
def test_failures(
    api_server: RunningServer,
    http: httpx.Client,
    ns: str,
    args: tuple[str, ...],
    code: int,
    stderr: str,
) -> None:
    _push(http, ns, "ruby", "pushed", D1)
    assert _cli(api_server, *args, "-n", ns) == (code, "", stderr)


def _age_pattern(template: str) -> re.Pattern[str]:
    """``template`` literally, with ``{age}`` standing for any humanized age."""
    parts = [re.escape(p) for p in template.split("{age}")]
    return re.compile(r"[^\n\t]+ ago".join(parts))


def test_describe_image_stream(
    api_server: RunningServer, http: httpx.Client, ns: str, tmp_path: Path
) -> None:
    _push(http, ns, "ruby", "pushed", D1)
    assert _cli(api_server, "tag", "--reference", "quay.io/x/ruby:3", "ruby:ref", "-n", ns)[0] == 0
    repository = _stream(http, ns, "ruby")["status"].get("dockerImageRepository", "")
    # the context's namespace is the default, as in kubectl
    config = yaml.safe_load(api_server.kubeconfig.read_text())
    for context in config["contexts"]:
        context["context"]["namespace"] = ns
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    code, out, err = _cli(api_server, "describe", "is", "ruby", env={"KUBECONFIG": str(kubeconfig)})
    assert (code, err) == (0, "")
    expected = _age_pattern(
        "Name:\t\t\truby\n"
        f"Namespace:\t\t{ns}\n"
        "Created:\t\t{age}\n"
        "Labels:\t\t\t<none>\n"
        "Annotations:\t\t<none>\n"
        f"Image Repository:\t{repository or '<none>'}\n"
        "Image Lookup:\t\tlocal=false\n"
        "Unique Images:\t\t2\n"
        "Tags:\t\t\t2\n"
        "\n"
        "pushed\n"
        "  no spec tag\n"
        "\n"
        f"  * quay.io/x/y@{D1}\n"
        "      {age}\n"
        "\n"
        "ref\n"
        "  reference to registry quay.io/x/ruby:3\n"
        "\n"
        "  * quay.io/x/ruby:3\n"
        "      {age}\n"
    )
    assert expected.fullmatch(out), out


def test_set_image_lookup(api_server: RunningServer, http: httpx.Client, ns: str) -> None:
    _push(http, ns, "ruby", "pushed", D1)
    n = ("-n", ns)
    updated = "imagestream.image.openshift.io/ruby image lookup updated\n"
    assert _cli(api_server, "set", "image-lookup", "ruby", *n) == (0, updated, "")
    assert _stream(http, ns, "ruby")["spec"]["lookupPolicy"] == {"local": True}
    assert _cli(api_server, "set", "image-lookup", "is/ruby", *n) == (0, "", "")  # unchanged
    assert _cli(api_server, "set", "image-lookup", *n) == (0, "NAME  LOCAL\nruby  true\n", "")
    assert _cli(api_server, "set", "image-lookup", "--all", "--enabled=false", *n) == (
        0, updated, ""
    )  # fmt: skip
    assert _stream(http, ns, "ruby")["spec"]["lookupPolicy"] == {"local": False}
    assert _cli(api_server, "set", "image-lookup", "--list", "ruby", *n) == (
        0, "NAME  LOCAL\nruby  false\n", ""
    )  # fmt: skip


def test_set_image_lookup_verbosity_and_lists(
    api_server: RunningServer, http: httpx.Client, ns: str
) -> None:
    """origin's test/cmd/image-lookup.sh assertions on our command."""
    _push(http, ns, "nginx", "latest", D1)
    _push(http, ns, "ruby", "pushed", D1)
    secret = {"metadata": {"name": "pull", "annotations": {RESOLVE: "*"}}, "type": "Opaque"}
    assert http.post(f"/api/v1/namespaces/{ns}/secrets", json=secret).status_code == 201
    n = ("-n", ns)
    lookup = ("set", "image-lookup")
    updated = "imagestream.image.openshift.io/nginx image lookup updated\n"
    assert _cli(api_server, *lookup, "is/nginx", *n) == (0, updated, "")
    unchanged = "info: imagestreams/nginx was not changed\n"
    for verbose in (("is/nginx", "--v=1"), ("nginx", "-v", "2")):
        assert _cli(api_server, *lookup, *verbose, *n) == (0, "", unchanged), verbose
    assert _cli(api_server, *lookup, "nginx", "--v=0", *n) == (0, "", "")
    table = "NAME   LOCAL\nnginx  true\nruby   false\n"
    for kind in ("is", "imagestreams"):  # other spellings: tests/unit/cli/test_discovery.py
        assert _cli(api_server, *lookup, kind, "--list", *n) == (0, table, ""), kind
    one = "NAME   LOCAL\nnginx  true\n"
    for listed in (("is/nginx",), ("is", "nginx"), ("nginx",)):
        assert _cli(api_server, *lookup, *listed, "--list", *n) == (0, one, ""), listed
    assert _cli(api_server, *lookup, "secrets", "--list", *n) == (
        0, "NAME          LOCAL\nsecrets/pull  true\n", ""
    )  # fmt: skip
    assert _cli(api_server, *lookup, "is,secrets", "--list", *n) == (
        0, "NAME          LOCAL\nnginx         true\nruby          false\nsecrets/pull  true\n", ""
    )  # fmt: skip
    missing = 'Error from server (NotFound): secrets "nginx" not found\n'
    assert _cli(api_server, *lookup, "is,secrets", "nginx", "--list", *n) == (1, "", missing)
    assert _cli(api_server, *lookup, "nginx", "--enabled=false", *n) == (0, updated, "")
    assert _cli(api_server, *lookup, "is", "--list", *n) == (
        0, "NAME   LOCAL\nnginx  false\nruby   false\n", ""
    )  # fmt: skip
