"""The change log behind watch, and the global resourceVersion counter.

Every write of an object takes the counter row's lock first (`lock_writes`),
so writes are serialized across processes and commit in resourceVersion
order; each one appends exactly one `changes` row under its new rv. A watcher
that has seen rv N therefore finds rv N+1 next, or knows (a gap) that the
log was pruned past it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from scurry.ports import Obj, WatchEvent, WatchType
from scurry.store.sql.schema import RV_COUNTER, changes, counters

# Pruning runs on one write in this many, which keeps writes cheap.
PRUNE_EVERY = 64


@dataclass(frozen=True)
class Change:
    """One committed write as the log keeps it; `body` is the object's JSON text."""

    rv: int
    type: WatchType
    kind: str
    namespace: str
    name: str
    body: str

    def event(self, load: Callable[[str], Obj] = json.loads) -> WatchEvent:
        """A watch event with a fresh copy of the object (each watcher gets its own)."""
        return WatchEvent(self.type, load(self.body))


def lock_writes(conn: sa.Connection) -> int:
    """Take the global write lock and return the current resourceVersion."""
    query = sa.select(counters.c.value).where(counters.c.name == RV_COUNTER)
    return int(conn.execute(query.with_for_update()).scalar_one())


def current_rv(conn: sa.Connection) -> int:
    query = sa.select(counters.c.value).where(counters.c.name == RV_COUNTER)
    return int(conn.execute(query).scalar_one())


def append(conn: sa.Connection, change: Change, *, now: float, retention_seconds: float) -> None:
    """Advance the counter to `change.rv` and log the change; prune old entries now and then."""
    conn.execute(sa.update(counters).where(counters.c.name == RV_COUNTER).values(value=change.rv))
    conn.execute(
        sa.insert(changes).values(
            rv=change.rv,
            kind=change.kind,
            namespace=change.namespace,
            name=change.name,
            type=change.type,
            body=change.body,
            created_at=now,
        )
    )
    if change.rv % PRUNE_EVERY == 0:
        prune(conn, older_than=now - retention_seconds)


def prune(conn: sa.Connection, *, older_than: float) -> None:
    conn.execute(sa.delete(changes).where(changes.c.created_at < older_than))


def fetch(conn: sa.Connection, *, after: int, limit: int) -> list[Change]:
    """Changes with rv > `after`, oldest first, at most `limit` of them."""
    query = (
        sa.select(changes.c.rv, changes.c.type, changes.c.kind, changes.c.namespace)
        .add_columns(changes.c.name, changes.c.body)
        .where(changes.c.rv > after)
        .order_by(changes.c.rv)
        .limit(limit)
    )
    return [
        Change(int(row.rv), row.type, row.kind, row.namespace, row.name, row.body)
        for row in conn.execute(query)
    ]
