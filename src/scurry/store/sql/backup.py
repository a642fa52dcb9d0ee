"""Backup and restore of the embedded (SQLite) database, with sqlite3's backup API.

A backup copies the database in one step of the backup API, which reads one
consistent snapshot: in WAL mode writers go on meanwhile, so a running
server needs no pause. The copy is written beside the target and renamed into
place once checked, and it is a single self-contained file (rollback
journal, not WAL). A restore checks that the file is a scurry database at a
revision this build knows, then copies it over the live database through the
same API (so other connections see the new content, not a replaced inode).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from scurry.errors import InvalidInput, NotFound
from scurry.store.sql.engine import BUSY_TIMEOUT_SECONDS, is_memory_sqlite
from scurry.store.sql.migrate import known_revisions

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = ("objects", "counters", "changes", "events", "leases", "alembic_version")


@dataclass(frozen=True)
class DatabaseFile:
    """A checked scurry database file: where, at which revision, how many objects."""

    path: Path
    revision: str
    objects: int


def sqlite_path(url: str) -> Path:
    """The file of an SQLite store URL; other databases have their own tools."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise InvalidInput(
            f"the database is {parsed.get_backend_name()}, not the embedded SQLite file: "
            "back it up with its own tools (for PostgreSQL, pg_dump and pg_restore)"
        )
    if is_memory_sqlite(parsed):
        raise InvalidInput("an in-memory database has nothing to back up or restore")
    return Path(str(parsed.database)).expanduser()


def backup(database: Path, target: Path) -> DatabaseFile:
    """Copy the live `database` to `target` (atomically replaced); returns the copy, checked."""
    if not database.is_file():
        raise NotFound(f"no database at {database}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(_connect(database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        checked = inspect(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return DatabaseFile(target, checked.revision, checked.objects)


def restore(source: Path, database: Path) -> DatabaseFile:
    """Replace the content of `database` with the checked backup `source`."""
    checked = inspect(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(source)) as backup_file, closing(_connect(database)) as live:
        backup_file.backup(live)
    return checked


def inspect(path: Path) -> DatabaseFile:
    """`path` checked as a scurry database at a known revision, else InvalidInput saying why."""
    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InvalidInput(f"{path} is not a scurry database: not an SQLite file")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return _inspect(path, conn)
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} is not a scurry database: {exc}") from None


def _inspect(path: Path, conn: sqlite3.Connection) -> DatabaseFile:
    integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
    if integrity != "ok":
        raise InvalidInput(f"{path} is damaged: {integrity}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise InvalidInput(f"{path} is not a scurry database: no {', '.join(missing)} table")
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    known = known_revisions()
    if revision is None or revision[0] not in known:
        found = revision[0] if revision else "none"
        raise InvalidInput(
            f"{path} is at schema revision {found}, which this scurry does not know "
            f"(it knows {', '.join(known)}): is it from a newer scurry?"
        )
    count = int(conn.execute("SELECT count(*) FROM objects").fetchone()[0])
    return DatabaseFile(path, str(revision[0]), count)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
