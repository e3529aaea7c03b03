"""``imagestreams tag``: ``oc tag`` against our API server (``pkg/cli/tag/tag.go``).

The command line is parsed by :mod:`imagestreams.cli.tag_spec` with oc's grammar and messages.
Then, as oc does: an ImageStreamTag source (without ``--alias``) is pinned to the image it points
at now; each destination is written in order, printing oc's line as it goes, through
ImageStreamTags -- PUT, on 405/403/404 a POST, on 405/403 editing the stream's ``spec.tags``
(creating the stream if needed) -- and retried up to five times on conflicts. ``-d`` deletes
ImageStreamTags (spec tag and history), falling back to removing the spec tag from the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import click

from imagestreams import errors
from imagestreams.api.image_v1 import ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK, API_VERSION
from imagestreams.api.reference import join_image_stream_tag
from imagestreams.cli.apiclient import IMAGE_STREAM_TAGS, IMAGE_STREAMS, ImageClient
from imagestreams.cli.common import (
    CommandError,
    Connection,
    connection_options,
    go_quote,
    run_client,
)
from imagestreams.cli.tag_spec import (
    TAG_NAME,
    Destination,
    TagOptions,
    TagSource,
    build_tag_reference,
    parse_destination,
    parse_source,
    resolve_source,
    source_kind_from_flag,
    split_destination,
    tag_message,
    validate,
)

__all__ = ["run_tag", "tag"]

Obj = dict[str, Any]
_CONFLICT_RETRIES = 5


def _is(err: errors.ApiError, *reasons: str) -> bool:
    codes = {"MethodNotAllowed": 405, "Forbidden": 403, "NotFound": 404, "Conflict": 409}
    return any(err.reason == r or (not err.reason and err.code == codes[r]) for r in reasons)


async def _delete(client: ImageClient, dest: Destination) -> str:
    name, tag_name = split_destination(dest)
    done = f"Deleted tag {dest.namespace}/{dest.name_and_tag}."
    try:
        await client.delete(
            IMAGE_STREAM_TAGS, dest.namespace, join_image_stream_tag(name, tag_name)
        )
        return done
    except errors.ApiError as exc:
        if not _is(exc, "MethodNotAllowed", "Forbidden"):
            raise
    try:
        stream = await client.get(IMAGE_STREAMS, dest.namespace, name)
    except errors.ApiError as exc:
        if not _is(exc, "NotFound"):
            raise
        return f"Image stream {go_quote(name)} does not exist."
    tags = list((stream.get("spec") or {}).get("tags") or ())
    if not any(t.get("name") == tag_name for t in tags):
        raise CommandError(
            f"destination tag {dest.namespace}/{dest.name_and_tag} does not exist.\n"
        )
    stream.setdefault("spec", {})["tags"] = [t for t in tags if t.get("name") != tag_name]
    await client.update(IMAGE_STREAMS, dest.namespace, stream)
    return done


async def _set(client: ImageClient, opts: TagOptions, dest: Destination) -> str:
    name, tag_name = split_destination(dest)
    if not TAG_NAME.fullmatch(tag_name):
        raise CommandError(
            f"invalid tag {go_quote(tag_name)} format, tags must start with an alphanumeric"
            " character followed by alphanumeric, '.' or '-' characters, and have a maximum of"
            " 128 characters"
        )
    spec = build_tag_reference(opts, dest)
    message = tag_message(opts, dest)
    istag: Obj = {
        "kind": "ImageStreamTag",
        "apiVersion": API_VERSION,
        "metadata": {"name": dest.name_and_tag, "namespace": dest.namespace},
        "tag": spec,
    }
    try:
        await client.update(IMAGE_STREAM_TAGS, dest.namespace, istag)
        return message
    except errors.ApiError as exc:
        if not _is(exc, "MethodNotAllowed", "Forbidden", "NotFound"):
            raise
    try:
        await client.create(IMAGE_STREAM_TAGS, dest.namespace, istag)
        return message
    except errors.ApiError as exc:
        if not _is(exc, "MethodNotAllowed", "Forbidden"):
            raise
    # The server has no ImageStreamTag writes: edit the stream's spec.tags (oc's legacy path).
    try:
        stream: Obj | None = await client.get(IMAGE_STREAMS, dest.namespace, name)
    except errors.ApiError as exc:
        if not _is(exc, "NotFound"):
            raise
        stream = None
    target: Obj = stream or {
        "kind": "ImageStream",
        "apiVersion": API_VERSION,
        "metadata": {"name": name, "namespace": dest.namespace},
    }
    tags: list[Obj] = list(target.setdefault("spec", {}).get("tags") or ())
    for i, old in enumerate(tags):
        if old.get("name") == tag_name:
            if old.get("generation") is None:
                # servers without tag generations re-import only without the check annotation
                (target["metadata"].get("annotations") or {}).pop(
                    ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK, None
                )
                spec.pop("generation", None)
            tags[i] = spec
            break
    else:
        tags.append(spec)
    target["spec"]["tags"] = tags
    if stream is None:
        await client.create(IMAGE_STREAMS, dest.namespace, target)
    else:
        await client.update(IMAGE_STREAMS, dest.namespace, target)
    return message


async def run_tag(client: ImageClient, opts: TagOptions) -> None:
    """oc's ``Run``: each destination in order, printing as it goes, retrying conflicts."""
    for dest in opts.destinations:
        split_destination(dest)
        for attempt in range(_CONFLICT_RETRIES):
            try:
                if opts.delete:
                    line = await _delete(client, dest)
                else:
                    line = await _set(client, opts, dest)
            except errors.ApiError as exc:
                if attempt + 1 < _CONFLICT_RETRIES and _is(exc, "Conflict"):
                    await asyncio.sleep(0.01)
                    continue
                raise
            click.echo(line)
            break


async def _complete(client: ImageClient, opts: TagOptions, args: Sequence[str]) -> TagOptions:
    source = opts.source
    if source is not None and source.kind == "ImageStreamTag" and not opts.alias:
        stream = await client.get(
            IMAGE_STREAMS, source.ref.namespace or opts.namespace, source.ref.name
        )
        opts = replace(opts, source=resolve_source(source, stream, args[0]))
    return opts


@click.command("tag")
@click.argument("args", nargs=-1, metavar="SOURCE DEST [DEST ...]")
@click.option("--source", "source_flag", default="", help="Source type: istag, isimage, docker.")
@click.option("-d", "--delete", is_flag=True, help="Delete the provided spec tags.")
@click.option("--alias", is_flag=True, help="Track the source tag (same image stream only).")
@click.option("--reference", is_flag=True, help="Keep pulling from the source location.")
@click.option("--scheduled", is_flag=True, help="Periodically re-import a container image.")
@click.option("--insecure", is_flag=True, help="The registry needs HTTP or a self-signed cert.")
@click.option("--reference-policy", default="source", help="source (default) or local.")
@click.option("--import-mode", default="", help="Legacy (default) or PreserveOriginal.")
@connection_options
def tag(
    args: tuple[str, ...],
    source_flag: str,
    delete: bool,
    alias: bool,
    reference: bool,
    scheduled: bool,
    insecure: bool,
    reference_policy: str,
    import_mode: str,
    kubeconfig: str | None,
    context_name: str | None,
    namespace: str | None,
) -> None:
    """Tag existing images into image streams (as ``oc tag``)."""
    if not args and not delete:
        raise CommandError(
            "you must specify a source and at least one destination or one or more tags to delete",
            hint=True,
        )
    kind = source_kind_from_flag(source_flag) if source_flag and not delete else ""
    conn = Connection.load(kubeconfig, context_name, namespace)
    source: TagSource | None = None
    dest_args = list(args)
    if not delete:
        source = parse_source(dest_args.pop(0), kind, conn.namespace)
    opts = TagOptions(
        namespace=conn.namespace,
        destinations=tuple(parse_destination(a, conn.namespace) for a in dest_args),
        source=source, source_flag=source_flag, delete=delete, alias=alias,
        reference=reference, scheduled=scheduled, insecure=insecure,
        reference_policy=reference_policy, import_mode=import_mode,
    )  # fmt: skip

    async def work(client: ImageClient) -> None:
        completed = validate(await _complete(client, opts, args))
        await run_tag(client, completed)

    run_client(conn, work)
