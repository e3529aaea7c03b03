"""The image trigger controller end to end, after origin's
``test/extended/images/trigger/annotation.go`` ("reconciles after the image is overwritten"):
the Deployment fixture from origin's testdata is created with kubectl, an image is tagged in from
a real registry with the CLI (``oc tag`` there), the controller sets the container image, and
after the image is overwritten 50 times with strategic merge patches it is put back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest

from tests.integration.kubectl import Kubectl
from tests.integration.registry_fixture import RegistryProcess, needs_registry
from tests.integration.server_fixture import RunningServer
from tests.oci_images import Pusher, build_image

pytestmark = [pytest.mark.integration, needs_registry]
NS_PREFIX = "trigger"
SYNC_TIMEOUT = 30.0  # origin's SyncTimeout

TRIGGERS = (
    '[{"from":{"kind":"ImageStreamTag","name":"test:v1"},'
    '"fieldPath":"spec.template.spec.containers[?(@.name==\\"test\\")].image"}]'
)
# origin test/extended/testdata/image/deployment-with-annotation-trigger.yaml
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    image.openshift.io/triggers: 'TRIGGERS'
  name: test
spec:
  progressDeadlineSeconds: 600
  replicas: 1
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: test
  strategy:
    type: Recreate
  template:
    metadata:
      labels:
        app: test
    spec:
      containers:
        - image: " "
          name: test
          command: ["/bin/sleep"]
          args:
           - infinity
""".replace("TRIGGERS", TRIGGERS)


def _image(client: httpx.Client, ns: str) -> str:
    response = client.get(f"/apis/apps/v1/namespaces/{ns}/deployments/test")
    response.raise_for_status()
    return str(response.json()["spec"]["template"]["spec"]["containers"][0]["image"])


def _wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SYNC_TIMEOUT
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_reconciles_after_the_image_is_overwritten(
    api_server: RunningServer, registry: RegistryProcess, http: httpx.Client, ns: str
) -> None:
    image = build_image(salt=f"trigger-{ns}")
    with Pusher(registry.host) as pusher:
        pusher.push_image("library/centos", "latest", image)

    kubectl = Kubectl(api_server.kubeconfig)
    kubectl("create", "-n", ns, "-f", "-", stdin=DEPLOYMENT)
    assert _image(http, ns) == " "

    tagged = subprocess.run(
        [sys.executable, "-m", "imagestreams", "tag", "--insecure",
         f"{registry.host}/library/centos:latest", "test:v1", "-n", ns],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "KUBECONFIG": str(api_server.kubeconfig)},
    )  # fmt: skip
    assert tagged.returncode == 0, tagged.stderr

    want = f"{registry.host}/library/centos@{image.digest}"
    _wait_for(lambda: _image(http, ns) == want, "the initial image to be replaced")

    patch = b'{"spec":{"template":{"spec":{"containers":[{"name":"test","image":" "}]}}}}'
    for _ in range(50):
        response = http.patch(
            f"/apis/apps/v1/namespaces/{ns}/deployments/test",
            content=patch,
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["spec"]["template"]["spec"]["containers"][0]["image"] == " "

    _wait_for(lambda: _image(http, ns) == want, "the image to be injected again")
    # Nothing else in the object was touched.
    annotations = http.get(f"/apis/apps/v1/namespaces/{ns}/deployments/test").json()["metadata"][
        "annotations"
    ]
    assert set(annotations) == {"image.openshift.io/triggers"}
