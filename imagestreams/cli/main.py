"""The ``imagestreams`` command. Commands are thin: the work lives in the library."""

from __future__ import annotations

from pathlib import Path

import click

from imagestreams import __version__

__all__ = ["main"]


def _env(flag: str) -> str:
    return "IMAGESTREAMS_" + flag.upper().replace("-", "_")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="imagestreams")
def main() -> None:
    """OpenShift image streams without OpenShift."""


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("./data"),
    envvar=_env("data-dir"),
    show_default=True,
    help="SQLite database, certificates, admin token and kubeconfig.",
)
@click.option(
    "--listen",
    default="127.0.0.1:8443",
    envvar=_env("listen"),
    show_default=True,
    help="HOST:PORT to serve on.",
)
@click.option(
    "--plain-http", is_flag=True, envvar=_env("plain-http"), help="Serve HTTP instead of HTTPS."
)
@click.option(
    "--tls-cert-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    envvar=_env("tls-cert-file"),
)
@click.option(
    "--tls-private-key-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    envvar=_env("tls-private-key-file"),
)
@click.option(
    "--token-auth-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    envvar=_env("token-auth-file"),
    help='Extra users, CSV: token,user,uid,"group1,group2".',
)
@click.option(
    "--max-requests-inflight",
    type=click.IntRange(min=0),
    default=400,
    envvar=_env("max-requests-inflight"),
    show_default=True,
)
@click.option(
    "--max-mutating-requests-inflight",
    type=click.IntRange(min=0),
    default=200,
    envvar=_env("max-mutating-requests-inflight"),
    show_default=True,
)
@click.option(
    "--registry-hostname",
    default=None,
    envvar=_env("registry-hostname"),
    help="status.dockerImageRepository host (default: the listen address).",
)
@click.option("--public-registry-hostname", default="", envvar=_env("public-registry-hostname"))
@click.option(
    "--components",
    default="api,controllers,registry",
    envvar=_env("components"),
    show_default=True,
    help="Which parts this process runs: api, controllers, registry (the integrated registry "
    "under /v2/ on the API's listener; needs api).",
)
@click.option(
    "--storage",
    "storage_url",
    default="",
    envvar=_env("storage"),
    help="sqlite:///PATH (default: <data-dir>/state.db) or etcd://HOST:PORT[,HOST:PORT...][/PREFIX].",
)
@click.option(
    "--etcd-compaction-interval",
    "compaction_interval",
    type=click.FloatRange(min=0),
    default=300.0,
    envvar=_env("etcd-compaction-interval"),
    show_default=True,
    help="Seconds between storage compactions (0 = never).",
)
@click.option(
    "--audit-log-path",
    default="",
    envvar=_env("audit-log-path"),
    help="Write audit.k8s.io/v1 events (JSON lines) to this file; '-' means standard output.",
)
@click.option(
    "--authorization-mode",
    type=click.Choice(["RBAC", "AlwaysAllow"]),
    default="RBAC",
    envvar=_env("authorization-mode"),
    show_default=True,
    help="RBAC, or AlwaysAllow (every authenticated user may do everything).",
)
@click.option(
    "--import-credentials-file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    envvar=_env("import-credentials-file"),
    help="Docker config.json with registry credentials used for imports server-wide.",
)
@click.option(
    "--allowed-registries-for-import",
    default=None,
    envvar=_env("allowed-registries-for-import"),
    help="Comma-separated domain[:port] globs imports may use (http://domain = insecure).",
)
@click.option(
    "--max-images-bulk-imported-per-repository",
    type=click.IntRange(min=-1),
    default=50,
    envvar=_env("max-images-bulk-imported-per-repository"),
    show_default=True,
    help="Tags a repository import takes (-1 = all).",
)
@click.option(
    "--import-request-timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    envvar=_env("import-request-timeout"),
    show_default=True,
    help="Seconds one registry request of an import may take, body included.",
)
@click.option(
    "--scheduled-import-interval",
    type=click.FloatRange(min=1),
    default=900.0,
    envvar=_env("scheduled-import-interval"),
    show_default=True,
    help="Seconds between scheduled re-imports of a tag.",
)
@click.option(
    "--max-scheduled-image-imports-per-minute",
    type=click.IntRange(min=0),
    default=60,
    envvar=_env("max-scheduled-image-imports-per-minute"),
    show_default=True,
    help="Rate limit of scheduled imports (0 = scheduled imports off).",
)
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    envvar=_env("kubeconfig"),
    help="API server to run the controllers against with --components controllers.",
)
def serve(
    data_dir: Path,
    listen: str,
    plain_http: bool,
    tls_cert_file: Path | None,
    tls_private_key_file: Path | None,
    token_auth_file: Path | None,
    max_requests_inflight: int,
    max_mutating_requests_inflight: int,
    registry_hostname: str | None,
    public_registry_hostname: str,
    components: str,
    storage_url: str,
    compaction_interval: float,
    audit_log_path: str,
    authorization_mode: str,
    import_credentials_file: Path | None,
    allowed_registries_for_import: str | None,
    max_images_bulk_imported_per_repository: int,
    import_request_timeout: float,
    scheduled_import_interval: float,
    max_scheduled_image_imports_per_minute: int,
    kubeconfig: Path | None,
) -> None:
    """Run the API server on the embedded store."""
    from imagestreams import runtime

    if (tls_cert_file is None) != (tls_private_key_file is None):
        raise click.UsageError("--tls-cert-file and --tls-private-key-file go together")
    _, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise click.BadParameter("expected HOST:PORT", param_hint="--listen")
    cfg = runtime.ServeConfig(
        data_dir=data_dir,
        listen=listen,
        plain_http=plain_http,
        tls_cert_file=tls_cert_file,
        tls_private_key_file=tls_private_key_file,
        token_auth_file=token_auth_file,
        max_requests_inflight=max_requests_inflight,
        max_mutating_requests_inflight=max_mutating_requests_inflight,
        registry_hostname=registry_hostname,
        public_registry_hostname=public_registry_hostname,
        components=tuple(c.strip() for c in components.split(",") if c.strip()),
        storage_url=storage_url,
        compaction_interval=compaction_interval,
        audit_log_path=audit_log_path,
        authorization_mode=authorization_mode,
        import_credentials_file=import_credentials_file,
        allowed_registries_for_import=allowed_registries_for_import,
        max_images_bulk_imported_per_repository=max_images_bulk_imported_per_repository,
        import_request_timeout=import_request_timeout,
        scheduled_import_interval=scheduled_import_interval,
        max_scheduled_image_imports_per_minute=max_scheduled_image_imports_per_minute,
        kubeconfig=kubeconfig,
    )
    runtime.run(cfg)


def _register() -> None:
    """Client commands live in their own modules; the group only lists them."""
    from imagestreams.cli.describe import describe
    from imagestreams.cli.import_image import import_image
    from imagestreams.cli.prune import adm
    from imagestreams.cli.set_image_lookup import set_group
    from imagestreams.cli.tag import tag

    main.add_command(tag)
    main.add_command(adm)
    main.add_command(describe)
    main.add_command(import_image)
    main.add_command(set_group)


_register()
