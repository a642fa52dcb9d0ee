"""Engines and transactions for the SQL store.

SQLite needs care to behave like a server database under concurrent
processes: WAL (readers do not block the writer), a busy timeout (a writer
waits for the lock instead of failing), and write transactions that take the
write lock up front (`BEGIN IMMEDIATE`), because a deferred transaction that
reads and then writes fails at once when another process wrote in between.
PostgreSQL needs none of this: writes serialize on the counter row lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_SECONDS = 30
_WRITE_OPTION = "scurry_write"


def create_store_engine(url: str | sa.URL) -> sa.Engine:
    """An engine for `url`; SQLite files get their directory, WAL and a busy timeout."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    if is_memory_sqlite(parsed):
        # One connection shared by every thread, or each would see its own empty database.
        engine = sa.create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        Path(str(parsed.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
        )
    _configure_sqlite(engine, wal=not is_memory_sqlite(parsed))
    return engine


def is_memory_sqlite(url: str | sa.URL) -> bool:
    parsed = sa.make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and database in ("", ":memory:")


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that may write: on SQLite it holds the write lock from its start."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that only reads: one consistent snapshot, no write lock."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _configure_sqlite(engine: sa.Engine, *, wal: bool) -> None:
    """Take over BEGIN from pysqlite so that write transactions can be IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
