"""Helpers shared by the store tests: a settable clock, sample objects, watch helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scurry.ports import ResourceStore, WatchEvent

START = datetime(2026, 11, 26, 18, 0, 0, tzinfo=UTC)
TIMEOUT = 5.0
# Short, so that cross-instance watch tests are quick; the default (1 s) is tested separately.
POLL_INTERVAL = 0.05


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Backend:
    """A store under test plus what only the fixture knows how to do with it."""

    name: str
    store: ResourceStore
    clock: FakeClock
    # Opens another client of the same data (another process, in effect); None if impossible.
    open_peer: Callable[[], Awaitable[ResourceStore]] | None

    async def peer(self) -> ResourceStore:
        if self.open_peer is None:
            pytest.skip(f"{self.name}: no second client over the same data")
        return await self.open_peer()


def deployment(
    name: str = "web",
    namespace: str = "default",
    *,
    spec: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    finalizers: list[str] | None = None,
    kind: str = "FlinkDeployment",
) -> dict[str, Any]:
    """A minimal FlinkDeployment-shaped object (any kind, for the store's purposes)."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    if finalizers is not None:
        metadata["finalizers"] = finalizers
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": kind,
        "metadata": metadata,
        "spec": spec if spec is not None else {"image": "flink:2.1", "parallelism": 1},
    }


async def next_event(events: Any, within: float = TIMEOUT) -> WatchEvent:
    """The next watch event, or a test failure after `within` seconds."""
    async with asyncio.timeout(within):
        event: WatchEvent = await anext(events)
    return event


def rv_of(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])
