"""Strategic merge patch, applied the way apimachinery's ``strategicpatch.StrategicMergeMapPatch``
applies it (``IgnoreUnmatchedNulls`` and ``MergeParallelList`` on, as kube-apiserver sets them).

kubectl sends these for ``apply``, ``edit``, ``set image``, ``scale``, ``label``... and relies on
the details: lists tagged ``patchStrategy=merge`` merge by key (``api.patchmeta``), the directives
``$patch`` (``replace``/``delete``), ``$retainKeys``, ``$setElementOrder/<list>`` and
``$deleteFromPrimitiveList/<list>`` steer the merge, and results keep the element order the Go code
produces. The Go code's error values are reproduced as ``SmpError`` with a ``kind`` that
``rest.patch`` turns into 400, 422 or 500 exactly as ``interpretStrategicMergePatchError`` does.

compat: kube-apiserver decodes the result into a Go struct, which silently drops ``null`` fields
and leftover directive keys. We store JSON, so values taken from the patch are cleaned the same
way when they are inserted (``_clean``); values already stored are left alone.
"""

from __future__ import annotations

import copy
from typing import Any

from imagestreams.api import patchmeta
from imagestreams.rest import gofmt, smplists
from imagestreams.rest.smplists import SmpError

__all__ = ["SmpError", "strategic_merge"]

_PATCH, _RETAIN = "$patch", "$retainKeys"
_DELETE_PREFIX, _ORDER_PREFIX = "$deleteFromPrimitiveList", "$setElementOrder"


class _Schema:
    """Where we are in the object, to look up ``patchStrategy``/``patchMergeKey``."""

    __slots__ = ("kind_key", "path")

    def __init__(self, kind_key: tuple[str, str], path: str = "") -> None:
        self.kind_key, self.path = kind_key, path

    def child(self, name: str) -> _Schema:
        return _Schema(self.kind_key, f"{self.path}.{name}" if self.path else name)

    def meta(self, name: str) -> tuple[str, str]:
        """``(strategy without retainKeys, mergeKey)`` of field ``name``."""
        strategy, key = patchmeta.lookup(self.kind_key, self.child(name).path)
        parts = [s for s in strategy.split(",") if s and s != "retainKeys"]
        return (parts[0] if parts else ""), key


# -- value helpers --------------------------------------------------------------------------------
def _discard_nulls(value: Any) -> None:
    if isinstance(value, dict):
        for k in [k for k, v in value.items() if v is None]:
            del value[k]
        for v in value.values():
            _discard_nulls(v)
    elif isinstance(value, list):
        for v in value:
            _discard_nulls(v)


def _remove_directives(value: Any) -> tuple[Any, bool]:
    """Drop maps that carry ``$patch`` (and list items that are such maps)."""
    if isinstance(value, dict):
        if _PATCH in value:
            return None, False
        for k in list(value):
            value[k], keep = _remove_directives(value[k])
            if not keep:
                del value[k]
        return value, True
    if isinstance(value, list):
        out = []
        for item in value:
            new, keep = _remove_directives(item)
            if keep:
                out.append(new)
        return out, True
    return value, True


def _is_directive(key: str) -> bool:
    return key in (_PATCH, _RETAIN) or key.startswith((_ORDER_PREFIX + "/", _DELETE_PREFIX + "/"))


def _clean(value: Any) -> Any:
    """What a typed decode keeps of a patch value: no nulls in maps, no directive keys."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and not _is_directive(k)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _extract_key(key: str, prefix: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        raise smplists.BAD_PRIMITIVE_LIST if prefix == _DELETE_PREFIX else smplists.BAD_ORDER_LIST
    return rest


# -- merging ---------------------------------------------------------------------------------------
class _GoSlice:
    """A Go slice over a shared backing array, for the aliasing the Go code relies on.

    apimachinery deletes list items with ``append(s[:i], s[i+1:]...)`` and appends merged-in
    items to the same slice, both in place. The caller that handles ``$setElementOrder`` keeps the
    pre-merge slice header and later reads the original order through it, so it sees those
    writes; that decides where kubectl-apply puts a replaced container. ``view`` is what it sees.
    """

    def __init__(self, items: list[Any]) -> None:
        self.backing, self.visible, self.length = list(items), len(items), len(items)

    @property
    def items(self) -> list[Any]:
        return self.backing[: self.length]

    @property
    def view(self) -> list[Any]:
        return self.backing[: self.visible]

    def delete(self, at: int) -> None:
        self.backing[at : self.length - 1] = self.backing[at + 1 : self.length]
        self.length -= 1

    def append(self, item: Any) -> None:
        if self.length < len(self.backing):
            self.backing[self.length] = item
        else:
            self.backing.append(item)
        self.length += 1


def _merge_slice(
    original: list[Any], patch: list[Any], schema: _Schema, merge_key: str, is_delete_list: bool
) -> tuple[list[Any], list[Any]]:
    """``mergeSlice``: the merged list, and the original as the caller's slice now reads."""
    if not original and not patch:
        return original, original
    kind = smplists.element_kind(original, patch)
    appended: set[int] = set()
    if kind != smplists.MAP:
        if is_delete_list:
            gone = {gofmt.eq_key(v) for v in patch}
            return [v for v in original if gofmt.eq_key(v) not in gone], original
        merged = list({gofmt.eq_key(v): v for v in [*original, *patch]}.values())
        server_order: list[Any] | None = original
        patch_order: list[Any] | None = patch
        view = original
    else:
        if not merge_key:
            raise smplists.SmpError(f"cannot merge lists without merge key for {schema.path}")
        work = _GoSlice(original)
        patch_order = _special_elements(work, patch, merge_key)
        if patch_order is None:
            server_order = [_clean(item) for item in patch if _PATCH not in item]
            merged = list(server_order)
        else:
            server_order = work.items
            for item in patch_order:
                if merge_key not in item:
                    raise smplists.no_merge_key(item, merge_key)
                at = smplists.find(work.items, merge_key, item[merge_key])
                if at >= 0:
                    work.backing[at] = _merge_map(work.backing[at], item, schema)
                else:
                    work.append(item)
                    appended.add(id(item))
            merged = work.items
        view = work.view
    inside, outside = smplists.partition(merged, patch_order, merge_key)
    result = smplists.normalize_order(inside, outside, patch_order, server_order, merge_key, kind)
    return [_clean(item) if id(item) in appended else item for item in result], view


def _special_elements(work: _GoSlice, patch: list[Any], merge_key: str) -> list[Any] | None:
    """Apply ``{$patch: delete}`` items to ``work``; the rest of the patch, or None when a
    ``{$patch: replace}`` item says the patch list replaces the original."""
    rest: list[Any] = []
    replace = False
    for item in patch:
        if _PATCH not in item:
            rest.append(item)
            continue
        directive = item[_PATCH]
        if directive == "delete":
            if merge_key not in item:
                raise smplists.no_merge_key(item, merge_key)
            while (at := smplists.find(work.items, merge_key, item[merge_key])) >= 0:
                work.delete(at)
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise smplists.SmpError("merging lists cannot yet be specified in the patch")
        else:
            raise smplists.bad_patch_type(directive, item)
    return None if replace else rest


def _merge_slice_field(
    original: Any, patch: Any, schema: _Schema, name: str, is_delete_list: bool
) -> tuple[list[Any], list[Any]]:
    strategy, merge_key = schema.meta(name)
    if strategy == "merge" or is_delete_list:
        return _merge_slice(original, patch, schema.child(name), merge_key, is_delete_list)
    return list(_clean(patch)), original


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN not in patch:
        return
    keys = patch.pop(_RETAIN)
    if not isinstance(keys, list):
        raise smplists.BAD_RETAIN_KEYS
    try:
        retained = {gofmt.eq_key(k) for k in keys}
    except TypeError:
        raise smplists.BAD_RETAIN_KEYS from None
    for k, v in patch.items():
        if v is None or k.startswith((_DELETE_PREFIX, _ORDER_PREFIX)):
            continue
        if gofmt.eq_key(k) not in retained:
            raise smplists.BAD_RETAIN_KEYS
    for k in [k for k in original if gofmt.eq_key(k) not in retained]:
        del original[k]


def _set_element_order(original: dict[str, Any], patch: dict[str, Any], schema: _Schema) -> None:
    for key in [k for k in patch if k.startswith(_ORDER_PREFIX)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise smplists.bad_arg_type(smplists.SLICE, order)
        name = _extract_key(key, _ORDER_PREFIX)
        have_orig, have_patch = name in original, name in patch
        orig_list: list[Any] | None = original.get(name)
        patch_list: list[Any] | None = patch.get(name)
        if have_orig and not isinstance(orig_list, list):
            raise smplists.bad_arg_type(smplists.SLICE, orig_list)
        if have_patch and not isinstance(patch_list, list):
            raise smplists.bad_arg_type(smplists.SLICE, patch_list)
        _, merge_key = schema.meta(name)
        _check_order(patch_list, order, merge_key)
        merged: list[Any]
        if orig_list is not None and patch_list is None:
            merged = orig_list
        elif patch_list is not None and orig_list is None:
            merged = _clean(_remove_directives(patch_list)[0])
        elif orig_list is not None and patch_list is not None:
            merged, orig_list = _merge_slice_field(orig_list, patch_list, schema, name, False)
        else:
            continue
        inside, outside = smplists.partition(merged, order, merge_key)
        kind = smplists.element_kind(orig_list, patch_list)
        original[name] = smplists.normalize_order(
            inside, outside, order, orig_list, merge_key, kind
        )
        patch.pop(name, None)


def _check_order(patch_list: list[Any] | None, order: list[Any], merge_key: str) -> None:
    """``validatePatchWithSetOrderList``: patch items appear in the order list, in order."""
    if not order or not patch_list:
        return
    items = patch_list
    if merge_key:
        for item in patch_list:
            if not isinstance(item, dict):
                raise smplists.bad_arg_type(smplists.MAP, item)
        items = [i for i in patch_list if i.get(_PATCH) != "delete"]
    p = o = 0
    while p < len(items) and o < len(order):
        if isinstance(items[p], dict) and _PATCH in items[p]:
            p += 1
            continue
        if _key_equal(items[p], order[o], merge_key):
            p += 1
        o += 1
    if p < len(items) and o >= len(order):
        raise smplists.SmpError(
            f"The order in patch list:\n{gofmt.value(patch_list)}\n doesn't match "
            f"{_ORDER_PREFIX} list:\n{gofmt.value(order)}\n"
        )


def _key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return bool(gofmt.eq_key(left) == gofmt.eq_key(right))
    for item in (left, right):
        if not isinstance(item, dict):
            raise smplists.bad_arg_type(smplists.MAP, item)
        if merge_key not in item:
            raise smplists.no_merge_key(item, merge_key)
    return bool(gofmt.eq_key(left[merge_key]) == gofmt.eq_key(right[merge_key]))


def _merge_map(current: Any, patch: dict[str, Any], schema: _Schema) -> dict[str, Any]:
    if _PATCH in patch:
        directive = patch[_PATCH]
        if directive == "replace":
            return dict(_clean({k: v for k, v in patch.items() if k != _PATCH}))
        if directive == "delete":
            return {}
        raise smplists.bad_patch_type(directive, patch)
    original: dict[str, Any] = {} if current is None else current
    _retain_keys(original, patch)
    _set_element_order(original, patch, schema)
    for key, value in list(patch.items()):
        name, is_delete_list = key, False
        if key.startswith(_DELETE_PREFIX):
            name, is_delete_list = _extract_key(key, _DELETE_PREFIX) or key, True
        if value is None:
            original.pop(name, None)
            continue
        if name not in original or gofmt.type_name(original[name]) != gofmt.type_name(value):
            if not is_delete_list:
                _discard_nulls(value)
                kept, keep = _remove_directives(value)
                if keep:
                    original[name] = _clean(kept)
                else:
                    original.pop(name, None)
            continue
        if isinstance(value, dict):
            strategy, _ = schema.meta(name)
            if strategy == "replace":
                original[name] = _clean(value)
            else:
                original[name] = _merge_map(original[name], value, schema.child(name))
        elif isinstance(value, list):
            original[name] = _merge_slice_field(
                original[name], value, schema, name, is_delete_list
            )[0]
        else:
            original[name] = value
    return original


def strategic_merge(
    original: dict[str, Any], patch: dict[str, Any], kind_key: tuple[str, str]
) -> dict[str, Any]:
    """Apply ``patch`` to a copy of ``original``; raises ``SmpError``."""
    return _merge_map(copy.deepcopy(original), copy.deepcopy(patch), _Schema(kind_key))
