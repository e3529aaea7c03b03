"""The flags of ``imagestreams adm prune images``, read and checked as ``oc`` reads them.

oc's flags are pflag values: durations in Go's syntax (``60m``, ``1h30m``, ``0s``), integers,
booleans that take ``--flag``, ``--flag=true`` or ``--flag=false``. A value that does not parse is
a usage error worded as pflag words it (``invalid argument "x" for "--keep-younger-than" flag:
time: invalid duration "x"``). Whether a keep flag was given at all matters: with
``--prune-over-size-limit`` the keep flags that were not given are unset (no age or revision
protection), and giving both kinds is an error. Then oc's ``Validate`` checks, same messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

from imagestreams.cli.common import CommandError, UsageFailure
from imagestreams.prune.plan import DEFAULT_KEEP_TAG_REVISIONS, DEFAULT_KEEP_YOUNGER_THAN
from imagestreams.prune.registry import validate_registry_url

__all__ = [
    "PruneFlags",
    "parse_bool",
    "parse_go_duration",
    "parse_int",
    "read_flags",
    "validate",
]

_UNITS: Final = {
    "ns": Decimal(1),
    "us": Decimal(10**3),
    "\u00b5s": Decimal(10**3),
    "\u03bcs": Decimal(10**3),
    "ms": Decimal(10**6),
    "s": Decimal(10**9),
    "m": Decimal(60 * 10**9),
    "h": Decimal(3600 * 10**9),
}
_NUMBER: Final = re.compile(r"(\d*)(?:\.(\d*))?")
_UNIT: Final = re.compile(r"[^\d.]*")
_INT: Final = re.compile(r"[+-]?\d+")
_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_go_duration(text: str) -> timedelta:
    """Go's ``time.ParseDuration``; ``ValueError`` with Go's message."""
    quoted = f'"{text}"'
    rest, negative = text, False
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return timedelta(0)
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = Decimal(0)
    while rest:
        number = _NUMBER.match(rest)
        assert number is not None  # the pattern matches the empty string
        whole, frac = number.group(1), number.group(2)
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {quoted}")
        rest = rest[number.end() :]
        unit = _UNIT.match(rest)
        assert unit is not None
        name = unit.group(0)
        if not name:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if name not in _UNITS:
            raise ValueError(f'time: unknown unit "{name}" in duration {quoted}')
        rest = rest[unit.end() :]
        try:
            total += Decimal(f"{whole or 0}.{frac or 0}") * _UNITS[name]
        except InvalidOperation:
            raise ValueError(f"time: invalid duration {quoted}") from None
    if total > 2**63 - 1:
        raise ValueError(f"time: invalid duration {quoted}")
    nanos = -total if negative else total
    return timedelta(microseconds=int(nanos / 1000))


def parse_int(text: str) -> int:
    """``strconv.ParseInt(text, 0, 64)`` for decimal input."""
    if not _INT.fullmatch(text):
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_bool(text: str) -> bool:
    """``strconv.ParseBool``."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _usage(name: str, text: str, exc: ValueError) -> UsageFailure:
    return UsageFailure(f'invalid argument "{text}" for "--{name}" flag: {exc}', hint=True)


def _bool(raw: dict[str, str | None], name: str, default: bool) -> bool:
    text = raw.get(name)
    if text is None:
        return default
    try:
        return parse_bool(text)
    except ValueError as exc:
        raise _usage(name, text, exc) from None


def _int(raw: dict[str, str | None], name: str, default: int) -> int:
    text = raw.get(name)
    if text is None:
        return default
    try:
        return parse_int(text)
    except ValueError as exc:
        raise _usage(name, text, exc) from None


def _duration(raw: dict[str, str | None], name: str, default: timedelta) -> timedelta:
    text = raw.get(name)
    if text is None:
        return default
    try:
        return parse_go_duration(text)
    except ValueError as exc:
        raise _usage(name, text, exc) from None


@dataclass(frozen=True, slots=True)
class PruneFlags:
    """The flags after oc's ``Complete``: ``None`` keep values are unset."""

    confirm: bool = False
    all_images: bool = True
    keep_younger_than: timedelta | None = DEFAULT_KEEP_YOUNGER_THAN
    keep_tag_revisions: int | None = DEFAULT_KEEP_TAG_REVISIONS
    prune_over_size_limit: bool | None = None
    certificate_authority: str = ""
    registry_url: str = ""
    force_insecure: bool = False
    prune_registry: bool = True
    ignore_invalid_refs: bool = False
    num_workers: int = 5


def read_flags(raw: dict[str, str | None]) -> PruneFlags:
    """Parse the raw flag texts (``None`` = not given), in oc's ``Complete`` manner."""
    keep_younger: timedelta | None = _duration(raw, "keep-younger-than", DEFAULT_KEEP_YOUNGER_THAN)
    keep_revisions: int | None = _int(raw, "keep-tag-revisions", DEFAULT_KEEP_TAG_REVISIONS)
    prune_over: bool | None = None
    if raw.get("prune-over-size-limit") is not None:
        prune_over = _bool(raw, "prune-over-size-limit", False)
        if raw.get("keep-younger-than") is None:
            keep_younger = None
        if raw.get("keep-tag-revisions") is None:
            keep_revisions = None
    return PruneFlags(
        confirm=_bool(raw, "confirm", False),
        all_images=_bool(raw, "all", True),
        keep_younger_than=keep_younger,
        keep_tag_revisions=keep_revisions,
        prune_over_size_limit=prune_over,
        certificate_authority=raw.get("certificate-authority") or "",
        registry_url=raw.get("registry-url") or "",
        force_insecure=_bool(raw, "force-insecure", False),
        prune_registry=_bool(raw, "prune-registry", True),
        ignore_invalid_refs=_bool(raw, "ignore-invalid-refs", False),
        num_workers=_int(raw, "num-workers", 5),
    )


def validate(flags: PruneFlags) -> None:
    """oc's ``PruneImagesOptions.Validate``."""
    problem = ""
    keep_given = flags.keep_younger_than is not None or flags.keep_tag_revisions is not None
    if flags.prune_over_size_limit is not None and keep_given:
        problem = (
            "--prune-over-size-limit cannot be specified with --keep-tag-revisions"
            " nor --keep-younger-than"
        )
    elif flags.keep_younger_than is not None and flags.keep_younger_than < timedelta(0):
        problem = "--keep-younger-than must be greater than or equal to 0"
    elif flags.keep_tag_revisions is not None and flags.keep_tag_revisions < 0:
        problem = "--keep-tag-revisions must be greater than or equal to 0"
    elif flags.registry_url and (reason := validate_registry_url(flags.registry_url)):
        problem = f"invalid --registry-url flag: {reason}"
    elif flags.force_insecure and flags.certificate_authority:
        problem = "--certificate-authority cannot be specified with --force-insecure"
    elif flags.certificate_authority and flags.registry_url.startswith("http://"):
        problem = "--certificate-authority cannot be specified for insecure http protocol"
    if problem:
        raise CommandError(problem)
