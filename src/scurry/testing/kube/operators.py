"""Run a `KubeOperator` in a thread of its own, as a replica runs in its own pod.

Each replica gets its own event loop, so two of them in one test share
nothing but the API server. `freeze()` stops a replica's loop where it is,
with no cleanup: a hung or partitioned pod, which neither renews nor
releases its Lease; `stop()` afterwards lets it run again and shut down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

from scurry.operator.kubeop.run import KubeOperator

T = TypeVar("T")
JOIN_TIMEOUT = 30.0


class OperatorThread:
    def __init__(self, make: Callable[[], KubeOperator], name: str = "operator") -> None:
        self._make, self.name = make, name
        self.loop = asyncio.new_event_loop()
        self.operator: KubeOperator | None = None
        self._stop: asyncio.Event | None = None
        self._main: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self.failure: BaseException | None = None

    def start(self) -> OperatorThread:
        self._thread = threading.Thread(target=self._run_first, name=self.name, daemon=True)
        self._thread.start()
        if not self._started.wait(JOIN_TIMEOUT):
            raise RuntimeError(f"{self.name} did not start")
        if self.failure is not None:
            raise RuntimeError(f"{self.name} failed to start") from self.failure
        return self

    def call(self, work: Callable[[KubeOperator], T]) -> T:
        """`work(operator)` on the replica's loop (its state is not thread-safe)."""

        async def run() -> T:
            assert self.operator is not None
            return work(self.operator)

        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(run(), self.loop)
        return future.result(JOIN_TIMEOUT)

    def leading(self) -> bool:
        return self.call(lambda operator: operator.leading)

    def freeze(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._join()

    def stop(self) -> None:
        """Shut the replica down (a frozen one runs again first, then shuts down)."""
        if self._stop is None or self.loop.is_closed():
            return
        if self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
            self._join()
        else:
            self._stop.set()
            self._thread = threading.Thread(target=self._run_rest, name=self.name, daemon=True)
            self._thread.start()
            self._join()
        self.loop.close()

    def _run_first(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.operator = self._make()
        except BaseException as exc:  # raised again by start(), in the test
            self.failure = exc
            self._started.set()
            self.loop.close()
            return
        self._stop = asyncio.Event()
        self._main = self.loop.create_task(self.operator.run(self._stop))
        self.loop.call_soon(self._started.set)
        self._run_rest()

    def _run_rest(self) -> None:
        assert self._main is not None
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main)
        except RuntimeError as exc:  # frozen: the loop stopped before the operator ended
            if not self._main.done():
                return
            self.failure = exc
        except BaseException as exc:
            self.failure = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT)
            if self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not stop")
