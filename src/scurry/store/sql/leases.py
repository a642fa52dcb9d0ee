"""Leases in SQL: who may act, until when, decided atomically in the database.

Acquisition is one conditional UPDATE (free to take when the caller already
holds it, when it expired, or when the caller names the holder to steal
from), then an INSERT when no row exists. Two processes racing to insert the
same lease make one fail on the primary key; `acquire` reports that as
`LeaseRace` and the caller runs the transaction again, finding the row this
time. A released lease is a deleted row.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from scurry.ports import Lease
from scurry.store.sql import columns
from scurry.store.sql.schema import leases


class LeaseRace(Exception):
    """Another process inserted the lease first: run the transaction again."""


def acquire(
    conn: sa.Connection,
    name: str,
    holder: str,
    duration_seconds: float,
    *,
    steal_from: str | None,
    now: float,
) -> Lease:
    """Take or renew `name` for `holder` if allowed; return the lease as it now stands."""
    _check(name, holder, steal_from)
    takeable = [
        leases.c.holder == holder,
        leases.c.renewed_at + leases.c.duration_seconds < now,
    ]
    if steal_from is not None:
        takeable.append(leases.c.holder == steal_from)
    conn.execute(
        sa.update(leases)
        .where(leases.c.name == name, sa.or_(*takeable))
        .values(holder=holder, renewed_at=now, duration_seconds=duration_seconds)
    )
    current = _load(conn, name)
    if current is not None:
        return current
    try:
        conn.execute(
            sa.insert(leases).values(
                name=name, holder=holder, renewed_at=now, duration_seconds=duration_seconds
            )
        )
    except sa.exc.IntegrityError as exc:
        raise LeaseRace(name) from exc
    return Lease(name, holder, _as_datetime(now), duration_seconds)


def release(conn: sa.Connection, name: str, holder: str) -> None:
    _check(name, holder, None)
    conn.execute(sa.delete(leases).where(leases.c.name == name, leases.c.holder == holder))


def held(conn: sa.Connection, *, now: float) -> list[Lease]:
    """Every lease not yet expired at `now` (its holder may still be acting)."""
    query = sa.select(leases).where(leases.c.renewed_at + leases.c.duration_seconds >= now)
    return [
        Lease(row.name, row.holder, _as_datetime(row.renewed_at), row.duration_seconds)
        for row in conn.execute(query.order_by(leases.c.name))
    ]


def _check(name: str, holder: str, steal_from: str | None) -> None:
    columns.check_text("lease name", name)
    columns.check_text("lease holder", holder)
    if steal_from is not None:
        columns.check_text("lease holder to steal from", steal_from)


def _load(conn: sa.Connection, name: str) -> Lease | None:
    row = conn.execute(sa.select(leases).where(leases.c.name == name)).first()
    if row is None:
        return None
    return Lease(row.name, row.holder, _as_datetime(row.renewed_at), row.duration_seconds)


def _as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
