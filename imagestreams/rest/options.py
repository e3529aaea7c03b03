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
    if not -(2**63) <= value < 2**63:  # Go decodes these into an int64
        raise errors.BadRequest(
            f'invalid value for {name}: strconv.ParseInt: parsing "{raw}": value out of range'
        )
    return value


def parse_list_options(query: Mapping[str, str], *, watch: bool | None = None) -> ListOptions:
    """Parse and check the combinations kube-apiserver rejects (``ValidateListOptions``).
    ``watch`` says the request is a watch however it was spelled (``?watch=true`` or the
    legacy ``/watch/`` path prefix); ``None`` reads it from the query."""
    rv = query.get("resourceVersion", "")
    match = query.get("resourceVersionMatch", "")
    limit = _int(query, "limit")
    cont = query.get("continue", "")
    if watch is None:
        watch = parse_bool(query.get("watch")) if "watch" in query else False
    if limit < 0:
        limit = 0
    raw_send = query.get("sendInitialEvents")
    send = None if raw_send is None else parse_bool(raw_send)
    problems = (
        _watch_problems(match, cont, send) if watch else _list_problems(rv, match, cont, send)
    )
    if problems:
        raise errors.Invalid("ListOptions", "meta.k8s.io", "", problems)
    if cont and rv and rv != "0":
        # The storage layer's answer (etcd3 ``GetList``), not a validation error.
        raise errors.BadRequest("specifying resource version is not allowed when using continue")
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
        send_initial_events=send,
    )


_RVM = "resourceVersionMatch"


def _list_problems(rv: str, match: str, cont: str, send: bool | None) -> list[field.FieldError]:
    """``ValidateListOptions`` for a list (apimachinery ``internalversion/validation``)."""
    problems: list[field.FieldError] = []
    if match:
        if not rv:
            problems.append(
                field.forbidden(
                    _RVM, "resourceVersionMatch is forbidden unless resourceVersion is provided"
                )
            )
        if cont:
            problems.append(
                field.forbidden(_RVM, "resourceVersionMatch is forbidden when continue is provided")
            )
        if match not in ("Exact", "NotOlderThan"):
            problems.append(field.not_supported(_RVM, match, ["Exact", "NotOlderThan", ""]))
        if match == "Exact" and rv == "0":
            problems.append(
                field.forbidden(
                    _RVM, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
                )
            )
    if send is not None:
        problems.append(
            field.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
        )
    return problems


def _watch_problems(match: str, cont: str, send: bool | None) -> list[field.FieldError]:
    """``validateWatchOptions`` with the WatchList feature on (we serve ``sendInitialEvents``)."""
    problems: list[field.FieldError] = []
    if send is not None and match != "NotOlderThan":
        problems.append(
            field.forbidden(
                _RVM, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
            )
        )
    if match:
        if send is None:
            problems.append(
                field.forbidden(
                    _RVM,
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided",
                )
            )
        if match != "NotOlderThan":
            problems.append(field.not_supported(_RVM, match, ["NotOlderThan"]))
        if cont:
            problems.append(
                field.forbidden(_RVM, "resourceVersionMatch is forbidden when continue is provided")
            )
    return problems
