"""Terminal output shared by the client commands: rich consoles that never wrap into pipes, and
kubectl's ``-v/--v`` verbosity with klog-style ``info:`` lines.

Scripts grep our output the way origin's ``test/cmd/*.sh`` grep oc's (``error: tag latest
failed: ...``, ``sha256:...``), so a line must stay one line when stdout or stderr is a file or a
pipe: rich wraps at the terminal width, or at 80 columns (or ``$COLUMNS``) when there is no
terminal. :func:`console` therefore uses the real width only for a TTY and otherwise an unbounded
one with soft wrapping. Live displays (spinners) only make sense on a TTY too.

oc logs some outcomes through klog (``klog.V(1).Infof("info: %s was not changed")``): they appear
on stderr only when ``--v`` is at least the given level. Every client command accepts ``-v/--v``
as kubectl does (``--v=1``, ``--v 1``, ``-v1``, ``-v=1``); :func:`log_info` prints the message
without klog's header (timestamp, pid, source line), which no script can depend on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

__all__ = ["UNWRAPPED_WIDTH", "console", "log_info", "verbosity", "verbosity_option"]

F = TypeVar("F", bound=Callable[..., Any])
UNWRAPPED_WIDTH = 1 << 16
"""Width of a console that is not a terminal: wider than any line we print."""
_VERBOSITY = "imagestreams.verbosity"


def console(*, stderr: bool = False) -> Console:
    """A rich console for stdout (or stderr) that wraps only on a real terminal."""
    candidate = Console(stderr=stderr, highlight=False)
    if candidate.is_terminal:
        return candidate
    return Console(stderr=stderr, highlight=False, width=UNWRAPPED_WIDTH, soft_wrap=True)


class _Level(click.ParamType[int]):
    """klog's ``Level``: a non-negative integer; ``-v=2`` (pflag's shorthand form) is
    accepted too, which click would otherwise read as the value ``=2``."""

    name = "level"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value)
        text = text.removeprefix("=")
        if not text.isdigit():
            self.fail(f'strconv.ParseInt: parsing "{text}": invalid syntax', param, ctx)
        return int(text)


def _remember(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta[_VERBOSITY] = value


def verbosity_option(func: F) -> F:
    """Add kubectl's ``-v, --v`` (log level); the value is kept on the click context."""
    option = click.option(
        "-v",
        "--v",
        "verbosity",
        type=_Level(),
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_remember,
        help="number for the log level verbosity",
    )
    return option(func)


def verbosity() -> int:
    """The ``--v`` level of the running command (0 outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return 0
    level = ctx.meta.get(_VERBOSITY, 0)
    return level if isinstance(level, int) else 0


def log_info(level: int, message: str) -> None:
    """klog's ``V(level).Infof``: ``message`` on stderr when ``--v`` >= ``level``."""
    if verbosity() >= level:
        click.echo(message.rstrip("\n"), err=True)
