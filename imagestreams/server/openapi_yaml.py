"""YAML text of JSON values, laid out the way go-yaml v3 marshals them, for gnostic ``Any``.

gnostic keeps every free-form value of an OpenAPI v2 document (``default``, ``enum``,
``example`` and all ``x-*`` vendor extensions such as ``x-kubernetes-group-version-kind``) as an
``Any`` message whose ``yaml`` field is the value re-marshalled by go-yaml v3 (``compiler.Marshal``:
the node parsed from the JSON document, styles cleared). kubectl reads those strings back with a
YAML parser, so what matters first is that they parse to the same value; beyond that we follow
go-yaml's presentation so our bytes match kube-apiserver's for the values Kubernetes documents
carry:

* block mappings and sequences, four-space indentation, a mapping inside a sequence item starting
  on the dash's line (``- group: ""`` then ``  kind: Pod``); empty collections as ``{}``/``[]``;
* a string that would read back as something else (``""``, ``true``, ``1``, ``null``,
  ``2024-01-02``) is double-quoted; one the plain style cannot carry (leading ``*``, ``: ``,
  trailing space) is single-quoted, or double-quoted with escapes when it holds characters a
  single-quoted scalar cannot; a multi-line string is a literal block (``|-``);
* numbers, booleans and null keep their JSON spelling.

Not reproduced: go-yaml folds long scalars at column 80 and writes keys over 128 characters as
complex keys (``? key``). Both only change layout; the text still parses to the same value.
"""

from __future__ import annotations

import re

import msgspec

__all__ = ["yaml_text"]

_BEST_INDENT = 4
_BOOLS = ("true", "True", "TRUE", "false", "False", "FALSE")
_NULLS = ("~", "null", "Null", "NULL")
_INFINITIES = tuple(sign + word for sign in ("", "+", "-") for word in (".inf", ".Inf", ".INF"))
_BOOL_NULL = frozenset((*_BOOLS, *_NULLS, *_INFINITIES, ".nan", ".NaN", ".NAN", "<<"))
"""Plain scalars go-yaml resolves by table lookup to a bool, null, float or merge key."""
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)", re.ASCII)
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2}))"
    r"|( [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?))?",
    re.ASCII,
)
_BREAKS = frozenset("\r\n\x85\u2028\u2029")
_ESCAPES = {
    "\x00": "0",
    "\x07": "a",
    "\x08": "b",
    "\t": "t",
    "\n": "n",
    "\x0b": "v",
    "\x0c": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\u2028": "L",
    "\u2029": "P",
}


def yaml_text(value: object) -> str:
    """The YAML go-yaml v3 writes for a JSON value, ending in a newline."""
    if isinstance(value, dict) and value:
        return _mapping(value, 0)
    if isinstance(value, list) and value:
        return _sequence(value, 0)
    if isinstance(value, str) and _style(value, key=False) == "literal":
        return _literal(value, _BEST_INDENT)
    return _inline(value, key=False) + "\n"


def _next_indent(indent: int) -> int:
    return _BEST_INDENT * ((indent + _BEST_INDENT) // _BEST_INDENT)


def _mapping(mapping: dict[str, object], indent: int, first_inline: bool = False) -> str:
    lines: list[str] = []
    for index, (name, item) in enumerate(mapping.items()):
        pad = "" if first_inline and index == 0 else " " * indent
        head = f"{pad}{_inline(name, key=True)}:"
        lines.append(head + _value_after_key(item, indent))
    return "".join(lines)


def _value_after_key(item: object, indent: int) -> str:
    if isinstance(item, dict) and item:
        return "\n" + _mapping(item, _next_indent(indent))
    if isinstance(item, list) and item:
        return "\n" + _sequence(item, _next_indent(indent))
    if isinstance(item, str) and _style(item, key=False) == "literal":
        return " " + _literal(item, _next_indent(indent))
    return " " + _inline(item, key=False) + "\n"


def _sequence(items: list[object], indent: int, first_inline: bool = False) -> str:
    out: list[str] = []
    for index, item in enumerate(items):
        pad = "" if first_inline and index == 0 else " " * indent
        if isinstance(item, dict) and item:
            out.append(f"{pad}- " + _mapping(item, indent + 2, first_inline=True))
        elif isinstance(item, list) and item:
            out.append(f"{pad}- " + _sequence(item, indent + 2, first_inline=True))
        elif isinstance(item, str) and _style(item, key=False) == "literal":
            out.append(f"{pad}- " + _literal(item, indent + 2))
        else:
            out.append(f"{pad}- {_inline(item, key=False)}\n")
    return "".join(out)


def _inline(value: object, *, key: bool) -> str:
    """A scalar (or an empty collection) on one line."""
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if not isinstance(value, str):
        return msgspec.json.encode(value).decode()
    style = _style(value, key=key)
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


def _resolves_to_string(text: str) -> bool:
    """Whether go-yaml reads ``text`` as a plain scalar back as a string."""
    if text in _BOOL_NULL or text == "":
        return False
    head = text[0]
    if head == ".":
        return _FLOAT.fullmatch(text) is None
    if head.isascii() and (head.isdigit() or head in "+-"):
        if _TIMESTAMP.fullmatch(text):
            return False
        plain = text.replace("_", "")
        if _INT.fullmatch(plain) or _FLOAT.fullmatch(plain):
            return False
    return True


def _printable(char: str) -> bool:
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _style(text: str, *, key: bool) -> str:
    """``plain``, ``single``, ``double`` or ``literal``, chosen as go-yaml's emitter does."""
    if "\n" in text:
        requested = "literal"
    elif not _resolves_to_string(text):
        requested = "double"
    else:
        requested = "plain"
    plain_ok, single_ok, block_ok, multiline = _analyze(text)
    if key and multiline:
        return "double"
    if requested == "plain" and not plain_ok:
        requested = "single"
    if requested == "single" and not single_ok:
        requested = "double"
    if requested == "literal" and (not block_ok or key):
        requested = "double"
    return requested


def _analyze(text: str) -> tuple[bool, bool, bool, bool]:
    """(block plain allowed, single quotes allowed, block scalar allowed, multi-line)."""
    indicators = text.startswith(("---", "..."))
    line_breaks = special = tabs = False
    leading = trailing_space = trailing_break = break_space = space_break = False
    previous_space = previous_break = False
    preceded_by_blank = True
    for index, char in enumerate(text):
        followed_by_blank = index + 1 >= len(text) or text[index + 1] in " \t"
        if index == 0:
            if char in "#,[]{}&*!|>'\"%@`" or (char in "?:-" and followed_by_blank):
                indicators = True
        elif (char == ":" and followed_by_blank) or (char == "#" and preceded_by_blank):
            indicators = True
        if char == "\t":
            tabs = True
        elif not _printable(char):
            special = True
        if char == " ":
            leading = leading or index == 0
            trailing_space = index == len(text) - 1
            break_space = break_space or previous_break
            previous_space, previous_break = True, False
        elif char in _BREAKS:
            line_breaks = True
            leading = leading or index == 0
            trailing_break = index == len(text) - 1
            space_break = space_break or previous_space
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_by_blank = char in " \t\x00" or char in _BREAKS
    plain = not (leading or trailing_space or trailing_break or line_breaks or indicators or tabs)
    plain = plain and not (break_space or space_break or special)
    single = not (break_space or space_break or tabs or special)
    block = not (trailing_space or space_break or special)
    return plain, single, block, line_breaks


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if not _printable(char) or char == "\ufeff" or char in _BREAKS or char in '"\\':
            code = ord(char)
            if char in _ESCAPES:
                out.append("\\" + _ESCAPES[char])
            elif code <= 0xFF:
                out.append(f"\\x{code:02X}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04X}")
            else:
                out.append(f"\\U{code:08X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _literal(text: str, indent: int) -> str:
    """A literal block scalar (``|``) whose lines sit at ``indent``."""
    hints = str(_BEST_INDENT) if text[0] in " \n" else ""
    if not text.endswith("\n"):
        hints += "-"
    elif text == "\n" or text.endswith("\n\n"):
        hints += "+"
    body = text[:-1] if text.endswith("\n") else text
    lines = [(" " * indent + line) if line else "" for line in body.split("\n")]
    return f"|{hints}\n" + "\n".join(lines) + "\n"
