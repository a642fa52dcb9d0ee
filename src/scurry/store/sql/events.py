"""Kubernetes events in SQL: recorded once, then counted.

An event equal to a stored one (same involved object, type, reason and
message) bumps that row's `count` and `lastTimestamp` instead of adding a row,
and each involved object keeps at most `limit` events (the oldest go first),
so a flapping resource cannot fill the database.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from scurry.ports import EventRecord, InvolvedObject, Obj
from scurry.store import event_objects, writes
from scurry.store.sql import changes, columns
from scurry.store.sql.schema import events


def record(conn: sa.Connection, event: EventRecord, *, now: datetime, uid: str, limit: int) -> None:
    """Count `event` on its twin if one exists, else store it and trim to `limit`."""
    event = columns.fit_event(event)
    changes.lock_writes(conn)  # so two processes never both insert the same event
    row = conn.execute(sa.select(events.c.id, events.c.body).where(*_same(event))).first()
    last_seen = int(writes.epoch_seconds(now))
    if row is not None:
        body = event_objects.counted_again(json.loads(row.body), now=now)
        conn.execute(
            sa.update(events)
            .where(events.c.id == row.id)
            .values(body=json.dumps(body), last_seen=last_seen)
        )
        return
    involved = event.involved
    conn.execute(
        sa.insert(events).values(
            namespace=involved.namespace,
            involved_kind=involved.kind,
            involved_namespace=involved.namespace,
            involved_name=involved.name,
            involved_uid=involved.uid,
            type=event.type,
            reason=event.reason,
            message=event.message,
            last_seen=last_seen,
            body=json.dumps(event_objects.new_event(event, uid=uid, now=now)),
        )
    )
    _trim(conn, involved, limit)


def select(
    conn: sa.Connection, namespace: str | None, involved: InvolvedObject | None
) -> list[Obj]:
    """Events sorted by lastTimestamp, then by creation order."""
    query = sa.select(events.c.body).order_by(events.c.last_seen, events.c.id)
    if involved is not None:
        involved = columns.fit_involved(involved)
    if namespace is not None:
        columns.check_text("namespace", namespace)
        query = query.where(events.c.namespace == namespace)
    if involved is not None:
        query = query.where(*_about(involved))
        if involved.uid:
            query = query.where(events.c.involved_uid == involved.uid)
    return [json.loads(body) for body in conn.execute(query).scalars()]


def _about(involved: InvolvedObject) -> list[sa.ColumnElement[bool]]:
    return [
        events.c.involved_kind == involved.kind,
        events.c.involved_namespace == involved.namespace,
        events.c.involved_name == involved.name,
    ]


def _same(event: EventRecord) -> list[sa.ColumnElement[bool]]:
    """The dedup key: the involved object (by uid when known), type, reason, message."""
    involved = event.involved
    same_object = [events.c.involved_uid == involved.uid] if involved.uid else _about(involved)
    return [
        *same_object,
        events.c.type == event.type,
        events.c.reason == event.reason,
        events.c.message == event.message,
    ]


def _trim(conn: sa.Connection, involved: InvolvedObject, limit: int) -> None:
    surplus = (
        sa.select(events.c.id)
        .where(*_about(involved))
        .order_by(events.c.last_seen.desc(), events.c.id.desc())
        .offset(limit)
    )
    doomed = list(conn.execute(surplus).scalars())
    if doomed:
        conn.execute(sa.delete(events).where(events.c.id.in_(doomed)))
