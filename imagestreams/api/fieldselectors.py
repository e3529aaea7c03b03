"""Field selectors (the ``fieldSelector`` query parameter), parsed and matched as apimachinery's
``fields.ParseSelector`` does.

The grammar is deliberately tiny: comma-separated ``field=value``, ``field==value`` or
``field!=value`` terms, ANDed, with ``\\``, ``,`` and ``=`` escaped by a backslash in values. Which
field names are allowed is a per-kind decision of the REST layer (``.requirements`` and
``.transform`` exist for that); a name it does not know is answered with
``field label not supported: <name>``. ``SelectorError`` lives here so that both selector modules
share it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "EQUALS",
    "NOT_EQUALS",
    "FieldRequirement",
    "FieldSelector",
    "SelectorError",
    "parse_field_selector",
]

EQUALS, NOT_EQUALS = "=", "!="


class SelectorError(ValueError):
    """A selector that does not parse; ``str(exc)`` is kube-apiserver's 400 message."""


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """``field op value`` with ``op`` one of ``=`` and ``!=`` (``==`` is stored as ``=``)."""

    field: str
    operator: str
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.field, "")
        return have == self.value if self.operator == EQUALS else have != self.value

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
        return f"{self.field}{self.operator}{escaped}"


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """An AND of field requirements; a missing field reads as ``""``."""

    requirements: tuple[FieldRequirement, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self.requirements)

    def requires_exact_match(self, field: str) -> str | None:
        for r in self.requirements:
            if r.field == field and r.operator == EQUALS:
                return r.value
        return None

    def transform(self, fn: Callable[[str, str], tuple[str, str]]) -> FieldSelector:
        """Map every (field, value) through ``fn`` (which may raise); ``("", "")`` drops a term."""
        out = []
        for r in self.requirements:
            field, value = fn(r.field, r.value)
            if field or value:
                out.append(FieldRequirement(field, r.operator, value))
        return FieldSelector(tuple(out))

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _split_terms(text: str) -> list[str]:
    terms, start, in_slash = [], 0, False
    for i, c in enumerate(text):
        if in_slash:
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value: str) -> str:
    out, in_slash = [], False
    for c in value:
        if in_slash:
            if c not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{c}")
            out.append(c)
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c in ",=":
            # Go prints the rune with %v, i.e. as its code point number.
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str) -> FieldSelector:
    """``fields.ParseSelector``: ``a=b,c!=d`` with ``\\``-escaped ``\\ , =`` in values."""
    reqs = []
    for part in sorted(_split_terms(text)) if text else []:
        if not part:
            continue
        for i in range(len(part)):
            op = next((o for o in ("!=", "==", "=") if part.startswith(o, i)), None)
            if op is not None:
                lhs, rhs = part[:i], part[i + len(op) :]
                reqs.append(
                    FieldRequirement(lhs, NOT_EQUALS if op == "!=" else EQUALS, _unescape(rhs))
                )
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
    return FieldSelector(tuple(reqs))
