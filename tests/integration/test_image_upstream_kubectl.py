"""The image group through the real kubectl: apply, server-side tables, delete.

Table columns follow openshift-apiserver ``pkg/image/printers/internalversion/printer.go`` (and
its ``printer_test.go``); apply/delete messages are kubectl's own for any resource.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.image_upstream_support import (
    BASE,
    CONFIG,
    SCHEMA2,
    map_image,
    schema2_manifest,
)
from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration
NS_PREFIX = "kc"

STREAM = """\
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata:
  name: ruby
  labels: {app: ruby}
spec:
  lookupPolicy: {local: true}
  tags:
  - name: "3.3"
    from: {kind: DockerImage, name: registry.access.redhat.com/ubi9/ruby-33:latest}
    reference: true
  - name: stable
    from: {kind: ImageStreamTag, name: latest}
"""


@pytest.fixture
def kubectl(api_server: RunningServer) -> Kubectl:
    return Kubectl(api_server.kubeconfig)


def _rows(output: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def _push(http: httpx.Client, ns: str) -> str:
    manifest, name = schema2_manifest(f"kubectl-{ns}")
    image = {
        "metadata": {"name": name, "annotations": {"openshift.io/image.managed": "true"}},
        "dockerImageManifest": manifest,
        "dockerImageManifestMediaType": SCHEMA2,
        "dockerImageConfig": CONFIG,
    }
    assert map_image(http, ns, "ruby", "latest", image).status_code == 201
    return name


def test_apply_creates_then_reports_unchanged(kubectl: Kubectl, ns: str) -> None:
    assert kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM).strip() == (
        "imagestream.image.openshift.io/ruby created"
    )
    second = kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM).strip()
    assert second in (
        "imagestream.image.openshift.io/ruby unchanged",
        "imagestream.image.openshift.io/ruby configured",
    )
    generation = kubectl("get", "is", "ruby", "-n", ns, "-o", "jsonpath={.metadata.generation}")
    assert generation == "1"


def test_second_apply_is_unchanged_like_upstream(kubectl: Kubectl, ns: str) -> None:
    kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM)
    assert kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM).strip() == (
        "imagestream.image.openshift.io/ruby unchanged"
    )


def test_tables(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM)
    pushed = _push(http, ns)
    stream = http.get(f"{BASE}/namespaces/{ns}/imagestreams/ruby").json()
    repo = stream["status"]["dockerImageRepository"]
    pull = f"{repo}@{pushed}"

    streams = _rows(kubectl("get", "is", "-n", ns))
    assert streams[0] == ["NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED"]
    assert streams[1][:2] == ["ruby", repo]
    # newest head first, ties (same second) by name: the pushed tags are never older than 3.3
    assert streams[1][2] in ("3.3,latest,stable", "latest,stable,3.3")
    assert re.fullmatch(r"(Less than a second|\d+ seconds) ago", streams[1][3])

    everywhere = _rows(
        kubectl("get", "is", "-A", "-l", "app=ruby", "--field-selector", f"metadata.namespace={ns}")
    )
    assert everywhere[0] == ["NAMESPACE", "NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED"]
    assert everywhere[1][:2] == [ns, "ruby"]

    istags = _rows(kubectl("get", "istag", "-n", ns, "-o", "wide"))
    assert istags[0] == ["NAME", "IMAGE REFERENCE", "UPDATED", "IMAGE NAME"]
    assert [(r[0], r[1], r[3]) for r in istags[1:]] == [
        ("ruby:latest", pull, pushed),
        ("ruby:stable", pull, pushed),
    ]

    itags = _rows(kubectl("get", "itag", "-n", ns))
    assert itags[0] == ["NAME", "SPEC", "STATUS", "HISTORY", "UPDATED"]
    assert [r[:4] for r in itags[1:]] == [
        ["ruby:3.3", "Ref", "registry.access.redhat.com/ubi9/ruby-33:latest", "1"],
        ["ruby:latest", "Push", f"image/{pushed}", "1"],
        ["ruby:stable", "Track", f"image/{pushed}", "1"],
    ]

    # --sort-by asks for full row objects (includeObject=Object) and reads them back.
    by_name = _rows(kubectl("get", "itag", "-n", ns, "--sort-by=.metadata.name"))
    assert [r[0] for r in by_name[1:]] == ["ruby:3.3", "ruby:latest", "ruby:stable"]
    newest = _rows(kubectl("get", "istag", "-n", ns, "--sort-by=.metadata.name"))
    assert [r[0] for r in newest[1:]] == ["ruby:latest", "ruby:stable"]

    images = _rows(kubectl("get", "images", pushed))
    assert images == [["NAME", "IMAGE REFERENCE"], [pushed, pull]]

    short = f"ruby@{pushed[7:19]}"
    isimage = _rows(kubectl("get", "isimage", short, "-n", ns, "-o", "wide"))
    assert isimage[0] == ["NAME", "UPDATED", "IMAGE REFERENCE", "IMAGE NAME"]
    assert (isimage[1][0], isimage[1][2], isimage[1][3]) == (short, pull, pushed)


def test_delete_istag_and_stream(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    kubectl("apply", "-n", ns, "-f", "-", stdin=STREAM)
    _push(http, ns)
    assert kubectl("delete", "istag", "ruby:stable", "-n", ns).strip() == (
        'imagestreamtag.image.openshift.io "ruby:stable" deleted'
    )
    tags = kubectl("get", "is", "ruby", "-n", ns, "-o", "jsonpath={.spec.tags[*].name}")
    assert tags == "3.3"
    assert kubectl("delete", "is", "ruby", "-n", ns).strip() == (
        'imagestream.image.openshift.io "ruby" deleted'
    )
    missing = kubectl.run("get", "is", "ruby", "-n", ns, check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        'Error from server (NotFound): imagestreams.image.openshift.io "ruby" not found'
    )
