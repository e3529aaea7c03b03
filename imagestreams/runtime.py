"""Composition root: builds storage, resources and the API server from a ``ServeConfig`` and runs
them until SIGTERM/SIGINT.

Shutdown is graceful: ``readyz`` fails (500, as kube-apiserver), open watches end cleanly (their
streams close after the last complete event), in-flight requests finish, then the storage closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from imagestreams.client.http import HttpClient
from imagestreams.client.inprocess import InProcessClient
from imagestreams.client.kubeconfig import KubeConfigError, load_kubeconfig
from imagestreams.controllers.manager import ControllerManager, ControllerSettings
from imagestreams.distribution import app as registry_app
from imagestreams.importer.settings import ImporterFlags, SettingsError
from imagestreams.rbac.system import AccessSystem
from imagestreams.resources import install
from imagestreams.resources.image.install import image_extension
from imagestreams.resources.imagepolicy.install import imagepolicy_extension
from imagestreams.resources.imagestreamimport.install import ImportSettings, import_extension
from imagestreams.rest.context import User
from imagestreams.server import audit, authn, authz, metrics, tls
from imagestreams.server.app import ApiServer
from imagestreams.storage import interface as st
from imagestreams.storage.compactor import Compactor
from imagestreams.storage.etcd import EtcdStorage
from imagestreams.storage.sqlite import SQLiteStorage

__all__ = ["ServeConfig", "open_storage", "run", "serve"]

log = logging.getLogger("imagestreams")


@dataclass
class ServeConfig:
    data_dir: Path = Path("./data")
    listen: str = "127.0.0.1:8443"
    plain_http: bool = False
    tls_cert_file: Path | None = None
    tls_private_key_file: Path | None = None
    token_auth_file: Path | None = None
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    registry_hostname: str | None = None
    public_registry_hostname: str = ""
    components: tuple[str, ...] = ("api", "controllers", "registry")
    storage_url: str = ""
    compaction_interval: float = 300.0
    audit_log_path: str = ""
    """``--audit-log-path``: JSON-lines audit events; ``-`` is stdout, empty is off."""
    authorization_mode: str = "RBAC"
    """``RBAC`` (default) or ``AlwaysAllow`` (every authenticated user may do everything)."""
    import_credentials_file: Path | None = None
    allowed_registries_for_import: str | None = None
    max_images_bulk_imported_per_repository: int = 50
    import_request_timeout: float = 60.0
    scheduled_import_interval: float = 900.0
    max_scheduled_image_imports_per_minute: int = 60
    kubeconfig: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)

    @property
    def client_host(self) -> str:
        host, _ = self.host_port
        return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


async def open_storage(cfg: ServeConfig) -> st.Storage:
    url = cfg.storage_url or f"sqlite:///{cfg.data_dir / 'state.db'}"
    if url.startswith("sqlite://"):
        storage = SQLiteStorage(Path(url.removeprefix("sqlite://")))
        await storage.open()
        return storage
    if url.startswith("etcd://"):
        hosts, _, prefix = url.removeprefix("etcd://").partition("/")
        endpoints = [f"http://{h}" for h in hosts.split(",") if h]
        etcd = EtcdStorage(endpoints, f"/{prefix}" if prefix else "")
        await etcd.open()
        return etcd
    raise SystemExit(f"unsupported --storage URL scheme: {url.split(':', 1)[0]}")


_NAMESPACE_SWEEP_SECONDS = 30.0
"""How often Terminating namespaces left behind (by a server that died) are picked up."""


class _Server(uvicorn.Server):
    """uvicorn's server, telling the API server when a shutdown signal arrives."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event) -> None:
        super().__init__(config)
        self._stopping = stopping

    def handle_exit(self, sig: int, frame: Any) -> None:
        self._stopping.set()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn re-raises the shutdown signal after a graceful stop, which would make the
        process exit with -15; a clean shutdown exits 0, as kube-apiserver does."""
        with super().capture_signals():
            yield
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured.clear()


def _authenticator(cfg: ServeConfig, admin_token: str) -> authn.TokenAuthenticator:
    tokens: dict[str, authn.UserInfo] = {}
    if cfg.token_auth_file is not None:
        tokens.update(authn.load_token_file(cfg.token_auth_file))
    tokens[admin_token] = authn.ADMIN
    return authn.TokenAuthenticator(tokens)


def _controller_settings(cfg: ServeConfig, registry_host: str = "") -> ControllerSettings:
    return ControllerSettings(
        scheduled_import_interval=cfg.scheduled_import_interval,
        max_scheduled_imports_per_minute=cfg.max_scheduled_image_imports_per_minute,
        registry_hostname=registry_host,
    )


async def run_controllers(cfg: ServeConfig) -> None:
    """``--components controllers``: the image controllers alone, against the API server of
    the kubeconfig, until SIGTERM/SIGINT."""
    try:
        client = HttpClient.from_kubeconfig(load_kubeconfig(cfg.kubeconfig), timeout=3600.0)
    except KubeConfigError as exc:
        raise SystemExit(f"--kubeconfig: {exc}") from None
    manager = ControllerManager(client, _controller_settings(cfg, cfg.registry_hostname or ""))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await manager.start()
    print(f"imagestreams controllers running against {client.server}", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await manager.stop()
        await client.close()


async def _allow_authenticated(
    user: User, verb: str, group: str, resource: str, subresource: str, namespace: str, name: str
) -> bool:
    """``--authorization-mode AlwaysAllow`` for the registry: any authenticated user."""
    return user.name != authn.ANONYMOUS.name and authn.ALL_AUTHENTICATED in user.groups


async def serve(cfg: ServeConfig, *, ready: asyncio.Event | None = None) -> None:
    """Run the server until a shutdown signal."""
    if "api" not in cfg.components:
        await run_controllers(cfg)
        return
    flags = ImporterFlags(
        cfg.import_credentials_file,
        cfg.allowed_registries_for_import,
        cfg.max_images_bulk_imported_per_repository,
        cfg.import_request_timeout,
    )
    try:
        importer = flags.importer()
        import_settings = ImportSettings(importer, flags.server_credentials())
        allowed = flags.allowed_registries()
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(cfg.data_dir, 0o700)
    storage = await open_storage(cfg)
    admin_token = authn.ensure_admin_token(cfg.data_dir)
    access = AccessSystem(storage, cfg.data_dir, _authenticator(cfg, admin_token))
    registry_host = (
        cfg.registry_hostname
        if cfg.registry_hostname is not None
        else f"{cfg.client_host}:{cfg.host_port[1]}"
    )
    installed = install.build(
        storage,
        observe=metrics.observe_storage,
        extensions=(
            image_extension(registry_host, cfg.public_registry_hostname, allowed),
            import_extension(import_settings),
            imagepolicy_extension,
            access.extension,
        ),
    )
    await install.bootstrap(installed)
    await access.start()
    compactor = Compactor(storage, cfg.compaction_interval)
    compactor.start()
    namespace_sweep = asyncio.create_task(installed.namespaces.sweep(_NAMESPACE_SWEEP_SECONDS))
    host, port = cfg.host_port
    scheme = "http" if cfg.plain_http else "https"
    ssl: dict[str, Any] = {}
    ca_pem: bytes | None = None
    if not cfg.plain_http:
        if cfg.tls_cert_file and cfg.tls_private_key_file:
            ssl = {
                "ssl_certfile": str(cfg.tls_cert_file),
                "ssl_keyfile": str(cfg.tls_private_key_file),
            }
        else:
            pki = tls.ensure_pki(cfg.data_dir, [host, cfg.client_host])
            ssl = {"ssl_certfile": str(pki.cert_path), "ssl_keyfile": str(pki.key_path)}
            ca_pem = pki.ca_pem
    url = f"{scheme}://{cfg.client_host}:{port}"
    kubeconfig = cfg.data_dir / "admin.kubeconfig"
    authn.write_kubeconfig(kubeconfig, url, ca_pem, admin_token)
    authorizer: authz.Authorizer = access.authorizer
    if cfg.authorization_mode == "AlwaysAllow":
        authorizer = authz.AllowAllAuthenticated()
    audit_log = audit.AuditLog(cfg.audit_log_path) if cfg.audit_log_path else None
    api = ApiServer(
        resources=installed.resources,
        authenticator=access.authenticator,
        authorizer=authorizer,
        audit_log=audit_log,
        max_requests_inflight=cfg.max_requests_inflight,
        max_mutating_requests_inflight=cfg.max_mutating_requests_inflight,
        storage_check=storage.current_revision,
    )
    asgi = api.asgi()
    if "registry" in cfg.components:
        registry = registry_app.build(
            data_dir=cfg.data_dir,
            resources=installed.resources,
            authenticator=access.authenticator,
            can=access.authorizer.can if authorizer is access.authorizer else _allow_authenticated,
            registry_host=registry_host,
            own_hosts=(f"{cfg.client_host}:{port}", cfg.public_registry_hostname),
        )
        asgi = registry_app.mount(registry, asgi)
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
        **ssl,
    )
    server = _Server(config, api.stopping)
    controllers: ControllerManager | None = None
    if "controllers" in cfg.components:
        controllers = ControllerManager(
            InProcessClient(installed.resources),
            _controller_settings(cfg, registry_host),
            throttled=importer.pool.throttled,
        )
        await controllers.start()
    # Everything built so far (schemas, the RBAC index, the resource table) lives as long as
    # the process: keep it out of the cyclic collector's full passes.
    gc.collect()
    gc.freeze()
    api.ready = True
    print(
        f"imagestreams serving on {url}\n"
        f"  export KUBECONFIG={kubeconfig.resolve()}\n"
        f"  kubectl get namespaces",
        file=sys.stderr,
        flush=True,
    )
    if cfg.plain_http:
        # client-go's clientcmd reads a kubeconfig's credentials only for TLS servers.
        print(
            "  note: kubectl sends no token to an http:// server, so it gets 401 here; serve "
            "HTTPS (the default) for kubectl. The imagestreams CLI and the Python client work.",
            file=sys.stderr,
            flush=True,
        )
    if ready is not None:
        ready.set()
    try:
        await server.serve()
    finally:
        api.stopping.set()
        if controllers is not None:
            await controllers.stop()
        await importer.close()
        await access.stop()
        await compactor.stop()
        namespace_sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await namespace_sweep
        await installed.namespaces.close()
        if installed.gc is not None:
            await installed.gc.close()
        await storage.close()
        if audit_log is not None:
            audit_log.close()


def run(cfg: ServeConfig) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per registry request
    # uvloop, as uvicorn itself picks when it owns the loop: its transports and callbacks
    # cost a fraction of the pure-Python loop's on every request.
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve(cfg))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop works, only slower
        return None
    return uvloop.new_event_loop
