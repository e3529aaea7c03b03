"""ClusterRole aggregation: ``admin``, ``edit`` and ``view`` are the union of labelled roles.

A ClusterRole with an ``aggregationRule`` owns no rules of its own; kube-controller-manager's
``ClusterRoleAggregationController`` keeps its ``rules`` equal to the rules of every other
ClusterRole whose labels match one of the ``clusterRoleSelectors``, visiting roles in name order and
skipping rules already present (semantic equality). Because ``edit`` is itself labelled into
``admin``, one pass may feed another; ``aggregate_all`` iterates to the fixpoint so that a single
reconcile leaves every aggregated role correct.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imagestreams.api import selectors
from imagestreams.rbac.rules import PolicyRule

__all__ = ["aggregate_all", "aggregated_rules", "has_aggregation"]

Obj = dict[str, Any]
_MAX_PASSES = 10


def has_aggregation(role: Mapping[str, Any]) -> bool:
    return isinstance(role.get("aggregationRule"), dict)


def _selectors(role: Mapping[str, Any]) -> list[selectors.LabelSelector]:
    out = []
    for raw in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        try:
            out.append(selectors.label_selector_from_dict(raw))
        except selectors.SelectorError:
            continue
    return out


def aggregated_rules(role: Mapping[str, Any], roles: Mapping[str, Mapping[str, Any]]) -> list[Obj]:
    """The rules ``role`` should have given every ClusterRole in ``roles`` (name -> object)."""
    name = (role.get("metadata") or {}).get("name", "")
    rules: list[Obj] = []
    seen: set[PolicyRule] = set()
    for selector in _selectors(role):
        for other_name in sorted(roles):
            if other_name == name:
                continue
            other = roles[other_name]
            labels = (other.get("metadata") or {}).get("labels") or {}
            if not selector.matches(labels):
                continue
            for raw in other.get("rules") or []:
                if not isinstance(raw, dict):
                    continue
                key = PolicyRule.from_dict(raw)
                if key not in seen:
                    seen.add(key)
                    rules.append(raw)
    return rules


def _same(a: list[Any] | None, b: list[Any] | None) -> bool:
    """``equality.Semantic.DeepEqual`` on rule lists: nil and empty are equal."""
    pa = [PolicyRule.from_dict(r) for r in a or [] if isinstance(r, dict)]
    pb = [PolicyRule.from_dict(r) for r in b or [] if isinstance(r, dict)]
    return pa == pb


def aggregate_all(roles: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Obj]]:
    """New ``rules`` for each aggregated role whose stored rules are out of date."""
    current: dict[str, Obj] = {name: dict(role) for name, role in roles.items()}
    changed: dict[str, list[Obj]] = {}
    for _ in range(_MAX_PASSES):
        moved = False
        for name in sorted(current):
            role = current[name]
            if not has_aggregation(role):
                continue
            rules = aggregated_rules(role, current)
            if not _same(rules, role.get("rules")):
                current[name] = {**role, "rules": rules}
                changed[name] = rules
                moved = True
        if not moved:
            break
    return changed
