"""Upgrading a database made at the previous revision, on SQLite and PostgreSQL.

The database is built with Alembic at revision 0001 and filled the way 0001's
store filled it (rows written with 0001's columns, not through today's
store); then it is upgraded to head and must hold the same objects, events,
leases and change log, answer label selectors for the old objects, and have
exactly the schema of `scurry.store.sql.schema`. Downgrading to 0001 and
upgrading again must keep the data too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scurry.ports import InvolvedObject
from scurry.store.sql import open_sql_store
from scurry.store.sql.engine import create_store_engine
from scurry.store.sql.migrate import current_revision, downgrade, head_revisions, upgrade
from scurry.store.sql.schema import metadata

# The tables as revision 0001 made them (only the columns written here).
OBJECTS = sa.table(
    "objects", *map(sa.column, ["kind", "namespace", "name", "uid", "resource_version", "body"])
)
COUNTERS = sa.table("counters", sa.column("name"), sa.column("value"))
CHANGES = sa.table(
    "changes", *map(sa.column, ["rv", "kind", "namespace", "name", "type", "body", "created_at"])
)
EVENT_COLUMNS = (
    "namespace involved_kind involved_namespace involved_name involved_uid type reason message"
    " last_seen body"
)
EVENTS = sa.table("events", *map(sa.column, EVENT_COLUMNS.split()))
LEASES = sa.table("leases", *map(sa.column, ["name", "holder", "renewed_at", "duration_seconds"]))
FAR_FUTURE = 4_000_000_000.0


def stored_object(name: str, rv: int, labels: dict[str, str] | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "generation": 1,
        "resourceVersion": str(rv),
        "creationTimestamp": "2026-11-26T18:00:00Z",
    }
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": metadata,
        "spec": {"image": "flink:2.1"},
    }


OLD_OBJECTS = [
    stored_object("web", 1, {"app": "web", "tier": "front"}),
    stored_object("db", 2, {"app": "db", "long": "v" * 100}),
    stored_object("plain", 3, None),
]


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def fill_like_revision_0001(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for obj in OLD_OBJECTS:
            meta = obj["metadata"]
            body = json.dumps(obj)
            conn.execute(
                sa.insert(OBJECTS).values(
                    kind=obj["kind"],
                    namespace=meta["namespace"],
                    name=meta["name"],
                    uid=meta["uid"],
                    resource_version=int(meta["resourceVersion"]),
                    body=body,
                )
            )
            conn.execute(
                sa.insert(CHANGES).values(
                    rv=int(meta["resourceVersion"]),
                    kind=obj["kind"],
                    namespace="default",
                    name=meta["name"],
                    type="ADDED",
                    body=body,
                    created_at=FAR_FUTURE,
                )
            )
        conn.execute(sa.update(COUNTERS).values(value=len(OLD_OBJECTS)))
        event = {"kind": "Event", "reason": "Submit", "message": "Starting deployment"}
        conn.execute(
            sa.insert(EVENTS).values(
                namespace="default",
                involved_kind="FlinkDeployment",
                involved_namespace="default",
                involved_name="web",
                involved_uid="uid-web",
                type="Normal",
                reason="Submit",
                message="Starting deployment",
                last_seen=1,
                body=json.dumps(event),
            )
        )
        conn.execute(
            sa.insert(LEASES).values(
                name="scurry-controller", holder="old", renewed_at=FAR_FUTURE, duration_seconds=15
            )
        )


async def test_upgrade_from_0001_keeps_the_data_and_builds_the_schema_module(
    engine: sa.Engine, store_url: str
) -> None:
    upgrade(engine, "0001")
    fill_like_revision_0001(engine)

    upgrade(engine, "head")

    assert current_revision(engine) == head_revisions()[0]
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    await check_data_intact(store_url)


async def test_downgrade_to_0001_and_back_keeps_the_data(engine: sa.Engine, store_url: str) -> None:
    upgrade(engine, "0001")
    fill_like_revision_0001(engine)
    upgrade(engine, "head")

    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "labels" not in sa.inspect(engine).get_table_names()
    upgrade(engine, "head")

    await check_data_intact(store_url)


async def check_data_intact(url: str) -> None:
    store = await open_sql_store(url)
    try:
        listed = await store.list("FlinkDeployment")
        assert sorted(listed, key=lambda o: o["metadata"]["name"]) == sorted(
            OLD_OBJECTS, key=lambda o: o["metadata"]["name"]
        )
        assert names(await store.list("FlinkDeployment", label_selector="app=web")) == ["web"]
        assert names(await store.list("FlinkDeployment", label_selector="long")) == ["db"]
        assert names(await store.list("FlinkDeployment", label_selector="app!=web")) == [
            "db",
            "plain",
        ]
        [event] = await store.list_events(
            involved=InvolvedObject("FlinkDeployment", "default", "web")
        )
        assert event["reason"] == "Submit"
        lease = await store.try_acquire_lease("scurry-controller", "new", 15)
        assert lease.holder == "old"
        later = await store.create(stored_object("later", 0, {"app": "web"}))
        assert int(later["metadata"]["resourceVersion"]) == len(OLD_OBJECTS) + 1
        assert names(await store.list("FlinkDeployment", label_selector="app=web")) == [
            "later",
            "web",
        ]
    finally:
        await store.close()


def names(objs: list[dict[str, Any]]) -> list[str]:
    return [obj["metadata"]["name"] for obj in objs]
