"""Escalation prevention: you cannot grant what you do not hold.

Writing a Role/ClusterRole, or a binding to one, is allowed when the writer already holds every
permission it grants (``ConfirmNoEscalation``), when the writer is in ``system:masters``, or when
RBAC grants the writer the ``escalate`` verb on the role resource (for roles) or ``bind`` on the
referenced role (for bindings). ``covers`` is ``validation.Covers``: each granted rule is broken
down to one (group, resource, verb, name) tuple at a time, and every tuple must be covered by a
single held rule. The refusal message lists the missing tuples, compacted and sorted, exactly as
kube-apiserver prints them.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagestreams.rbac.rules import ALL, PolicyRule, compact_string, go_quote_list
from imagestreams.server.authz import go_quote

__all__ = [
    "AGGREGATION_MESSAGE",
    "FULL_AUTHORITY",
    "breakdown",
    "compact_rules",
    "covers",
    "escalation_message",
]

FULL_AUTHORITY = (
    PolicyRule(verbs=(ALL,), api_groups=(ALL,), resources=(ALL,)),
    PolicyRule(verbs=(ALL,), non_resource_urls=(ALL,)),
)
"""What a writer must hold to set an ``aggregationRule`` (it can gather anything)."""
AGGREGATION_MESSAGE = "must have cluster-admin privileges to use the aggregationRule"


def breakdown(rule: PolicyRule) -> list[PolicyRule]:
    """``BreakdownRule``: one rule per group x resource x verb (x name), then per URL x verb."""
    out: list[PolicyRule] = []
    for group in rule.api_groups:
        for resource in rule.resources:
            for verb in rule.verbs:
                if rule.resource_names:
                    out.extend(
                        PolicyRule((verb,), (group,), (resource,), (name,))
                        for name in rule.resource_names
                    )
                else:
                    out.append(PolicyRule((verb,), (group,), (resource,)))
    for url in rule.non_resource_urls:
        out.extend(PolicyRule((verb,), non_resource_urls=(url,)) for verb in rule.verbs)
    return out


def _has_all(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    return set(wanted) <= set(owned)


def _resources_cover(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    if ALL in owned or _has_all(owned, wanted):
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path:
            return False
        if "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def _urls_cover(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    return all(any(_url_covers(o, p) for o in owned) for p in wanted)


def _rule_covers(owner: PolicyRule, sub: PolicyRule) -> bool:
    verbs = ALL in owner.verbs or _has_all(owner.verbs, sub.verbs)
    groups = ALL in owner.api_groups or _has_all(owner.api_groups, sub.api_groups)
    if sub.resource_names:
        names = not owner.resource_names or _has_all(owner.resource_names, sub.resource_names)
    else:
        names = not owner.resource_names
    return (
        verbs
        and groups
        and _resources_cover(owner.resources, sub.resources)
        and names
        and _urls_cover(owner.non_resource_urls, sub.non_resource_urls)
    )


def covers(
    owner: Sequence[PolicyRule], servant: Sequence[PolicyRule]
) -> tuple[bool, list[PolicyRule]]:
    """``Covers``: whether ``owner`` holds everything in ``servant``, and what is missing."""
    missing = [
        sub
        for rule in servant
        for sub in breakdown(rule)
        if not any(_rule_covers(o, sub) for o in owner)
    ]
    return not missing, missing


def _simple_key(rule: PolicyRule) -> tuple[str, str] | None:
    if rule.resource_names or rule.non_resource_urls:
        return None
    if len(rule.api_groups) != 1 or len(rule.resources) != 1:
        return None
    return rule.api_groups[0], rule.resources[0]


def compact_rules(rules: Sequence[PolicyRule]) -> list[PolicyRule]:
    """``CompactRules``: merge the verbs of rules that name one group and one resource only."""
    compacted: list[PolicyRule] = []
    simple: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        key = _simple_key(rule)
        if key is None:
            compacted.append(rule)
        else:
            simple.setdefault(key, []).extend(rule.verbs)
    compacted.extend(
        PolicyRule(tuple(verbs), (group,), (resource,))
        for (group, resource), verbs in simple.items()
    )
    return compacted


def escalation_message(
    user: str, groups: Sequence[str], missing: Sequence[PolicyRule], errors: Sequence[str] = ()
) -> str:
    """The text kube-apiserver puts after ``is forbidden: `` when a write would escalate."""
    lines = sorted({compact_string(r) for r in compact_rules(missing)})
    msg = (
        f"user {go_quote(user)} (groups={go_quote_list(groups)}) is attempting to grant RBAC "
        "permissions not currently held:\n" + "\n".join(lines)
    )
    if errors:
        msg += "; resolution errors: [" + " ".join(errors) + "]"
    return msg
