"""Reading registry answers defensively, and turning failed ones into typed errors.

Remote registries are untrusted input. Bodies are read as a stream and abandoned as soon as they
pass the caller's limit (a manifest is never more than a few MiB; an endless body must not eat
memory), error bodies are truncated before they are parsed, and the text a registry puts in an
error message is cleaned and shortened before it reaches a user-facing message. The mapping from
HTTP status and distribution error code (``{"errors": [{"code": "MANIFEST_UNKNOWN", ...}]}``) to
:mod:`imagestreams.oci.errors` lives here so every request path maps the same way.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import Any, Final

import httpx

from imagestreams.oci import errors

__all__ = [
    "ERROR_BODY_LIMIT",
    "distribution_error_text",
    "error_for",
    "next_link",
    "parse_retry_after",
    "read_limited",
    "read_truncated",
]

ERROR_BODY_LIMIT: Final = 64 * 1024
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f]+")
_LINK_RE: Final = re.compile(r"<([^>]*)>\s*((?:;\s*[^,;]+)*)")


async def read_limited(response: httpx.Response, limit: int, what: str) -> bytes:
    """The decoded body of a streamed ``response``, or TooLarge once it passes ``limit`` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise errors.TooLarge(f"{what} is {int(declared)} bytes, larger than the {limit} allowed")
    buf = bytearray()
    async for chunk in response.aiter_bytes():
        buf += chunk
        if len(buf) > limit:
            raise errors.TooLarge(f"{what} is larger than the {limit} bytes allowed")
    return bytes(buf)


async def read_truncated(response: httpx.Response, limit: int = ERROR_BODY_LIMIT) -> bytes:
    """At most ``limit`` bytes of an (error) body; the rest is dropped unread."""
    buf = bytearray()
    async for chunk in response.aiter_bytes():
        buf += chunk
        if len(buf) >= limit:
            break
    return bytes(buf[:limit])


def _clean(text: str, limit: int = 200) -> str:
    text = _UNPRINTABLE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _registry_errors(body: bytes) -> list[tuple[str, str]]:
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return []
    found: list[tuple[str, str]] = []
    if isinstance(doc, dict) and isinstance(doc.get("errors"), list):
        for entry in doc["errors"]:
            if isinstance(entry, dict):
                code = entry.get("code")
                message = entry.get("message")
                found.append(
                    (
                        str(code).upper() if isinstance(code, str) else "",
                        message if isinstance(message, str) else "",
                    )
                )
    return found


# errcode descriptors the texts depend on: value -> default message. Unknown codes decode as
# UNKNOWN, as in distribution's ``ErrorCode.UnmarshalText``.
_CODE_MESSAGES: Final = {
    "UNKNOWN": "unknown error",
    "UNSUPPORTED": "The operation is unsupported.",
    "UNAUTHORIZED": "authentication required",
    "DENIED": "requested access to the resource is denied",
    "UNAVAILABLE": "service unavailable",
    "TOOMANYREQUESTS": "too many requests",
    "NAME_INVALID": "invalid repository name",
    "NAME_UNKNOWN": "repository name not known to registry",
    "MANIFEST_UNKNOWN": "manifest unknown",
    "BLOB_UNKNOWN": "blob unknown to registry",
}
_DETAILS_CODES: Final = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}


def _code_text(code: str) -> str:
    return code.replace("_", " ").lower()


def distribution_error_text(status: int, body: bytes) -> str:
    """A 4xx answer as the distribution client's ``HandleErrorResponse`` error reads.

    A ``{"details": "..."}`` body (Docker Hub's token server) gives ``<code>: <details>`` with the
    code chosen by status; an ``{"errors": [...]}`` body gives each error as ``<code>: <message>``
    (only ``<code>`` when the message is the code's default and there is no detail); anything
    else gives ``unauthorized: authentication required`` for a 401. Upstream's importer matches
    the end of this text (``incorrect username or password``) to tell bad credentials apart.
    """
    try:
        doc: Any = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("details"), str) and doc["details"]:
        code = _DETAILS_CODES.get(status, "UNKNOWN")
        return f"{_code_text(code)}: {_clean(doc['details'], 400)}"
    found = doc.get("errors") if isinstance(doc, dict) else None
    texts: list[str] = []
    for entry in found if isinstance(found, list) else ():
        if not isinstance(entry, dict):
            continue
        raw_code, raw_message = entry.get("code"), entry.get("message")
        code = raw_code if isinstance(raw_code, str) and raw_code in _CODE_MESSAGES else "UNKNOWN"
        message = _clean(raw_message, 400) if isinstance(raw_message, str) else ""
        if entry.get("detail") is None and message in ("", _CODE_MESSAGES[code]):
            texts.append(_code_text(code))
        else:
            texts.append(f"{_code_text(code)}: {message}")
    if len(texts) == 1:
        return texts[0]
    if texts:
        return "errors:\n" + "".join(f"{t}\n" for t in texts)
    if status == 401:
        return "unauthorized: authentication required"
    reason = "no error details found in HTTP response body" if doc is not None else "invalid JSON"
    quoted = json.dumps(_clean(body.decode("utf-8", "replace"), 200), ensure_ascii=False)
    return f"error parsing HTTP {status} response body: {reason}: {quoted}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def error_for(response: httpx.Response, body: bytes, what: str) -> errors.RegistryError:
    """The typed error for a non-success ``response`` to a request about ``what``."""
    status = response.status_code
    found = _registry_errors(body)
    code, text = found[0] if found else ("", "")
    detail = f": {_clean(text)}" if text else ""
    if status == 429 or code == "TOOMANYREQUESTS":
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return errors.TooManyRequests(
            f"the registry is rate limiting requests for {what}{detail}", retry_after=retry_after
        )
    if status == 401:
        return errors.Unauthorized(
            f"authentication required for {what}{detail}", registry_code=code
        )
    if status == 403 or code == "DENIED":
        return errors.Forbidden(
            f"access to {what} denied{detail}", http_status=status, registry_code=code
        )
    if status == 404 or code in ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN"):
        cls: type[errors.NotFound] = {
            "MANIFEST_UNKNOWN": errors.ManifestUnknown,
            "NAME_UNKNOWN": errors.NameUnknown,
            "BLOB_UNKNOWN": errors.BlobUnknown,
        }.get(code, errors.NotFound)
        return cls(f"{what} not found{detail}", http_status=status, registry_code=code)
    return errors.ProtocolError(
        f"the registry answered HTTP {status} for {what}{detail}",
        http_status=status,
        registry_code=code,
    )


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` target of the ``Link`` headers (RFC 8288), unresolved, or None."""
    for header in response.headers.get_list("link"):
        for match in _LINK_RE.finditer(header):
            target, params = match.groups()
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name.strip().lower() == "rel" and "next" in value.strip().strip('"').split():
                    return target.strip()
    return None
