"""Kubernetes resource quantities (``resource.ParseQuantity``), exactly.

LimitRanges carry quantities such as ``1Gi``, ``500m``, ``1e3`` or ``0.5``; image size limits
compare them with byte counts exactly, as ``Quantity.Cmp`` does (``100m`` is a tenth of a
byte, so every non-empty image exceeds it). A string that kube cannot parse is refused with
its error text: ``quantities must match the regular expression ...`` for a bad shape and
``unable to parse quantity's suffix`` for an unknown suffix such as ``1K``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = ["FORMAT_ERROR", "SUFFIX_ERROR", "QuantityError", "parse_quantity"]

FORMAT_ERROR: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_ERROR: Final = "unable to parse quantity's suffix"

_SHAPE = re.compile(r"([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)")
_EXPONENT = re.compile(r"[eE]([-+]?[0-9]+)")
_SUFFIXES: Final = {
    "": Decimal(1),
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip


class QuantityError(ValueError):
    """The text kube's parser fails with."""


def parse_quantity(value: Any) -> Decimal:
    """The exact value of a quantity (a JSON string, or a number as ``UnmarshalJSON`` takes)."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(FORMAT_ERROR)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    match = _SHAPE.fullmatch(str(value))
    if match is None or match.group(1).count(".") > 1 or match.group(1) in ("+", "-", "."):
        raise QuantityError(FORMAT_ERROR)
    number, suffix = match.groups()
    if suffix in _SUFFIXES:
        scale = _SUFFIXES[suffix]
    elif (exponent := _EXPONENT.fullmatch(suffix)) is not None:
        scale = Decimal(10) ** int(exponent.group(1))
    else:
        raise QuantityError(SUFFIX_ERROR)
    try:
        return Decimal(number) * scale
    except InvalidOperation:
        raise QuantityError(FORMAT_ERROR) from None
