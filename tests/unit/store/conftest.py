"""Fixtures for the store tests: backends of the ResourceStore port, a settable clock.

Everything backend-specific lives in the `backend` fixture, so the contract
suite (`test_store_contract.py`) runs unchanged against each backend; a
Kubernetes backend joins by adding a parameter here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from storekit import POLL_INTERVAL, Backend, FakeClock

from scurry.ports import ResourceStore
from scurry.store.sql import open_sql_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Backend]:
    """A fresh store; for shared databases, `open_peer` opens a second client of it."""
    shared = request.param != "sqlite-memory"
    url = _url(request, tmp_path)
    store = await open_sql_store(url, clock=clock, poll_interval=POLL_INTERVAL)
    peers: list[ResourceStore] = []

    async def open_peer() -> ResourceStore:
        peer = await open_sql_store(url, clock=clock, poll_interval=POLL_INTERVAL)
        peers.append(peer)
        return peer

    yield Backend(request.param, store, clock, open_peer if shared else None)
    for peer in peers:
        await peer.close()
    await store.close()


@pytest.fixture
def store(backend: Backend) -> ResourceStore:
    return backend.store


def _url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path}/data/scurry.db"
    return "sqlite://"
