"""How Go prints and compares decoded JSON values (``interface{}``), for error texts and merges
that must match kube-apiserver's.

Kubernetes' patch code works on ``map[string]interface{}`` trees and builds some of its error
messages with ``%v`` (``map: map[image:nginx] does not contain declared merge key: name``) and
``reflect.TypeOf``. It also compares list items with Go's ``==``, where ``1`` (int64) and ``1.0``
(float64) differ and ``true`` is not ``1``. Python's ``==`` disagrees on both, hence ``eq_key``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["eq_key", "float_v", "type_name", "value", "verb_s"]


def type_name(v: Any, verb: str = "%v") -> str:
    """``reflect.TypeOf(v)`` printed with ``verb`` (a nil type prints as ``<nil>``)."""
    if v is None:
        return "%!s(<nil>)" if verb == "%s" else "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    return type(v).__name__


def float_v(f: float) -> str:
    """``%v`` of a float64: shortest digits, exponent form below 1e-4 or from 1e6 up."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    sign, digits, exponent = Decimal(repr(f)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    exp = len(text) + exponent - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return neg + format(Decimal(repr(abs(f))).normalize(), "f")


def value(v: Any) -> str:
    """``fmt.Sprintf("%v", v)`` for a decoded JSON value."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return float_v(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{value(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(value(x) for x in v) + "]"
    return str(v)


def verb_s(v: Any) -> str:
    """``%s`` of a decoded JSON value: strings plain, other scalars as ``%!s(type=v)``."""
    if isinstance(v, str):
        return v
    if v is None:
        return "%!s(<nil>)"
    if isinstance(v, dict | list):
        return value(v)
    return f"%!s({type_name(v)}={value(v)})"


def eq_key(v: Any) -> tuple[str, Any]:
    """A hashable key such that ``eq_key(a) == eq_key(b)`` iff Go's ``a == b`` holds.

    Go panics when comparing maps or slices inside interfaces; we treat them as equal only to
    themselves.
    """
    if isinstance(v, dict | list):
        return ("ref", id(v))
    return (type_name(v), v)
