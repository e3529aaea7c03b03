"""Resolving one container ``image`` string against the image streams of a namespace.

These are upstream's rules (apiserver-library-go ``imageResolutionCache.resolveImageReference``
and ``resolveImageStreamTag``, with the default resolution rules: ``localNames: true`` for every
covered kind, no rewrite of anything else):

- A reference that does not parse, or that names an image by digest, is left alone.
- Only a *local name* is rewritten: no registry and no namespace (``mysql``, ``php:8``). With the
  ``alpha.image.policy.openshift.io/resolve-names: "*"`` annotation every reference counts as
  local: its registry is ignored and its namespace forced to the object's.
- ``<name>[:<tag>]`` (tag ``latest`` by default) is read as ImageStreamTag ``<name>:<tag>`` in the
  object's namespace. When it exists and its ``lookupPolicy.local`` is true (or names are forced)
  the image becomes the tag's pull spec (spec 6: ``Source`` → the original location, ``Local`` →
  ``<status.dockerImageRepository>``) pinned to the image digest: ``<repository>@<digest>``.
- When the tag is missing (404 for ``imagestreamtags``) but the stream exists, resolves local
  names (or names are forced) and has a ``status.dockerImageRepository``, the image becomes
  ``<status.dockerImageRepository>:<tag>``, so the pull goes to the integrated registry rather
  than to wherever the short name would have led.
- Anything else (no stream, lookup disabled, errors) leaves the image alone: the default policy
  only *attempts* resolution and never fails a request over it.

Full references to the integrated registry are also looked up upstream, but only to feed
execution rules; the one rewrite they can get (the missing-tag case) reproduces the same string,
so they are not looked up here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP
from imagestreams.api.reference import DockerImageReference, InvalidReference

__all__ = [
    "DEFAULT_TAG",
    "RESOLVE_NAMES_ANNOTATION",
    "ImageLookup",
    "Resolver",
    "local_reference",
]

Obj = dict[str, Any]

RESOLVE_NAMES_ANNOTATION = "alpha.image.policy.openshift.io/resolve-names"
"""``"*"`` on an object or its pod template: treat every image reference as a local name."""
DEFAULT_TAG = "latest"


class ImageLookup(Protocol):
    """Read access to the image API, as the plugin's privileged loopback client has it. Both
    calls return the API's JSON (the ImageStreamTag and ImageStream views clients get) and raise
    ``errors.ApiError`` (``NotFound`` with the resource in ``kind``) as the API answers."""

    async def image_stream_tag(self, namespace: str, name: str) -> Obj: ...

    async def image_stream(self, namespace: str, name: str) -> Obj: ...


def local_reference(image: str, *, force: bool) -> tuple[str, str] | None:
    """``(stream name, tag)`` when ``image`` is to be looked up as a local name, else None."""
    try:
        ref = DockerImageReference.parse(image)
    except InvalidReference:
        return None
    if ref.id or not ref.name:
        return None
    if not force and (ref.registry or ref.namespace):
        return None
    return ref.name, ref.tag or DEFAULT_TAG


def _lookup_local(obj: Obj) -> bool:
    policy = obj.get("lookupPolicy")
    return isinstance(policy, dict) and policy.get("local") is True


def _spec_lookup_local(stream: Obj) -> bool:
    spec = stream.get("spec")
    return isinstance(spec, dict) and _lookup_local(spec)


def _pinned(istag: Obj) -> str | None:
    """``<repository of image.dockerImageReference>@<image name>``."""
    image = istag.get("image")
    if not isinstance(image, dict):
        return None
    digest = (image.get("metadata") or {}).get("name") or ""
    try:
        ref = DockerImageReference.parse(image.get("dockerImageReference") or "")
    except InvalidReference:
        return None
    return replace(ref, tag="", id=digest).exact() or None


def _is_tag_not_found(exc: errors.ApiError) -> bool:
    return isinstance(exc, errors.NotFound) and (exc.kind, exc.group) == ("imagestreamtags", GROUP)


@dataclass
class Resolver:
    """Resolves the images of one object (one namespace, one ``force`` setting); each distinct
    image string is looked up once, as upstream's per-request decision map does."""

    lookup: ImageLookup
    namespace: str
    force: bool = False
    _seen: dict[str, str | None] = field(default_factory=dict)

    async def resolve(self, image: str) -> str | None:
        """The rewritten pull spec, or None to leave ``image`` as it is."""
        if image not in self._seen:
            self._seen[image] = await self._resolve(image)
        return self._seen[image]

    async def _resolve(self, image: str) -> str | None:
        local = local_reference(image, force=self.force)
        if local is None:
            return None
        name, tag = local
        try:
            istag = await self.lookup.image_stream_tag(self.namespace, f"{name}:{tag}")
        except errors.ApiError as exc:
            if not _is_tag_not_found(exc):
                return None
            return await self._missing_tag(name, tag)
        if not self.force and not _lookup_local(istag):
            return None
        return _pinned(istag)

    async def _missing_tag(self, name: str, tag: str) -> str | None:
        try:
            stream = await self.lookup.image_stream(self.namespace, name)
        except errors.ApiError:
            return None
        if not self.force and not _spec_lookup_local(stream):
            return None
        status = stream.get("status")
        repository = status.get("dockerImageRepository") if isinstance(status, dict) else None
        if not isinstance(repository, str) or not repository:
            return None
        try:
            ref = DockerImageReference.parse(repository)
        except InvalidReference:
            return None
        return replace(ref, tag=tag).exact() or None
