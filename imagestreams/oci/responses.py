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
