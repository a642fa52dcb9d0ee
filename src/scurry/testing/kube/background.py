"""A fake Kubernetes API server on a loopback port, in a thread of its own.

Its own thread and event loop let the synchronous `kubernetes` client, kopf
and the code under test all reach it over HTTP, whatever loop they run on::

    with FakeKubernetes() as kube:
        client = kube.api_client()          # a kubernetes.client.ApiClient
        ...                                 # point kopf at kube.url
        kube.call(lambda api: api.objects)  # read the state on the server's loop
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import kmock

from scurry.testing.kube.apiserver import ApiServer, utc_now
from scurry.testing.kube.handler import KubeHandler
from scurry.testing.kube.resources import STANDARD, ApiResource

if TYPE_CHECKING:
    import kubernetes.client

T = TypeVar("T")
START_TIMEOUT = 30.0


class FakeKubernetes:
    """Start with `with`; `url` is where the API server listens."""

    def __init__(
        self,
        resources: Iterable[ApiResource] = STANDARD,
        *,
        clock: Callable[[], datetime] = utc_now,
        history: int = 10_000,
        garbage_collect: bool = True,
    ) -> None:
        self.api = ApiServer(
            resources, clock=clock, history=history, garbage_collect=garbage_collect
        )
        self.handler: KubeHandler | None = None
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fake-kubernetes", daemon=True)

    def __enter__(self) -> FakeKubernetes:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("the fake API server did not start")
        if self._failure is not None:
            raise RuntimeError("the fake API server failed to start") from self._failure
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.api.close)
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(START_TIMEOUT)

    def call(self, work: Callable[[ApiServer], T]) -> T:
        """Run `work` on the server's loop (the state is not thread-safe) and return its result."""
        if self._loop is None:
            raise RuntimeError("the fake API server is not running")

        async def run() -> T:
            return work(self.api)

        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(START_TIMEOUT)

    def api_client(self) -> kubernetes.client.ApiClient:
        """A client of the `kubernetes` package pointed at this server."""
        import kubernetes.client

        config = kubernetes.client.Configuration()
        config.host = self.url
        return kubernetes.client.ApiClient(config)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the thread that waits for the start
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.handler = KubeHandler(api=self.api)
        async with self.handler, kmock.Server(self.handler) as server:
            self.url = f"http://{server.host}:{server.port}"
            self._ready.set()
            await self._stop.wait()


def find(kube: FakeKubernetes, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
    """Copies of the stored objects of `kind` (in `namespace`, if given), by name."""

    def pick(api: ApiServer) -> list[dict[str, Any]]:
        found = []
        for (key, ns, _), obj in sorted(api.objects.items(), key=lambda item: item[0][1:]):
            if api.resources[key].kind == kind and namespace in (None, ns):
                found.append(obj)
        return copy.deepcopy(found)

    return kube.call(pick)
