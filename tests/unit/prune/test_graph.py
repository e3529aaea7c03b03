"""What counts as "in use" (upstream ``analyzeReferencesFrom*``) and which blobs an image has."""

from __future__ import annotations

from typing import Any

import pytest

from imagestreams.prune.graph import (
    Cluster,
    ImageRef,
    Referrer,
    TagRef,
    analyze_usage,
    image_blobs,
    references_sample,
)
from tests.unit.prune.fixtures import NOW, OLD, YOUNG, d, image, pod, ts

CUTOFF = NOW - (NOW - OLD) / 2  # one hour ago
REF = f"registry.io/foo/bar@{d('1')}"


def _template(kind: str, image_name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image_name}]}
    template: dict[str, Any] = {"spec": {"template": {"spec": spec}}}
    if kind == "cronjob":
        template = {"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
    return {"metadata": {"namespace": "ns", "name": "w"}, **template}


@pytest.mark.parametrize(
    ("cluster", "tags", "images"),
    [
        pytest.param(
            Cluster(pods=[pod("ns", "p", REF)]),
            {},
            {ImageRef("foo", "bar", d("1")): ["pod/p namespace=ns"]},
            id="running-pod-by-digest",
        ),
        pytest.param(
            Cluster(pods=[pod("ns", "p", "registry.io/foo/bar:v1", phase="Pending")]),
            {TagRef("foo", "bar", "v1"): ["pod/p namespace=ns"]},
            {},
            id="pending-pod-by-tag",
        ),
        pytest.param(
            Cluster(pods=[pod("ns", "p", "registry.io/foo/bar", init=("other.io/a/b:x",))]),
            {
                TagRef("a", "b", "x"): ["pod/p namespace=ns"],
                TagRef("foo", "bar", "latest"): ["pod/p namespace=ns"],
            },
            {},
            id="init-containers-and-default-tag",
        ),
        pytest.param(
            Cluster(pods=[pod("ns", "p", REF, phase="Succeeded")]),
            {},
            {},
            id="old-finished-pod-ignored",
        ),
        pytest.param(
            Cluster(pods=[pod("ns", "p", REF, phase="Failed", created=YOUNG)]),
            {},
            {ImageRef("foo", "bar", d("1")): ["pod/p namespace=ns"]},
            id="young-finished-pod-counts",
        ),
        pytest.param(
            Cluster(pods=[pod("ns", "p", "foo/bar:v1", "registry.io/bar:v1", "r.io/a/b/c:v")]),
            {},
            {},
            id="not-host-namespace-name-ignored",
        ),
        pytest.param(
            Cluster(
                rcs=[_template("rc", REF)],
                dcs=[_template("dc", REF)],
                rss=[_template("rs", REF)],
                deployments=[_template("deploy", REF)],
                dss=[_template("ds", REF)],
                ssets=[_template("sts", REF)],
                jobs=[_template("job", REF)],
                cronjobs=[_template("cronjob", REF)],
            ),
            {},
            {
                ImageRef("foo", "bar", d("1")): [
                    f"{kind}/w namespace=ns"
                    for kind in (
                        "replicationcontroller",
                        "deploymentconfig",
                        "replicaset",
                        "deployment",
                        "daemonset",
                        "statefulset",
                        "job",
                        "cronjob",
                    )
                ]
            },
            id="every-controller-kind-in-upstream-order",
        ),
        pytest.param(
            Cluster(
                builds=[
                    {
                        "metadata": {"namespace": "ns", "name": "b"},
                        "spec": {
                            "strategy": {
                                "sourceStrategy": {
                                    "from": {"kind": "ImageStreamTag", "name": "is:t"}
                                }
                            }
                        },
                    }
                ],
                bcs=[
                    {
                        "metadata": {"namespace": "ns", "name": "bc"},
                        "spec": {
                            "strategy": {
                                "dockerStrategy": {
                                    "from": {
                                        "kind": "ImageStreamImage",
                                        "namespace": "other",
                                        "name": f"is@{d('2')}",
                                    }
                                }
                            }
                        },
                    }
                ],
            ),
            {TagRef("ns", "is", "t"): ["build/b namespace=ns"]},
            {ImageRef("other", "is", d("2")): ["buildconfig/bc namespace=ns"]},
            id="build-inputs",
        ),
    ],
)
def test_usage(
    cluster: Cluster, tags: dict[TagRef, list[str]], images: dict[ImageRef, list[str]]
) -> None:
    usage, bad = analyze_usage(cluster, CUTOFF)
    assert bad == []
    assert {k: [str(r) for r in v] for k, v in usage.tags.items()} == tags
    assert {k: [str(r) for r in v] for k, v in usage.images.items()} == images


def test_bad_references_are_errors_unless_ignored() -> None:
    cluster = Cluster(
        pods=[pod("ns", "p", "Registry.io/Foo:bad tag")],
        bcs=[
            {
                "metadata": {"namespace": "ns", "name": "bc"},
                "spec": {
                    "strategy": {
                        "customStrategy": {"from": {"kind": "ImageStreamTag", "name": "x"}}
                    }
                },
            }
        ],
    )
    _, bad = analyze_usage(cluster, CUTOFF)
    assert [str(e) for e in bad] == [
        'pod/p namespace=ns: container c0: invalid image reference "Registry.io/Foo:bad tag":'
        " invalid reference format",
        'buildconfig/bc namespace=ns: invalid ImageStreamTag reference "x": expected exactly one'
        ' : delimiter in the istag "x"',
    ]
    usage, bad = analyze_usage(cluster, CUTOFF, ignore_invalid_refs=True)
    assert (bad, usage.tags, usage.images) == ([], {}, {})


@pytest.mark.parametrize(
    ("obj", "blobs"),
    [
        pytest.param(
            image("1", layers=("l1", "l2"), config="c"), [d("l1"), d("l2"), d("c")], id="oci"
        ),
        pytest.param(
            image(
                "1",
                layers=("l1",),
                config="c",
                media_type="application/vnd.docker.distribution.manifest.v2+json",
            ),
            [d("l1"), d("c")],
            id="schema2",
        ),
        pytest.param(
            image(
                "1",
                layers=("l1",),
                config="c",
                media_type="application/vnd.docker.distribution.manifest.v1+prettyjws",
            ),
            [d("l1")],
            id="schema1-no-config-blob",
        ),
        pytest.param(
            image("1", media_type="application/vnd.oci.image.index.v1+json", children=("2",)),
            [],
            id="index",
        ),
    ],
)
def test_image_blobs(obj: dict[str, Any], blobs: list[str]) -> None:
    assert image_blobs(obj) == blobs


def test_image_blobs_needs_metadata() -> None:
    obj = image("1")
    del obj["dockerImageMetadata"]
    with pytest.raises(ValueError, match=f"^failed to read metadata for image {d('1')}$"):
        image_blobs(obj)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        pytest.param(0, "", id="none"),
        pytest.param(2, "pod/p0 namespace=ns, pod/p1 namespace=ns", id="two"),
        pytest.param(
            5,
            "pod/p0 namespace=ns, pod/p1 namespace=ns, pod/p2 namespace=ns, and 2 more",
            id="five",
        ),
    ],
)
def test_references_sample(count: int, text: str) -> None:
    assert references_sample([Referrer("pod", "ns", f"p{i}") for i in range(count)]) == text


def test_timestamps_helper_is_rfc3339() -> None:
    assert ts(NOW) == "2024-06-01T12:00:00Z"
