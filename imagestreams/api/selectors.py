"""Label and field selectors: the ``labelSelector`` / ``fieldSelector`` query parameters and
``metav1.LabelSelector`` objects, parsed and matched as apimachinery's ``labels`` and ``fields``
packages do.

Clients (kubectl, client-go, oc) depend on the exact grammar, including its oddities: ``x in ()``
means "x is the empty string", ``a=`` is an exact match on the empty value, results are sorted by
key, and error texts such as ``unable to parse requirement: <nil>: Invalid value: ...`` are shown
to users verbatim. This module sits in the ``api`` layer, below ``errors``; a parse failure raises
``SelectorError`` whose ``str()`` is the message kube-apiserver puts in its 400 ``BadRequest``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from imagestreams.api import content
from imagestreams.api.fieldselectors import (
    FieldRequirement,
    FieldSelector,
    SelectorError,
    parse_field_selector,
)

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "label_selector_from_dict",
    "parse_field_selector",
    "parse_label_selector",
]

# selection.Operator values
EXISTS, DOES_NOT_EXIST, EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "exists", "!", "=", "==", "!="
IN, NOT_IN, GREATER_THAN, LESS_THAN = "in", "notin", "gt", "lt"
_BINARY_OPERATORS = ("in", "notin", "=", "==", "!=", "gt", "lt")


# -- label requirements ---------------------------------------------------------------------------
def _quote(value: Any) -> str:
    """Go's ``%q`` for a string and ``%#v`` for a ``[]string`` (Kubernetes 1.32 error bodies)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "}"


def _invalid(path: str, value: Any, detail: str) -> str:
    """``field.Invalid(...).Error()`` (``path`` is ``<nil>`` where Go passes a nil path)."""
    return f"{path}: Invalid value: {_quote(value)}: {detail}"


def _aggregate(msgs: Sequence[str]) -> str:
    unique = list(dict.fromkeys(msgs))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _key_error(key: str, path: str) -> str | None:
    errs = content.is_qualified_name(key)
    return _invalid(path, key, "; ".join(errs)) if errs else None


def _new_requirement(key: str, op: str, values: list[str] | None) -> Requirement:
    """``labels.NewRequirement``: validate and build, or raise with the aggregated errors."""
    errs: list[str] = []
    if (err := _key_error(key, "key")) is not None:
        errs.append(err)
    vals = values or []
    if op in (IN, NOT_IN):
        if not vals:
            errs.append(
                _invalid("values", values, "for 'in', 'notin' operators, values set can't be empty")
            )
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(vals) != 1:
            errs.append(
                _invalid("values", values, "exact-match compatibility requires one single value")
            )
    elif op in (EXISTS, DOES_NOT_EXIST):
        if vals:
            errs.append(
                _invalid("values", values, "values set must be empty for exists and does not exist")
            )
    elif op in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errs.append(
                _invalid(
                    "values", values, "for 'Gt', 'Lt' operators, exactly one value is required"
                )
            )
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                errs.append(
                    _invalid(
                        f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                )
    else:
        supported = ", ".join(json.dumps(o) for o in (*_BINARY_OPERATORS, EXISTS, DOES_NOT_EXIST))
        errs.append(f"operator: Unsupported value: {_quote(op)}: supported values: {supported}")
    for i, v in enumerate(vals):
        if msgs := content.is_valid_label_value(v):
            errs.append(_invalid(f"values[{i}][{key}]", v, "; ".join(msgs)))
    if errs:
        raise SelectorError(_aggregate(errs))
    return Requirement(key, op, tuple(vals))


def _parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(s, 10, 64)``: optional sign, decimal digits, no spaces or ``_``."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``key op values`` term of a label selector."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op, present = self.operator, self.key in labels
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if op == EXISTS:
            return present
        if op == DOES_NOT_EXIST:
            return not present
        if op in (GREATER_THAN, LESS_THAN) and present and len(self.values) == 1:
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        if op in (EXISTS, DOES_NOT_EXIST):
            return ("!" if op == DOES_NOT_EXIST else "") + self.key
        sym = {IN: " in ", NOT_IN: " notin ", GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        vals = ",".join(sorted(self.values))
        return f"{self.key}{sym}({vals})" if op in (IN, NOT_IN) else f"{self.key}{sym}{vals}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """An AND of requirements, sorted by key; ``nothing`` matches no object at all."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when the selector restricts nothing (``Everything()``)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.nothing:
            return False
        return all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, label: str) -> str | None:
        """The value ``label`` must have (``=``, ``==`` or one-value ``in``), else None."""
        for r in self.requirements:
            if r.key == label:
                ok = r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1
                return r.values[0] if ok else None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _sorted(reqs: Iterable[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


# -- label selector lexer and parser (labels.Parse) ------------------------------------------
_ERROR, _END, _IDENT = "error", "end", "ident"
_TOKENS = {")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", "in": "in",
           "<": "<", "!=": "!=", "notin": "notin", "(": "("}  # fmt: skip
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(text: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    pos, n = 0, len(text)

    def at(i: int) -> str:
        return text[i] if i < n and text[i] != "\x00" else ""  # Go's lexer stops at a NUL byte

    while True:
        while at(pos) and at(pos) in _WHITESPACE:
            pos += 1
        ch = at(pos)
        if not ch:
            items.append((_END, ""))
            return items
        if ch in _SPECIAL:
            buf, last = "", ("", "")
            while (c := at(pos)) and c in _SPECIAL:
                if (buf + c) in _TOKENS:
                    buf += c
                    last = (_TOKENS[buf], buf)
                    pos += 1
                elif last[0]:
                    break
                else:
                    buf += c
                    pos += 1
            items.append(last if last[0] else (_ERROR, f"error expected: keyword found '{buf}'"))
            continue
        start = pos
        while (c := at(pos)) and c not in _SPECIAL and c not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((_TOKENS[word], word) if word in ("in", "notin") else (_IDENT, word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.pos]
        return (_IDENT, lit) if values and tok in (IN, NOT_IN) else (tok, lit)

    def take(self, values: bool = True) -> tuple[str, str]:
        item = self.peek(values)
        self.pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok == _END:
                return reqs
            if tok not in (_IDENT, "!"):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except SelectorError as exc:
                raise SelectorError(f"unable to parse requirement: {exc}") from None
            tok, lit = self.take()
            if tok == _END:
                return reqs
            if tok != ",":
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok2, lit2 = self.peek()
            if tok2 not in (_IDENT, "!"):
                raise SelectorError(f"found '{lit2}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        op = ""
        tok, lit = self.take()
        if tok == "!":
            op = DOES_NOT_EXIST
            tok, lit = self.take()
        if tok != _IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        if (err := _key_error(lit, "<nil>")) is not None:
            raise SelectorError(err)
        key = lit
        if op == DOES_NOT_EXIST or self.peek()[0] in (_END, ","):
            # ``!key`` never takes an operator: ``!a=b`` fails later at the ``=``.
            return _new_requirement(key, op or EXISTS, [])
        tok, lit = self.take(values=False)
        ops = {IN: IN, NOT_IN: NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS, "!=": NOT_EQUALS,
               ">": GREATER_THAN, "<": LESS_THAN}  # fmt: skip
        if tok not in ops:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        binop = ops[tok]
        values = self.set_values() if binop in (IN, NOT_IN) else self.exact_value()
        return _new_requirement(key, binop, sorted(values))

    def set_values(self) -> set[str]:
        tok, lit = self.take()
        if tok != "(":
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok == ")":
            self.take()
            return {""}
        if tok not in (_IDENT, ","):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] != ")":
            raise SelectorError(f"found '{lit}', expected: ')'")
        return values

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.take()
            if tok == _IDENT:
                values.add(lit)
                tok2, lit2 = self.peek()
                if tok2 == ")":
                    return values
                if tok2 != ",":
                    raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            elif tok == ",":
                if not values:
                    values.add("")
                if self.peek()[0] in (")", ","):
                    values.add("")
                    if self.peek()[0] == ")":
                        return values
            else:
                raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (_END, ","):
            return {""}
        tok, lit = self.take()
        if tok == _IDENT:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """``labels.Parse``: the ``labelSelector`` query parameter; ``""`` selects everything."""
    return _sorted(_Parser(text).parse())


def label_selector_from_dict(sel: Mapping[str, Any] | None) -> LabelSelector:
    """``metav1.LabelSelectorAsSelector``: None selects nothing, ``{}`` everything."""
    if sel is None:
        return LabelSelector(nothing=True)
    match_labels: Mapping[str, str] = sel.get("matchLabels") or {}
    exprs: Sequence[Mapping[str, Any]] = sel.get("matchExpressions") or []
    reqs = [_new_requirement(k, EQUALS, [v]) for k, v in match_labels.items()]
    ops = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}
    for expr in exprs:
        operator = expr.get("operator", "")
        if operator not in ops:
            raise SelectorError(f"{_quote(operator)} is not a valid label selector operator")
        values = expr.get("values")
        reqs.append(
            _new_requirement(expr.get("key", ""), ops[operator], list(values) if values else None)
        )
    return _sorted(reqs)
