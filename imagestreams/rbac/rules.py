"""Kubernetes RBAC rule and subject matching, as pure functions over frozen values.

This is the decision core of ``plugin/pkg/auth/authorizer/rbac`` and
``pkg/registry/rbac/validation``: a ``PolicyRule`` allows a request when its verb, API group,
resource (``pods``, ``pods/log``, ``*``, ``*/scale``), and resource name match, or, for a
non-resource request, its verb and URL (``/apis/*`` is a prefix match). A binding applies to a user
through a ``User`` subject (name), a ``Group`` subject (one of the user's groups) or a
``ServiceAccount`` subject (``system:serviceaccount:<ns>:<name>``, the namespace defaulting to the
binding's). Everything here is deterministic and does no I/O, so the authorizer, the escalation
check, the rules review and the tests share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from imagestreams.server.authz import go_quote

__all__ = [
    "ALL",
    "GROUP",
    "SA_PREFIX",
    "PolicyRule",
    "Subject",
    "api_group_matches",
    "compact_string",
    "go_quote_list",
    "non_resource_url_matches",
    "resource_matches",
    "resource_name_matches",
    "rule_allows",
    "service_account_groups",
    "service_account_username",
    "split_service_account",
    "subject_applies",
    "verb_matches",
]

ALL = "*"
GROUP = "rbac.authorization.k8s.io"
SA_PREFIX = "system:serviceaccount:"
_SA_GROUP = "system:serviceaccounts"


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, str))


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """``rbacv1.PolicyRule``; empty tuples mean "not set"."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PolicyRule:
        """The rule of one ``rules[]`` item of a stored Role or ClusterRole."""
        return cls(
            verbs=_strings(raw.get("verbs")),
            api_groups=_strings(raw.get("apiGroups")),
            resources=_strings(raw.get("resources")),
            resource_names=_strings(raw.get("resourceNames")),
            non_resource_urls=_strings(raw.get("nonResourceURLs")),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with the field order and omissions of ``rbacv1.PolicyRule``."""
        out: dict[str, Any] = {"verbs": list(self.verbs)}
        if self.api_groups:
            out["apiGroups"] = list(self.api_groups)
        if self.resources:
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        return out


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    return ALL in rule.verbs or verb in rule.verbs


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    return ALL in rule.api_groups or group in rule.api_groups


def resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    """``pods`` matches ``pods``; ``pods/log`` matches ``pods/log`` and ``*/log``; ``*`` matches
    everything, subresources included."""
    for res in rule.resources:
        if res in (ALL, combined):
            return True
        if subresource and res == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    return not rule.resource_names or name in rule.resource_names


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    for url in rule.non_resource_urls:
        if url in (ALL, path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(
    rule: PolicyRule,
    *,
    verb: str,
    resource_request: bool,
    api_group: str = "",
    resource: str = "",
    subresource: str = "",
    name: str = "",
    path: str = "",
) -> bool:
    """``RuleAllows``: does ``rule`` allow this request?"""
    if not verb_matches(rule, verb):
        return False
    if not resource_request:
        return non_resource_url_matches(rule, path)
    combined = f"{resource}/{subresource}" if subresource else resource
    return (
        api_group_matches(rule, api_group)
        and resource_matches(rule, combined, subresource)
        and resource_name_matches(rule, name)
    )


@dataclass(frozen=True, slots=True)
class Subject:
    """``rbacv1.Subject``."""

    kind: str
    name: str
    namespace: str = ""
    api_group: str = ""

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Subject:
        return cls(
            kind=str(raw.get("kind", "")),
            name=str(raw.get("name", "")),
            namespace=str(raw.get("namespace", "") or ""),
            api_group=str(raw.get("apiGroup", "") or ""),
        )

    def describe(self, binding_namespace: str) -> str:
        """As ``describeSubject``: ``User "alice"``, ``ServiceAccount "builder/proj"``."""
        if self.kind == "ServiceAccount":
            ns = self.namespace or binding_namespace
            return f'{self.kind} "{self.name}/{ns}"'
        return f'{self.kind} "{self.name}"'


def service_account_username(namespace: str, name: str) -> str:
    return f"{SA_PREFIX}{namespace}:{name}"


def split_service_account(username: str) -> tuple[str, str] | None:
    """``(namespace, name)`` of ``system:serviceaccount:<ns>:<name>``, else ``None``."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def service_account_groups(namespace: str) -> tuple[str, str]:
    """The groups every service account token carries."""
    return _SA_GROUP, f"{_SA_GROUP}:{namespace}"


def subject_applies(subject: Subject, user: str, groups: Iterable[str], namespace: str) -> bool:
    """``appliesToUser``; ``namespace`` is the binding's (empty for cluster role bindings)."""
    if subject.kind == "User":
        return user == subject.name
    if subject.kind == "Group":
        return subject.name in groups
    if subject.kind == "ServiceAccount":
        ns = subject.namespace or namespace
        return bool(ns) and user == service_account_username(ns, subject.name)
    return False


def go_quote_list(values: Sequence[str]) -> str:
    """Go's ``%q`` of a ``[]string``: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


def compact_string(rule: PolicyRule) -> str:
    """``rbacv1helpers.CompactString``, as escalation errors print missing rules."""
    parts: list[str] = []
    if rule.api_groups:
        parts.append(f"APIGroups:{go_quote_list(rule.api_groups)}")
    if rule.resources:
        parts.append(f"Resources:{go_quote_list(rule.resources)}")
    if rule.non_resource_urls:
        parts.append(f"NonResourceURLs:{go_quote_list(rule.non_resource_urls)}")
    if rule.resource_names:
        parts.append(f"ResourceNames:{go_quote_list(rule.resource_names)}")
    if rule.verbs:
        parts.append(f"Verbs:{go_quote_list(rule.verbs)}")
    return "{" + ", ".join(parts) + "}"
