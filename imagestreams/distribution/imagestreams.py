"""The registry's view of the image API: streams, tags, images, layers, pull secrets, pushes.

The integrated registry keeps no metadata of its own: which tags a repository has, which manifest
a tag names, which blobs belong to a repository, all come from the image stream (``status.tags``
and the ``imagestreams/layers`` view), and a push becomes an Image plus a tag event through
ImageStreamMapping, exactly the calls upstream's registry makes over HTTP. Here they go in-process
to the same ``rest.Resource`` objects the API server routes to, as the registry's own privileged
identity (upstream's ``system:serviceaccount:openshift-image-registry:registry``); only creating a
missing stream on push is done as the pushing user, after checking ``create imagestreams``.

A push the API refuses for lack of rights, quota, or because the namespace does not exist is
``DENIED`` with distribution's default message and no detail: upstream maps all three to
``distribution.ErrAccessDenied`` (``TestPutManifestToANonExistentNamespace`` expects the client
error ``failed to upload manifest to doesnotexist/img: denied``). A repository that does not
exist is ``NAME_UNKNOWN`` with distribution's ``ErrRepositoryUnknown`` as detail,
``{"Name": "<ns>/<stream>"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from imagestreams import errors
from imagestreams.api.image_v1 import ANNOTATION_INSECURE_REPOSITORY
from imagestreams.distribution.blobs import DIGEST_RE
from imagestreams.distribution.errors import RegistryError
from imagestreams.rest.context import AccessCheck, RequestContext, User
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Obj, Resource

__all__ = [
    "GROUP",
    "REGISTRY_USER",
    "VERSION",
    "ImageStreams",
    "ResourceKey",
    "head_event",
    "history_event",
    "name_unknown",
    "status_tags",
    "stream_is_insecure",
]

GROUP: Final = "image.openshift.io"
VERSION: Final = "v1"
REGISTRY_USER: Final = User(
    "system:serviceaccount:openshift-image-registry:registry",
    groups=(
        "system:serviceaccounts",
        "system:serviceaccounts:openshift-image-registry",
        "system:authenticated",
    ),
)

ResourceKey = tuple[str, str, str, str]


def name_unknown(repository: str) -> RegistryError:
    """``NAME_UNKNOWN`` for ``<ns>/<stream>``, detail as distribution's ``ErrRepositoryUnknown``."""
    return RegistryError("NAME_UNKNOWN", detail={"Name": repository})


def status_tags(stream: Obj) -> list[Obj]:
    tags = (stream.get("status") or {}).get("tags") or []
    return [t for t in tags if isinstance(t, dict)]


def _valid_items(tag: Obj) -> list[Obj]:
    return [
        item
        for item in tag.get("items") or ()
        if isinstance(item, dict) and DIGEST_RE.match(str(item.get("image", "")))
    ]


def head_event(stream: Obj, tag: str) -> Obj | None:
    """The newest event of ``tag`` whose image is a valid digest (upstream ``LatestTaggedImage``
    as the registry's tag service uses it)."""
    for entry in status_tags(stream):
        if entry.get("tag") == tag:
            items = _valid_items(entry)
            return items[0] if items else None
    return None


def history_event(stream: Obj, digest: str) -> Obj | None:
    """Some event of the stream's history naming image ``digest`` (newest tags first)."""
    for entry in status_tags(stream):
        for item in _valid_items(entry):
            if item.get("image") == digest:
                return item
    return None


class ImageStreams:
    """In-process calls into the image API for one registry."""

    def __init__(self, resources: Mapping[ResourceKey, Resource], can: AccessCheck) -> None:
        self.resources = resources
        self.can = can

    def _r(self, plural: str, sub: str = "") -> Resource:
        return self.resources[(GROUP, VERSION, plural, sub)]

    @staticmethod
    def _ctx(namespace: str = "", user: User = REGISTRY_USER) -> RequestContext:
        return RequestContext(namespace=namespace, user=user)

    # -- reads -------------------------------------------------------------------------------
    async def stream(self, namespace: str, name: str) -> Obj | None:
        try:
            return await self._r("imagestreams").get(self._ctx(namespace), name)
        except errors.NotFound:
            return None

    async def require_stream(self, namespace: str, name: str) -> Obj:
        stream = await self.stream(namespace, name)
        if stream is None:
            raise name_unknown(f"{namespace}/{name}")
        return stream

    async def layers(self, namespace: str, name: str) -> Obj | None:
        try:
            return await self._r("imagestreams", "layers").get(self._ctx(namespace), name)
        except errors.NotFound:
            return None

    async def image(self, name: str) -> Obj | None:
        try:
            return await self._r("images").get(self._ctx(), name)
        except errors.NotFound:
            return None

    async def pull_secrets(self, namespace: str) -> list[Obj]:
        ctx = self._ctx(namespace)
        listed = await self._r("imagestreams", "secrets").get(ctx, "any")
        items: list[Obj] = listed.get("items") or []
        return items

    async def repositories(self) -> list[str]:
        """``<ns>/<name>`` of every stream, sorted (the catalog)."""
        listed = await self._r("imagestreams").list(self._ctx(), ListOptions())
        names = []
        for item in listed.get("items") or ():
            md = item.get("metadata") or {}
            names.append(f"{md.get('namespace', '')}/{md.get('name', '')}")
        return sorted(names)

    # -- writes ------------------------------------------------------------------------------
    async def push(self, user: User, namespace: str, name: str, tag: str, image: Obj) -> None:
        """Record a pushed image: an ImageStreamMapping for a tag (creating the stream as
        ``user`` when missing), a bare Image for a push by digest."""
        if not tag:
            try:
                await self._r("images").create(self._ctx(), image)
            except errors.AlreadyExists:
                pass
            except errors.ApiError as exc:
                raise _registry_error(exc, namespace, name) from None
            return
        mapping: Obj = {
            "kind": "ImageStreamMapping",
            "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {"name": name, "namespace": namespace},
            "tag": tag,
            "image": image,
        }
        mappings = self._r("imagestreammappings")
        try:
            await mappings.create(self._ctx(namespace), mapping)
            return
        except errors.NotFound as exc:
            if not _is_stream_missing(exc, name):
                raise _registry_error(exc, namespace, name) from None
        except errors.ApiError as exc:
            raise _registry_error(exc, namespace, name) from None
        await self._create_stream(user, namespace, name)
        try:
            await mappings.create(self._ctx(namespace), mapping)
        except errors.ApiError as exc:
            raise _registry_error(exc, namespace, name) from None

    async def _create_stream(self, user: User, namespace: str, name: str) -> None:
        if not await self.can(user, "create", GROUP, "imagestreams", "", namespace, name):
            raise RegistryError("DENIED")
        stream = {"metadata": {"name": name, "namespace": namespace}}
        try:
            await self._r("imagestreams").create(self._ctx(namespace, user), stream)
        except errors.AlreadyExists:
            pass  # a concurrent push created it
        except errors.ApiError as exc:
            raise _registry_error(exc, namespace, name) from None


def stream_is_insecure(stream: Obj) -> bool:
    """Pull-through may fall back to plain HTTP / unverified TLS for this stream's sources."""
    annotations = (stream.get("metadata") or {}).get("annotations") or {}
    if annotations.get(ANNOTATION_INSECURE_REPOSITORY) == "true":
        return True
    for tag in (stream.get("spec") or {}).get("tags") or ():
        if isinstance(tag, dict) and (tag.get("importPolicy") or {}).get("insecure") is True:
            return True
    return False


def _is_stream_missing(exc: errors.NotFound, name: str) -> bool:
    return exc.kind == "imagestreams" and exc.name == name


def _registry_error(exc: errors.ApiError, namespace: str, name: str) -> RegistryError:
    """An API refusal of a push, as the registry reports it: forbidden, quota/limits and a
    missing namespace are DENIED (upstream's ``ErrImageStreamForbiddenCode``)."""
    if exc.code in (401, 403) or (isinstance(exc, errors.NotFound) and exc.kind == "namespaces"):
        return RegistryError("DENIED")
    if exc.code == 404:
        return name_unknown(f"{namespace}/{name}")
    if exc.code == 422:
        return RegistryError("MANIFEST_INVALID", message=exc.message)
    return RegistryError("UNKNOWN", message=exc.message)
