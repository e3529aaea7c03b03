"""List and watch for stored kinds: selectors, paging with continue tokens, consistent reads at a
revision, and watch streams with the Kubernetes semantics.

Kept apart from ``rest.store`` because it is the read path's whole story: how a ``resourceVersion``
in a request maps onto storage revisions, and what a client sees when that revision is gone
(410 Expired).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from imagestreams import errors
from imagestreams.api import selectors
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Obj, WatchEvent
from imagestreams.storage import interface as st

if TYPE_CHECKING:
    from imagestreams.rest.store import GenericStore

__all__ = [
    "BOOKMARK_INTERVAL",
    "Filter",
    "decode_continue",
    "encode_continue",
    "list_objects",
    "watch_objects",
]

BOOKMARK_INTERVAL = 15.0
"""Seconds between bookmarks on a quiet watch that asked for them."""
_TOO_LARGE_WAIT = 3.0


def encode_continue(revision: int, start_key: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start_key})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        if data.get("v") != "meta.k8s.io/v1":
            raise ValueError("version")
        rv, start = int(data["rv"]), str(data["start"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise errors.BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version "
            "meta.k8s.io/v1)"
        ) from None
    return rv, start


class Filter:
    """Label and field selectors of one request, compiled once."""

    def __init__(self, store: GenericStore, opts: ListOptions) -> None:
        self.store = store
        try:
            self.labels = selectors.parse_label_selector(opts.label_selector)
            self.fields = selectors.parse_field_selector(opts.field_selector)
        except selectors.SelectorError as exc:
            raise errors.BadRequest(str(exc)) from None
        self.empty = not opts.label_selector and not opts.field_selector
        if opts.field_selector:
            supported = set(store.strategy.field_set(_probe(store)))
            generic = supported <= {"metadata.name", "metadata.namespace"}
            for req in self.fields.requirements:
                if req.field in supported:
                    continue
                if generic:
                    raise errors.BadRequest(
                        f'"{req.field}" is not a known field selector: only '
                        + ", ".join(f'"{f}"' for f in sorted(supported))
                    )
                raise errors.BadRequest(f"field label not supported: {req.field}")

    def matches(self, obj: Obj) -> bool:
        if self.empty:
            return True
        labels = obj.get("metadata", {}).get("labels") or {}
        if not self.labels.matches(labels):
            return False
        return self.fields.matches(self.store.strategy.field_set(obj))


def _probe(store: GenericStore) -> Obj:
    return {"metadata": {"name": "", "namespace": ""}}


async def _wait_for_revision(store: GenericStore, wanted: int) -> int:
    current = await store.storage.current_revision()
    deadline = time.monotonic() + _TOO_LARGE_WAIT
    while current < wanted and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        current = await store.storage.current_revision()
    if current < wanted:
        raise _too_large(wanted, current)
    return current


def _too_large(wanted: int, current: int) -> errors.Timeout:
    return errors.Timeout(
        f"Too large resource version: {wanted}, current: {current}",
        causes=[{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        retry_after=1,
    )


def _parse_rv(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise errors.BadRequest(f"Invalid value for resourceVersion: {text!r}") from None
    if value < 0:
        raise errors.BadRequest(f"Invalid value for resourceVersion: {text!r}")
    return value


def _expired(requested: int, compacted: int) -> errors.Expired:
    return errors.Expired(f"too old resource version: {requested} ({compacted})")


async def list_objects(store: GenericStore, ctx: RequestContext, opts: ListOptions) -> Obj:
    flt = Filter(store, opts)
    prefix = store.list_prefix(ctx.namespace)
    revision, start_after = 0, ""
    if opts.continue_token:
        revision, start_after = decode_continue(opts.continue_token)
        start_after = prefix + start_after
    elif opts.resource_version and opts.resource_version != "0":
        wanted = _parse_rv(opts.resource_version)
        if opts.resource_version_match == "Exact":
            revision = wanted
        else:
            await _wait_for_revision(store, wanted)
    items: list[Obj] = []
    more = False
    last_key = ""
    list_revision = revision
    while True:
        want = opts.limit - len(items) if opts.limit else 0
        try:
            page = await store.storage.list(
                prefix, start_after=start_after, limit=want, revision=revision
            )
        except st.FutureRevision as exc:
            raise _too_large(exc.requested, exc.current) from None
        except st.Compacted as exc:
            if opts.continue_token:
                raise errors.Expired(
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use "
                    "the continue token in this response to retrieve the remainder of the "
                    "results. Continuing with the provided token results in an inconsistent "
                    "list - objects that were created, modified, or deleted between the time "
                    "the first chunk was returned and now may show up in the list."
                ) from None
            raise _expired(exc.requested, exc.compacted) from None
        list_revision = revision = page.revision
        for kv in page.items:
            obj = store.decode(kv)
            if flt.matches(obj):
                items.append(store.with_type(obj))
            last_key = kv.key
        if not page.more:
            more = False
            break
        start_after = last_key
        if opts.limit and len(items) >= opts.limit:
            more = True
            break
    metadata: dict[str, Any] = {"resourceVersion": str(list_revision)}
    if more:
        metadata["continue"] = encode_continue(list_revision, last_key[len(prefix) :])
        if flt.empty:
            remaining = await store.storage.count(prefix) - _count_upto(items)
            if remaining > 0 and not opts.continue_token:
                metadata["remainingItemCount"] = remaining
    return {
        "kind": store.info.list_kind_name,
        "apiVersion": store.info.api_version,
        "metadata": metadata,
        "items": items,
    }


def _count_upto(items: list[Obj]) -> int:
    return len(items)


def _bookmark(store: GenericStore, revision: int) -> Obj:
    return {
        "kind": store.info.kind,
        "apiVersion": store.info.api_version,
        "metadata": {"resourceVersion": str(revision)},
    }


async def watch_objects(
    store: GenericStore, ctx: RequestContext, opts: ListOptions
) -> AsyncIterator[WatchEvent]:
    """The events a Kubernetes watch delivers, ending at ``timeoutSeconds`` (if set).

    ``resourceVersion`` unset or ``"0"``: synthetic ADDED events for the current state first.
    Otherwise: every change after that revision; a compacted one yields one ERROR event with a
    410 Expired Status and ends, as kube-apiserver does.
    """
    flt = Filter(store, opts)
    prefix = store.list_prefix(ctx.namespace)
    deadline = time.monotonic() + opts.timeout_seconds if opts.timeout_seconds > 0 else None
    send_initial = opts.send_initial_events
    if send_initial is None:
        send_initial = opts.resource_version in ("", "0")
    if opts.resource_version in ("", "0"):
        listed = await list_objects(
            store,
            ctx,
            ListOptions(label_selector=opts.label_selector, field_selector=opts.field_selector),
        )
        start = int(listed["metadata"]["resourceVersion"])
        if send_initial:
            for item in listed["items"]:
                yield "ADDED", item
    else:
        start = _parse_rv(opts.resource_version)
        if send_initial:
            listed = await list_objects(
                store,
                ctx,
                ListOptions(
                    label_selector=opts.label_selector,
                    field_selector=opts.field_selector,
                    resource_version=str(start),
                    resource_version_match="Exact",
                ),
            )
            for item in listed["items"]:
                yield "ADDED", item
    if send_initial and opts.allow_watch_bookmarks and opts.send_initial_events:
        bm = _bookmark(store, start)
        bm["metadata"]["annotations"] = {"k8s.io/initial-events-end": "true"}
        yield "BOOKMARK", bm
    events = store.storage.watch(prefix, start_revision=start)
    last_rev = start
    stop = asyncio.ensure_future(ctx.done.wait()) if ctx.done is not None else None
    try:
        iterator = events.__aiter__()
        pending: asyncio.Task[st.Event] | None = None
        while True:
            timeout = BOOKMARK_INTERVAL if opts.allow_watch_bookmarks else None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                timeout = left if timeout is None else min(timeout, left)
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            waiting: set[asyncio.Future[Any]] = {pending} if stop is None else {pending, stop}
            done, _ = await asyncio.wait(
                waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if stop is not None and stop in done:
                return
            if not done:
                if opts.allow_watch_bookmarks:
                    yield "BOOKMARK", _bookmark(store, last_rev)
                continue
            task, pending = pending, None
            try:
                event = task.result()
            except (StopAsyncIteration, st.WatchOverflow):
                # A consumer that fell too far behind is cut off, as kube's cacher does; the
                # client re-watches from the last resourceVersion it saw.
                return
            except st.Compacted as exc:
                err = _expired(exc.requested, exc.compacted)
                yield "ERROR", err.status()
                return
            last_rev = event.kv.mod_revision
            translated = _translate(store, flt, event)
            if translated is not None:
                yield translated
    finally:
        if stop is not None:
            stop.cancel()
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


def _translate(store: GenericStore, flt: Filter, event: st.Event) -> WatchEvent | None:
    obj = store.decode_shared(event.kv)
    if event.type is st.EventType.DELETE:
        return ("DELETED", obj) if flt.matches(obj) else None
    now = flt.matches(obj)
    if event.prev is None:
        return ("ADDED", obj) if now else None
    if flt.empty:
        return "MODIFIED", obj
    before = flt.matches(store.decode_shared(event.prev))
    if now and before:
        return "MODIFIED", obj
    if now:
        return "ADDED", obj
    if before:
        return "DELETED", obj
    return None
