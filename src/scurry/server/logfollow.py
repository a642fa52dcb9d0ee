"""Following a log (`.../log?follow=true`): the last lines, then what is appended.

When the runtime has the log as a local file (`Runtime.log_path`), the file
is read from an offset every `POLL_INTERVAL` seconds: only new bytes are
read and sent. A file that got shorter or was replaced (the process started
again) is read from its start. A runtime without a file is followed by
reading its whole log each time and sending what was added. Either way the
stream ends when the client goes away or the FlinkDeployment is deleted.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scurry.errors import NotFound
from scurry.models.cluster import ClusterRef
from scurry.ports import ResourceStore, Runtime
from scurry.server.streaming import ClosingStream

POLL_INTERVAL = 0.5
CHUNK = 256 * 1024
MEDIA_TYPE = "text/plain; charset=utf-8"

Alive = Callable[[], Awaitable[bool]]
Chunks = AsyncGenerator[bytes, None]


@dataclass(frozen=True)
class LogTarget:
    """One process's log: the cluster, `jobmanager` or `taskmanager`, and its index."""

    kind: str
    ref: ClusterRef
    component: str
    index: int = 0

    def missing(self) -> NotFound:
        suffix = f" #{self.index}" if self.component != "jobmanager" else ""
        return NotFound(f"no {self.component} log for {self.ref.namespace}/{self.ref.name}{suffix}")


@dataclass
class FilePosition:
    """Where reading stopped, in which file (device and inode)."""

    offset: int = 0
    identity: tuple[int, int] | None = None


def last_lines(data: bytes, count: int | None) -> bytes:
    if count is None:
        return data
    if count == 0:
        return b""
    return b"".join(data.splitlines(keepends=True)[-count:])


def tail_start(handle: BinaryIO, end: int, count: int | None) -> int:
    """The offset where the last `count` lines before `end` begin (0 for the whole file)."""
    if count is None:
        return 0
    start, data = end, b""
    while start > 0 and data.count(b"\n", 0, max(len(data) - 1, 0)) < count:
        step = min(CHUNK, start)
        start -= step
        handle.seek(start)
        data = handle.read(step) + data
    return end - len(last_lines(data, count))


def open_at_tail(path: Path, count: int | None) -> FilePosition:
    """The position `count` lines before the end; NotFound when there is no file."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            start = tail_start(handle, stat.st_size, count)
    except FileNotFoundError:
        raise NotFound(f"no log file {path}") from None
    return FilePosition(start, (stat.st_dev, stat.st_ino))


def read_more(path: Path, position: FilePosition) -> bytes:
    """Up to `CHUNK` bytes after `position`, which moves past them; b"" when nothing is new."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            identity = (stat.st_dev, stat.st_ino)
            if identity != position.identity or stat.st_size < position.offset:
                position.offset, position.identity = 0, identity
            handle.seek(position.offset)
            data = handle.read(CHUNK)
    except FileNotFoundError:  # between two processes: the next one writes a new file
        return b""
    position.offset += len(data)
    return data


async def follow_file(path: Path, position: FilePosition, alive: Alive) -> Chunks:
    while True:
        data = await asyncio.to_thread(read_more, path, position)
        if data:
            yield data
            continue
        if not await alive():
            return
        await asyncio.sleep(POLL_INTERVAL)


async def follow_text(
    runtime: Runtime, target: LogTarget, first: str, tail: int | None, alive: Alive
) -> Chunks:
    """Re-read the whole log and send what was added (the runtime has no file to read)."""
    if start := last_lines(first.encode(), tail):
        yield start
    printed = len(first)
    while True:
        await asyncio.sleep(POLL_INTERVAL)
        try:
            text = await runtime.logs(target.ref, target.component, target.index)
        except NotFound:  # no log right now (a restart), or no cluster any more
            text = None
        if text is not None and len(text) < printed:
            printed = 0
        if text is not None and len(text) > printed:
            yield text[printed:].encode()
            printed = len(text)
        elif not await alive():
            return


async def follow(
    store: ResourceStore, runtime: Runtime, target: LogTarget, tail: int | None
) -> ClosingStream:
    """The streaming answer; errors found before the first byte (no log) are raised."""

    async def alive() -> bool:
        try:
            await store.get(target.kind, target.ref.namespace, target.ref.name)
        except NotFound:
            return False
        return True

    path = await runtime.log_path(target.ref, target.component, target.index)
    if path is None:
        first = await runtime.logs(target.ref, target.component, target.index)
        return ClosingStream(follow_text(runtime, target, first, tail, alive), MEDIA_TYPE)
    file = Path(path)
    try:
        position = await asyncio.to_thread(open_at_tail, file, tail)
    except NotFound:
        raise target.missing() from None
    return ClosingStream(follow_file(file, position, alive), MEDIA_TYPE)
