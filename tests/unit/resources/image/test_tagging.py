"""Spec-tag rules: "changed" (4.5), generations on update (4.4) and on /status (4.6), limits (4.9),
pull specs (6)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from imagestreams.api.image_v1 import ImageStream, TagEvent, TagReference
from imagestreams.resources.image import limits, pullspec, tagging

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


def ref(**kw: Any) -> TagReference:
    doc: dict[str, Any] = {"name": "t", "from": {"kind": "DockerImage", "name": "a/b:1"}}
    doc.update(kw)
    return msgspec.convert(doc, TagReference)


def is_(
    tags: list[dict[str, Any]], gen: int = 3, status: dict[str, Any] | None = None
) -> ImageStream:
    doc = {
        "metadata": {"namespace": "ns", "name": "is", "generation": gen},
        "spec": {"tags": tags},
        "status": {"tags": [{"tag": k, "items": v} for k, v in (status or {}).items()]},
    }
    return msgspec.convert(doc, ImageStream)


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        pytest.param(ref(), ref(**{"from": None}), False, id="nil-from-never-changed"),
        pytest.param(ref(), ref(**{"from": {}}), False, id="empty-from-never-changed"),
        pytest.param(ref(), ref(), False, id="identical"),
        pytest.param(ref(), ref(**{"from": {"kind": "DockerImage", "name": "a/b:2"}}), True,
                     id="name-differs"),
        pytest.param(ref(), ref(**{"from": {"kind": "DockerImage", "name": "a/b:1",
                                            "namespace": "other"}}), True, id="namespace-differs"),
        pytest.param(ref(), ref(**{"from": {"kind": "DockerImage", "name": "a/b:1",
                                            "namespace": "ns"}}), False,
                     id="explicit-own-namespace-equals-empty"),
        pytest.param(ref(), ref(**{"from": {"kind": "ImageStreamTag", "name": "a/b:1"}}), False,
                     id="kind-only-not-changed"),
        pytest.param(ref(), ref(reference=True), True, id="reference-differs"),
        pytest.param(ref(), ref(importPolicy={"importMode": "PreserveOriginal"}), True,
                     id="import-mode-differs"),
        pytest.param(ref(), ref(importPolicy={"scheduled": True}), False, id="scheduled-only"),
        pytest.param(ref(), ref(referencePolicy={"type": "Local"}), False, id="ref-policy-only"),
        pytest.param(ref(generation=2), ref(generation=0), True, id="generation-zero-requested"),
        pytest.param(ref(generation=2), ref(generation=5), False, id="other-generation"),
        pytest.param(ref(generation=0), ref(generation=0), False, id="zero-to-zero"),
        pytest.param(ref(), ref(generation=0), False, id="nil-old-generation"),
    ],
)  # fmt: skip
def test_tag_ref_changed(old: TagReference, new: TagReference, changed: bool) -> None:
    assert tagging.tag_ref_changed(old, new, "ns") is changed


def _tag(name: str, gen: int | None, src: str = "a/b:1") -> dict[str, Any]:
    return {"name": name, "generation": gen, "from": {"kind": "DockerImage", "name": src}}


@pytest.mark.parametrize(
    ("old_tags", "new_tags", "stream_gen", "tag_gens"),
    [
        pytest.param([_tag("t", 2)], [_tag("t", 2)], 3, {"t": 2}, id="unchanged-spec-keeps-gen"),
        pytest.param([_tag("t", 2)], [_tag("t", 9)], 3, {"t": 2}, id="client-gen-overwritten"),
        pytest.param([_tag("t", 2)], [_tag("t", None)], 3, {"t": 2}, id="nil-keeps-stored"),
        pytest.param([_tag("t", 2)], [_tag("t", 0)], 4, {"t": 4}, id="zero-requests-import"),
        pytest.param([_tag("t", 2)], [_tag("t", 2, "a/b:2")], 4, {"t": 4}, id="changed-source"),
        pytest.param([_tag("t", 2)], [_tag("t", 2), _tag("u", 7)], 4, {"t": 2, "u": 4},
                     id="new-tag-gets-new-generation"),
        pytest.param([_tag("t", 2), _tag("u", 3)], [_tag("t", 2)], 4, {"t": 2},
                     id="removed-tag-bumps-stream"),
    ],
)  # fmt: skip
def test_update_generations(
    old_tags: list[dict[str, Any]],
    new_tags: list[dict[str, Any]],
    stream_gen: int,
    tag_gens: dict[str, int],
) -> None:
    old, new = is_(old_tags), is_(new_tags)
    tagging.prepare_update_generations(new, old)
    assert new.metadata.generation == stream_gen
    assert {t.name: t.generation for t in new.spec.tags} == tag_gens


def test_create_generations() -> None:
    s = is_([_tag("t", 7), _tag("u", None)], gen=0)
    tagging.prepare_create_generations(s)
    assert (s.metadata.generation, [t.generation for t in s.spec.tags]) == (1, [1, 1])


def _ev(ref: str, image: str, gen: int) -> dict[str, Any]:
    return {"created": "2024-05-01T10:00:00Z", "dockerImageReference": ref, "image": image,
            "generation": gen}  # fmt: skip


@pytest.mark.parametrize(
    ("old_status", "new_status", "spec_gen", "head_gen"),
    [
        pytest.param({}, {"t": [_ev("r", A, 0)]}, 2, 3, id="new-tag-gets-stream-gen"),
        pytest.param({"t": [_ev("r", A, 2)]}, {"t": [_ev("r", A, 0)]}, 2, 2,
                     id="older-generation-counts-as-changed-head"),
        pytest.param({"t": [_ev("r", A, 2)]}, {"t": [_ev("r", B, 0), _ev("r", A, 2)]}, 2, 2,
                     id="changed-head-gets-spec-gen"),
        pytest.param({"t": [_ev("r", A, 2)]}, {"t": [_ev("r", B, 0)]}, None, 3,
                     id="changed-head-no-spec-gen"),
        pytest.param({"t": [_ev("r", A, 2)]}, {"t": [_ev("r", B, 1)]}, 2, 1, id="explicit-kept"),
    ],
)  # fmt: skip
def test_status_generations(
    old_status: dict[str, Any], new_status: dict[str, Any], spec_gen: int | None, head_gen: int
) -> None:
    tags = [_tag("t", spec_gen)]
    old, new = is_(tags, status=old_status), is_(tags, status=new_status)
    tagging.prepare_status_generations(new, old)
    items = new.status.tags[0].items
    assert items is not None
    assert items[0].generation == head_gen


LR = [
    {
        "spec": {
            "limits": [
                {"type": "openshift.io/ImageStream",
                 "max": {"openshift.io/images": "1", "openshift.io/image-tags": "5"}},
                {"type": "openshift.io/ImageStream", "max": {"openshift.io/image-tags": "1"}},
                {"type": "openshift.io/Image", "max": {"storage": "1Ki"}},
            ]
        }
    }
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "messages"),
    [
        pytest.param(None, is_([_tag("t", 1)]), [], id="within"),
        pytest.param(None, is_([_tag("t", 1), _tag("u", 1, "c/d")]),
                     ["requested usage of openshift.io/image-tags exceeds the maximum limit per "
                      "openshift.io/ImageStream (2 > 1)"], id="smallest-max-wins"),
        pytest.param(None, is_([_tag("t", 1), _tag("u", 1, "docker.io/a/b:1")]), [],
                     id="same-reference-normalised"),
        pytest.param(None, is_([], status={"t": [_ev("r", A, 1)], "u": [_ev("r", B, 1)]}),
                     ["requested usage of openshift.io/images exceeds the maximum limit per "
                      "openshift.io/ImageStream (2 > 1)"], id="images"),
        pytest.param(is_([], status={"t": [_ev("r", A, 1)], "u": [_ev("r", B, 1)]}),
                     is_([], status={"t": [_ev("r", A, 1)], "u": [_ev("r", B, 1)]}), [],
                     id="subset-of-stored-always-allowed"),
    ],
)  # fmt: skip
def test_stream_limits(old: ImageStream | None, new: ImageStream, messages: list[str]) -> None:
    assert limits.stream_limit_violations(new, old, LR) == messages


@pytest.mark.parametrize(
    ("size", "message"),
    [
        pytest.param(1024, None, id="at-limit"),
        pytest.param(
            2048,
            "requested usage of storage exceeds the maximum limit per openshift.io/Image "
            "(2Ki > 1Ki)",
            id="over-limit",
        ),
    ],
)
def test_image_size_limit(size: int, message: str | None) -> None:
    assert limits.image_size_violation(size, LR) == message


@pytest.mark.parametrize(
    ("policy", "image", "repository", "expected"),
    [
        pytest.param("Source", A, "reg/ns/is", "docker.io/x/y@" + A, id="source"),
        pytest.param("Local", A, "reg/ns/is", "reg/ns/is@" + A, id="local"),
        pytest.param("Local", "", "reg/ns/is", "docker.io/x/y@" + A, id="local-no-image"),
        pytest.param("Local", A, "", "docker.io/x/y@" + A, id="local-no-repository"),
        pytest.param("Local", A, "Bad Repo", "docker.io/x/y@" + A, id="local-unparsable"),
    ],
)
def test_resolve_reference(policy: str, image: str, repository: str, expected: str) -> None:
    tag = ref(referencePolicy={"type": policy})
    event = TagEvent(docker_image_reference="docker.io/x/y@" + A, image=image)
    assert pullspec.resolve_reference(tag, event, repository) == expected


@pytest.mark.parametrize(
    ("pull_spec", "expected"),
    [
        pytest.param("reg:5000/src/is@" + A, "reg:5000/dst/copy@" + A, id="internal-rewritten"),
        pytest.param("other/src/is@" + A, "other/src/is@" + A, id="external-kept"),
        pytest.param("reg:5000/src/else@" + A, "reg:5000/src/else@" + A, id="other-repo-kept"),
    ],
)
def test_rewrite_internal_reference(pull_spec: str, expected: str) -> None:
    got = pullspec.rewrite_internal_reference(
        pull_spec, A, "reg:5000", ("src", "is"), ("dst", "copy")
    )
    assert got == expected
