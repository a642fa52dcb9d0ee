"""The object writes as SQL transactions: create, update, update_status, delete.

Each function runs inside one write transaction (`engine.write_transaction`)
and returns an `Outcome`: what the caller gets back and the change to log,
if any. The rules themselves live in `scurry.store.writes`; this module only
loads, stores and logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from scurry.ports import Obj, WatchType
from scurry.store import apierrors, writes
from scurry.store.selectors import Selector
from scurry.store.sql import changes, columns, labels
from scurry.store.sql.bodies import Bodies
from scurry.store.sql.changes import Change
from scurry.store.sql.schema import objects


@dataclass(frozen=True)
class Outcome:
    """The result of a write: the object to return and the change it committed (None: no-op)."""

    object: Obj | None
    change: Change | None


@dataclass(frozen=True)
class WriteContext:
    """What a write needs from the store: the time, a fresh uid, the log retention, and how
    bodies are stored."""

    now: datetime
    uid: str
    retention_seconds: float
    bodies: Bodies = field(default_factory=Bodies)


def create(conn: sa.Connection, obj: Obj, ctx: WriteContext) -> Outcome:
    rv = changes.lock_writes(conn) + 1
    new = writes.prepare_create(obj, uid=ctx.uid, rv=rv, now=ctx.now)
    kind, namespace, name = writes.key_of(new)
    if load(conn, kind, namespace, name, ctx.bodies) is not None:
        raise apierrors.already_exists(kind, name)
    body = ctx.bodies.dump(new)
    insert = sa.insert(objects).values(
        kind=kind, namespace=namespace, name=name, uid=ctx.uid, resource_version=rv, body=body
    )
    object_id = int(conn.execute(insert.returning(objects.c.id)).scalar_one())
    labels.write(conn, object_id, new["metadata"].get("labels"))
    return _commit(conn, "ADDED", new, body, ctx)


def update(conn: sa.Connection, request: Obj, ctx: WriteContext) -> Outcome:
    rv = changes.lock_writes(conn) + 1
    stored = _load_existing(conn, request, ctx.bodies)
    new = writes.prepare_update(stored, request, rv=rv)
    if new is None:
        return Outcome(stored, None)
    if writes.is_gone(new):
        return _remove(conn, new, ctx)
    outcome = _replace(conn, new, ctx)
    if new["metadata"].get("labels") != stored["metadata"].get("labels"):
        labels.write(conn, _id_of(conn, writes.key_of(new)), new["metadata"].get("labels"))
    return outcome


def update_status(conn: sa.Connection, request: Obj, ctx: WriteContext) -> Outcome:
    rv = changes.lock_writes(conn) + 1
    stored = _load_existing(conn, request, ctx.bodies)
    new = writes.prepare_status(stored, request, rv=rv)
    if new is None:
        return Outcome(stored, None)
    return _replace(conn, new, ctx)


def delete(
    conn: sa.Connection, key: writes.Key, resource_version: str | None, ctx: WriteContext
) -> Outcome:
    """Mark for deletion while finalizers remain (returning the object), else remove (None)."""
    rv = changes.lock_writes(conn) + 1
    kind, namespace, name = key
    stored = load(conn, kind, namespace, name, ctx.bodies)
    if stored is None:
        raise apierrors.not_found(kind, name)
    writes.check_resource_version(stored, resource_version)
    if not writes.has_finalizers(stored):
        outcome = _remove(conn, writes.final_state(stored, rv=rv), ctx)
        return Outcome(None, outcome.change)
    marked = writes.prepare_deletion_mark(stored, rv=rv, now=ctx.now)
    if marked is None:
        return Outcome(stored, None)
    return _replace(conn, marked, ctx)


def load(conn: sa.Connection, kind: str, namespace: str, name: str, bodies: Bodies) -> Obj | None:
    columns.check_key(kind, namespace, name)
    query = sa.select(objects.c.body).where(
        objects.c.kind == kind, objects.c.namespace == namespace, objects.c.name == name
    )
    body = conn.execute(query).scalar_one_or_none()
    return None if body is None else bodies.load(body)


def select_all(
    conn: sa.Connection,
    kind: str,
    namespace: str | None,
    bodies: Bodies,
    selector: Selector | None = None,
) -> list[Obj]:
    """Every object of `kind` (in `namespace`, if given) that `selector` matches, sorted by
    namespace then name."""
    columns.check_key(kind, namespace)
    query = sa.select(objects.c.body).where(objects.c.kind == kind)
    if selector is not None:
        query = query.where(*labels.where(selector))
    if namespace is not None:
        query = query.where(objects.c.namespace == namespace)
    query = query.order_by(objects.c.namespace, objects.c.name)
    return [bodies.load(body) for body in conn.execute(query).scalars()]


def _load_existing(conn: sa.Connection, request: Obj, bodies: Bodies) -> Obj:
    kind, namespace, name = writes.key_of(request)
    stored = load(conn, kind, namespace, name, bodies)
    if stored is None:
        raise apierrors.not_found(kind, name)
    return stored


def _id_of(conn: sa.Connection, key: writes.Key) -> int:
    kind, namespace, name = key
    query = sa.select(objects.c.id).where(
        objects.c.kind == kind, objects.c.namespace == namespace, objects.c.name == name
    )
    return int(conn.execute(query).scalar_one())


def _replace(conn: sa.Connection, new: Obj, ctx: WriteContext) -> Outcome:
    kind, namespace, name = writes.key_of(new)
    body = ctx.bodies.dump(new)
    rv = int(new["metadata"]["resourceVersion"])
    conn.execute(
        sa.update(objects)
        .where(objects.c.kind == kind, objects.c.namespace == namespace, objects.c.name == name)
        .values(resource_version=rv, body=body)
    )
    return _commit(conn, "MODIFIED", new, body, ctx)


def _remove(conn: sa.Connection, final: Obj, ctx: WriteContext) -> Outcome:
    kind, namespace, name = writes.key_of(final)
    labels.write(conn, _id_of(conn, (kind, namespace, name)), None)
    conn.execute(
        sa.delete(objects).where(
            objects.c.kind == kind, objects.c.namespace == namespace, objects.c.name == name
        )
    )
    return _commit(conn, "DELETED", final, ctx.bodies.dump(final), ctx)


def _commit(
    conn: sa.Connection, kind_of_change: WatchType, obj: Obj, body: str, ctx: WriteContext
) -> Outcome:
    kind, namespace, name = writes.key_of(obj)
    change = Change(
        int(obj["metadata"]["resourceVersion"]), kind_of_change, kind, namespace, name, body
    )
    changes.append(
        conn, change, now=writes.epoch_seconds(ctx.now), retention_seconds=ctx.retention_seconds
    )
    return Outcome(obj, change)
