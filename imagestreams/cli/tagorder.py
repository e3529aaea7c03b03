"""The order in which oc lists the tags of an image stream (library-go ``PrioritizeTags``).

``oc describe is`` prints ``latest`` first, then minor versions (``5.1``, ``v5.1``,
``5.1-rc1``) newest first, then full semantic versions (``5.1.3``) newest first, then everything
else alphabetically. Versions are compared with blang/semver's rules (pre-releases sort below
their release; numeric identifiers below alphanumeric ones), re-implemented here because no
dependency of ours parses semver the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["SemVer", "parse_semver", "prioritize_tags"]

_MINOR = re.compile(r"\d+\.\d+", re.ASCII)
_MINOR_WITH_PATCH = re.compile(r"(\d+\.\d+)-\w+", re.ASCII)
_ALNUM = re.compile(r"[0-9A-Za-z-]+")
_PRIORITY_LATEST, _PRIORITY_MINOR, _PRIORITY_FULL, _PRIORITY_OTHER = range(4)


@dataclass(frozen=True, slots=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    def compare(self, other: SemVer) -> int:
        for a, b in (
            (self.major, other.major),
            (self.minor, other.minor),
            (self.patch, other.patch),
        ):
            if a != b:
                return 1 if a > b else -1
        if not self.pre or not other.pre:
            return (not self.pre) - (not other.pre)
        for x, y in zip(self.pre, other.pre, strict=False):
            if x == y:
                continue
            if isinstance(x, int) != isinstance(y, int):
                return -1 if isinstance(x, int) else 1
            return 1 if x > y else -1  # type: ignore[operator]
        return (len(self.pre) > len(other.pre)) - (len(self.pre) < len(other.pre))


def _number(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        return None
    return int(text)


def parse_semver(text: str) -> SemVer | None:
    """blang/semver ``Parse`` (strict ``MAJOR.MINOR.PATCH[-pre][+build]``), None if invalid."""
    parts = text.split(".", 2)
    if len(parts) != 3:
        return None
    major, minor = _number(parts[0]), _number(parts[1])
    rest, _, build = parts[2].partition("+")
    if "+" in parts[2] and not all(b and _ALNUM.fullmatch(b) for b in build.split(".")):
        return None
    patch_text, dash, pre_text = rest.partition("-")
    patch = _number(patch_text)
    if major is None or minor is None or patch is None:
        return None
    pre: list[int | str] = []
    if dash:
        for ident in pre_text.split("."):
            if not ident or not _ALNUM.fullmatch(ident):
                return None
            if ident.isdigit():
                value = _number(ident)
                if value is None:
                    return None
                pre.append(value)
            else:
                pre.append(ident)
    return SemVer(major, minor, patch, tuple(pre))


@dataclass(frozen=True, slots=True)
class _Prioritized:
    tag: str
    priority: int
    version: SemVer | None = None
    prefix: str = ""


def _prioritize(tag: str) -> _Prioritized:
    if tag == "latest":
        return _Prioritized(tag, _PRIORITY_LATEST)
    prefix, short = ("v", tag[1:]) if tag.startswith("v") else ("", tag)
    version = parse_semver(short)
    if version is not None:
        return _Prioritized(tag, _PRIORITY_FULL, version, prefix)
    if _MINOR.fullmatch(short):
        version = parse_semver(short + ".0")
        if version is not None:
            return _Prioritized(tag, _PRIORITY_MINOR, version, prefix)
    match = _MINOR_WITH_PATCH.fullmatch(short)
    if match:
        version = parse_semver(short.replace(match[1], match[1] + ".0", 1))
        if version is not None:
            return _Prioritized(tag, _PRIORITY_MINOR, version, prefix)
    return _Prioritized(tag, _PRIORITY_OTHER, None, prefix)


def _compare(a: _Prioritized, b: _Prioritized) -> int:
    if a.priority != b.priority:
        return -1 if a.priority < b.priority else 1
    if a.priority == _PRIORITY_LATEST:
        return 0
    if a.priority == _PRIORITY_OTHER or a.version is None or b.version is None:
        return (a.tag > b.tag) - (a.tag < b.tag)
    cmp = a.version.compare(b.version)
    if cmp:
        return -cmp  # newer first
    return (a.prefix > b.prefix) - (a.prefix < b.prefix)


def prioritize_tags(tags: Iterable[str]) -> list[str]:
    """``tags`` in oc's display order."""
    ranked = sorted((_prioritize(t) for t in tags), key=functools.cmp_to_key(_compare))
    return [p.tag for p in ranked]
