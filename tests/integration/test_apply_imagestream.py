"""``kubectl apply`` of an ImageStream through the real server, as against OpenShift.

kubectl computes a three-way strategic merge patch from our generated v3 schema (spec.tags merge
by ``name``), so re-applying an unchanged file sends nothing and prints ``unchanged``; a changed
tag is patched alone (its ``generation`` moves to the new stream generation, the other tag keeps
its own), and a tag removed from the file is pruned. Both tags are ``reference: true`` so no
background import runs; nothing here depends on status.

Tags are written in name order: the server returns ``spec.tags`` sorted by name, as upstream
does, and kubectl sends a ``$setElementOrder`` patch (``configured``) when the file's order differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.image_upstream_support import BASE, create_namespace
from tests.integration.kubectl import Kubectl
from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration

APP = """\
  - name: app
    from: {kind: DockerImage, name: quay.io/example/app:%(app)s}
    reference: true
    importPolicy: {insecure: true, importMode: PreserveOriginal}
    referencePolicy: {type: Local}
"""
BASE_TAG = """\
  - name: base
    from: {kind: DockerImage, name: quay.io/example/base:1}
    reference: true
"""
HEAD = """\
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata: {name: web, labels: {app: web}}
spec:
  tags:
"""


def stream(app: str = "1", *, base: bool = True, base_first: bool = False) -> str:
    tags = [APP % {"app": app}, *([BASE_TAG] if base else [])]
    return HEAD + "".join(reversed(tags) if base_first else tags)


@pytest.fixture
def http(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


@pytest.fixture
def kubectl(api_server: RunningServer) -> Kubectl:
    return Kubectl(api_server.kubeconfig)


@pytest.fixture
def ns(http: httpx.Client) -> str:
    return create_namespace(http, "apply")


def _apply(kubectl: Kubectl, ns: str, manifest: str) -> str:
    return kubectl("apply", "-n", ns, "-f", "-", stdin=manifest).strip()


def _get(http: httpx.Client, ns: str) -> dict[str, Any]:
    response = http.get(f"{BASE}/namespaces/{ns}/imagestreams/web")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _tags(obj: dict[str, Any]) -> dict[str, tuple[str, int, dict[str, Any], dict[str, Any]]]:
    return {
        t["name"]: (t["from"]["name"], t["generation"], t["importPolicy"], t["referencePolicy"])
        for t in obj["spec"]["tags"]
    }


def test_apply_is_three_way_strategic_merge(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    assert _apply(kubectl, ns, stream()) == "imagestream.image.openshift.io/web created"
    created = _get(http, ns)
    app_policy = ({"insecure": True, "importMode": "PreserveOriginal"}, {"type": "Local"})
    base_policy = ({"importMode": "Legacy"}, {"type": "Source"})  # server defaults
    assert _tags(created) == {
        "app": ("quay.io/example/app:1", 1, *app_policy),
        "base": ("quay.io/example/base:1", 1, *base_policy),
    }

    assert _apply(kubectl, ns, stream()) == "imagestream.image.openshift.io/web unchanged"
    assert _get(http, ns)["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]

    assert _apply(kubectl, ns, stream("2")) == "imagestream.image.openshift.io/web configured"
    changed = _get(http, ns)
    assert changed["metadata"]["generation"] == 2
    assert _tags(changed) == {
        "app": ("quay.io/example/app:2", 2, *app_policy),
        "base": ("quay.io/example/base:1", 1, *base_policy),  # untouched: keeps generation 1
    }
    assert changed["metadata"]["labels"] == {"app": "web"}

    assert _apply(kubectl, ns, stream("2", base=False)) == (
        "imagestream.image.openshift.io/web configured"
    )
    pruned = _get(http, ns)
    assert _tags(pruned) == {"app": ("quay.io/example/app:2", 2, *app_policy)}
    assert pruned["metadata"]["generation"] == 3

    assert _apply(kubectl, ns, stream("2", base=False)) == (
        "imagestream.image.openshift.io/web unchanged"
    )


def test_apply_keeps_changes_made_by_others(kubectl: Kubectl, http: httpx.Client, ns: str) -> None:
    """Three-way: a label and a spec tag added with ``kubectl patch`` survive a re-apply."""
    _apply(kubectl, ns, stream())
    patch = (
        '{"metadata":{"labels":{"team":"x"}},"spec":{"tags":[{"name":"extra",'
        '"from":{"kind":"DockerImage","name":"quay.io/example/extra:1"},"reference":true}]}}'
    )
    kubectl("patch", "-n", ns, "is", "web", "-p", patch)  # strategic: merges into spec.tags
    assert sorted(_tags(_get(http, ns))) == ["app", "base", "extra"]

    assert _apply(kubectl, ns, stream("2")) == "imagestream.image.openshift.io/web configured"
    after = _get(http, ns)
    assert sorted(_tags(after)) == ["app", "base", "extra"]
    assert after["metadata"]["labels"] == {"app": "web", "team": "x"}


def test_file_order_other_than_the_servers_sorted_order_reconfigures(
    kubectl: Kubectl, http: httpx.Client, ns: str
) -> None:
    """As against OpenShift: only ``$setElementOrder`` differs, so the spec does not change."""
    manifest = stream(base_first=True)
    assert _apply(kubectl, ns, manifest) == "imagestream.image.openshift.io/web created"
    assert _apply(kubectl, ns, manifest) == "imagestream.image.openshift.io/web configured"
    after = _get(http, ns)
    assert [t["name"] for t in after["spec"]["tags"]] == ["app", "base"]
    assert after["metadata"]["generation"] == 1


@pytest.mark.parametrize(
    ("field", "header", "fields"),
    [
        pytest.param(
            "imagestream.spec.tags",
            "FIELD: tags <[]TagReference>",
            [
                "annotations\t<map[string]string>",
                "from\t<ObjectReference>",
                "generation\t<integer>",
                "importPolicy\t<TagImportPolicy>",
                "name\t<string> -required-",  # upstream required list
                "reference\t<boolean>",
                "referencePolicy\t<TagReferencePolicy>",
            ],
            id="spec-tags",
        ),
        pytest.param(
            "is.spec.tags.importPolicy",
            "FIELD: importPolicy <TagImportPolicy>",
            ["importMode\t<string>", "insecure\t<boolean>", "scheduled\t<boolean>"],
            id="import-policy",
        ),
        pytest.param(
            "istag.image.signatures",
            "FIELD: signatures <[]ImageSignature>",
            [
                "conditions\t<[]SignatureCondition>",
                "content\t<string> -required-",
                "created\t<string>",
            ],
            id="image-signatures",
        ),
    ],
)
def test_explain_prints_the_fields(
    kubectl: Kubectl, field: str, header: str, fields: list[str]
) -> None:
    out = kubectl("explain", field)
    lines = [line.strip() for line in out.splitlines()]
    assert lines[:3] == ["GROUP:      image.openshift.io", lines[1], "VERSION:    v1"]
    assert header in lines
    for entry in fields:
        assert entry in lines, (entry, out)
