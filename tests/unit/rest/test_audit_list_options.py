"""List and watch query checks answer as kube-apiserver's ``ValidateListOptions`` does.

Watches and lists have different rules upstream (apimachinery
``pkg/apis/meta/internalversion/validation/validation.go``): a watch may carry
``sendInitialEvents=true&resourceVersionMatch=NotOlderThan`` without a resourceVersion (what
client-go's WatchList informers send), a list may not carry ``sendInitialEvents`` at all, and
errors accumulate rather than stopping at the first.
"""

from __future__ import annotations

import pytest

from imagestreams import errors
from imagestreams.rest.options import ListOptions, parse_list_options

_RVM_UNSUPPORTED_LIST = (
    'resourceVersionMatch: Unsupported value: "Bogus": supported values: '
    '"Exact", "NotOlderThan", ""'
)
_NEEDS_RV = (
    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
    "resourceVersion is provided"
)
_NEEDS_SIE = (
    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless "
    "sendInitialEvents is provided"
)
_SIE_NEEDS_NOT_OLDER = (
    "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
    "resourceVersionMatch to NotOlderThan"
)
_WITH_CONTINUE = (
    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"
)


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        pytest.param({"resourceVersionMatch": "Exact"}, [_NEEDS_RV], id="list-match-without-rv"),
        pytest.param(
            {"resourceVersionMatch": "Bogus", "resourceVersion": "1"},
            [_RVM_UNSUPPORTED_LIST],
            id="list-match-unsupported",
        ),
        pytest.param(
            {"resourceVersionMatch": "Bogus"},
            [_NEEDS_RV, _RVM_UNSUPPORTED_LIST],
            id="list-errors-accumulate",
        ),
        pytest.param(
            {"resourceVersionMatch": "Exact", "resourceVersion": "0"},
            [
                'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden '
                'for resourceVersion "0"'
            ],
            id="list-exact-at-zero",
        ),
        pytest.param(
            {"resourceVersionMatch": "NotOlderThan", "resourceVersion": "5", "continue": "abc"},
            [_WITH_CONTINUE],
            id="list-match-with-continue",
        ),
        pytest.param(
            {"sendInitialEvents": "true"},
            ["sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"],
            id="list-send-initial-events",
        ),
        pytest.param(
            {"watch": "true", "resourceVersionMatch": "NotOlderThan", "resourceVersion": "5"},
            [_NEEDS_SIE],
            id="watch-match-without-send-initial-events",
        ),
        pytest.param(
            {"watch": "true", "sendInitialEvents": "true"},
            [_SIE_NEEDS_NOT_OLDER],
            id="watch-send-initial-events-without-match",
        ),
        pytest.param(
            {"watch": "true", "sendInitialEvents": "true", "resourceVersionMatch": "Exact"},
            [
                _SIE_NEEDS_NOT_OLDER,
                'resourceVersionMatch: Unsupported value: "Exact": supported values: '
                '"NotOlderThan"',
            ],
            id="watch-exact-not-supported",
        ),
    ],
)
def test_rejected_combinations(query: dict[str, str], messages: list[str]) -> None:
    with pytest.raises(errors.Invalid) as caught:
        parse_list_options(query)
    status = caught.value.status()
    assert status["code"] == 422
    assert status["reason"] == "Invalid"
    assert status["details"]["kind"] == "ListOptions"
    assert status["details"]["group"] == "meta.k8s.io"
    assert [e.field for e in caught.value.errors] == [m.split(":", 1)[0] for m in messages]
    assert [str(e) for e in caught.value.errors] == messages


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            {
                "watch": "true",
                "sendInitialEvents": "true",
                "resourceVersionMatch": "NotOlderThan",
                "allowWatchBookmarks": "true",
            },
            ListOptions(
                resource_version_match="NotOlderThan",
                watch=True,
                allow_watch_bookmarks=True,
                send_initial_events=True,
            ),
            id="watch-list-informer-request",
        ),
        pytest.param(
            {"watch": "1", "resourceVersion": "7", "timeoutSeconds": "30"},
            ListOptions(resource_version="7", watch=True, timeout_seconds=30),
            id="plain-watch",
        ),
        pytest.param(
            {"resourceVersion": "7", "resourceVersionMatch": "Exact", "limit": "2"},
            ListOptions(resource_version="7", resource_version_match="Exact", limit=2),
            id="exact-list",
        ),
    ],
)
def test_accepted_combinations(query: dict[str, str], expected: ListOptions) -> None:
    assert parse_list_options(query) == expected


def test_resource_version_with_continue_is_a_bad_request() -> None:
    with pytest.raises(errors.BadRequest) as caught:
        parse_list_options({"continue": "token", "resourceVersion": "12"})
    status = caught.value.status()
    assert (status["code"], status["reason"], status["message"]) == (
        400,
        "BadRequest",
        "specifying resource version is not allowed when using continue",
    )
