"""Watches over the Kubernetes API: one reading thread per stream, merged into one queue.

A stream starts at the resourceVersion the store knew when `watch()` was
called, so it sees every later change (the API server replays them); when
the server ends it (`timeoutSeconds`, a dropped connection) it resumes from
the last version it delivered, bookmarks included. A `410 Gone` means changes
were compacted away: the watcher gets `WatchExpired` and must list again, as
the port says. Closing a watch shuts its sockets down, so no thread lingers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import urllib3

from scurry.errors import ScurryError, Unavailable
from scurry.ports import WatchEvent
from scurry.store.apierrors import WatchExpired
from scurry.store.kubernetes.kinds import KubeKind
from scurry.store.kubernetes.rest import KubeRest, lines

log = logging.getLogger(__name__)

SERVER_TIMEOUT = 300  # seconds a stream stays open before the server ends it and we resume
RETRY_DELAY = 1.0
_Item = WatchEvent | Exception | None


@dataclass(frozen=True)
class Source:
    kind: KubeKind
    namespace: str | None  # None: every namespace


@dataclass(eq=False)
class _Stream:
    source: Source
    resource_version: str
    push: Callable[[_Item], None]
    stopped: threading.Event = field(default_factory=threading.Event)
    response: urllib3.HTTPResponse | None = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.stopped.set()
        response = self.response
        if response is not None:
            with contextlib.suppress(Exception):  # already closed: nothing to interrupt
                response.shutdown()


class Watch:
    """One `watch()` call: its streams and the queue they feed."""

    def __init__(
        self,
        rest: KubeRest,
        sources: list[Source],
        resource_version: str,
        *,
        server_timeout: int = SERVER_TIMEOUT,
    ) -> None:
        self._rest, self._server_timeout = rest, server_timeout
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def push(item: _Item) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
                loop.call_soon_threadsafe(self._queue.put_nowait, item)

        self._streams = [_Stream(source, resource_version, push) for source in sources]
        for stream in self._streams:
            stream.thread = threading.Thread(
                target=self._read, args=(stream,), name="scurry-kube-watch", daemon=True
            )
            stream.thread.start()

    async def events(self) -> AsyncIterator[WatchEvent]:
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self.stop()

    def stop(self) -> None:
        for stream in self._streams:
            stream.stop()
        self._queue.put_nowait(None)

    def _read(self, stream: _Stream) -> None:
        while not stream.stopped.is_set():
            try:
                self._read_once(stream)
            except WatchExpired as exc:
                stream.push(exc)
                return
            except (ScurryError, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                if stream.stopped.is_set():
                    return
                log.warning("watch of %s: %s; resuming", stream.source.kind.plural, exc)
                stream.stopped.wait(RETRY_DELAY)

    def _read_once(self, stream: _Stream) -> None:
        query = [
            ("watch", "true"),
            ("resourceVersion", stream.resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(self._server_timeout)),
        ]
        path = stream.source.kind.path(stream.source.namespace)
        response = self._rest.open_stream(path, query, read_timeout=self._server_timeout + 30)
        stream.response = response
        try:
            if stream.stopped.is_set():  # stopped while connecting
                return
            for line in lines(response):
                if stream.stopped.is_set():
                    return
                self._deliver(stream, json.loads(line))
        finally:
            stream.response = None
            response.release_conn()

    def _deliver(self, stream: _Stream, event: dict[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            code = obj.get("code")
            message = str(obj.get("message") or obj)
            if code == 410:
                raise WatchExpired(message)
            raise Unavailable(f"watch error {code}: {message}")
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if version:
            stream.resource_version = version
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            obj.setdefault("kind", stream.source.kind.kind)
            obj.setdefault("apiVersion", stream.source.kind.api_version)
            stream.push(WatchEvent(kind, obj))
