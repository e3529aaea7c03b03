"""Field paths and the ``fieldsV1`` wire form of field sets (``metadata.managedFields``).

A path is a tuple of encoded elements, exactly the keys of the ``fieldsV1`` trie: ``f:<field>``
for a map field, ``k:{"<key>":<value>}`` for an associative list item, ``v:<json>`` for a set
item, ``i:<index>`` for a list position. So a field set is a plain Python ``set`` of tuples, and
the trie is only built when entries are read or written (``.`` marks a path that is a member
and also has members below it). ``path_string`` is ``fieldpath.Path.String()``, the text of
apply conflicts (``.spec.containers[name="app"].image``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "MEMBER",
    "Path",
    "element_string",
    "from_fields_v1",
    "path_string",
    "to_fields_v1",
    "to_json",
    "trie",
]

Path = tuple[str, ...]
MEMBER = "."
_RANK = {"f": 0, "k": 1, "v": 2, "i": 3}


def to_json(value: Any) -> str:
    """Compact JSON with sorted keys: the text of ``k:`` and ``v:`` elements."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def trie(paths: Iterable[Path]) -> dict[str, Any]:
    """Paths as nested dicts; a ``MEMBER`` key marks a path of the set."""
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for element in path:
            node = node.setdefault(element, {})
        node[MEMBER] = {}
    return root


# -- fieldsV1 -------------------------------------------------------------------------------------
def _sort_key(element: str) -> tuple[int, str]:
    return (_RANK.get(element[:1], 9), element)


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` trie: ``{}`` for a member leaf, ``".": {}`` for a member with
    children, sorted as structured-merge-diff writes it."""
    return _render(trie(paths))


def _render(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    children = [k for k in node if k != MEMBER]
    if MEMBER in node and children:
        out[MEMBER] = {}
    for element in sorted(children, key=_sort_key):
        out[element] = _render(node[element])
    return out


def from_fields_v1(fields: Any) -> set[Path]:
    """Decode a ``fieldsV1`` trie; ``ValueError`` when it is malformed."""
    if not isinstance(fields, dict):
        raise ValueError("fieldsV1 must be an object")
    out: set[Path] = set()
    _decode(fields, (), out)
    return out


def _decode(node: dict[str, Any], path: Path, out: set[Path]) -> None:
    for key, child in node.items():
        if not isinstance(child, dict):
            raise ValueError(f"expected an object at {key!r}")
        if key == MEMBER:
            if not path:
                raise ValueError('"." at the root')
            out.add(path)
            continue
        element = _canonical(key)
        child_path = (*path, element)
        if not child:
            out.add(child_path)
        else:
            _decode(child, child_path, out)


def _canonical(key: str) -> str:
    prefix, sep, rest = key.partition(":")
    if not sep or prefix not in _RANK:
        raise ValueError(f"unknown path element {key!r}")
    if prefix in ("k", "v"):
        try:
            value = json.loads(rest)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid path element {key!r}: {exc}") from None
        if prefix == "k" and not isinstance(value, dict):
            raise ValueError(f"invalid key {key!r}")
        return f"{prefix}:{to_json(value)}"
    if prefix == "i" and not rest.isdigit():
        raise ValueError(f"invalid index {key!r}")
    return key


# -- text -----------------------------------------------------------------------------------------
def _value_string(value: Any) -> str:
    """``value.ToString``: strings quoted, other scalars as JSON."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return to_json(value)


def element_string(element: str) -> str:
    prefix, rest = element[0], element[2:]
    if prefix == "f":
        return "." + rest
    if prefix == "k":
        keys = json.loads(rest)
        return "[" + ",".join(f"{k}={_value_string(v)}" for k, v in keys.items()) + "]"
    if prefix == "v":
        return f"[={_value_string(json.loads(rest))}]"
    return f"[{rest}]"


def path_string(path: Path) -> str:
    """``fieldpath.Path.String()``: ``.spec.containers[name="app"].image``."""
    return "".join(element_string(e) for e in path)
