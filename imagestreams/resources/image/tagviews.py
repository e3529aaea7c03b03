"""Stream reads and writes shared by the tag views (ImageStreamTag and ImageTag).

Both views list the streams of a namespace (or of all namespaces) with the stream labels as their
own, write a modified stream back through the main endpoint (creating it when it does not exist
yet, as upstream's tag REST objects do), create a spec tag with the same retry loop, check an
update's resource version the same way, show the same head image, and delete a tag by removing
its spec and its history in one internal update that honours a ``uid`` precondition.
"""

from __future__ import annotations

import msgspec

from imagestreams import errors
from imagestreams.api.image_v1 import GROUP, Image, ImageStream, TagReference
from imagestreams.api.meta import ObjectMeta
from imagestreams.resources.image import history, wire
from imagestreams.resources.image.backend import (
    MAX_RETRIES,
    Backend,
    Obj,
    status_success,
    view_image,
)
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions

__all__ = [
    "ServerTimeout",
    "add_spec_tag",
    "check_identity",
    "check_resource_version",
    "delete_tag",
    "head_image",
    "list_streams",
    "stream_json",
    "stream_or_new",
    "write_stream",
]


class ServerTimeout(errors.ApiError):
    """apimachinery ``NewServerTimeout``: a 500 with reason ``ServerTimeout``."""

    code = 500
    reason = "ServerTimeout"

    @classmethod
    def for_operation(cls, resource: str, operation: str) -> ServerTimeout:
        return cls(
            f"The {operation} operation against {resource}.{GROUP} could not be completed at "
            "this time, please try again.",
            name=operation,
            group=GROUP,
            kind=resource,
            retry_after=2,
        )


def stream_json(stream: ImageStream) -> Obj:
    """A typed stream as a request body (unset metadata fields left out)."""
    body: Obj = msgspec.to_builtins(stream)
    body["metadata"] = {k: v for k, v in body["metadata"].items() if v is not None}
    return body


async def list_streams(
    backend: Backend, ctx: RequestContext, label_selector: str
) -> tuple[list[ImageStream], str]:
    """The streams the request's namespace (all when empty) holds, in name order, typed."""
    listed = await backend.streams.list(ctx, ListOptions(label_selector=label_selector))
    streams = [wire.decode_stream(item) for item in listed["items"]]
    return streams, str(listed["metadata"].get("resourceVersion", ""))


async def write_stream(backend: Backend, ctx: RequestContext, stream: ImageStream) -> ImageStream:
    """Create ``stream`` if it has never been stored, else update it conditionally on the
    resource version it was read at. Conflicts and AlreadyExists propagate (callers retry)."""
    body = stream_json(stream)
    if stream.metadata.creation_timestamp is None:
        written = await backend.streams.create(ctx, body)
    else:
        written, _ = await backend.streams.update(ctx, stream.metadata.name, body)
    return wire.decode_stream(written)


async def stream_or_new(
    backend: Backend, ctx: RequestContext, name: str
) -> tuple[ImageStream, bool]:
    """The stored stream ``name``, or (with True) a new empty one for a view to create."""
    stream = await backend.stream(ctx, name)
    if stream is None:
        return ImageStream(metadata=ObjectMeta(namespace=ctx.namespace, name=name)), True
    return stream, False


def check_identity(ctx: RequestContext, name: str, metadata: ObjectMeta) -> None:
    """kube's update handler checks, made before storage is touched: the body names the object
    of the URL (400) and sits in the request's namespace (400)."""
    if metadata.name != name:
        raise errors.BadRequest(
            f"the name of the object ({metadata.name}) does not match the name on the URL ({name})"
        )
    if metadata.namespace and metadata.namespace != ctx.namespace:
        raise errors.BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


def check_resource_version(
    resource: str, name: str, requested: str | None, stream: ImageStream
) -> None:
    """409 ``<resource>`` when a non-blind update was read at another version of the stream."""
    if requested and requested != stream.metadata.resource_version:
        raise errors.Conflict.for_resource(
            resource,
            GROUP,
            name,
            "another caller has updated the resource version to "
            f"{stream.metadata.resource_version}",
        )


async def add_spec_tag(
    backend: Backend,
    ctx: RequestContext,
    stream_name: str,
    tag: str,
    spec_tag: TagReference | None,
    *,
    name: str,
    resource: str,
    exists_resource: str,
) -> ImageStream:
    """A view's create: add ``spec_tag`` as ``tag`` (creating the stream when missing) and
    return the written stream; AlreadyExists ``<exists_resource>`` when the spec tag is there,
    write races retried, ServerTimeout ``<resource>`` when they never settle."""
    for _ in range(MAX_RETRIES):
        stream, created = await stream_or_new(backend, ctx, stream_name)
        if not created and any(t.name == tag for t in stream.spec.tags):
            raise errors.AlreadyExists.for_resource(exists_resource, GROUP, name)
        if spec_tag is not None:
            stream.spec.tags.append(msgspec.structs.replace(spec_tag, name=tag))
        try:
            return await write_stream(backend, ctx, stream)
        except (errors.AlreadyExists, errors.Conflict):
            continue
    raise ServerTimeout.for_operation(resource, "create")


async def head_image(backend: Backend, stream: ImageStream, tag: str) -> Image | None:
    """The image the head of ``tag``'s history names, None when there is none or it is gone."""
    event = history.latest_event(stream, tag)
    if event is None or not event.image:
        return None
    raw = await backend.image(event.image)
    return None if raw is None else view_image(raw)


async def delete_tag(
    backend: Backend,
    ctx: RequestContext,
    stream_name: str,
    tag: str,
    name: str,
    resource: str,
    options: Obj,
) -> tuple[Obj, bool]:
    """Remove spec tag and history of ``tag`` (7.6); 404 ``<resource>`` when neither exists."""
    uid = (options.get("preconditions") or {}).get("uid")

    def remove(current: Obj) -> Obj:
        md = current.get("metadata") or {}
        if uid and uid != md.get("uid"):
            raise errors.Conflict.for_resource(
                resource, GROUP, name, "the UID precondition was not met"
            )
        spec = current.get("spec") or {}
        status = current.get("status") or {}
        spec_tags = [t for t in spec.get("tags") or () if t.get("name") != tag]
        status_tags = [t for t in status.get("tags") or () if t.get("tag") != tag]
        if len(spec_tags) == len(spec.get("tags") or ()) and len(status_tags) == len(
            status.get("tags") or ()
        ):
            raise errors.NotFound.for_resource(resource, GROUP, name)
        spec["tags"], status["tags"] = spec_tags, status_tags
        current["spec"], current["status"] = spec, status
        return current

    await backend.internal.guaranteed_update(ctx, stream_name, remove)
    return status_success(), True
