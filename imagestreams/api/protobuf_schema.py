"""The schema table for decoding Kubernetes protobuf bodies: which field number means what.

Protobuf bytes carry only field numbers and wire types; turning them into the JSON object a
JSON client would have sent needs, for every field, its JSON name, its Go shape (value,
pointer, slice, map) and whether its Go JSON tag says ``omitempty``/``omitzero``, because the
Go types, not the ``.proto`` files, decide what the JSON encoding emits (a nil ``*int32`` with
``omitempty`` vanishes, a non-pointer ``int32`` without it is written as ``0``, a struct is
always written). Those facts were read from the Go struct tags of k8s.io/api and
k8s.io/apimachinery (which ``generated.proto`` is produced from) and are written down in a
compact notation in the ``protobuf_schema_*`` modules, one per API area. Each message is a
string of ``;``-separated fields ``NUMBER JSONNAME TYPE``:

* ``JSONNAME`` is ``-`` for an embedded struct whose fields Go's JSON encoding inlines
  (``VolumeSource`` in ``Volume``);
* ``TYPE`` is an optional shape prefix (``*`` pointer, ``[]`` slice, ``{}`` map with string
  keys), then a base type, then an optional ``?`` (``omitempty``) or ``!`` (``omitzero``);
* a base type is a scalar (``string``, ``bytes``, ``int32``, ``int64``, ``bool``), one of the
  special apimachinery types with their own JSON form (``time``, ``quantity``,
  ``intorstring``, ``fieldsv1``, ``stringlist`` for the ``ExtraValue``-style wrappers), or a
  message name, qualified (``meta.ObjectMeta``) unless it is in the referring message's group.

The table covers the transitive closure of the kinds in :data:`KINDS` as of the newest
upstream types (a superset of older clients' fields; field numbers are never reused), except
alpha fields whose types live outside these groups (``batch.JobSpec.scheduling``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from imagestreams.api import (
    protobuf_schema_apps,
    protobuf_schema_auth,
    protobuf_schema_core_pod,
    protobuf_schema_core_volume,
    protobuf_schema_meta,
)

__all__ = [
    "DELETE_OPTIONS",
    "KINDS",
    "MESSAGES",
    "SCALARS",
    "SPECIALS",
    "Field",
    "Shape",
    "parse_messages",
]

Shape = Literal["", "*", "[]", "{}"]
SCALARS = frozenset({"string", "bytes", "int32", "int64", "bool"})
SPECIALS = frozenset({"time", "quantity", "intorstring", "fieldsv1", "stringlist"})

_FIELD = re.compile(r"^(\d+) (-|[A-Za-z]\w*) (\*|\[\]|\{\})?([A-Za-z][\w.]*)([?!]?)$")


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message, as the decoder needs it."""

    number: int
    json: str
    """JSON name; empty for an inlined embedded struct."""
    shape: Shape
    base: str
    """A scalar, a special type, or a qualified message name (``core.Container``)."""
    omitempty: bool = False
    omitzero: bool = False

    @property
    def inline(self) -> bool:
        return not self.json

    @property
    def is_message(self) -> bool:
        return self.base not in SCALARS and self.base not in SPECIALS


def _parse_field(spec: str, group: str, where: str) -> Field:
    match = _FIELD.match(spec.strip())
    if match is None:
        raise ValueError(f"{where}: malformed field spec {spec!r}")
    number, json_name, shape, base, flag = match.groups()
    if base not in SCALARS and base not in SPECIALS and "." not in base:
        base = f"{group}.{base}"
    field = Field(
        number=int(number),
        json="" if json_name == "-" else json_name,
        shape=shape or "",  # type: ignore[arg-type]
        base=base,
        omitempty=flag == "?",
        omitzero=flag == "!",
    )
    if field.inline and (field.shape or not field.is_message):
        raise ValueError(f"{where}: only a message value can be inlined: {spec!r}")
    if field.omitzero and (field.shape or field.base != "time"):
        raise ValueError(f"{where}: omitzero is supported on time values only: {spec!r}")
    return field


def parse_messages(table: Mapping[str, str]) -> dict[str, dict[int, Field]]:
    """Parse ``{"group.Kind": "1 name string?; ..."}`` into fields by number, in Go order."""
    messages: dict[str, dict[int, Field]] = {}
    for name, text in table.items():
        group = name.split(".", 1)[0]
        fields: dict[int, Field] = {}
        for spec in filter(None, (part.strip() for part in text.split(";"))):
            field = _parse_field(spec, group, name)
            if field.number in fields:
                raise ValueError(f"{name}: field number {field.number} is declared twice")
            fields[field.number] = field
        messages[name] = fields
    return messages


def _build() -> dict[str, dict[int, Field]]:
    messages: dict[str, dict[int, Field]] = {}
    for module in (
        protobuf_schema_meta,
        protobuf_schema_core_pod,
        protobuf_schema_core_volume,
        protobuf_schema_apps,
        protobuf_schema_auth,
    ):
        parsed = parse_messages(module.MESSAGES)
        clash = messages.keys() & parsed.keys()
        if clash:
            raise ValueError(f"messages declared twice: {sorted(clash)}")
        messages.update(parsed)
    for name, fields in messages.items():
        for field in fields.values():
            if field.is_message and field.base not in messages:
                raise ValueError(f"{name}.{field.json or '-'}: unknown message {field.base}")
    return messages


MESSAGES: dict[str, dict[int, Field]] = _build()
"""Every message the decoder knows, by qualified name."""

DELETE_OPTIONS = "meta.DeleteOptions"

KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "core.Namespace",
    ("v1", "Secret"): "core.Secret",
    ("v1", "ConfigMap"): "core.ConfigMap",
    ("v1", "ServiceAccount"): "core.ServiceAccount",
    ("v1", "Pod"): "core.Pod",
    ("apps/v1", "Deployment"): "apps.Deployment",
    ("batch/v1", "Job"): "batch.Job",
    ("batch/v1", "CronJob"): "batch.CronJob",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "authz.SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "SubjectAccessReview"): "authz.SubjectAccessReview",
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview"): "authz.LocalSubjectAccessReview",
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "authz.SelfSubjectRulesReview",
    ("authentication.k8s.io/v1", "TokenRequest"): "authn.TokenRequest",
    ("authentication.k8s.io/v1", "TokenReview"): "authn.TokenReview",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "authn.SelfSubjectReview",
    ("rbac.authorization.k8s.io/v1", "Role"): "rbac.Role",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "rbac.ClusterRole",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "rbac.RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "rbac.ClusterRoleBinding",
}
"""``(apiVersion, kind)`` → message. ``DeleteOptions`` is accepted in every group version
listed here and in ``meta.k8s.io/v1``, as kube-apiserver registers it in each of them."""
