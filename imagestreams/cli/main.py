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
    default="api,controllers",
    envvar=_env("components"),
    show_default=True,
    help="Which parts this process runs.",
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
    )
    runtime.run(cfg)


def _register() -> None:
    """Client commands live in their own modules; the group only lists them."""
    from imagestreams.cli.describe import describe
    from imagestreams.cli.set_image_lookup import set_group
    from imagestreams.cli.tag import tag

    main.add_command(tag)
    main.add_command(describe)
    main.add_command(set_group)


_register()
