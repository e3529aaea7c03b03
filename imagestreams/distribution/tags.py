"""``/v2/<ns>/<stream>/tags/list`` and ``/v2/_catalog``, with distribution's pagination.

A repository's tags are the stream's status tags that have at least one event naming a valid
image digest (upstream's tag service); the catalog is every image stream as ``<ns>/<name>``.
Both lists are sorted; ``n`` caps a page and ``last`` starts after an entry. When entries remain
after a page, ``Link: </v2/...?last=<last entry>&n=<n>>; rel="next"`` points to the next one,
exactly as distribution's ``createLinkEntry`` writes it (query keys in ``url.Values`` order).
An unknown repository is ``NAME_UNKNOWN`` with detail ``{"name": ...}``: distribution's tags
handler builds that map itself (lower-case key), unlike the ``{"Name": ...}`` of
``ErrRepositoryUnknown`` that the manifest paths report.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import msgspec
from starlette.responses import Response

from imagestreams.distribution.errors import RegistryError
from imagestreams.distribution.imagestreams import head_event, status_tags
from imagestreams.distribution.repository import Registry

__all__ = ["catalog", "paginate", "tags_list"]

_JSON = "application/json; charset=utf-8"


def paginate(
    entries: list[str], query: Mapping[str, str], path: str
) -> tuple[list[str], str | None]:
    """One page of sorted ``entries`` and the ``Link`` header value for the next, if any."""
    page = sorted(entries)
    last = query.get("last", "")
    if last:
        page = [e for e in page if e > last]
    raw_n = query.get("n")
    if raw_n is None or raw_n == "":
        return page, None
    try:
        n = int(raw_n)
    except ValueError:
        n = -1
    if n < 0 or not raw_n.isdigit():
        raise RegistryError("PAGINATION_NUMBER_INVALID", detail={"n": raw_n})
    if n >= len(page):
        return page, None
    if n == 0:
        return [], None
    link = f'<{path}?{urlencode({"last": page[n - 1], "n": str(n)})}>; rel="next"'
    return page[:n], link


def _respond(doc: dict[str, object], link: str | None) -> Response:
    headers = {"Link": link} if link else {}
    return Response(msgspec.json.encode(doc), 200, headers=headers, media_type=_JSON)


async def tags_list(reg: Registry, query: Mapping[str, str], namespace: str, name: str) -> Response:
    repository = f"{namespace}/{name}"
    stream = await reg.streams.stream(namespace, name)
    if stream is None:
        raise RegistryError("NAME_UNKNOWN", detail={"name": repository})
    tags = [
        str(entry.get("tag"))
        for entry in status_tags(stream)
        if entry.get("tag") and head_event(stream, str(entry.get("tag"))) is not None
    ]
    page, link = paginate(tags, query, f"/v2/{repository}/tags/list")
    return _respond({"name": repository, "tags": page}, link)


async def catalog(reg: Registry, query: Mapping[str, str]) -> Response:
    repositories = await reg.streams.repositories()
    page, link = paginate(repositories, query, "/v2/_catalog")
    return _respond({"repositories": page}, link)
