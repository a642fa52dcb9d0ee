"""Watch: a collection's changes as newline-delimited JSON, as the Kubernetes API streams them.

`GET .../{plural}?watch=true` answers one `{"type": ..., "object": ...}` line
per event: first every current object as ADDED (Kubernetes' answer when no
resourceVersion is given), then each change, until the client goes away,
`timeoutSeconds` pass, or the store closes. With `allowWatchBookmarks=true`
a BOOKMARK annotated `k8s.io/initial-events-end` marks the end of the
current objects, as Kubernetes sends it after `sendInitialEvents`.

No change falls between the listing and the watch: the watch is started
first, and `WatchView` drops the changes the listing already shows. It also
plays the API server's part for filtered watches: an object that starts to
match the selectors is ADDED, one that stops matching is DELETED.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass

from scurry.errors import InvalidInput, ScurryError
from scurry.models.resources import KindInfo
from scurry.ports import Obj, ResourceStore, WatchEvent
from scurry.server.selection import Selection
from scurry.server.streaming import ClosingStream
from scurry.store.apierrors import WatchExpired

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
Key = tuple[str, str]


@dataclass(frozen=True)
class WatchOptions:
    """What a watch request asks for, checked."""

    selection: Selection
    send_initial_events: bool = True
    bookmarks: bool = False
    timeout_seconds: float | None = None


def watch_options(
    selection: Selection,
    *,
    resource_version: str | None,
    send_initial_events: bool | None,
    allow_watch_bookmarks: bool,
    timeout_seconds: int | None,
) -> WatchOptions:
    """Refuse a starting resourceVersion: the store's watches start now, they cannot replay."""
    if resource_version not in (None, "", "0"):
        raise InvalidInput(
            "resourceVersion: a watch cannot start from a given version here; omit it to "
            "receive the current objects as ADDED events, then every change"
        )
    return WatchOptions(
        selection,
        send_initial_events is not False,
        allow_watch_bookmarks,
        float(timeout_seconds) if timeout_seconds else None,
    )


def _key(obj: Obj) -> Key:
    meta = obj.get("metadata", {})
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def _rv(obj: Obj) -> int | None:
    try:
        return int(obj.get("metadata", {}).get("resourceVersion"))
    except (TypeError, ValueError):
        return None


class WatchView:
    """The objects one watcher has been shown, and the version it saw each at.

    Seeded with the listing; `translate` turns a store event into what this
    watcher must see, or None: a change the listing already shows, or one
    about an object outside its selection.
    """

    def __init__(self, selection: Selection, listed: Iterable[Obj]) -> None:
        self._selection = selection
        self._shown: dict[Key, int | None] = {}
        for obj in listed:
            self._shown[_key(obj)] = _rv(obj)
        # Any change up to the newest listed version happened before the listing was read.
        self._floor = max((rv for rv in self._shown.values() if rv is not None), default=None)

    @property
    def floor(self) -> int | None:
        return self._floor

    def translate(self, event: WatchEvent) -> WatchEvent | None:
        obj, key, rv = event.object, _key(event.object), _rv(event.object)
        if self._replayed(key, rv):
            return None
        shown = key in self._shown
        if event.type != "DELETED" and self._selection.matches(obj):
            self._shown[key] = rv
            return WatchEvent("MODIFIED" if shown else "ADDED", obj)
        if shown:
            del self._shown[key]
            return WatchEvent("DELETED", obj)
        return None

    def _replayed(self, key: Key, rv: int | None) -> bool:
        if rv is None:
            return False
        if key in self._shown:
            seen = self._shown[key]
            return seen is not None and rv <= seen
        return self._floor is not None and rv <= self._floor


def event_line(type_: str, obj: Obj) -> bytes:
    return (json.dumps({"type": type_, "object": obj}, separators=(",", ":")) + "\n").encode()


def bookmark(info: KindInfo, floor: int | None) -> bytes:
    """The end of the initial events, as Kubernetes marks it."""
    obj = {
        "apiVersion": info.api_version,
        "kind": info.kind,
        "metadata": {
            "resourceVersion": str(floor or 0),
            "annotations": {INITIAL_EVENTS_END: "true"},
        },
    }
    return event_line("BOOKMARK", obj)


def error_status(error: ScurryError) -> Obj:
    """A watch's ERROR event object: a `Status`, 410 Expired for a watcher left behind."""
    expired = isinstance(error, WatchExpired)
    return {
        "apiVersion": "v1",
        "kind": "Status",
        "metadata": {},
        "status": "Failure",
        "message": error.message,
        "reason": "Expired" if expired else type(error).__name__,
        "code": 410 if expired else error.http_status,
    }


async def watch_events(
    store: ResourceStore, info: KindInfo, options: WatchOptions
) -> AsyncGenerator[bytes, None]:
    """The watch's lines; the store watch is closed when this generator is."""
    events = store.watch([info.kind])
    try:
        async with contextlib.aclosing(_lines(events, store, info, options)) as lines:
            async for line in lines:
                yield line
    except ScurryError as error:
        yield event_line("ERROR", error_status(error))
    finally:
        await _close(events)


async def _lines(
    events: AsyncIterator[WatchEvent], store: ResourceStore, info: KindInfo, options: WatchOptions
) -> AsyncGenerator[bytes, None]:
    selection = options.selection
    loop = asyncio.get_running_loop()
    deadline = None if options.timeout_seconds is None else loop.time() + options.timeout_seconds
    listed = await store.list(info.kind, selection.namespace, selection.label_selector)
    listed = [obj for obj in listed if selection.matches(obj)]
    view = WatchView(selection, listed)
    if options.send_initial_events:
        for obj in listed:
            yield event_line("ADDED", obj)
    if options.bookmarks:
        yield bookmark(info, view.floor)
    while (event := await _next(events, deadline, loop)) is not None:
        shown = view.translate(event)
        if shown is not None:
            yield event_line(shown.type, shown.object)


async def _next(
    events: AsyncIterator[WatchEvent], deadline: float | None, loop: asyncio.AbstractEventLoop
) -> WatchEvent | None:
    """The next store event; None when the store ends the watch or the deadline passes."""
    remaining = None if deadline is None else max(deadline - loop.time(), 0.0)
    try:
        async with asyncio.timeout(remaining):
            return await anext(events)
    except (StopAsyncIteration, TimeoutError):
        return None


async def _close(events: AsyncIterator[WatchEvent]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()


def watch_response(store: ResourceStore, info: KindInfo, options: WatchOptions) -> ClosingStream:
    return ClosingStream(watch_events(store, info, options), media_type="application/json")
