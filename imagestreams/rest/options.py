"""Parsed query options of list, watch, get and delete calls (``metav1.ListOptions`` & co)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imagestreams import errors
from imagestreams.validation import field

__all__ = ["ListOptions", "parse_bool", "parse_list_options"]


@dataclass(frozen=True, slots=True)
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    watch: bool = False
    timeout_seconds: int = 0
    allow_watch_bookmarks: bool = False
    send_initial_events: bool | None = None


def parse_bool(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1", "yes", "")


def _int(query: Mapping[str, str], name: str) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise errors.BadRequest(f'invalid value for {name}: "{raw}" is not an integer') from None
    return value


def parse_list_options(query: Mapping[str, str]) -> ListOptions:
    """Parse and check the combinations kube-apiserver rejects (``ValidateListOptions``)."""
    rv = query.get("resourceVersion", "")
    match = query.get("resourceVersionMatch", "")
    limit = _int(query, "limit")
    cont = query.get("continue", "")
    watch = parse_bool(query.get("watch")) if "watch" in query else False
    if limit < 0:
        limit = 0
    if match and match not in ("NotOlderThan", "Exact"):
        raise errors.Invalid(
            "ListOptions",
            "meta.k8s.io",
            "",
            [_unsupported("resourceVersionMatch", match)],
        )
    if match and not rv:
        raise _list_invalid(
            "resourceVersionMatch",
            match,
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )
    if match == "Exact" and rv == "0":
        raise _list_invalid(
            "resourceVersionMatch",
            match,
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        )
    if cont and rv and rv != "0":
        raise _list_invalid(
            "resourceVersion", rv, "specifying resource version is not allowed when using continue"
        )
    raw_send = query.get("sendInitialEvents")
    return ListOptions(
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        limit=limit,
        continue_token=cont,
        resource_version=rv,
        resource_version_match=match,
        watch=watch,
        timeout_seconds=_int(query, "timeoutSeconds"),
        allow_watch_bookmarks=parse_bool(query.get("allowWatchBookmarks"))
        if "allowWatchBookmarks" in query
        else False,
        send_initial_events=None if raw_send is None else parse_bool(raw_send),
    )


def _unsupported(name: str, value: str) -> field.FieldError:
    return field.not_supported(name, value, ["Exact", "NotOlderThan"])


def _list_invalid(name: str, value: str, detail: str) -> errors.Invalid:
    return errors.Invalid("ListOptions", "meta.k8s.io", "", [field.forbidden(name, detail)])
