"""What only the SQL backend has: migrations, SQLite settings, the change log, limits.

Tests that take `store_url` run on SQLite and on PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from storekit import FakeClock, deployment, next_event

from scurry.errors import Unavailable
from scurry.ports import EventRecord, InvolvedObject, Lease, WatchEvent
from scurry.store.apierrors import WatchExpired
from scurry.store.sql import SqlStore, leases, open_sql_store
from scurry.store.sql.changes import PRUNE_EVERY
from scurry.store.sql.migrate import current_revision, head_revisions
from scurry.store.sql.schema import metadata


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/nested/dir/scurry.db"


@pytest.fixture
async def sql_store(store_url: str, clock: FakeClock) -> AsyncIterator[SqlStore]:
    store = await open_sql_store(store_url, clock=clock, poll_interval=0.05)
    yield store
    await store.close()


# --- migrations ---------------------------------------------------------------------------


def test_revision_graph_has_a_single_head() -> None:
    assert head_revisions() == ("0002",)


async def test_open_migrates_to_head_and_reopens(url: str, tmp_path: Path) -> None:
    first = await open_sql_store(url)
    created = await first.create(deployment())
    await first.close()

    second = await open_sql_store(url)
    try:
        assert await second.get("FlinkDeployment", "default", "web") == created
        assert current_revision(second.engine) == head_revisions()[0]
        later = await second.create(deployment("later"))
        assert int(later["metadata"]["resourceVersion"]) > int(
            created["metadata"]["resourceVersion"]
        )
    finally:
        await second.close()
    assert (tmp_path / "nested" / "dir" / "scurry.db").is_file()


async def test_migrations_build_exactly_the_schema_module(store_url: str) -> None:
    assert await schema_differences(store_url) == []


async def test_an_in_memory_database_is_migrated_too() -> None:
    assert await schema_differences("sqlite://") == []


async def schema_differences(url: str) -> list[object]:
    store = await open_sql_store(url)
    try:
        with store.engine.connect() as conn:
            differences: list[object] = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        await store.close()
    return differences


async def test_concurrent_first_opens_migrate_once(store_url: str) -> None:
    stores = await asyncio.gather(*(open_sql_store(store_url) for _ in range(3)))
    try:
        created = await stores[0].create(deployment())
        assert await stores[2].get("FlinkDeployment", "default", "web") == created
    finally:
        for store in stores:
            await store.close()


# --- SQLite settings ----------------------------------------------------------------------


async def test_sqlite_file_uses_wal_and_a_busy_timeout(url: str) -> None:
    sql_store = await open_sql_store(url)
    with sql_store.engine.connect() as conn:
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    await sql_store.close()
    assert journal == "wal"
    assert timeout is not None
    assert int(timeout) >= 1000


async def test_closed_store_refuses_work(sql_store: SqlStore) -> None:
    await sql_store.close()
    await sql_store.close()  # closing twice is harmless
    with pytest.raises(Unavailable):
        await sql_store.get("FlinkDeployment", "default", "web")
    with pytest.raises(Unavailable):
        sql_store.watch()


# --- watch across processes ---------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from scurry.store.sql import open_sql_store

    async def main() -> None:
        store = await open_sql_store(sys.argv[1])
        created = await store.create({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "from-child", "namespace": "default"}, "data": {"k": "v"},
        })
        print(created["metadata"]["uid"])
        await store.close()

    asyncio.run(main())
    """
)


async def test_watch_sees_writes_of_another_process_with_default_polling(store_url: str) -> None:
    url = store_url
    store = await open_sql_store(url)  # default poll interval
    try:
        events = store.watch(["ConfigMap"])
        child = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", WRITER, url],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert child.returncode == 0, child.stderr

        event = await next_event(events, within=10)

        assert event.type == "ADDED"
        assert event.object["metadata"]["uid"] == child.stdout.strip()
        assert event.object["data"] == {"k": "v"}
    finally:
        await store.close()


async def test_watch_that_fell_behind_the_pruned_log_expires(
    store_url: str, clock: FakeClock
) -> None:
    url = store_url
    writer = await open_sql_store(url, clock=clock, change_retention_seconds=1)
    # This watcher polls only at start and when its own store writes.
    watcher = await open_sql_store(url, clock=clock, poll_interval=3600)
    try:
        events = watcher.watch()
        for index in range(PRUNE_EVERY + 1):
            clock.advance(10)
            await writer.create(deployment(f"d{index}"))
        await watcher.create(deployment("wake-up"))

        # Changes read before the log was pruned may come first; then the watch must fail.
        error = await _first_error(events, limit=PRUNE_EVERY + 2)

        assert isinstance(error, WatchExpired)
        assert "too old resource version" in error.message
    finally:
        await watcher.close()
        await writer.close()


async def _first_error(events: AsyncIterator[WatchEvent], limit: int) -> Exception:
    try:
        for _ in range(limit):
            await next_event(events)
    except Exception as exc:
        return exc
    pytest.fail(f"no error after {limit} events")


# --- events and leases --------------------------------------------------------------------


async def test_events_are_capped_per_object(store_url: str, clock: FakeClock) -> None:
    store = await open_sql_store(store_url, clock=clock, max_events_per_object=3)
    web = InvolvedObject("FlinkDeployment", "default", "web")
    other = InvolvedObject("FlinkDeployment", "default", "other")
    try:
        await store.record_event(EventRecord(other, "Normal", "R", "kept"))
        for index in range(5):
            clock.advance(1)
            await store.record_event(EventRecord(web, "Warning", "R", f"m{index}"))

        about_web = await store.list_events(involved=web)
        about_other = await store.list_events(involved=other)
    finally:
        await store.close()
    assert [event["message"] for event in about_web] == ["m2", "m3", "m4"]
    assert [event["message"] for event in about_other] == ["kept"]


async def test_lease_insert_race_is_retried(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process inserts the lease between our look and our insert: we retry."""
    await sql_store.try_acquire_lease("controller", "other", 3600)
    real_load = leases._load
    calls = 0

    def load_missing_once(conn: sa.Connection, name: str) -> Lease | None:
        nonlocal calls
        calls += 1
        return None if calls == 1 else real_load(conn, name)

    monkeypatch.setattr(leases, "_load", load_missing_once)

    lease = await sql_store.try_acquire_lease("controller", "me", 3600)

    assert lease.holder == "other"
    assert calls == 2
