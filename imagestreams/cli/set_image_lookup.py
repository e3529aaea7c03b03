"""``imagestreams set image-lookup``: ``oc set image-lookup`` for image streams.

``spec.lookupPolicy.local`` lets workloads name an image stream tag (``mysql:8``) instead of a
pull spec (spec section 15). As in oc (``pkg/cli/set/imagelookup.go``), arguments go through
kubectl's resource builder in one of three ways:

* no arguments (and no ``--all``): a ``NAME LOCAL`` table of the namespace's image streams;
* ``--list``: ``ResourceTypeOrNameArgs`` -- a bare argument is a resource *type*
  (``is --list``, ``secrets --list``, ``all --list``), ``TYPE NAME...`` and ``TYPE/NAME`` pick
  objects; an unknown type fails with ``the server doesn't have a resource type "x"``. Image
  streams show ``spec.lookupPolicy.local``; other objects show ``<plural>/<name>`` and whether
  they (or their pod template) carry ``alpha.image.policy.openshift.io/resolve-names: "*"``.
  One deliberate extension: a single bare argument that is no resource type but names an
  existing image stream lists that stream (oc would fail), so ``nginx --list`` keeps working;
* otherwise (``ResourceNames("imagestreams", ...)``): every named stream is fetched first (any
  failure aborts before changing anything), then a strategic merge patch
  ``{"spec":{"lookupPolicy":{"local":...}}}`` goes to each stream whose value differs, printing
  ``imagestream.image.openshift.io/NAME image lookup updated``; an unchanged stream logs
  ``info: imagestreams/NAME was not changed`` at ``--v=1`` (klog ``V(1)``, stderr).

Only image streams can be changed (oc also annotates workloads). Builder errors keep kubectl's
wording and, like every error oc reports through ``CheckErr``, exit 1.
"""

from __future__ import annotations

from typing import Any

import click

from imagestreams import errors
from imagestreams.cli.apiclient import IMAGE_STREAMS, ImageClient
from imagestreams.cli.common import (
    CommandError,
    Connection,
    connection_options,
    format_api_error,
    go_quote,
    run_client,
)
from imagestreams.cli.discovery import (
    ApiResource,
    discover,
    expand_categories,
    resolve,
    split_resource_name,
    split_type_or_name_args,
)
from imagestreams.cli.output import log_info
from imagestreams.cli.textfmt import tabwrite

__all__ = [
    "RESOLVE_NAMES_ANNOTATION",
    "image_lookup",
    "lookup_enabled",
    "lookup_patch",
    "lookup_row",
    "lookup_table",
    "set_group",
    "stream_names",
]

Obj = dict[str, Any]
RESOLVE_NAMES_ANNOTATION = "alpha.image.policy.openshift.io/resolve-names"
_STREAM_TYPES = {
    alias
    for name in ("is", "imagestream", "imagestreams")
    for alias in (name, f"{name}.image.openshift.io")
}
_POD_TEMPLATE = ("spec", "template")
_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): _POD_TEMPLATE,
    **{
        (g, k): _POD_TEMPLATE
        for g in ("apps", "extensions")
        for k in ("Deployment", "ReplicaSet", "DaemonSet")
    },
    ("apps", "StatefulSet"): _POD_TEMPLATE,
    ("batch", "Job"): _POD_TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("apps.openshift.io", "DeploymentConfig"): _POD_TEMPLATE,
}
"""library-go ``GetTemplateMetaObject``: where an object's pod template lives."""
_STREAMS_RESOURCE = ApiResource("image.openshift.io", "v1", "imagestreams", "ImageStream")


def stream_names(args: tuple[str, ...]) -> list[str]:
    """Names from ``NAME`` or ``TYPE/NAME`` arguments (TYPE must be an image stream type)."""
    names = []
    for arg in args:
        pair = split_resource_name(arg)
        if pair is None:
            names.append(arg)
            continue
        if pair[0].lower() not in _STREAM_TYPES:
            raise CommandError(f"the server doesn't have a resource type {go_quote(pair[0])}")
        names.append(pair[1])
    return names


def _local(stream: Obj) -> bool:
    return bool(((stream.get("spec") or {}).get("lookupPolicy") or {}).get("local"))


def lookup_enabled(group: str, kind: str, obj: Obj) -> bool:
    """Whether a non-stream object (or its pod template) resolves names in the namespace."""
    template: Any = obj
    for key in _TEMPLATES.get((group, kind), ("-",)):
        template = template.get(key) if isinstance(template, dict) else None
    for holder in (template, obj):
        meta = holder.get("metadata") if isinstance(holder, dict) else None
        annotations = (meta or {}).get("annotations") or {}
        if annotations.get(RESOLVE_NAMES_ANNOTATION) == "*":
            return True
    return False


def lookup_row(resource: ApiResource, obj: Obj) -> tuple[str, str]:
    """One row of oc's ``printImageLookup``."""
    meta = obj.get("metadata")
    name = str((meta or {}).get("name", "")) if isinstance(meta, dict) else ""
    if resource.group == "image.openshift.io" and resource.kind == "ImageStream":
        return name, "true" if _local(obj) else "false"
    if not isinstance(meta, dict):
        return f"{resource.plural}/{name}", "UNKNOWN"
    enabled = lookup_enabled(resource.group, resource.kind, obj)
    return f"{resource.plural}/{name}", "true" if enabled else "false"


def lookup_table(rows: list[tuple[str, str]]) -> str:
    """oc's ``NAME LOCAL`` table (tabwriter: tab width 2, padding 2, spaces)."""
    text = "NAME\tLOCAL\n" + "".join(f"{name}\t{local}\n" for name, local in rows)
    return tabwrite(text, tabwidth=2, padding=2, padchar=" ")


def lookup_patch(stream: Obj, enabled: bool) -> Obj | None:
    """The strategic merge patch oc computes, or None when nothing changes."""
    if _local(stream) == enabled:
        return None
    return {"spec": {"lookupPolicy": {"local": enabled}}}


async def _get_all(
    client: ImageClient, targets: list[tuple[ApiResource, str]], ns: str
) -> list[Obj]:
    """GET each ``(resource, name)``; failures are collected and abort (ContinueOnError)."""
    found, failures = [], []
    for resource, name in targets:
        try:
            found.append(await client.get(resource.gvr, ns if resource.namespaced else "", name))
        except errors.ApiError as exc:
            failures.append(format_api_error(exc))
    if failures:
        raise CommandError("".join(dict.fromkeys(failures)), verbatim=True)
    return found


async def _list_rows(
    client: ImageClient, args: tuple[str, ...], all_: bool, ns: str
) -> list[tuple[str, str]]:
    """``--list``: the builder's ``ResourceTypeOrNameArgs(true, args...)`` and the rows."""
    pairs, tuples = split_type_or_name_args(args)
    if all_ and tuples:
        raise CommandError(
            "selectors and the all flag cannot be used when passing resource/name arguments"
        )
    if all_ and any(names for _, names in pairs):
        raise CommandError("name cannot be provided when a selector is specified")
    resources = await discover(client)
    if not tuples and len(pairs) >= 1:
        kinds = expand_categories(resources, ",".join(kind for kind, _ in pairs))
        names = pairs[0][1]
        if names and len(kinds) > 1:
            raise CommandError("you must specify only one resource")
        pairs = [(kind, names) for kind in kinds]
    targets: list[tuple[ApiResource, str]] = []
    selected: list[ApiResource] = []
    for kind, names in pairs:
        try:
            resource = resolve(resources, kind)
        except CommandError as unknown:
            if tuples or len(args) != 1 or "," in args[0]:
                raise
            try:  # the extension: `NAME --list` for an existing image stream
                stream = await client.get(IMAGE_STREAMS, ns, kind)
            except errors.ApiError:
                raise unknown from None
            return [lookup_row(_STREAMS_RESOURCE, stream)]
        if names:
            targets.extend((resource, name) for name in names)
        else:
            selected.append(resource)
    rows: list[tuple[str, str]] = []
    if targets:
        objects = await _get_all(client, targets, ns)
        rows.extend(lookup_row(r, o) for (r, _), o in zip(targets, objects, strict=True))
    for resource in selected:
        listed = await client.list(resource.gvr, ns if resource.namespaced else "")
        rows.extend(lookup_row(resource, item) for item in listed.get("items") or ())
    return rows


async def _apply(client: ImageClient, namespace: str, streams: list[Obj], enabled: bool) -> None:
    failures: list[str] = []
    for stream in streams:
        name = (stream.get("metadata") or {}).get("name", "")
        patch = lookup_patch(stream, enabled)
        if patch is None:
            log_info(1, f"info: imagestreams/{name} was not changed")
            continue
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
    conn = Connection.load(kubeconfig, context_name, namespace)
    if args and not list_:
        names = stream_names(args)
        if all_:
            raise CommandError(
                "selectors and the all flag cannot be used when passing resource/name arguments"
            )
    else:
        names = []

    async def work(client: ImageClient) -> None:
        ns = conn.namespace
        if list_ and args:
            click.echo(lookup_table(await _list_rows(client, args, all_, ns)), nl=False)
            return
        if names:
            targets = [(_STREAMS_RESOURCE, name) for name in names]
            streams = await _get_all(client, targets, ns)
        else:
            streams = list((await client.list(IMAGE_STREAMS, ns)).get("items") or ())
        if list_ or not (args or all_):
            click.echo(lookup_table([lookup_row(_STREAMS_RESOURCE, s) for s in streams]), nl=False)
            return
        await _apply(client, ns, streams, enabled)

    run_client(conn, work)


@click.group("set")
def set_group() -> None:
    """Commands that help set specific features on objects (as ``oc set``)."""


set_group.add_command(image_lookup)
