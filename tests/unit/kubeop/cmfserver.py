"""The management plane (the real server app, SQLite in memory, fake Flink) on a loopback
port in a thread of its own, for the operator's replicas to reach over HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from scurry.bootstrap import build
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

START_TIMEOUT = 30.0


@contextmanager
def management_plane(home: Path) -> Iterator[str]:
    """Serve the API until the block ends; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    holder: dict[str, uvicorn.Server] = {}

    async def serve() -> None:
        store = await open_sql_store("sqlite://")
        runtime = FakeRuntime()
        container = await build(
            Settings(home=home), store=store, runtime=runtime, flink_api=runtime.flink_api
        )
        config = uvicorn.Config(create_app(container), log_level="warning", lifespan="on")
        holder["server"] = uvicorn.Server(config)
        try:
            await holder["server"].serve(sockets=[sock])
        finally:
            await store.close()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not (holder.get("server") and holder["server"].started):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the management plane did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        holder["server"].should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()
