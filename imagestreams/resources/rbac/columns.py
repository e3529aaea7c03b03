"""``kubectl get rolebindings`` / ``clusterrolebindings`` columns, as kube's printers have them.

Why: without them the generic "Name, Created At" table hides which role a binding grants,
which is the first thing ``kubectl get rolebindings`` shows against a real cluster
(``pkg/printers/internalversion/printers.go``: ``printRoleBinding``, ``printClusterRoleBinding``
and ``rbac.SubjectsStrings``). Roles and cluster roles keep the default table, as upstream.
"""

from __future__ import annotations

from typing import Any

from imagestreams.rest.table import Column, age_column, name_column

__all__ = ["BINDING_COLUMNS", "subjects_strings"]

Obj = dict[str, Any]

_ROLE_REF = (
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
    "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This "
    "field is immutable."
)


def subjects_strings(obj: Obj) -> tuple[list[str], list[str], list[str]]:
    """Users, groups and ``namespace/name`` service accounts of a binding's subjects."""
    users: list[str] = []
    groups: list[str] = []
    sas: list[str] = []
    subjects = obj.get("subjects")
    for subject in subjects if isinstance(subjects, list) else []:
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), str(subject.get("name", ""))
        if kind == "ServiceAccount":
            sas.append(f"{subject.get('namespace', '')}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return users, groups, sas


def _role(obj: Obj) -> str:
    ref = obj.get("roleRef")
    ref = ref if isinstance(ref, dict) else {}
    return f"{ref.get('kind', '')}/{ref.get('name', '')}"


def _subjects(index: int) -> Any:
    return lambda obj: ", ".join(subjects_strings(obj)[index])


BINDING_COLUMNS: list[Column] = [
    name_column(),
    Column("Role", "string", "", _ROLE_REF, 0, _role),
    age_column(),
    Column("Users", "string", "", "Users in the roleBinding", 1, _subjects(0)),
    Column("Groups", "string", "", "Groups in the roleBinding", 1, _subjects(1)),
    Column("ServiceAccounts", "string", "", "ServiceAccounts in the roleBinding", 1, _subjects(2)),
]
