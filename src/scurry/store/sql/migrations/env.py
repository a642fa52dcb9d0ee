"""Alembic environment: migrate the connection scurry hands over, or a URL.

`scurry.store.sql.migrate.upgrade_to_head` passes an open connection in
`config.attributes["connection"]`; the alembic CLI path uses `sqlalchemy.url`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from scurry.store.sql.engine import create_store_engine
from scurry.store.sql.schema import metadata

config = context.config


def _run_with(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("alembic: set sqlalchemy.url or pass a connection")
    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            _run_with(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
