"""Field paths and field errors, shaped like apimachinery's ``util/validation/field``.

Validation functions return ``list[FieldError]``; the REST layer turns a non-empty list into one
``Invalid`` error (422) whose ``details.causes`` carry ``field`` paths and messages exactly as
kube-apiserver formats them (``spec.tags[0].name: Required value``).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ErrorType",
    "FieldError",
    "FieldPath",
    "Raw",
    "duplicate",
    "forbidden",
    "format_value",
    "internal",
    "invalid",
    "not_found",
    "not_supported",
    "required",
    "too_long",
    "too_many",
]


class ErrorType(enum.Enum):
    """The error kinds; ``.value`` is the ``StatusCause.type`` kube-apiserver sends."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    @property
    def text(self) -> str:
        """The human phrase apimachinery prints for this type."""
        return _TEXT[self]


_TEXT = {
    ErrorType.NOT_FOUND: "Not found",
    ErrorType.REQUIRED: "Required value",
    ErrorType.DUPLICATE: "Duplicate value",
    ErrorType.INVALID: "Invalid value",
    ErrorType.NOT_SUPPORTED: "Unsupported value",
    ErrorType.FORBIDDEN: "Forbidden",
    ErrorType.TOO_LONG: "Too long",
    ErrorType.TOO_MANY: "Too many",
    ErrorType.INTERNAL: "Internal error",
    ErrorType.TYPE_INVALID: "Invalid value",
}

_NO_VALUE = {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}


@dataclass(frozen=True, slots=True)
class FieldPath:
    """An immutable path such as ``spec.tags[0].from.name``."""

    _parts: tuple[str, ...] = ()

    @classmethod
    def root(cls, *names: str) -> FieldPath:
        path = cls()
        for name in names:
            path = path.child(name)
        return path

    def child(self, name: str, *more: str) -> FieldPath:
        path = FieldPath((*self._parts, f".{name}" if self._parts else name))
        for extra in more:
            path = path.child(extra)
        return path

    def index(self, i: int) -> FieldPath:
        return FieldPath((*self._parts, f"[{i}]"))

    def key(self, k: str) -> FieldPath:
        return FieldPath((*self._parts, f"[{k}]"))

    def __str__(self) -> str:
        return "".join(self._parts)


class Raw(str):
    """A bad value already rendered as Go prints it (a ``time.Time``, a ``%#v`` struct);
    ``format_value`` emits it verbatim instead of quoting it."""

    __slots__ = ()


def format_value(value: Any) -> str:
    """Format a bad value the way Go's ``%q``/``%v``/``%#v`` would for the common cases."""
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[]string{" + ", ".join(format_value(v) for v in value) + "}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field."""

    type: ErrorType
    field: str
    bad_value: Any = None
    detail: str = ""

    def body(self) -> str:
        """The message without the field prefix (``StatusCause.message``)."""
        if self.type in _NO_VALUE:
            text = self.type.text
        else:
            text = f"{self.type.text}: {format_value(self.bad_value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()


def _p(path: FieldPath | str) -> str:
    return str(path)


def required(path: FieldPath | str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, _p(path), None, detail)


def invalid(path: FieldPath | str, value: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.INVALID, _p(path), value, detail)


def forbidden(path: FieldPath | str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, _p(path), None, detail)


def duplicate(path: FieldPath | str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, _p(path), value)


def not_found(path: FieldPath | str, value: Any) -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, _p(path), value)


def not_supported(path: FieldPath | str, value: Any, valid: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(v) for v in valid) if valid else ""
    return FieldError(ErrorType.NOT_SUPPORTED, _p(path), value, detail)


def too_long(path: FieldPath | str, value: Any, max_length: int) -> FieldError:
    return FieldError(
        ErrorType.TOO_LONG, _p(path), value, f"may not be more than {max_length} bytes"
    )


def too_many(path: FieldPath | str, actual: int, max_items: int) -> FieldError:
    return FieldError(ErrorType.TOO_MANY, _p(path), actual, f"must have at most {max_items} items")


def internal(path: FieldPath | str, detail: str) -> FieldError:
    return FieldError(ErrorType.INTERNAL, _p(path), None, detail)
