"""Pull specs handed to consumers of a tag, per the spec tag's ``referencePolicy`` (spec 6).

``Source`` (or no spec tag) exposes the event's original location; ``Local`` exposes
``<status.dockerImageRepository>@<image>`` so that pulls go through the integrated registry,
falling back to the original location when the stream has no usable repository or the event no
image. The repository passed in is the *computed* one (``config.ImageConfig.repository``), as
upstream resolves against the decorated stream.

Also here: the internal-registry rewrite of tag processing (5.3), which makes a tag that copies
an image pushed to another stream pull through the destination stream.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import REFERENCE_POLICY_LOCAL, TagEvent, TagReference
from imagestreams.api.reference import DockerImageReference, InvalidReference

__all__ = ["resolve_reference", "rewrite_internal_reference"]


def resolve_reference(spec_tag: TagReference | None, event: TagEvent, repository: str) -> str:
    """The pull spec of ``event`` for consumers of a tag whose spec is ``spec_tag``."""
    if spec_tag is None or spec_tag.reference_policy.type != REFERENCE_POLICY_LOCAL:
        return event.docker_image_reference
    if not repository or not event.image:
        return event.docker_image_reference
    try:
        ref = DockerImageReference.parse(repository)
    except InvalidReference:
        return event.docker_image_reference
    return f"{ref.as_repository().exact()}@{event.image}"


def rewrite_internal_reference(
    pull_spec: str,
    image: str,
    registry_hostname: str,
    source: tuple[str, str],
    destination: tuple[str, str],
) -> str:
    """``REG/<src ns>/<src name>...`` -> ``REG/<dst ns>/<dst name>@<image>``; anything else
    (other registries, other repositories, events without an image) is returned unchanged."""
    if not registry_hostname or not image or source == destination:
        return pull_spec
    try:
        ref = DockerImageReference.parse(pull_spec)
    except InvalidReference:
        return pull_spec
    if ref.registry != registry_hostname or (ref.namespace, ref.name) != source:
        return pull_spec
    return f"{registry_hostname}/{destination[0]}/{destination[1]}@{image}"
