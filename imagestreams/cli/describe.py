"""``imagestreams describe``: ``oc describe`` for image streams and image stream tags.

Arguments follow kubectl: ``describe TYPE [NAME...]`` or ``describe TYPE/NAME...``; without a
name every object of the type in the namespace is described; a single name that does not exist
falls back to the objects whose names start with it (kubectl's prefix match). Descriptions are
separated by a blank line pair; failures are printed after the descriptions that worked, and the
exit status is 1 if any name failed. An ImageStreamTag is described by its image, as oc does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from imagestreams import errors
from imagestreams.cli.apiclient import IMAGE_STREAM_TAGS, IMAGE_STREAMS, ImageClient
from imagestreams.cli.common import (
    CommandError,
    Connection,
    connection_options,
    format_api_error,
    go_quote,
    run_client,
)
from imagestreams.cli.describe_format import (
    describe_image_stream,
    format_annotations,
    format_map,
    format_string,
    since,
)
from imagestreams.cli.textfmt import human_size, tabwrite
from imagestreams.client.protocol import GroupVersionResource

__all__ = ["RESOURCE_ALIASES", "describe", "describe_image", "describe_image_stream_tag"]

Obj = dict[str, Any]
Describer = Callable[[Obj, datetime], str]
_GROUP = ".image.openshift.io"
RESOURCE_ALIASES: dict[str, str] = {
    alias: plural
    for plural, names in {
        "imagestreams": ("is", "imagestream", "imagestreams"),
        "imagestreamtags": ("istag", "imagestreamtag", "imagestreamtags"),
    }.items()
    for name in names
    for alias in (name, name + _GROUP)
}


def _format_signature(out: list[str], signature: Obj) -> None:
    format_string(out, "\tName", signature.get("metadata", {}).get("name", ""))
    format_string(out, "\tType", signature.get("type", ""))
    issued_by = signature.get("issuedBy")
    if issued_by is None:
        format_string(out, "\tStatus", "Unverified")
        return
    format_string(out, "\tStatus", "Verified")
    format_string(out, "\tIssued By", issued_by.get("commonName", ""))
    for condition in signature.get("conditions") or ():
        format_string(
            out,
            "\t",
            f"Signature is {condition.get('type', '')} ({condition.get('message', '')} on"
            f" {condition.get('lastProbeTime', '')})",
        )


def _format_config(out: list[str], config: Obj) -> None:
    entrypoint, command = config.get("Entrypoint") or [], config.get("Cmd") or []
    if entrypoint:
        format_string(out, "Entrypoint", " ".join(entrypoint))
    if command:
        format_string(out, "Command", " ".join(command))
    if not entrypoint and not command:
        format_string(out, "Command", "")
    format_string(out, "Working Dir", config.get("WorkingDir", ""))
    format_string(out, "User", config.get("User", ""))
    format_string(out, "Exposes Ports", ", ".join(sorted(config.get("ExposedPorts") or {})))
    format_map(out, "Docker Labels", config.get("Labels"))
    for i, env in enumerate(config.get("Env") or ()):
        if i == 0:
            format_string(out, "Environment", env)
        else:
            out.append(f"\t{env}\n")
    for i, volume in enumerate(sorted(config.get("Volumes") or {})):
        if i == 0:
            format_string(out, "Volumes", volume)
        else:
            out.append(f"\t{volume}\n")


def describe_image(image: Obj, image_name: str, now: datetime) -> str:
    """oc's ``DescribeImage``; raises CommandError when the image has no metadata."""
    out: list[str] = []
    meta = image.get("metadata") or {}
    if image_name:
        format_string(out, "Image Name", image_name)
    format_string(out, "Docker Image", image.get("dockerImageReference", ""))
    format_string(out, "Name", meta.get("name", ""))
    if meta.get("creationTimestamp"):
        out.append(f"Created:\t{since(now, meta['creationTimestamp'])} ago\n")
    if meta.get("labels"):
        format_map(out, "Labels", meta["labels"])
    if meta.get("annotations"):
        format_annotations(out, meta["annotations"])
    docker = image.get("dockerImageMetadata")
    if not isinstance(docker, dict):
        raise CommandError("unable to read image metadata")
    layers = image.get("dockerImageLayers") or []
    size = float(docker.get("Size") or 0)
    if not layers:
        format_string(out, "Layer Size", human_size(size))
    else:
        format_string(out, "Image Size", f"{human_size(size)} in {len(layers)} layers")
        lines = [
            f"{human_size(float(layer.get('size') or 0))}\t{layer.get('name', '')}"
            for layer in layers
        ]
        format_string(out, "Layers", "\n".join(lines))
    for signature in image.get("signatures") or ():
        format_string(out, "Image Signatures", " ")
        _format_signature(out, signature)
    format_string(out, "Image Created", f"{since(now, docker.get('Created'))} ago")
    format_string(out, "Author", docker.get("Author", ""))
    format_string(out, "Arch", docker.get("Architecture", ""))
    manifests = image.get("dockerImageManifests") or []
    if manifests:
        entries = [
            f"{m.get('os', '')}/{m.get('architecture', '')}\t{m.get('digest', '')}"
            for m in manifests
        ]
        format_string(out, "Manifests", "\n".join(entries))
    _format_config(out, docker.get("Config") or {})
    return tabwrite("".join(out))


def describe_image_stream_tag(istag: Obj, now: datetime) -> str:
    image = istag.get("image") or {}
    return describe_image(image, str((image.get("metadata") or {}).get("name", "")), now)


_DESCRIBERS: dict[str, tuple[GroupVersionResource, Describer]] = {
    "imagestreams": (IMAGE_STREAMS, describe_image_stream),
    "imagestreamtags": (IMAGE_STREAM_TAGS, describe_image_stream_tag),
}


def _resource(name: str) -> str:
    plural = RESOURCE_ALIASES.get(name.lower())
    if plural is None:
        raise CommandError(f"the server doesn't have a resource type {go_quote(name)}")
    return plural


def _targets(args: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(plural, name)`` pairs; name "" = all of that type."""
    if not args:
        raise CommandError(
            "You must specify the type of resource to describe. Supported types: imagestreams"
            " (is), imagestreamtags (istag)."
        )
    if any("/" in arg for arg in args):
        pairs = []
        for arg in args:
            kind, _, name = arg.partition("/")
            if not kind or not name or "/" in name:
                raise CommandError(
                    "arguments in resource/name form must have a single resource and name"
                )
            pairs.append((_resource(kind), name))
        return pairs
    plural = _resource(args[0])
    if len(args) == 1:
        return [(plural, "")]
    return [(plural, name) for name in args[1:]]


def _normalise(plural: str, name: str) -> str:
    if plural == "imagestreamtags" and ":" not in name and "@" not in name:
        return f"{name}:latest"
    return name


async def _fetch(
    client: ImageClient, namespace: str, targets: list[tuple[str, str]]
) -> tuple[list[tuple[str, Obj]], list[errors.ApiError]]:
    found: list[tuple[str, Obj]] = []
    failures: list[errors.ApiError] = []
    for plural, name in targets:
        resource = _DESCRIBERS[plural][0]
        if not name:
            listed = await client.list(resource, namespace)
            found.extend((plural, item) for item in listed.get("items") or ())
            continue
        try:
            found.append((plural, await client.get(resource, namespace, _normalise(plural, name))))
        except errors.ApiError as exc:
            if exc.code != 404 or len(targets) != 1:
                failures.append(exc)
                continue
            listed = await client.list(resource, namespace)
            matches = [
                item
                for item in listed.get("items") or ()
                if str((item.get("metadata") or {}).get("name", "")).startswith(name)
            ]
            if not matches:
                failures.append(exc)
            found.extend((plural, item) for item in matches)
    return found, failures


@click.command("describe")
@click.argument("args", nargs=-1, metavar="(TYPE [NAME...] | TYPE/NAME...)")
@connection_options
def describe(
    args: tuple[str, ...], kubeconfig: str | None, context_name: str | None, namespace: str | None
) -> None:
    """Show details of image streams (is) or image stream tags (istag), as ``oc describe``."""
    targets = _targets(args)
    conn = Connection.load(kubeconfig, context_name, namespace)

    async def work(client: ImageClient) -> tuple[list[tuple[str, Obj]], list[errors.ApiError]]:
        found, failures = await _fetch(client, conn.namespace, targets)
        # ImageStreamTag lists carry skeletal images: describe what a GET returns.
        full = []
        for plural, obj in found:
            if plural == "imagestreamtags" and "dockerImageMetadata" not in (
                obj.get("image") or {}
            ):
                name = (obj.get("metadata") or {}).get("name", "")
                obj = await client.get(IMAGE_STREAM_TAGS, conn.namespace, name)
            full.append((plural, obj))
        return full, failures

    found, failures = run_client(conn, work)
    now = datetime.now(UTC)
    problems = [format_api_error(f) for f in failures]
    first = True
    for plural, obj in found:
        try:
            text = _DESCRIBERS[plural][1](obj, now)
        except CommandError as exc:
            problems.append(f"error: {exc.message}\n")
            continue
        click.echo(text if first else f"\n\n{text}", nl=False)
        first = False
    if not found and not failures:
        click.echo(f"No resources found in {conn.namespace} namespace.", err=True)
    if problems:
        raise CommandError("".join(dict.fromkeys(problems)), verbatim=True)
