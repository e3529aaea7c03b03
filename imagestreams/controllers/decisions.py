"""When a stream needs an import, and what the ImageStreamImport says (spec §14.1, §14.2).

Pure functions over the typed ``ImageStream``, shared by both import controllers and tested
table-driven (openshift-controller-manager ``imagestream_controller.go``,
``scheduled_image_controller.go``):

* a spec tag is *importable* when ``from.kind`` is ``DockerImage`` and it is not a reference;
* its *observed generation* is the larger of its head event's generation and its first
  ``ImportSuccess`` condition's generation;
* a stream needs an import when it lacks ``openshift.io/image.dockerRepositoryCheck`` and has
  ``spec.dockerImageRepository`` (full import) or an importable tag (partial), or when an
  importable tag's generation is newer than observed (partial);
* a stream is *scheduled* when it has an importable tag with ``importPolicy.scheduled``, except
  digest references already imported at the tag's generation (they cannot change).

Because a failed import writes a condition carrying the new generation, a failing tag's observed
generation catches up with its spec generation: it is not imported again until someone bumps it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from imagestreams.api.image_v1 import (
    ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK,
    ANNOTATION_INSECURE_REPOSITORY,
    API_VERSION,
    IMPORT_SUCCESS,
    ImageStream,
    TagReference,
)
from imagestreams.api.reference import DockerImageReference, InvalidReference

__all__ = [
    "build_import",
    "importable",
    "needs_import",
    "needs_scheduling",
    "observed_generation",
    "reset_scheduled_tags",
    "scheduled_tags",
]


def importable(tag: TagReference) -> bool:
    return tag.from_ is not None and tag.from_.kind == "DockerImage" and not tag.reference


def observed_generation(stream: ImageStream, tag: str) -> int:
    entry = None
    for candidate in stream.status.tags:
        if candidate.tag == tag:
            entry = candidate
    if entry is None:
        return 0
    generation = entry.items[0].generation if entry.items else 0
    for condition in entry.conditions:
        if condition.type != IMPORT_SUCCESS:
            continue
        generation = max(generation, condition.generation)
        break
    return generation


def _tag_needs_import(stream: ImageStream, tag: TagReference, when_unset: bool) -> bool:
    if not importable(tag):
        return False
    if tag.generation is None:
        return when_unset
    return tag.generation > observed_generation(stream, tag.name)


def needs_import(stream: ImageStream) -> tuple[bool, bool]:
    """``(needed, partial)``."""
    if not stream.metadata.annotations.get(ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK):
        if stream.spec.docker_image_repository:
            return True, False
        if any(importable(tag) for tag in stream.spec.tags):
            return True, True
    if any(_tag_needs_import(stream, tag, False) for tag in stream.spec.tags):
        return True, True
    return False, False


def build_import(stream: ImageStream) -> dict[str, Any] | None:
    """The ImageStreamImport the controller POSTs for ``stream``, or None when none is needed."""
    needed, partial = needs_import(stream)
    if not needed:
        return None
    images = []
    for tag in stream.spec.tags:
        if not importable(tag) or not (_tag_needs_import(stream, tag, True) or not partial):
            continue
        assert tag.from_ is not None
        images.append(
            {
                "from": {"kind": "DockerImage", "name": tag.from_.name},
                "to": {"name": tag.name},
                "importPolicy": msgspec.to_builtins(tag.import_policy),
                "referencePolicy": msgspec.to_builtins(tag.reference_policy),
            }
        )
    spec: dict[str, Any] = {"import": True, "images": images}
    if stream.spec.docker_image_repository and not partial:
        insecure = stream.metadata.annotations.get(ANNOTATION_INSECURE_REPOSITORY) == "true"
        spec["repository"] = {
            "from": {"kind": "DockerImage", "name": stream.spec.docker_image_repository},
            "importPolicy": {"insecure": True} if insecure else {},
        }
    if not images and "repository" not in spec:
        return None
    md = stream.metadata
    return {
        "kind": "ImageStreamImport",
        "apiVersion": API_VERSION,
        "metadata": {
            "name": md.name,
            "namespace": md.namespace,
            "resourceVersion": md.resource_version,
            "uid": md.uid,
        },
        "spec": spec,
    }


def _settled_digest(stream: ImageStream, tag: TagReference) -> bool | None:
    """None: unparsable name (skip); True: a digest already imported at this generation."""
    assert tag.from_ is not None
    try:
        ref = DockerImageReference.parse(tag.from_.name)
    except InvalidReference:
        return None if tag.from_.name else False
    if not ref.id:
        return False
    for entry in stream.status.tags:
        if entry.tag == tag.name and entry.items and tag.generation is not None:
            return entry.items[0].generation == tag.generation
    return False


def scheduled_tags(stream: ImageStream) -> list[TagReference]:
    """The tags a scheduled re-import covers."""
    found = []
    for tag in stream.spec.tags:
        if (
            importable(tag)
            and tag.import_policy.scheduled
            and _settled_digest(stream, tag) is False
        ):
            found.append(tag)
    return found


def needs_scheduling(stream: ImageStream) -> bool:
    return bool(scheduled_tags(stream))


def reset_scheduled_tags(stream: ImageStream) -> ImageStream:
    """A copy whose scheduled tags claim generation ``metadata.generation + 1`` (so the import
    request covers them); the stream itself is not written."""
    copied = msgspec.convert(msgspec.to_builtins(stream), ImageStream)
    following = copied.metadata.generation + 1
    names = {tag.name for tag in scheduled_tags(copied)}
    for tag in copied.spec.tags:
        if tag.name in names:
            tag.generation = following
    return copied
