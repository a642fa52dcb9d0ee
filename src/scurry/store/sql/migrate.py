"""Alembic, driven from code: the migrations ship inside the package.

No `alembic.ini` is needed at run time; `alembic_config()` points Alembic at
`migrations/` next to this module. A new revision is a new file in
`migrations/versions/` whose `down_revision` is the current head (a test
checks that the graph keeps exactly one head).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from scurry.store.sql.engine import write_transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK_ID = 0x5C0EE7  # any constant shared by every scurry process


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config for the packaged migrations (and `url`, for the alembic CLI path)."""
    config = Config()
    # ConfigParser interpolates '%', so a path or URL containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: sa.Engine) -> None:
    """Migrate the database to the newest revision; a database at head is left as is."""
    upgrade(engine, "head")


def upgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database up to `revision`.

    Runs in one write transaction, so two processes starting at once migrate
    one after the other, and the second finds nothing to do.
    """
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database down to `revision` (each revision's `downgrade`)."""
    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: sa.Engine, step: Callable[[Config], None]) -> None:
    config = alembic_config()
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            # SQLite's write lock serializes migrations; PostgreSQL needs a lock of its own.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_ID})")
        config.attributes["connection"] = conn
        step(config)


def head_revisions() -> tuple[str, ...]:
    """The heads of the packaged revision graph (exactly one in a healthy tree)."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> tuple[str, ...]:
    """Every revision of the packaged graph, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))
