"""``responses.distribution_error_text``: a token server's refusal as distribution's client reads
it (``HandleErrorResponse`` + ``errcode.Error(s).Error()``), whose ending upstream's importer
matches for ``incorrect username or password``."""

from __future__ import annotations

import json

import pytest

from imagestreams.oci.responses import distribution_error_text


def _body(doc: object) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(
            401,
            _body({"details": "incorrect username or password"}),
            "unauthorized: incorrect username or password",
            id="docker-hub-details-401",
        ),
        pytest.param(
            403,
            _body({"details": "incorrect username or password"}),
            "denied: incorrect username or password",
            id="details-403",
        ),
        pytest.param(400, _body({"details": "bad"}), "unknown: bad", id="details-other-status"),
        pytest.param(
            401, _body({"errors": [{"code": "UNAUTHORIZED"}]}), "unauthorized", id="code-only"
        ),
        pytest.param(
            401,
            _body({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}),
            "unauthorized",
            id="default-message-is-the-code",
        ),
        pytest.param(
            401,
            _body(
                {"errors": [{"code": "UNAUTHORIZED", "message": "incorrect username or password"}]}
            ),
            "unauthorized: incorrect username or password",
            id="code-and-message",
        ),
        pytest.param(
            401,
            _body(
                {
                    "errors": [
                        {"code": "UNAUTHORIZED", "message": "authentication required", "detail": []}
                    ]
                }
            ),
            "unauthorized: authentication required",
            id="detail-keeps-the-message",
        ),
        pytest.param(
            403,
            _body({"errors": [{"code": "WHATEVER", "message": "no"}]}),
            "unknown: no",
            id="unknown-code",
        ),
        pytest.param(
            401,
            _body({"errors": [{"code": "UNAUTHORIZED"}, {"code": "DENIED", "message": "x"}]}),
            "errors:\nunauthorized\ndenied: x\n",
            id="several-errors",
        ),
        pytest.param(401, b"", "unauthorized: authentication required", id="empty-401"),
        pytest.param(
            401, _body({"error": "nope"}), "unauthorized: authentication required", id="other-401"
        ),
        pytest.param(
            403,
            _body({"error": "nope"}),
            "error parsing HTTP 403 response body: no error details found in HTTP response body:"
            ' "{\\"error\\": \\"nope\\"}"',
            id="other-403",
        ),
    ],
)
def test_distribution_error_text(status: int, body: bytes, expected: str) -> None:
    assert distribution_error_text(status, body) == expected
