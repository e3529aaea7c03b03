"""Which tags a repository import takes first: library-go's ``imageutil.PrioritizeTags``.

A repository import (``spec.repository``) imports at most N tags (spec §13.7) and reports the
rest as ``additionalTags``, so the order decides *which* tags users get. Upstream's order:

1. ``latest``;
2. "minor" versions, newest first: ``5.1``, ``v5.1``, ``5.1-rc1`` (``v`` prefix ignored for the
   comparison, the unprefixed tag first on ties);
3. full semantic versions, newest first: ``5.1.3``, ``v5.1.3-beta``;
4. everything else in byte order.

Versions parse and compare as blang/semver does (ASCII digits only, no leading zeros, SemVer
2.0.0 precedence, build metadata ignored). ``oc describe is`` lists tags in the same order, so the
CLI uses this module too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Final

__all__ = ["SemVer", "parse_semver", "prioritize_tags", "sort_repository_tags"]

_NUM: Final = r"(?:0|[1-9]\d*)"
_IDENT: Final = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER_RE: Final = re.compile(
    rf"({_NUM})\.({_NUM})\.({_NUM})(?:-({_IDENT}(?:\.{_IDENT})*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?",
    re.ASCII,
)
_MINOR_RE: Final = re.compile(r"\d+\.\d+", re.ASCII)
_MINOR_WITH_PATCH_RE: Final = re.compile(r"(\d+\.\d+)-\w+", re.ASCII)

_LATEST, _MINOR, _FULL, _OTHER = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class SemVer:
    """A parsed semantic version; ``pre`` holds the pre-release identifiers."""

    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    def compare(self, other: SemVer) -> int:
        """-1, 0 or 1 by SemVer precedence."""
        mine = (self.major, self.minor, self.patch)
        theirs = (other.major, other.minor, other.patch)
        if mine != theirs:
            return -1 if mine < theirs else 1
        if not self.pre or not other.pre:
            # A version without pre-release identifiers is the greater one.
            return (not self.pre) - (not other.pre)
        for a, b in zip(self.pre, other.pre, strict=False):
            if a == b:
                continue
            if isinstance(a, int) and isinstance(b, int):
                return -1 if a < b else 1
            if isinstance(a, int):
                return -1
            if isinstance(b, int):
                return 1
            return -1 if a < b else 1
        return (len(self.pre) > len(other.pre)) - (len(self.pre) < len(other.pre))


def parse_semver(text: str) -> SemVer | None:
    """Strict ``MAJOR.MINOR.PATCH[-pre][+build]`` (no leading zeros), else ``None``."""
    match = _SEMVER_RE.fullmatch(text)
    if match is None:
        return None
    major, minor, patch, pre, _build = match.groups()
    identifiers: tuple[int | str, ...] = ()
    if pre:
        identifiers = tuple(int(p) if p.isdigit() else p for p in pre.split("."))
    return SemVer(int(major), int(minor), int(patch), identifiers)


@dataclass(frozen=True, slots=True)
class _Prioritized:
    tag: str
    priority: int
    version: SemVer | None
    prefix: str


def _prioritize(tag: str) -> _Prioritized:
    if tag == "latest":
        return _Prioritized(tag, _LATEST, None, "")
    prefix, short = ("v", tag[1:]) if tag.startswith("v") else ("", tag)
    version = parse_semver(short)
    if version is not None:
        return _Prioritized(tag, _FULL, version, prefix)
    if _MINOR_RE.fullmatch(short):
        version = parse_semver(short + ".0")
        if version is not None:
            return _Prioritized(tag, _MINOR, version, prefix)
    match = _MINOR_WITH_PATCH_RE.fullmatch(short)
    if match is not None:
        version = parse_semver(short.replace(match.group(1), match.group(1) + ".0", 1))
        if version is not None:
            return _Prioritized(tag, _MINOR, version, prefix)
    return _Prioritized(tag, _OTHER, None, prefix)


def _compare(a: _Prioritized, b: _Prioritized) -> int:
    if a.priority != b.priority:
        return -1 if a.priority < b.priority else 1
    if a.version is None or b.version is None:
        return (a.tag > b.tag) - (a.tag < b.tag)
    cmp = a.version.compare(b.version)
    if cmp:
        return -cmp  # newer first
    if a.prefix != b.prefix:
        return -1 if a.prefix < b.prefix else 1
    return (a.tag > b.tag) - (a.tag < b.tag)


def prioritize_tags(tags: Iterable[str]) -> list[str]:
    """``tags`` in upstream's priority order (a new list): imports and ``oc describe`` use it."""
    ranked = sorted((_prioritize(t) for t in tags), key=cmp_to_key(_compare))
    return [p.tag for p in ranked]


def sort_repository_tags(tags: Iterable[str], limit: int) -> tuple[list[str], list[str]]:
    """(tags to import, additional tags) for a repository listing, as upstream splits them.

    Duplicates are dropped, an empty tag counts as ``latest``; ``limit`` -1 means no limit.
    """
    unique = sorted({t or "latest" for t in tags})
    ordered = prioritize_tags(unique)
    if limit < 0:
        return ordered, []
    return ordered[:limit], ordered[limit:]
