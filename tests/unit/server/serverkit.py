"""Helpers for the server tests: the real app on uvicorn in the test's own loop, over real HTTP.

Streaming answers (watches, followed logs) need a real server: httpx's ASGI
transport reads a whole body before answering. Serving on a loopback port in
the test's event loop keeps the store, the runtime and the client on one loop,
so tests can look at the store's watchers directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from scurry.bootstrap import build
from scurry.config.settings import Settings
from scurry.errors import NotFound
from scurry.models.cluster import ClusterRef
from scurry.ports import FlinkApi, Obj, ResourceStore, WatchEvent
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime

TIMEOUT = 10.0
API = "/apis/flink.apache.org/v1beta1"
JAR = "local:///opt/flink/examples/streaming/StateMachineExample.jar"


class CountingStore:
    """A store that counts its open watch iterators (to prove the API closes them)."""

    def __init__(self, inner: ResourceStore) -> None:
        self.inner = inner
        self.open_watches = 0
        self.watches_started = 0
        self.before_next_list: Callable[[], Awaitable[None]] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def list(
        self, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[Obj]:
        """The inner list; `before_next_list` runs first (once), to write in the gap."""
        hook, self.before_next_list = self.before_next_list, None
        if hook is not None:
            await hook()
        return await self.inner.list(kind, namespace, label_selector)

    def watch(self, kinds: Collection[str] | None = None) -> AsyncIterator[WatchEvent]:
        self.watches_started += 1
        self.open_watches += 1
        return self._counted(self.inner.watch(kinds))

    async def _counted(self, events: AsyncIterator[WatchEvent]) -> AsyncIterator[WatchEvent]:
        try:
            async for event in events:
                yield event
        finally:
            self.open_watches -= 1
            await events.aclose()  # type: ignore[attr-defined]


class FileLogRuntime(FakeRuntime):
    """The fake runtime with real log files under `logs`.

    `log_path` names them while `offer_paths` holds, else it answers None (as
    the shipped fake does) and the API must follow a log by reading it whole.
    """

    def __init__(self, logs: Path) -> None:
        super().__init__()
        self.log_dir = logs
        self.offer_paths = True

    def log_file(self, ref: ClusterRef, component: str, index: int = 0) -> Path:
        return self.log_dir / f"{ref.namespace}-{ref.name}-{component}-{index}.log"

    async def logs(  # type: ignore[override]
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str:
        try:
            text = self.log_file(ref, component, index).read_text()
        except FileNotFoundError:
            raise NotFound(f"no {component} log for {ref}") from None
        if tail is None:
            return text
        return "".join(text.splitlines(keepends=True)[-tail:]) if tail else ""

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        return str(self.log_file(ref, component, index)) if self.offer_paths else None


class QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the test runner keeps Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def no_flink(url: str) -> FlinkApi:
    raise AssertionError(f"the server tests talk to no Flink ({url})")


@dataclass
class Api:
    """The running API: its URL, a client, the (counting) store and the fake runtime."""

    url: str
    client: httpx.AsyncClient
    store: CountingStore
    runtime: FileLogRuntime

    def path(self, plural: str = "flinkdeployments", namespace: str | None = "default") -> str:
        if namespace is None:
            return f"{API}/{plural}"
        return f"{API}/namespaces/{namespace}/{plural}"

    async def create(self, obj: Obj, plural: str = "flinkdeployments") -> Obj:
        namespace = obj["metadata"].get("namespace", "default")
        response = await self.client.post(self.path(plural, namespace), json=obj)
        response.raise_for_status()
        created: Obj = response.json()
        return created

    async def get(self, name: str, namespace: str = "default") -> httpx.Response:
        return await self.client.get(f"{self.path(namespace=namespace)}/{name}")


@contextlib.asynccontextmanager
async def serving(home: Path, url: str = "sqlite://") -> AsyncIterator[Api]:
    """The app over a store at `url` (the `store_url` fixture gives SQLite and PostgreSQL)."""
    store = CountingStore(await open_sql_store(url))
    runtime = FileLogRuntime(home / "logs")
    runtime.log_dir.mkdir(parents=True)
    settings = Settings(home=home)
    container = await build(settings, store=store, runtime=runtime, flink_api=no_flink)  # type: ignore[arg-type]
    config = uvicorn.Config(
        create_app(container), log_level="warning", lifespan="on", access_log=False
    )
    server = QuietServer(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await until(lambda: server.started, "the server to start")
        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
            yield Api(url, client, store, runtime)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()
        await store.inner.close()


async def until(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Poll `check` until it holds; fail the test at the deadline."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class EventReader:
    """The lines of a watch stream, read one at a time with a deadline."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self) -> dict[str, Any]:
        while True:
            line = await asyncio.wait_for(anext(self._lines), TIMEOUT)
            if line.strip():
                event: dict[str, Any] = json.loads(line)
                return event

    async def until_bookmark(self) -> list[dict[str, Any]]:
        """The initial events, up to the BOOKMARK that ends them."""
        events = []
        while (event := await self.next())["type"] != "BOOKMARK":
            events.append(event)
        return events

    async def rest(self) -> list[dict[str, Any]]:
        """Every event until the server ends the stream."""
        return [json.loads(line) async for line in self._lines if line.strip()]


def deployment(
    name: str = "basic",
    *,
    namespace: str | None = None,
    parallelism: int = 2,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = labels
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": metadata,
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": JAR, "parallelism": parallelism, "upgradeMode": "stateless"},
        },
    }
