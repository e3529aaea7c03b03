"""The one error tree of the API server.

Every layer above ``validation`` raises these; the HTTP server turns them into a Kubernetes
``Status`` in exactly one place. Constructors mirror apimachinery's ``errors.New*`` helpers so that
``reason``, ``code``, ``message`` and ``details`` match kube-apiserver byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imagestreams.validation import field

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "Expired",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "RequestEntityTooLarge",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "qualified",
]


def qualified(resource: str, group: str) -> str:
    """``imagestreams`` + ``image.openshift.io`` -> ``imagestreams.image.openshift.io``."""
    return f"{resource}.{group}" if group else resource


class ApiError(Exception):
    """Base of all API errors; ``status()`` is the wire form."""

    code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        causes: Sequence[dict[str, str]] = (),
        retry_after: int | None = None,
        uid: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = list(causes)
        self.retry_after = retry_after
        self.uid = uid

    def details(self) -> dict[str, Any] | None:
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.uid:
            details["uid"] = self.uid
        if self.causes:
            details["causes"] = self.causes
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        return details or None

    def status(self) -> dict[str, Any]:
        """The ``meta.k8s.io/v1`` Status object for this error."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details = self.details()
        if details is not None:
            status["details"] = details
        if not self.reason:
            del status["reason"]
        return status


class BadRequest(ApiError):
    code = 400
    reason = "BadRequest"


class Unauthorized(ApiError):
    code = 401
    reason = "Unauthorized"


class Forbidden(ApiError):
    code = 403
    reason = "Forbidden"

    @classmethod
    def for_resource(cls, resource: str, group: str, name: str, message: str) -> Forbidden:
        """``<resource> "<name>" is forbidden: <message>``, as ``errors.NewForbidden``."""
        q = qualified(resource, group)
        text = f'{q} "{name}" is forbidden: {message}' if name else f"{q} is forbidden: {message}"
        return cls(text, name=name, group=group, kind=resource)


class NotFound(ApiError):
    code = 404
    reason = "NotFound"

    @classmethod
    def for_resource(cls, resource: str, group: str, name: str) -> NotFound:
        return cls(
            f'{qualified(resource, group)} "{name}" not found',
            name=name,
            group=group,
            kind=resource,
        )


class MethodNotAllowed(ApiError):
    code = 405
    reason = "MethodNotAllowed"


class NotAcceptable(ApiError):
    code = 406
    reason = "NotAcceptable"


class AlreadyExists(ApiError):
    code = 409
    reason = "AlreadyExists"

    @classmethod
    def for_resource(cls, resource: str, group: str, name: str) -> AlreadyExists:
        return cls(
            f'{qualified(resource, group)} "{name}" already exists',
            name=name,
            group=group,
            kind=resource,
        )


class Conflict(ApiError):
    code = 409
    reason = "Conflict"

    @classmethod
    def for_resource(cls, resource: str, group: str, name: str, why: str) -> Conflict:
        return cls(
            f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}',
            name=name,
            group=group,
            kind=resource,
        )


class Gone(ApiError):
    code = 410
    reason = "Gone"


class Expired(ApiError):
    code = 410
    reason = "Expired"


class RequestEntityTooLarge(ApiError):
    code = 413
    reason = "RequestEntityTooLarge"


class UnsupportedMediaType(ApiError):
    code = 415
    reason = "UnsupportedMediaType"


class Invalid(ApiError):
    """422 with one cause per field error, as ``errors.NewInvalid``."""

    code = 422
    reason = "Invalid"

    def __init__(
        self, kind: str, group: str, name: str, errors: Sequence[field.FieldError]
    ) -> None:
        qkind = f"{kind}.{group}" if group else kind
        if len(errors) == 1:
            agg = str(errors[0])
        else:
            agg = "[" + ", ".join(str(e) for e in errors) + "]"
        causes = [{"reason": e.type.value, "message": e.body(), "field": e.field} for e in errors]
        super().__init__(
            f'{qkind} "{name}" is invalid: {agg}',
            name=name,
            group=group,
            kind=kind,
            causes=causes,
        )
        self.errors = list(errors)


class TooManyRequests(ApiError):
    code = 429
    reason = "TooManyRequests"


class InternalError(ApiError):
    code = 500
    reason = "InternalError"


class ServiceUnavailable(ApiError):
    code = 503
    reason = "ServiceUnavailable"


class Timeout(ApiError):
    code = 504
    reason = "Timeout"
