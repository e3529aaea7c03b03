"""Resource types as kubectl resolves them: discovery documents plus its REST mapper's rules.

``oc set image-lookup TYPE --list`` hands its arguments to kubectl's resource builder
(``ResourceTypeOrNameArgs``), so a bare argument there is a resource *type*: ``is``, ``secrets``,
``deployments.apps``, ``Deployment``, ``all``. This module reproduces the parts of that machinery
the command needs, against whatever the server's discovery (``/api``, ``/apis``) lists:

* argument splitting (:func:`split_type_or_name_args`): all-``TYPE/NAME`` arguments, or
  ``TYPE[,TYPE...] [NAME...]``, with the builder's error messages;
* category expansion (``all`` and friends) before resolution, as ``ReplaceAliases`` does;
* resolution (:func:`resolve`): ``resource.version.group`` first, then ``resource[.group]``
  after expanding discovery short names (exact), matched case-insensitively against plural and
  singular names, then by ``Kind[.group]``; the first match in discovery order wins (the core
  group first). Failing that: ``the server doesn't have a resource type "<resource>"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imagestreams.cli.apiclient import ImageClient
from imagestreams.cli.common import CommandError, go_quote
from imagestreams.client.protocol import GroupVersionResource

__all__ = [
    "ApiResource",
    "discover",
    "expand_categories",
    "parse_resource_list",
    "resolve",
    "split_resource_name",
    "split_type_or_name_args",
]

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ApiResource:
    """One top-level resource of a discovery ``APIResourceList``."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def gvr(self) -> GroupVersionResource:
        return (self.group, self.version, self.plural)


def parse_resource_list(group: str, version: str, doc: Obj) -> list[ApiResource]:
    """The resources of an ``APIResourceList`` (subresources such as ``pods/status`` dropped)."""
    found = []
    for item in doc.get("resources") or ():
        name = str(item.get("name", ""))
        if not name or "/" in name:
            continue
        found.append(
            ApiResource(
                group=group,
                version=version,
                plural=name,
                kind=str(item.get("kind", "")),
                namespaced=bool(item.get("namespaced", False)),
                singular=str(item.get("singularName") or "") or str(item.get("kind", "")).lower(),
                short_names=tuple(item.get("shortNames") or ()),
                categories=tuple(item.get("categories") or ()),
            )
        )
    return found


async def discover(client: ImageClient) -> list[ApiResource]:
    """Every resource of the core group's first version and each group's preferred one."""
    found: list[ApiResource] = []
    core = await client.get_path("/api")
    versions = list(core.get("versions") or ())
    if versions:
        found += parse_resource_list("", versions[0], await client.get_path(f"/api/{versions[0]}"))
    groups = await client.get_path("/apis")
    for group in groups.get("groups") or ():
        name = str(group.get("name", ""))
        preferred = (group.get("preferredVersion") or {}).get("version") or next(
            (v.get("version") for v in group.get("versions") or ()), ""
        )
        if name and preferred:
            doc = await client.get_path(f"/apis/{name}/{preferred}")
            found += parse_resource_list(name, str(preferred), doc)
    return found


def split_resource_name(arg: str) -> tuple[str, str] | None:
    """kubectl's ``splitResourceTypeName``: ``(type, name)``, or None without a slash."""
    if "/" not in arg:
        return None
    parts = arg.split("/")
    if len(parts) != 2:
        raise CommandError("arguments in resource/name form may not have more than one slash")
    if not parts[0] or not parts[1] or len(set(parts[0].split(","))) != 1:
        raise CommandError("arguments in resource/name form must have a single resource and name")
    return parts[0], parts[1]


def split_type_or_name_args(args: tuple[str, ...]) -> tuple[list[tuple[str, list[str]]], bool]:
    """``ResourceTypeOrNameArgs``: ``(type, names)`` pairs (empty names = every object of the
    type) and whether they came as ``TYPE/NAME`` tuples (``a,b NAME`` becomes ``a/NAME
    b/NAME``)."""
    if len(args) >= 2:
        kinds = list(dict.fromkeys(args[0].split(",")))
        if len(kinds) > 1:
            args = tuple(f"{kind}/{name}" for kind in kinds for name in args[1:])
    slashed = sum("/" in arg for arg in args)
    if slashed and slashed != len(args):
        raise CommandError(
            "there is no need to specify a resource type as a separate argument when passing"
            " arguments in resource/name form (e.g. 'imagestreams get resource/<resource_name>'"
            " instead of 'imagestreams get resource resource/<resource_name>'"
        )
    if slashed:
        pairs: list[tuple[str, list[str]]] = []
        for arg in args:
            kind, name = split_resource_name(arg) or ("", "")
            pairs.append((kind, [name]))
        return pairs, True
    if not args:
        return [], False
    return [(kind, list(args[1:])) for kind in dict.fromkeys(args[0].split(","))], False


def expand_categories(resources: list[ApiResource], arg: str) -> list[str]:
    """``arg`` (a comma list) with categories such as ``all`` replaced by their members."""
    out: list[str] = []
    for part in arg.split(","):
        members = [
            f"{r.plural}.{r.group}" if r.group else r.plural
            for r in resources
            if part in r.categories
        ]
        out.extend(members or [part])
    return list(dict.fromkeys(out))


def _expand_short(resources: list[ApiResource], resource: str, group: str) -> tuple[str, str]:
    for r in resources:
        if group and group != r.group:
            continue
        if resource in r.short_names:
            return r.plural, r.group
    return resource, group


def resolve(resources: list[ApiResource], arg: str) -> ApiResource:
    """The resource kubectl's REST mapper picks for a type argument."""
    resource, _, group = arg.partition(".")
    attempts: list[tuple[str, str | None, str]] = []
    parts = arg.split(".", 2)
    if len(parts) == 3:
        attempts.append((parts[0], parts[1], parts[2]))
    attempts.append((resource, None, group))
    for name, version, grp in attempts:
        name, grp = _expand_short(resources, name, grp)
        lowered = name.lower()
        for r in resources:
            if grp and r.group != grp:
                continue
            if version is not None and r.version != version:
                continue
            if lowered in (r.plural, r.singular):
                return r
    kind_attempts: list[tuple[str, str | None, str]] = []
    if len(parts) == 3:
        kind_attempts.append((parts[0], parts[1], parts[2]))
    kind_attempts.append((resource, None, group))
    for kind, version, grp in kind_attempts:
        for r in resources:
            if r.kind == kind and r.group == grp and (version is None or r.version == version):
                return r
    raise CommandError(f"the server doesn't have a resource type {go_quote(resource)}")
