"""The list machinery of strategic merge patch: Go-compatible errors, element types, and the
ordering rules (``normalizeElementOrder``, ``mergeSortedSlice``) that decide where merged items
end up.

Split from ``rest.strategicpatch`` because order is the subtle part: kubectl's ``apply`` sends
``$setElementOrder`` lists and expects the server to place patched items in that order while
keeping server-only items where they were, exactly as apimachinery's ``strategicpatch`` does.
"""

from __future__ import annotations

from typing import Any, Literal

from imagestreams.rest import gofmt

__all__ = [
    "BAD_ORDER_LIST",
    "BAD_PRIMITIVE_LIST",
    "BAD_RETAIN_KEYS",
    "MAP",
    "NO_LIST_OF_LISTS",
    "PANIC",
    "SLICE",
    "ErrorKind",
    "SmpError",
    "bad_arg_type",
    "bad_patch_type",
    "element_kind",
    "find",
    "no_merge_key",
    "normalize_order",
    "partition",
]

ErrorKind = Literal["bad_request", "unprocessable", "internal"]
MAP, SLICE = "map[string]interface {}", "[]interface {}"
PANIC = "This request caused apiserver to panic. Look in the logs for details."
_PATCH = "$patch"


class SmpError(Exception):
    """A strategic-merge failure; ``kind`` says how kube-apiserver reports it."""

    def __init__(self, message: str, kind: ErrorKind = "internal") -> None:
        super().__init__(message)
        self.message = message
        self.kind: ErrorKind = kind


BAD_PRIMITIVE_LIST = SmpError("invalid patch format of primitive list", "bad_request")
BAD_RETAIN_KEYS = SmpError("invalid patch format of retainKeys", "bad_request")
BAD_ORDER_LIST = SmpError("invalid patch format of setElementOrder list", "bad_request")
NO_LIST_OF_LISTS = SmpError("lists of lists are not supported", "unprocessable")


def no_merge_key(m: dict[str, Any], key: str) -> SmpError:
    return SmpError(f"map: {gofmt.value(m)} does not contain declared merge key: {key}")


def bad_arg_type(expected: str, actual: Any) -> SmpError:
    return SmpError(f"expected a {expected}, but received a {gofmt.type_name(actual, '%s')}")


def bad_patch_type(directive: Any, m: dict[str, Any]) -> SmpError:
    return SmpError(f"unknown patch type: {gofmt.verb_s(directive)} in map: {gofmt.value(m)}")


MAP, SLICE = "map[string]interface {}", "[]interface {}"
_PANIC = "This request caused apiserver to panic. Look in the logs for details."


def element_kind(*lists: list[Any] | None) -> str:
    """``sliceElementType``: the one Go type of all elements, else an error."""
    kind = ""
    for items in lists:
        for item in items or []:
            if item is None and not kind:
                # reflect.TypeOf(nil).Kind() panics in Go; the apiserver answers a bare 500.
                raise SmpError(PANIC)
            current = gofmt.type_name(item)
            if not kind:
                kind = current
                if kind == SLICE:
                    raise NO_LIST_OF_LISTS
            elif current != kind:
                rendered = gofmt.value([list(x or []) for x in lists])
                raise SmpError(f"list element types are not identical: {rendered}")
    if not kind:
        raise SmpError("no elements in any of the given slices")
    return kind


# -- ordering (normalizeElementOrder and friends) -------------------------------------------------
class _Order:
    """Positions in a reference list, compared with Go's ``==`` on the merge key or the item."""

    def __init__(self, items: list[Any] | None, merge_key: str, kind: str) -> None:
        self.merge_key, self.kind = merge_key, kind
        self.positions: dict[Any, int] = {}
        for i, item in enumerate(items or []):
            self.positions.setdefault(self.key(item), i)

    def key(self, item: Any) -> Any:
        if self.kind == MAP:
            item = item.get(self.merge_key) if isinstance(item, dict) else None
        return gofmt.eq_key(item)

    def index(self, item: Any) -> int:
        return self.positions.get(self.key(item), -1)


def _stable_sort(items: list[Any], order: _Order) -> list[Any]:
    idx = [order.index(item) for item in items]
    if all(i >= 0 for i in idx):
        return [item for _, item in sorted(zip(idx, items, strict=True), key=lambda p: p[0])]
    # Go's less() answers "true" for unknown items; replay its insertion sort to match.
    pairs = list(zip(idx, items, strict=True))
    for i in range(1, len(pairs)):
        j = i
        while j > 0 and (
            pairs[j][0] < pairs[j - 1][0] if min(pairs[j][0], pairs[j - 1][0]) >= 0 else True
        ):
            pairs[j], pairs[j - 1] = pairs[j - 1], pairs[j]
            j -= 1
    return [item for _, item in pairs]


def _normalize_slice(
    items: list[Any], order: list[Any] | None, merge_key: str, kind: str
) -> list[Any]:
    to_delete: list[Any] = []
    if kind == MAP:
        for item in [*items, *(order or [])]:
            if not isinstance(item, dict):
                raise bad_arg_type(MAP, item)
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
        to_delete = [i for i in items if i.get(_PATCH) == "delete"]
        items = [i for i in items if i.get(_PATCH) != "delete"]
    return _stable_sort(items, _Order(order, merge_key, kind)) + to_delete


def normalize_order(
    patch_items: list[Any], server_only: list[Any], patch_order: list[Any] | None,
    server_order: list[Any] | None, merge_key: str, kind: str,
) -> list[Any]:  # fmt: skip
    right = _normalize_slice(patch_items, patch_order, merge_key, kind)
    left = _normalize_slice(server_only, server_order, merge_key, kind)
    order, out, i, j = _Order(server_order, merge_key, kind), [], 0, 0
    while i < len(left) or j < len(right):
        if j >= len(right) or (i < len(left) and 0 <= order.index(left[i]) < order.index(right[j])):
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out


def partition(
    merged: list[Any], by: list[Any] | None, merge_key: str
) -> tuple[list[Any], list[Any]]:
    """Split ``merged`` into items present in ``by`` and the rest (server-only)."""
    inside: list[Any] = []
    outside: list[Any] = []
    if not merge_key:
        present = {gofmt.eq_key(v) for v in by or []}
        for item in merged:
            (inside if gofmt.eq_key(item) in present else outside).append(item)
        return inside, outside
    for item in merged:
        if not isinstance(item, dict):
            raise bad_arg_type(MAP, item)
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        found = find(by or [], merge_key, item[merge_key]) >= 0
        (inside if found else outside).append(item)
    return inside, outside


def find(items: list[Any], key: str, value: Any) -> int:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SmpError(f"value for key {i} is not a map")
        if key in item and gofmt.eq_key(item[key]) == gofmt.eq_key(value):
            return i
    return -1
