"""Several clients of one database, on SQLite and PostgreSQL: no write lost, no version twice.

Two stores on one database are two processes in effect (each has its own
engine, connection pool and worker threads); their writes interleave in the
database, and the global resourceVersion counter must still hand out every
version exactly once, in commit order, as the watch log shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from storekit import next_event, rv_of

from pgkit import SUPERUSER, free_port
from scurry.errors import Conflict, InvalidInput, Unavailable
from scurry.ports import EventRecord, InvolvedObject, ResourceStore, WatchEvent
from scurry.store.sql import SqlStore, open_sql_store

BUMPS_PER_WRITER = 15
CREATES_PER_STORE = 10


@pytest.fixture
async def pair(store_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    first = await open_sql_store(store_url, poll_interval=0.05)
    second = await open_sql_store(store_url, poll_interval=0.05)
    yield first, second
    await second.close()
    await first.close()


def counter(name: str = "counter") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"n": "0"},
    }


async def bump(store: ResourceStore, times: int, versions: list[int]) -> None:
    """Read-modify-write `times` increments, retrying on conflicts as a controller does."""
    for _ in range(times):
        while True:
            current = await store.get("ConfigMap", "default", "counter")
            current["data"]["n"] = str(int(current["data"]["n"]) + 1)
            try:
                versions.append(rv_of(await store.update(current)))
                break
            except Conflict:
                continue


async def create_many(store: ResourceStore, prefix: str, versions: list[int]) -> None:
    for index in range(CREATES_PER_STORE):
        versions.append(rv_of(await store.create(counter(f"{prefix}-{index}"))))


async def test_two_stores_lose_no_write_and_never_share_a_version(
    pair: tuple[SqlStore, SqlStore],
) -> None:
    first, second = pair
    events = first.watch(["ConfigMap"])
    versions = [rv_of(await first.create(counter()))]

    await asyncio.gather(
        bump(first, BUMPS_PER_WRITER, versions),
        bump(first, BUMPS_PER_WRITER, versions),
        bump(second, BUMPS_PER_WRITER, versions),
        bump(second, BUMPS_PER_WRITER, versions),
        create_many(first, "a", versions),
        create_many(second, "b", versions),
    )

    final = await second.get("ConfigMap", "default", "counter")
    assert final["data"]["n"] == str(4 * BUMPS_PER_WRITER), "an increment was lost"
    assert len(set(versions)) == len(versions), "two writes got the same resourceVersion"
    seen = [await next_event(events) for _ in versions]
    seen_versions = [rv_of(event.object) for event in seen]
    assert seen_versions == sorted(versions), "the watch must see every write once, in order"
    assert seen_versions == list(range(seen_versions[0], seen_versions[0] + len(versions)))
    assert last_counter_value(seen) == final["data"]["n"]


def last_counter_value(events: list[WatchEvent]) -> str:
    mine = [e.object for e in events if e.object["metadata"]["name"] == "counter"]
    value: str = mine[-1]["data"]["n"]
    return value


async def test_events_counted_from_two_stores_stay_one_event(
    pair: tuple[SqlStore, SqlStore],
) -> None:
    first, second = pair
    event = EventRecord(InvolvedObject("ConfigMap", "default", "x"), "Warning", "Flapping", "m")

    await asyncio.gather(*(store.record_event(event) for store in (first, second) * 5))

    [stored] = await first.list_events("default")
    assert stored["count"] == 10


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 254, "metadata.name: must be at most 253 characters, got 254"),
        ("a\x00b", "metadata.name: must not contain NUL characters"),
    ],
)
async def test_keys_a_column_cannot_hold_are_refused_alike(
    pair: tuple[SqlStore, SqlStore], name: str, message: str
) -> None:
    store, _ = pair
    request = counter()
    request["metadata"]["name"] = name

    with pytest.raises(InvalidInput) as refused:
        await store.create(request)
    assert refused.value.message == message
    with pytest.raises(InvalidInput):
        await store.get("ConfigMap", "default", name)
    assert await store.list("ConfigMap") == []


async def test_event_texts_are_made_to_fit(pair: tuple[SqlStore, SqlStore]) -> None:
    store, _ = pair
    involved = InvolvedObject("ConfigMap", "default", "x")

    await store.record_event(EventRecord(involved, "Warning", "r" * 300, "bad\x00byte"))

    [stored] = await store.list_events(involved=involved)
    assert stored["reason"] == "r" * 253
    assert stored["message"] == "bad\ufffdbyte"


async def test_a_database_that_does_not_answer_is_unavailable(unused_url: str) -> None:
    with pytest.raises(Unavailable, match="database"):
        await open_sql_store(unused_url)


@pytest.fixture
def unused_url() -> str:
    """A PostgreSQL URL with nobody listening (the port of a socket just closed)."""
    pytest.importorskip("psycopg")
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{free_port()}/nowhere"
