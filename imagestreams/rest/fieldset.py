"""Field sets, comparison and merging of JSON objects, as structured-merge-diff does them.

Server-side apply (``rest.apply``) and field ownership (``rest.managedfields``) need three things
from sigs.k8s.io/structured-merge-diff: the set of fields an object sets (``ToFieldSet``), the
fields that differ between two objects (``Compare``) and the merge of an applied configuration
into a live object (``Merge``). Upstream derives the shape of every list and map from OpenAPI
schemas; we have no typed schemas for the built-in kinds, so the shape comes from the facts we do
keep, ``api.patchmeta``:

* a list with ``patchStrategy=merge`` and a ``patchMergeKey`` is associative: its items are
  addressed as ``k:{"<key>":<value>}`` and merge item by item;
* a list of scalars with ``patchStrategy=merge`` and no key (``finalizers``) is a set: items are
  ``v:<json>``;
* every other list is atomic: owned and replaced as a whole;
* maps merge field by field, except the atomic structs listed in ``_ATOMIC_MAPS`` (label
  selectors, ``+structType=atomic`` upstream).

Paths are tuples of ``fieldsV1`` elements (``rest.fieldpath``), so sets are Python sets. As
upstream, a map or keyed list that is empty (or ``null``) is not a field of its own: applying
``labels: {}`` owns nothing.

compat: every map key is treated as a declared struct field (upstream also owns the key itself of
a map whose keys are free-form, which only shows as an extra ``.`` under map-valued entries), and
associative lists use the single ``patchMergeKey`` (upstream keys container ports by
``containerPort`` and ``protocol``).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from imagestreams.api import patchmeta
from imagestreams.rest.fieldpath import MEMBER, Path, element_string, path_string, to_json, trie

__all__ = [
    "Comparison",
    "ConfigError",
    "Path",
    "Schema",
    "compare",
    "equal",
    "field_set",
    "merge",
    "remove_items",
]

_MISSING: Any = object()
_SELECTOR = frozenset({"spec.selector"})
_ATOMIC_MAPS: dict[tuple[str, str], frozenset[str]] = {
    ("apps/v1", "Deployment"): _SELECTOR,
    ("apps/v1", "ReplicaSet"): _SELECTOR,
    ("apps/v1", "StatefulSet"): _SELECTOR,
    ("apps/v1", "DaemonSet"): _SELECTOR,
    ("batch/v1", "Job"): _SELECTOR,
}


class ConfigError(ValueError):
    """An applied configuration that cannot be addressed (a keyed item without its key, two
    items with the same key); the message names the list as upstream does."""


class Schema:
    """The shape of one kind: which lists are associative, sets or atomic."""

    __slots__ = ("atomic_maps", "kind_key")

    def __init__(self, kind_key: tuple[str, str]) -> None:
        self.kind_key = kind_key
        self.atomic_maps = _ATOMIC_MAPS.get(kind_key, frozenset())

    def list_type(self, dotted: str) -> tuple[str, str]:
        """``("map", key)``, ``("set", "")`` or ``("atomic", "")`` for the list at ``dotted``."""
        strategy, key = patchmeta.lookup(self.kind_key, dotted)
        if "merge" in strategy.split(","):
            return ("map", key) if key else ("set", "")
        return ("atomic", "")


def _join(dotted: str, name: str) -> str:
    return f"{dotted}.{name}" if dotted else name


def _list_elements(
    items: list[Any], schema: Schema, dotted: str, where: Path | None
) -> list[str] | None:
    """The path elements of a granular list's items, or ``None`` when the list is atomic (or,
    for stored objects, cannot be keyed: it is then compared as a whole). With ``where`` (the
    list's path) such a list is a ``ConfigError`` instead."""
    kind, key = schema.list_type(dotted)
    if kind == "atomic":
        return None
    out: list[str] = []
    seen: set[str] = set()
    strict = where is not None
    location = path_string(where or ())
    for i, item in enumerate(items):
        if kind == "map":
            if not isinstance(item, dict) or item.get(key) is None:
                if strict:
                    raise ConfigError(
                        f"{location}: element {i}: associative list with keys has an element that "
                        f'omits key field "{key}" (and doesn\'t have default value)'
                    )
                return None
            element = "k:" + to_json({key: item[key]})
        else:
            if isinstance(item, dict | list):
                return None
            element = "v:" + to_json(item)
        if element in seen:
            if strict:
                raise ConfigError(
                    f"{location}: duplicate entries for key {element_string(element)}"
                )
            return None
        seen.add(element)
        out.append(element)
    return out


def _children(
    value: Any, schema: Schema, dotted: str, where: Path | None = None
) -> dict[str, tuple[Any, str]] | None:
    """Granular children ``element -> (value, schema path)``; ``None`` for a leaf (scalars,
    atomic lists and atomic maps). ``where`` makes unkeyable lists errors (see above)."""
    if isinstance(value, dict):
        if dotted in schema.atomic_maps:
            return None
        return {"f:" + k: (v, _join(dotted, k)) for k, v in value.items()}
    if isinstance(value, list):
        elements = _list_elements(value, schema, dotted, where)
        if elements is None:
            return None
        return {el: (item, dotted) for el, item in zip(elements, value, strict=True)}
    return None


# -- ToFieldSet -----------------------------------------------------------------------------------
def field_set(obj: Any, schema: Schema, *, strict: bool = False) -> set[Path]:
    """Every field ``obj`` sets: leaves, atomic lists and maps, list items (``ToFieldSet``).
    ``strict`` raises ``ConfigError`` for lists that cannot be keyed (applied configurations)."""
    out: set[Path] = set()
    _field_set(obj, schema, "", (), out, strict)
    return out


def _field_set(
    value: Any, schema: Schema, dotted: str, path: Path, out: set[Path], strict: bool
) -> None:
    children = _children(value, schema, dotted, path if strict else None)
    if children is None:
        if path:
            out.add(path)
        return
    for element, (child, child_dotted) in children.items():
        child_path = (*path, element)
        if element[0] != "f":
            out.add(child_path)
        _field_set(child, schema, child_dotted, child_path, out, strict)


# -- Compare --------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Paths only in the new object, in both with different values, only in the old one."""

    added: set[Path] = field(default_factory=set)
    modified: set[Path] = field(default_factory=set)
    removed: set[Path] = field(default_factory=set)


def compare(old: Any, new: Any, schema: Schema) -> Comparison:
    result = Comparison()
    _compare(old, new, schema, "", (), result)
    return result


def _subtree(value: Any, schema: Schema, dotted: str, path: Path, out: set[Path]) -> None:
    if path:
        out.add(path)
    children = _children(value, schema, dotted)
    for element, (child, child_dotted) in (children or {}).items():
        _subtree(child, schema, child_dotted, (*path, element), out)


def _compare(old: Any, new: Any, schema: Schema, dotted: str, path: Path, out: Comparison) -> None:
    if old is _MISSING:
        if new is not _MISSING:
            _subtree(new, schema, dotted, path, out.added)
        return
    if new is _MISSING:
        _subtree(old, schema, dotted, path, out.removed)
        return
    old_children = _children(old, schema, dotted)
    new_children = _children(new, schema, dotted)
    if old_children is None and new_children is None:
        if not equal(old, new):
            out.modified.add(path)
        return
    if old_children is None or new_children is None or type(old) is not type(new):
        # the value changed shape (a map became a string, a list became keyable...)
        out.modified.add(path)
        for element, (child, child_dotted) in (old_children or {}).items():
            _subtree(child, schema, child_dotted, (*path, element), out.removed)
        for element, (child, child_dotted) in (new_children or {}).items():
            _subtree(child, schema, child_dotted, (*path, element), out.added)
        return
    for element, (child, child_dotted) in old_children.items():
        other = new_children.get(element, (_MISSING, ""))[0]
        _compare(child, other, schema, child_dotted, (*path, element), out)
    for element, (child, child_dotted) in new_children.items():
        if element not in old_children:
            _subtree(child, schema, child_dotted, (*path, element), out.added)


def equal(a: Any, b: Any) -> bool:
    """JSON equality (``True`` is not ``1``; ``1`` is ``1.0``)."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(equal(v, b[k]) for k, v in a.items())
        )
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(equal(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


# -- Merge ----------------------------------------------------------------------------------------
def merge(live: Any, config: Any, schema: Schema) -> Any:
    """``config`` merged into ``live``: maps by field, associative lists and sets by item,
    everything else replaced (``TypedValue.Merge``). Neither input is modified."""
    return _merge(live, config, schema, "")


def _merge(live: Any, config: Any, schema: Schema, dotted: str) -> Any:
    if live is _MISSING:
        return copy.deepcopy(config)
    if isinstance(live, dict) and isinstance(config, dict) and dotted not in schema.atomic_maps:
        out = dict(live)
        for key, value in config.items():
            out[key] = _merge(live.get(key, _MISSING), value, schema, _join(dotted, key))
        return out
    if isinstance(live, list) and isinstance(config, list):
        config_elements = _list_elements(config, schema, dotted, None)
        live_elements = _list_elements(live, schema, dotted, None)
        if config_elements is not None and live_elements is not None:
            return _merge_items(live, live_elements, config, config_elements, schema, dotted)
    return copy.deepcopy(config)


def _merge_items(
    live: list[Any],
    live_keys: list[str],
    config: list[Any],
    config_keys: list[str],
    schema: Schema,
    dotted: str,
) -> list[Any]:
    """Items of both lists: items only in ``live`` keep their place, shared ones follow the
    order of ``config``, new ones come where ``config`` has them (``mergingWalker``'s order)."""
    live_by = dict(zip(live_keys, live, strict=True))
    config_by = dict(zip(config_keys, config, strict=True))
    shared = deque(k for k in config_keys if k in live_by)
    next_shared = shared.popleft() if shared else None
    out: list[Any] = []
    done: set[str] = set()
    li = ri = 0
    while li < len(live_keys) or ri < len(config_keys):
        if li < len(live_keys) and ri < len(config_keys):
            lk = live_keys[li]
            if lk == config_keys[ri]:
                out.append(_merge(live_by[lk], config_by[lk], schema, dotted))
                done.add(lk)
                li, ri = li + 1, ri + 1
                next_shared = shared.popleft() if shared else None
                continue
            if lk in config_by and next_shared is not None and next_shared != lk:
                li += 1
                continue
        if li < len(live_keys):
            lk = live_keys[li]
            if lk not in config_by:
                out.append(live_by[lk])
                li += 1
                continue
            if lk in done:
                li += 1
                continue
        if ri < len(config_keys):
            rk = config_keys[ri]
            done.add(rk)
            out.append(_merge(live_by.get(rk, _MISSING), config_by[rk], schema, dotted))
            ri += 1
            if next_shared is not None and next_shared == rk:
                next_shared = shared.popleft() if shared else None
    return out


# -- RemoveItems ----------------------------------------------------------------------------------
def remove_items(obj: Any, paths: Iterable[Path], schema: Schema) -> Any:
    """``obj`` without every field and list item whose path is in ``paths``; maps and lists
    emptied that way go too (an omitted empty value, as a typed round trip leaves it). Copy on
    write: ``obj`` is not modified, untouched parts are shared."""
    root = trie(paths)
    return _without(obj, root, schema, "") if root else obj


def _emptied(old: Any, new: Any) -> bool:
    return isinstance(old, dict | list) and len(old) > 0 and len(new) == 0


def _without(value: Any, trie: dict[str, Any], schema: Schema, dotted: str) -> Any:
    children = _children(value, schema, dotted)
    if not children:
        return value
    changed = False
    kept: list[tuple[str, Any]] = []
    for element, (child, child_dotted) in children.items():
        node = trie.get(element)
        if node is None:
            kept.append((element, child))
            continue
        if MEMBER in node:
            changed = True
            continue
        new_child = _without(child, node, schema, child_dotted)
        if new_child is not child:
            changed = True
            if _emptied(child, new_child):
                continue
        kept.append((element, new_child))
    if not changed:
        return value
    if isinstance(value, dict):
        return {element[2:]: child for element, child in kept}
    return [child for _, child in kept]
