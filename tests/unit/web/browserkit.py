"""A browser for the dashboard tests: Debian's chromium driven by playwright, and the
real app (on fakes) served by uvicorn in a thread of its own, since playwright's
sync API wants the test's thread free of an event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from scurry import web
from scurry.bootstrap import Container, build
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
Seed = Callable[[Container], Awaitable[None]]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium (never a downloaded browser); skipped where it is missing,
    except under CI, which installs it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs chromium")
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def served(home: Path, seed: Seed, **settings: Any) -> Iterator[str]:
    """The app (API and dashboard) on a loopback port; `seed` fills the store first."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    holder: dict[str, Any] = {}
    started, failed = threading.Event(), []

    async def main() -> None:
        store = await open_sql_store("sqlite://")
        runtime = FakeRuntime()
        config = Settings(home=home, defaults_file=None, **settings)
        container = await build(config, store=store, runtime=runtime, flink_api=runtime.flink_api)
        await seed(container)
        app = create_app(container, extensions=[web.install])
        server = QuietServer(uvicorn.Config(app, log_level="warning", access_log=False))
        holder["server"] = server
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        started.set()
        await task
        await store.close()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the test, which fails with it
            failed.append(exc)
            started.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(30)
    assert not failed, failed
    try:
        yield url
    finally:
        holder["server"].should_exit = True
        thread.join(30)
