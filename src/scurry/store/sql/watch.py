"""Watch fan-out: one poller per store feeds every watcher from the change log.

The `changes` table is the only source of events, for writes made by this
store and by any other process alike, so each watcher sees every change
exactly once and in resourceVersion order. The poller reads the log every
`poll_interval` seconds (other processes' writes) and at once when this
store commits a write: the worker thread that committed calls `written`,
which wakes the poller through `call_soon_threadsafe`.

A watch starts at the newest resourceVersion the store knows of when
`watch()` is called: every write this store made, and what the last poll
saw of other processes (so at most one poll interval behind them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field

from scurry.errors import Unavailable
from scurry.ports import Obj, WatchEvent
from scurry.store.apierrors import WatchExpired
from scurry.store.sql.changes import Change

log = logging.getLogger(__name__)

FetchChanges = Callable[[int, int], Awaitable[list[Change]]]
ReadRv = Callable[[], Awaitable[int]]
_Item = WatchEvent | Exception | None


@dataclass(eq=False)
class _Subscriber:
    kinds: frozenset[str] | None
    cursor: int | None
    queue: asyncio.Queue[_Item] = field(default_factory=asyncio.Queue)
    expired: bool = False

    def wants(self, change: Change) -> bool:
        return self.kinds is None or change.kind in self.kinds


class WatchHub:
    """Subscribers, the newest known resourceVersion, and the poller that feeds them."""

    def __init__(
        self,
        fetch: FetchChanges,
        read_rv: ReadRv,
        *,
        poll_interval: float,
        batch: int = 500,
        load: Callable[[str], Obj] = json.loads,
    ) -> None:
        self._fetch, self._read_rv, self._load = fetch, read_rv, load
        self._interval, self._batch = poll_interval, batch
        # Weak: a watch iterator dropped unread must not keep collecting events.
        self._subscribers: weakref.WeakSet[_Subscriber] = weakref.WeakSet()
        self._known_rv: int | None = None
        self._rv_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """Learn the current resourceVersion and start polling on the running loop."""
        self._advance(await self._read_rv())
        self._ensure_poller()

    def written(self, rv: int) -> None:
        """A write committed at `rv` (called from a worker thread): wake the poller."""
        self._advance(rv)
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is watching
            loop.call_soon_threadsafe(wake.set)

    def watch(self, kinds: Collection[str] | None) -> AsyncIterator[WatchEvent]:
        """Register a watcher now (so it sees every later write) and return its stream."""
        if self._closed:
            raise Unavailable("the store is closed")
        self._ensure_poller()
        wanted = None if kinds is None else frozenset(kinds)
        subscriber = _Subscriber(wanted, self._known_rv)
        self._subscribers.add(subscriber)
        return self._stream(subscriber)

    async def close(self) -> None:
        """Stop polling and end every watch iterator (after the events already queued)."""
        self._closed = True
        if self._task is not None:
            if self._wake is not None:
                self._wake.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for subscriber in list(self._subscribers):
            subscriber.queue.put_nowait(None)

    async def poll_once(self) -> None:
        """Deliver every logged change newer than the oldest watcher's cursor."""
        subscribers = list(self._subscribers)
        if not subscribers or any(sub.cursor is None for sub in subscribers):
            current = await self._read_rv()
            self._advance(current)
            for sub in subscribers:
                sub.cursor = current if sub.cursor is None else sub.cursor
        if not subscribers:
            return
        after = min(sub.cursor or 0 for sub in subscribers)
        while True:
            batch = await self._fetch(after, self._batch)
            self._deliver(batch, subscribers)
            if len(batch) < self._batch:
                return
            after = batch[-1].rv

    async def _stream(self, subscriber: _Subscriber) -> AsyncIterator[WatchEvent]:
        try:
            while True:
                item = await subscriber.queue.get()
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self._subscribers.discard(subscriber)

    def _deliver(self, batch: list[Change], subscribers: list[_Subscriber]) -> None:
        for sub in subscribers:
            for change in batch:
                if not self._deliver_one(sub, change):
                    break
        if batch:
            self._advance(batch[-1].rv)

    def _deliver_one(self, sub: _Subscriber, change: Change) -> bool:
        """Queue `change` for `sub` if new to it; False once `sub` is expired."""
        cursor = sub.cursor or 0
        if sub.expired:
            return False
        if change.rv <= cursor:
            return True
        if change.rv > cursor + 1:
            # The log was pruned past this watcher: it cannot be exactly-once any more.
            sub.queue.put_nowait(
                WatchExpired(f"too old resource version: {cursor} ({change.rv - 1} pruned)")
            )
            sub.expired = True
            self._subscribers.discard(sub)
            return False
        sub.cursor = change.rv
        if sub.wants(change):
            sub.queue.put_nowait(change.event(self._load))
        return True

    def _advance(self, rv: int) -> None:
        with self._rv_lock:
            self._known_rv = rv if self._known_rv is None else max(self._known_rv, rv)

    def _ensure_poller(self) -> None:
        if self._task is None:
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._task = self._loop.create_task(self._poll_forever(self._wake))

    async def _poll_forever(self, wake: asyncio.Event) -> None:
        # `_closed` is checked as well as cancellation: 3.11's wait primitives can swallow
        # a cancel that lands together with a wake-up.
        while not self._closed:
            wake.clear()
            try:
                await self.poll_once()
            except Exception:
                if not self._closed:
                    log.warning("watch: reading the change log failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await wake.wait()
