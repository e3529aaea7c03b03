"""RFC 6902 JSON patch with the semantics of ``gopkg.in/evanphx/json-patch.v4``, the library
kube-apiserver applies ``application/json-patch+json`` with.

The Python ``jsonpatch`` package follows the RFC more strictly, and clients notice the difference,
so this module reproduces the Go library's behaviour instead:

- ``replace`` of a missing object member succeeds and adds it;
- ``copy``/``move``/``test`` read a missing object member as ``null``;
- negative array indices count from the end (``SupportNegativeIndices``);
- ``add`` with the root path ``""`` fails, ``replace`` at ``""`` swaps the whole document;
- a path without a leading ``/`` is cut at its first ``/`` like any other (``a/b`` acts as ``/b``);
- ``test`` compares numbers by their JSON text, so ``1`` does not equal ``1.0``.

Every failure raises ``OperationFailed``; kube-apiserver reports them all with one 422 message,
so the reason is for logs only.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import msgspec

__all__ = ["OperationFailed", "apply"]

_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = 2**63


class OperationFailed(Exception):
    """An operation that does not apply (the library's error text)."""


def _decode_key(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _atoi(key: str) -> int:
    if not _INT.fullmatch(key) or not -_INT64 <= int(key) < _INT64:
        raise OperationFailed(f'strconv.Atoi: parsing "{key}": invalid syntax')
    return int(key)


def _index(items: list[Any], key: str, size: int) -> int:
    """Resolve ``key`` against a list of ``size`` slots, allowing negative indices."""
    idx = _atoi(key)
    if idx >= size or idx < -size:
        raise OperationFailed(f"Unable to access invalid index: {idx}: invalid index referenced")
    return idx + size if idx < 0 else idx


def _get(container: Any, key: str) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    return container[_index(container, key, len(container))]


def _find(doc: Any, path: str) -> tuple[Any, str]:
    """``findObject``: the container holding the last token of ``path``, and that token."""
    tokens = path.split("/")
    if len(tokens) < 2:
        raise OperationFailed(f'doc is missing path: "{path}": missing value')
    current = doc
    for token in tokens[1:-1]:
        try:
            nxt = _get(current, _decode_key(token))
        except OperationFailed:
            nxt = None
        if not isinstance(nxt, dict | list):
            raise OperationFailed(f'doc is missing path: "{path}": missing value')
        current = nxt
    return current, _decode_key(tokens[-1])


def _add(container: Any, key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    elif key == "-":
        container.append(value)
    else:
        container.insert(_index(container, key, len(container) + 1), value)


def _remove(container: Any, key: str) -> None:
    if isinstance(container, dict):
        if key not in container:
            raise OperationFailed(f"Unable to remove nonexistent key: {key}: missing value")
        del container[key]
    else:
        del container[_index(container, key, len(container))]


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_equal, a, b))
    return type(a) is type(b) and a == b


def _str_field(op: dict[str, Any], name: str) -> str:
    value = op.get(name)
    if not isinstance(value, str):
        raise OperationFailed(f"operation missing {name} field: missing value")
    return value


class CopyBudget:
    """json-patch's ``AccumulatedCopySizeLimit``: copies may add at most ``limit`` bytes in
    all, or a few dozen doubling copies would build gigabytes from a 1 KiB patch."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.limit and self.used > self.limit:
            raise CopyLimitExceeded(
                "Unable to complete the copy, the accumulated size increase of copy is "
                f"{self.used}, exceeding the limit {self.limit}"
            )


class CopyLimitExceeded(Exception):
    """The patch's copies passed the budget (kube answers 413)."""


def _apply_one(doc: Any, op: dict[str, Any], budget: CopyBudget) -> Any:
    kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
    value = copy.deepcopy(op.get("value"))
    has_value = op.get("value") is not None
    if kind == "add":
        container, key = _find(doc, _str_field(op, "path"))
        _add(container, key, value)
    elif kind == "remove":
        container, key = _find(doc, _str_field(op, "path"))
        _remove(container, key)
    elif kind == "replace":
        path = _str_field(op, "path")
        if path == "":
            if not isinstance(value, dict | list):
                raise OperationFailed("replace operation value must be object or array")
            return value
        container, key = _find(doc, path)
        if isinstance(container, dict):
            container[key] = value
        else:
            container[_index(container, key, len(container))] = value
    elif kind in ("move", "copy"):
        container, key = _find(doc, _str_field(op, "from"))
        moved = _get(container, key)
        if kind == "move":
            _remove(container, key)
        else:
            budget.spend(len(msgspec.json.encode(moved)))
            moved = copy.deepcopy(moved)
        target, target_key = _find(doc, _str_field(op, "path"))
        _add(target, target_key, moved)
    elif kind == "test":
        path = _str_field(op, "path")
        if path == "":
            if not has_value or not _equal(doc, value):
                raise OperationFailed("testing value  failed: test failed")
            return doc
        container, key = _find(doc, path)
        current = _get(container, key)
        mismatch = has_value if current is None else not _equal(current, value)
        if mismatch:
            raise OperationFailed(f"testing value {path} failed: test failed")
    else:
        raise OperationFailed(f"Unexpected kind: {kind}")
    return doc


def apply(doc: Any, ops: list[Any], *, copy_limit: int = 0) -> Any:
    """Apply ``ops`` in order to ``doc`` (mutated in place; the result may be a new root);
    ``copy_limit`` bounds the bytes all ``copy`` operations may add (0: no bound)."""
    budget = CopyBudget(copy_limit)
    for op in ops:
        doc = _apply_one(doc, op if isinstance(op, dict) else {}, budget)
    return doc
