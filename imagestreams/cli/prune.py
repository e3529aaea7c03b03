"""``imagestreams adm prune images``: ``oc adm prune images`` against our API server.

The command follows oc's ``PruneImagesOptions`` step by step: no arguments; the kubeconfig must
carry a token (it doubles as the registry password); the flags are checked; everything is
listed; with ``--confirm`` (and without ``--prune-registry=false``) the integrated registry is
located and pinged before anything changes; reference errors abort with ``failed to build graph
- no changes made``; then the stages run (``imagestreams.prune.apply``), printing oc's lines, and
``Summary: ...``. Without ``--confirm`` nothing is modified and stderr says so first.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import click
import httpx

from imagestreams import errors
from imagestreams.cli.common import (
    CommandError,
    Connection,
    PflagBools,
    connection_error_message,
    connection_options,
    format_api_error,
)
from imagestreams.cli.prune_options import PruneFlags, read_flags, validate
from imagestreams.client.kubeconfig import KubeConfig
from imagestreams.prune.apply import Executor, PruneClient, load_cluster
from imagestreams.prune.graph import BadReference, Cluster, analyze_usage
from imagestreams.prune.plan import Algorithm
from imagestreams.prune.registry import (
    RegistryClient,
    RegistryFailure,
    determine_registry_host,
    is_private_address,
    ping,
)

__all__ = ["adm", "prune_group", "prune_images"]

DRY_RUN_NOTE: Final = (
    "Dry run enabled - no modifications will be made. Add --confirm to remove images"
)
API_ONLY_NOTE: Final = (
    "Only API objects will be removed.  No modifications to the image registry will be made."
)
_UNREACHABLE: Final = re.compile(r"(?:operation|connection) timed out|no such host")


def _out(text: str) -> None:
    click.echo(text)


def _err(text: str) -> None:
    click.echo(text, err=True)


def _graph_errors(bad: list[BadReference]) -> None:
    _err("Failed to build graph!")
    _err("\nThe following objects have invalid references:\n")
    for err in bad:
        _err(f"  {err}")
    _err("\nEither fix the references or delete the objects to make the pruner proceed.")


def _tls(config: KubeConfig, ca_bundle: bytes | None) -> ssl.SSLContext | bool:
    verify = config.ssl_context()
    if ca_bundle:
        if not isinstance(verify, ssl.SSLContext):
            verify = ssl.create_default_context()
        verify.load_verify_locations(cadata=ca_bundle.decode("ascii", "replace"))
    return verify


async def _registry(
    flags: PruneFlags, config: KubeConfig, cluster: Cluster, ca_bundle: bytes | None
) -> RegistryClient:
    host = flags.registry_url
    if not host:
        try:
            host = determine_registry_host(cluster.images, list(cluster.streams.values()))
        except RegistryFailure as exc:
            raise CommandError(f"unable to find the remote registry host: {exc}") from None
    insecure = flags.force_insecure
    if not insecure and not ca_bundle:
        insecure = config.insecure or is_private_address(host) or host.startswith("http://")
    try:
        return await ping(host, config.token, _tls(config, ca_bundle), insecure)
    except RegistryFailure as exc:
        message = str(exc)
        if not flags.registry_url and _UNREACHABLE.search(message):
            message += "\n* Please provide a reachable route to the integrated registry using"
            message += " --registry-url."
        raise CommandError(f"failed to ping registry {host}: {message}") from None


async def prune_images(
    client: PruneClient,
    config: KubeConfig,
    flags: PruneFlags,
    namespace: str,
    ca_bundle: bytes | None = None,
) -> list[str]:
    """One run as oc's ``Run``: prints as it goes, returns the errors of the stages.
    ``namespace`` ``""`` = the whole cluster; ``ca_bundle``: ``--certificate-authority``."""
    cluster = await load_cluster(client, namespace, _err)
    registry: RegistryClient | None = None
    if flags.confirm and flags.prune_registry:
        registry = await _registry(flags, config, cluster, ca_bundle)
    try:
        algo = Algorithm(
            keep_younger_than=flags.keep_younger_than,
            keep_tag_revisions=flags.keep_tag_revisions,
            prune_over_size_limit=bool(flags.prune_over_size_limit),
            all_images=flags.all_images,
            prune_registry=flags.prune_registry,
            namespace=namespace,
            now=datetime.now(UTC),
        )
        usage, bad = analyze_usage(cluster, algo.cutoff, flags.ignore_invalid_refs)
        if bad:
            _graph_errors(bad)
            raise CommandError("failed to build graph - no changes made")
        if not flags.confirm:
            _err(DRY_RUN_NOTE)
        if not flags.prune_registry:
            _out(API_ONLY_NOTE)
        executor = Executor(
            cluster,
            usage,
            algo,
            api=client if flags.confirm else None,
            registry=registry,
            write=lambda to_err, text: click.echo(text, err=to_err),
            workers=flags.num_workers,
        )
        stats, problems = await executor.run()
    finally:
        if registry is not None:
            await registry.close()
    _out(f"Summary: {stats}")
    return problems


def _run(conn: Connection, flags: PruneFlags, namespace: str) -> list[str]:
    ca_bundle: bytes | None = None
    if flags.certificate_authority and flags.confirm and flags.prune_registry:
        try:
            ca_bundle = Path(flags.certificate_authority).read_bytes()
        except OSError as exc:
            raise CommandError(f"failed to read registry ca bundle: {exc}") from None

    async def main() -> list[str]:
        config = conn.config
        client = PruneClient(config.server, token=config.token, verify=config.ssl_context())
        try:
            return await prune_images(client, config, flags, namespace, ca_bundle)
        finally:
            await client.close()

    try:
        return asyncio.run(main())
    except errors.ApiError as exc:
        raise CommandError(format_api_error(exc), verbatim=True) from None
    except (httpx.TransportError, OSError) as exc:
        raise CommandError(
            connection_error_message(conn.config.server, exc), verbatim=True
        ) from None


@click.group("adm")
def adm() -> None:
    """Tools for managing the image streams server (as ``oc adm``)."""


@adm.group("prune")
def prune_group() -> None:
    """Remove older versions of resources from the server."""


@prune_group.command("images", cls=PflagBools)
@click.argument("args", nargs=-1)
@click.option(
    "--confirm",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Really prune (default: only show what would be deleted).",
)
@click.option(
    "--all",
    "all_",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Include images imported from external registries (default true).",
)
@click.option(
    "--keep-younger-than",
    default=None,
    metavar="DURATION",
    help="Minimum age of an image and its referrers to be pruned (default 60m).",
)
@click.option(
    "--keep-tag-revisions",
    default=None,
    metavar="N",
    help="Number of revisions per tag to keep (default 3).",
)
@click.option(
    "--prune-over-size-limit",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Prune images exceeding the namespace's openshift.io/Image limits.",
)
@click.option(
    "--certificate-authority", default=None, metavar="PATH", help="CA bundle for the registry."
)
@click.option(
    "--registry-url", default=None, metavar="URL", help="[scheme://]host[:port] of the registry."
)
@click.option(
    "--force-insecure",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Allow HTTP or an unverified certificate for the registry.",
)
@click.option(
    "--prune-registry",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Also delete registry content (default true).",
)
@click.option(
    "--ignore-invalid-refs",
    type=str,
    is_flag=False,
    flag_value="true",
    metavar="[=BOOL]",
    default=None,
    help="Ignore image references that do not parse.",
)
@click.option("--num-workers", default=None, metavar="N", help="Parallel workers (default 5).")
@connection_options
def images(
    args: tuple[str, ...],
    kubeconfig: str | None,
    context_name: str | None,
    namespace: str | None,
    **raw: str | None,
) -> None:
    """Remove image stream tag history, unused images and their registry blobs by age or usage
    (as ``oc adm prune images``; a dry run unless ``--confirm``)."""
    if args:
        raise CommandError("no arguments are allowed to this command", hint=True)
    texts = {name.rstrip("_").replace("_", "-"): value for name, value in raw.items()}
    flags = read_flags(texts)
    conn = Connection.load(kubeconfig, context_name, namespace)
    if not conn.config.token:
        raise CommandError("you must use a client config with a token")
    validate(flags)
    problems = _run(conn, flags, conn.namespace if conn.explicit_namespace else "")
    if len(problems) == 1:
        raise CommandError(problems[0])
    if problems:
        raise CommandError("".join(f"{p}\n" for p in problems), verbatim=True)
