"""The real scurry API on a loopback port, on a fake runtime: for tools that need a URL.

Contract fuzzers and load generators talk HTTP to a server, not to an ASGI app.
`serve_app` runs any ASGI app on uvicorn on its own thread and event loop (so
the caller may block); `live_api` serves the scurry app over a SQL store (secrets sealed
as the server seals them) and a `FakeRuntime`, with no controller: requests change
desired state and nothing starts Flink.

```python
with live_api(tmp_path / "home") as api:
    httpx.get(f"{api.url}/cmf/api/v1/environments")
```
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from scurry.bootstrap import Container, build, secret_box
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.server.auth.mtls import uvicorn_tls_options
from scurry.store.sql import SqlStore, open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

T = TypeVar("T")
STARTUP_TIMEOUT = 30.0
AppFactory = Callable[[], Awaitable[Any]]


class _QuietServer(uvicorn.Server):
    """uvicorn without signal handlers: they belong to the main thread's owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class ServedApp:
    """An app served on a thread: its URL, and a way to run coroutines on its loop."""

    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, work: Coroutine[Any, Any, T], timeout: float = STARTUP_TIMEOUT) -> T:
        """Run `work` on the server's loop (where its store lives) and wait for the result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)


def loopback_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port, with Nagle off for keep-alive."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serve_app(
    make_app: AppFactory, on_stop: AppFactory | None = None, **options: Any
) -> Iterator[ServedApp]:
    """Serve the app `make_app` builds (on the server's loop) until the block ends;
    `options` go to uvicorn.Config (its `ssl_*` ones serve https)."""
    sock = loopback_socket()
    scheme = "https" if options.get("ssl_certfile") else "http"
    url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    holder: dict[str, Any] = {}
    ready = threading.Event()

    async def serve() -> None:
        holder["loop"] = asyncio.get_running_loop()
        config = uvicorn.Config(
            await make_app(), log_level="warning", lifespan="on", access_log=False, **options
        )
        holder["server"] = server = _QuietServer(config)
        ready.set()
        try:
            await server.serve(sockets=[sock])
        finally:
            if on_stop is not None:
                await on_stop()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to the caller waiting for the start
            holder["failure"] = exc
            ready.set()

    thread = threading.Thread(target=run, name=f"serve {url}", daemon=True)
    thread.start()
    try:
        _wait_started(ready, holder)
        yield ServedApp(url, holder["loop"])
    finally:
        if "server" in holder:
            holder["server"].should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()


def _wait_started(ready: threading.Event, holder: dict[str, Any]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        ready.wait(0.01)
        if "failure" in holder:
            raise RuntimeError("the server did not start") from holder["failure"]
        server = holder.get("server")
        if server is not None and server.started:
            return
    raise RuntimeError(f"the server did not start within {STARTUP_TIMEOUT}s")


@dataclass
class LiveApi(ServedApp):
    """The scurry API served on a thread, with its container (store, fake runtime)."""

    container: Container

    @property
    def store(self) -> SqlStore:
        store = self.container.store
        assert isinstance(store, SqlStore)
        return store


@contextlib.contextmanager
def live_api(
    home: Path, database: str = "sqlite://", runtime: FakeRuntime | None = None, **settings: Any
) -> Iterator[LiveApi]:
    """The scurry API over `database` and a fake runtime, on a free loopback port, served
    as `scurry server` serves it (TLS and client certificates as `settings` say)."""
    built: dict[str, Container] = {}
    config = Settings(home=home, **settings)

    async def make_app() -> Any:
        store = await open_sql_store(database, secrets=secret_box(config))
        fake = runtime or FakeRuntime()
        built["container"] = container = await build(
            config, store=store, runtime=fake, flink_api=fake.flink_api
        )
        return create_app(container)

    async def close_store() -> None:
        if "container" in built:
            await built["container"].store.close()

    with serve_app(make_app, close_store, **uvicorn_tls_options(config)) as served:
        yield LiveApi(served.url, served.loop, built["container"])
