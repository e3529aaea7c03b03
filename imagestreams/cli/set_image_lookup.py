"""``imagestreams set image-lookup``: ``oc set image-lookup`` for image streams.

``spec.lookupPolicy.local`` lets workloads name an image stream tag (``mysql:8``) instead of a
pull spec (spec section 15). As in oc (``pkg/cli/set/imagelookup.go``): without names (and
without ``--all``) or with ``--list`` it prints a ``NAME LOCAL`` table; otherwise it fetches
every named stream first (any failure aborts before changing anything), then sends a strategic
merge patch ``{"spec":{"lookupPolicy":{"local":...}}}`` to each stream whose value differs and
prints ``imagestream.image.openshift.io/NAME image lookup updated``; unchanged streams print
nothing. Only image streams are supported (oc also annotates workloads).
"""

from __future__ import annotations

from typing import Any

import click

from imagestreams import errors
from imagestreams.cli.apiclient import IMAGE_STREAMS, ImageClient
from imagestreams.cli.common import (
    CommandError,
    Connection,
    UsageFailure,
    connection_options,
    format_api_error,
    go_quote,
    run_client,
)
from imagestreams.cli.textfmt import tabwrite

__all__ = ["image_lookup", "lookup_patch", "lookup_table", "set_group", "stream_names"]

Obj = dict[str, Any]
_STREAM_TYPES = {
    alias
    for name in ("is", "imagestream", "imagestreams")
    for alias in (name, f"{name}.image.openshift.io")
}


def stream_names(args: tuple[str, ...]) -> list[str]:
    """Names from ``NAME`` or ``TYPE/NAME`` arguments (TYPE must be an image stream type)."""
    names = []
    for arg in args:
        kind, slash, name = arg.rpartition("/")
        if slash and kind.lower() not in _STREAM_TYPES:
            raise CommandError(f"the server doesn't have a resource type {go_quote(kind)}")
        if not name:
            raise UsageFailure(f"arguments in resource/name form must have a name: {arg}")
        names.append(name)
    return names


def _local(stream: Obj) -> bool:
    return bool(((stream.get("spec") or {}).get("lookupPolicy") or {}).get("local"))


def lookup_table(streams: list[Obj]) -> str:
    """oc's ``NAME LOCAL`` table (tabwriter: tab width 2, padding 2, spaces)."""
    rows = ["NAME\tLOCAL\n"]
    for stream in streams:
        name = (stream.get("metadata") or {}).get("name", "")
        rows.append(f"{name}\t{'true' if _local(stream) else 'false'}\n")
    return tabwrite("".join(rows), tabwidth=2, padding=2, padchar=" ")


def lookup_patch(stream: Obj, enabled: bool) -> Obj | None:
    """The strategic merge patch oc computes, or None when nothing changes."""
    if _local(stream) == enabled:
        return None
    return {"spec": {"lookupPolicy": {"local": enabled}}}


async def _streams(client: ImageClient, namespace: str, names: list[str]) -> list[Obj]:
    if not names:
        listed = await client.list(IMAGE_STREAMS, namespace)
        return list(listed.get("items") or ())
    found, failures = [], []
    for name in names:
        try:
            found.append(await client.get(IMAGE_STREAMS, namespace, name))
        except errors.ApiError as exc:
            failures.append(format_api_error(exc))
    if failures:
        raise CommandError("".join(dict.fromkeys(failures)), verbatim=True)
    return found


async def _apply(client: ImageClient, namespace: str, streams: list[Obj], enabled: bool) -> None:
    failures: list[str] = []
    for stream in streams:
        patch = lookup_patch(stream, enabled)
        if patch is None:
            continue
        name = (stream.get("metadata") or {}).get("name", "")
        try:
            actual = await client.patch(IMAGE_STREAMS, namespace, name, patch)
        except errors.ApiError as exc:
            failures.append(f"failed to patch image lookup: {exc.message}\n")
            continue
        updated = (actual.get("metadata") or {}).get("name", name)
        click.echo(f"imagestream.image.openshift.io/{updated} image lookup updated")
    if len(failures) == 1:
        raise CommandError(failures[0])
    if failures:
        raise CommandError("".join(f"{f}\n" for f in failures), verbatim=True)


@click.command("image-lookup")
@click.argument("args", nargs=-1, metavar="STREAMNAME [...]")
@click.option(
    "--enabled",
    type=click.BOOL,
    default=True,
    is_flag=False,
    flag_value=True,
    help="Mark the image stream as resolving tagged images in this namespace (--enabled=false"
    " to turn it off).",
)
@click.option("--all", "all_", is_flag=True, help="Select all image streams in the namespace.")
@click.option("--list", "list_", is_flag=True, help="Display the current states instead.")
@connection_options
def image_lookup(
    args: tuple[str, ...],
    enabled: bool,
    all_: bool,
    list_: bool,
    kubeconfig: str | None,
    context_name: str | None,
    namespace: str | None,
) -> None:
    """Change how images are resolved when deploying applications (``oc set image-lookup``)."""
    if args and all_:
        raise UsageFailure("name cannot be provided when a selector is specified")
    names = stream_names(args)
    conn = Connection.load(kubeconfig, context_name, namespace)
    table = list_ or (not args and not all_)

    async def work(client: ImageClient) -> None:
        streams = await _streams(client, conn.namespace, names)
        if table:
            click.echo(lookup_table(streams), nl=False)
            return
        await _apply(client, conn.namespace, streams, enabled)

    run_client(conn, work)


@click.group("set")
def set_group() -> None:
    """Commands that help set specific features on objects (as ``oc set``)."""


set_group.add_command(image_lookup)
