"""The SQL backend of the store port: SQLAlchemy 2 Core + Alembic, SQLite or PostgreSQL."""

from scurry.store.sql.store import SqlStore, open_sql_store

__all__ = ["SqlStore", "open_sql_store"]
