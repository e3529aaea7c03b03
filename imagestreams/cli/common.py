"""Plumbing shared by the client commands (``tag``, ``describe``, ``import-image``, ``set
image-lookup``).

Users script around ``oc``/``kubectl`` output, so the commands read the kubeconfig the way
kubectl does (``--kubeconfig``, else ``$KUBECONFIG``, else ``~/.kube/config``; ``--context``;
``-n/--namespace`` over the context's namespace; ``-v/--v`` from :mod:`.output`) and report
failures the way kubectl's ``cmdutil.CheckErr`` does: ``Error from server (NotFound): ...`` for a
server ``Status``, ``The ImageStream "x" is invalid: ...`` for ``Invalid``, ``error: ...`` for
anything else, and kubectl's connection messages.

Exit status: 0 success, 1 the operation failed, 2 bad usage. As in oc, everything a command's
``Complete``/``Validate``/``Run`` rejects goes through ``CheckErr`` and exits 1 -- argument
errors included (:class:`CommandError`, with ``hint`` for oc's ``UsageErrorf`` ones, which add
``See '<cmd> -h' for help and examples``). Exit 2 is left to click's own parse errors (unknown
flag, missing argument, unparseable flag value) and :class:`UsageFailure`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import click
import httpx

from imagestreams import errors
from imagestreams.cli.apiclient import ImageClient
from imagestreams.cli.output import verbosity_option
from imagestreams.client.kubeconfig import KubeConfig, KubeConfigError, load_kubeconfig

__all__ = [
    "CommandError",
    "Connection",
    "PflagBools",
    "UsageFailure",
    "connection_error_message",
    "connection_options",
    "format_api_error",
    "go_quote",
    "run_client",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def go_quote(value: str) -> str:
    """Go's ``%q`` for ordinary (printable) strings."""
    return json.dumps(value, ensure_ascii=False)


class CommandError(click.ClickException):
    """The operation failed (exit 1); printed as kubectl prints it, on stderr. ``hint`` adds
    the ``See '<cmd> -h' ...`` line of oc's ``UsageErrorf``."""

    exit_code = 1

    def __init__(self, message: str, *, verbatim: bool = False, hint: bool = False) -> None:
        super().__init__(message)
        self.verbatim = verbatim
        ctx = click.get_current_context(silent=True) if hint else None
        self.hint_path = (ctx.command_path if ctx is not None else "imagestreams") if hint else ""

    def show(self, file: IO[Any] | None = None) -> None:
        text = self.message
        if not self.verbatim and not text.startswith("error: "):
            text = f"error: {text}"
        if not text.endswith("\n"):
            text += "\n"
        if self.hint_path:
            text += f"See '{self.hint_path} -h' for help and examples\n"
        click.echo(text, file=file, err=file is None, nl=False)


class UsageFailure(click.UsageError):
    """Bad usage found outside click's parser (exit 2): ``error: <msg>``, plus kubectl's
    ``See '<cmd> -h'`` line when ``hint``. The oc-compatible commands raise
    :class:`CommandError` instead, since oc exits 1 for those."""

    def __init__(self, message: str, *, hint: bool = False) -> None:
        super().__init__(message, ctx=click.get_current_context(silent=True))
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        text = f"error: {self.message}\n"
        if self.hint:
            path = self.ctx.command_path if self.ctx is not None else "imagestreams"
            text += f"See '{path} -h' for help and examples\n"
        click.echo(text, file=file, err=file is None, nl=False)


def _is_reason(err: errors.ApiError, reason: str, code: int) -> bool:
    return err.reason == reason or (err.code == code and not err.reason)


def format_api_error(err: errors.ApiError) -> str:
    """What kubectl's ``CheckErr`` prints for a server ``Status`` (ends with a newline)."""
    if err.reason == "Invalid":
        details = err.details()
        text = "The request is invalid"
        if details is None:
            if err.message:
                text += ": " + err.message
            return text + "\n"
        if err.kind or err.name:
            text = f"The {err.kind} {go_quote(err.name)} is invalid"
        elif err.message and not err.causes:
            text += ": " + err.message
        messages: list[str] = []
        for cause in err.causes:
            line = f"{cause.get('field', '')}: {cause.get('message', '')}"
            if line not in messages:
                messages.append(line)
        if not messages:
            return text + "\n"
        if len(messages) == 1:
            return f"{text}: {messages[0]}\n"
        return f"{text}: \n" + "".join(f"* {m}\n" for m in messages)
    if _is_reason(err, "Unauthorized", 401):
        return f"error: You must be logged in to the server ({err.message})\n"
    if err.reason:
        return f"Error from server ({err.reason}): {err.message}\n"
    return f"Error from server: {err.message}\n"


def connection_error_message(server: str, exc: Exception) -> str:
    """kubectl's message for a request that never got an HTTP answer."""
    detail = str(exc) or type(exc).__name__
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(
        isinstance(c, ConnectionRefusedError) or "connection refused" in str(c).lower()
        for c in chain
    ):
        host = urlsplit(server).netloc or server
        return (
            f"The connection to the server {host} was refused - did you specify the right host"
            " or port?\n"
        )
    return f"Unable to connect to the server: {detail}\n"


@dataclass(frozen=True, slots=True)
class Connection:
    """The kubeconfig settings and the namespace a command works in."""

    config: KubeConfig
    namespace: str
    explicit_namespace: bool

    @classmethod
    def load(cls, kubeconfig: str | None, context: str | None, namespace: str | None) -> Connection:
        try:
            config = load_kubeconfig(kubeconfig or None, context or None)
        except (KubeConfigError, OSError) as exc:
            raise CommandError(str(exc)) from None
        return cls(config, namespace or config.namespace, bool(namespace))


def connection_options(func: F) -> F:
    """Add ``--kubeconfig``, ``--context``, ``-n/--namespace`` and ``-v/--v`` (kubectl's
    names)."""
    func = verbosity_option(func)
    func = click.option(
        "-n",
        "--namespace",
        default=None,
        help="If present, the namespace scope for this CLI request.",
    )(func)
    func = click.option(
        "--context", "context_name", default=None, help="The name of the kubeconfig context to use."
    )(func)
    func = click.option(
        "--kubeconfig",
        default=None,
        help="Path to the kubeconfig file to use for CLI requests (default: $KUBECONFIG).",
    )(func)
    return func


def run_client(conn: Connection, work: Callable[[ImageClient], Awaitable[T]]) -> T:
    """Run ``work`` with a client for ``conn``; API and connection failures become
    :class:`CommandError` with kubectl's wording."""

    async def main() -> T:
        config = conn.config
        client = ImageClient(config.server, token=config.token, verify=config.ssl_context())
        try:
            return await work(client)
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


class PflagBools(click.Command):
    """A command whose optional-value booleans parse as pflag's do: a bare ``--confirm`` is
    true and a value must be attached with ``=`` (``--confirm=false``). Click would take the
    next word as the value, so ``--confirm true`` would prune where oc refuses the stray
    ``true`` as an argument."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        bools = {
            opt
            for param in self.params
            if isinstance(param, click.Option) and getattr(param, "_flag_needs_value", False)
            for opt in param.opts
        }
        rewritten: list[str] = []
        for index, arg in enumerate(args):
            if arg == "--":
                rewritten.extend(args[index:])
                break
            rewritten.append(f"{arg}=true" if arg in bools else arg)
        return super().parse_args(ctx, rewritten)
