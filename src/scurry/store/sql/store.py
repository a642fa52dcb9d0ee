"""`SqlStore`: the ResourceStore port over SQLAlchemy, on SQLite or PostgreSQL.

The database does all the work synchronously on the store's own worker
threads (one for an in-memory SQLite, which is a single shared connection),
so the event loop never waits on a query. Writes are serialized by the
database (see `changes.lock_writes`), which keeps the store correct when
several processes share one database: the server, the controller, a CLI.

Use `open_sql_store`, which migrates the schema and starts the watch poller;
a `SqlStore` belongs to the event loop that opened it.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import uuid4

import sqlalchemy as sa

from scurry.config.secretbox import SecretBox
from scurry.errors import InvalidInput, Unavailable
from scurry.ports import EventRecord, InvolvedObject, Lease, Obj, WatchEvent
from scurry.store import apierrors, writes
from scurry.store.selectors import parse_selector
from scurry.store.sql import changes, events, leases, objects
from scurry.store.sql.bodies import Bodies
from scurry.store.sql.changes import Change
from scurry.store.sql.engine import (
    create_store_engine,
    is_memory_sqlite,
    read_transaction,
    write_transaction,
)
from scurry.store.sql.migrate import upgrade_to_head
from scurry.store.sql.objects import Outcome, WriteContext
from scurry.store.sql.watch import WatchHub

if TYPE_CHECKING:
    from scurry.ports import ResourceStore

T = TypeVar("T")
Clock = Callable[[], datetime]
WriteOp = Callable[[sa.Connection, WriteContext], Outcome]

DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_CHANGE_RETENTION_SECONDS = 600.0
DEFAULT_MAX_EVENTS_PER_OBJECT = 1000
_LEASE_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStore:
    """Kubernetes API semantics (see `ResourceStore`) kept in a SQL database.

    `url` is a SQLAlchemy URL: `sqlite:///path/scurry.db` (directory created,
    WAL), `sqlite://` (in memory, this store only) or `postgresql+psycopg://...`.
    `clock` stamps objects, events and leases (UTC now by default);
    `poll_interval` is how often the change log is read for other processes'
    writes; changes older than `change_retention_seconds` are pruned, and a
    watcher that falls further behind gets `WatchExpired`; each involved
    object keeps its newest `max_events_per_object` events; `secrets` seals the
    values of Secrets at rest (see `scurry.store.sql.bodies`).
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        change_retention_seconds: float = DEFAULT_CHANGE_RETENTION_SECONDS,
        max_events_per_object: int = DEFAULT_MAX_EVENTS_PER_OBJECT,
        secrets: SecretBox | None = None,
    ) -> None:
        self._engine = create_store_engine(url)
        self._bodies = Bodies(secrets)
        self._clock = clock or utc_now
        self._retention = change_retention_seconds
        self._max_events = max_events_per_object
        workers = 1 if is_memory_sqlite(url) else 4
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="scurry-sql")
        self._hub = WatchHub(
            self._fetch_changes,
            self._current_rv,
            poll_interval=poll_interval,
            load=self._bodies.load,
        )
        self._closed = False

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (nothing to do when it is there)."""
        await self._call(lambda: upgrade_to_head(self._engine))

    async def start(self) -> None:
        """Read the current resourceVersion and start the watch poller.

        Without it the poller starts with the first `watch()`, and that first
        watch begins at the resourceVersion its first poll reads.
        """
        await self._hub.start()

    async def create(self, obj: Obj) -> Obj:
        """Store a new object; any `status` given is dropped (see `scurry.store.writes`)."""
        outcome = await self._write(lambda conn, ctx: objects.create(conn, obj, ctx))
        return _present(outcome)

    async def get(self, kind: str, namespace: str, name: str) -> Obj:
        found = await self._read(
            lambda conn: objects.load(conn, kind, namespace, name, self._bodies)
        )
        if found is None:
            raise apierrors.not_found(kind, name)
        return found

    async def list(
        self, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[Obj]:
        selector = parse_selector(label_selector)
        return await self._read(
            lambda conn: objects.select_all(conn, kind, namespace, self._bodies, selector)
        )

    async def update(self, obj: Obj) -> Obj:
        """Write metadata and spec; the final object if this removed the last finalizer."""
        outcome = await self._write(lambda conn, ctx: objects.update(conn, obj, ctx))
        return _present(outcome)

    async def update_status(self, obj: Obj) -> Obj:
        outcome = await self._write(lambda conn, ctx: objects.update_status(conn, obj, ctx))
        return _present(outcome)

    async def delete(
        self, kind: str, namespace: str, name: str, *, resource_version: str | None = None
    ) -> Obj | None:
        key = (kind, namespace, name)
        outcome = await self._write(
            lambda conn, ctx: objects.delete(conn, key, resource_version, ctx)
        )
        return outcome.object

    def watch(self, kinds: Collection[str] | None = None) -> AsyncIterator[WatchEvent]:
        """Changes committed after this call, of `kinds` (all kinds if None), in order."""
        return self._hub.watch(kinds)

    async def record_event(self, event: EventRecord) -> None:
        now, uid = self._clock(), str(uuid4())
        await self._call(
            lambda: self._in_write(
                lambda conn: events.record(conn, event, now=now, uid=uid, limit=self._max_events)
            )
        )

    async def list_events(
        self, namespace: str | None = None, involved: InvolvedObject | None = None
    ) -> builtins.list[Obj]:
        return await self._read(lambda conn: events.select(conn, namespace, involved))

    async def try_acquire_lease(
        self, name: str, holder: str, duration_seconds: float, *, steal_from: str | None = None
    ) -> Lease:
        """Take or renew the lease if allowed; the answer's `holder` says who has it now."""
        if not holder or duration_seconds <= 0:
            raise InvalidInput("a lease needs a holder and a positive duration")
        now = writes.epoch_seconds(self._clock())
        for _ in range(_LEASE_ATTEMPTS):
            try:
                return await self._call(
                    lambda: self._in_write(
                        lambda conn: leases.acquire(
                            conn, name, holder, duration_seconds, steal_from=steal_from, now=now
                        )
                    )
                )
            except leases.LeaseRace:
                continue
        raise Unavailable(f"lease {name!r}: lost the insert race {_LEASE_ATTEMPTS} times")

    async def release_lease(self, name: str, holder: str) -> None:
        await self._call(lambda: self._in_write(lambda conn: leases.release(conn, name, holder)))

    async def close(self) -> None:
        """End every watch, wait for queries in flight, and release the database."""
        if self._closed:
            return
        self._closed = True
        await self._hub.close()
        await asyncio.to_thread(self._shut_down)

    def _shut_down(self) -> None:
        self._executor.shutdown(wait=True)
        self._engine.dispose()

    async def _write(self, op: WriteOp) -> Outcome:
        ctx = WriteContext(
            now=self._clock(),
            uid=str(uuid4()),
            retention_seconds=self._retention,
            bodies=self._bodies,
        )
        return await self._call(lambda: self._write_now(op, ctx))

    def _write_now(self, op: WriteOp, ctx: WriteContext) -> Outcome:
        """Run `op` in a write transaction; after the commit, tell the watchers."""
        with write_transaction(self._engine) as conn:
            outcome = op(conn, ctx)
        if outcome.change is not None:
            self._hub.written(outcome.change.rv)
        return outcome

    def _in_write(self, work: Callable[[sa.Connection], T]) -> T:
        with write_transaction(self._engine) as conn:
            return work(conn)

    async def _read(self, work: Callable[[sa.Connection], T]) -> T:
        def run() -> T:
            with read_transaction(self._engine) as conn:
                return work(conn)

        return await self._call(run)

    async def _fetch_changes(self, after: int, limit: int) -> builtins.list[Change]:
        return await self._read(lambda conn: changes.fetch(conn, after=after, limit=limit))

    async def _current_rv(self) -> int:
        return await self._read(changes.current_rv)

    async def _call(self, work: Callable[[], T]) -> T:
        """Run blocking database work on the store's threads; database outages -> Unavailable."""
        if self._closed:
            raise Unavailable("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, work)
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database: {exc.orig or exc}") from exc
        except sa.exc.DataError as exc:
            # A value the columns could not hold slipped past `columns`: still the caller's.
            raise InvalidInput(
                f"the database refused a value: {_first_line(exc.orig or exc)}"
            ) from exc


async def open_sql_store(
    url: str,
    *,
    clock: Clock | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    change_retention_seconds: float = DEFAULT_CHANGE_RETENTION_SECONDS,
    max_events_per_object: int = DEFAULT_MAX_EVENTS_PER_OBJECT,
    secrets: SecretBox | None = None,
) -> SqlStore:
    """A ready store: schema migrated to head, watch poller running."""
    store = SqlStore(
        url,
        clock=clock,
        poll_interval=poll_interval,
        change_retention_seconds=change_retention_seconds,
        max_events_per_object=max_events_per_object,
        secrets=secrets,
    )
    try:
        await store.migrate()
        await store.start()
    except BaseException:
        await store.close()
        raise
    return store


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _present(outcome: Outcome) -> Obj:
    if outcome.object is None:  # only delete returns no object
        raise AssertionError("a write that keeps the object returned none")
    return outcome.object


if TYPE_CHECKING:

    def _conforms(store: SqlStore) -> ResourceStore:
        """mypy checks here that SqlStore implements the port exactly."""
        return store
