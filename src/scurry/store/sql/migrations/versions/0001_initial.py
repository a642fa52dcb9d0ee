"""The initial store schema: objects, counters, changes, events, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

A frozen copy of `scurry.store.sql.schema` at this revision (revisions never
import the live schema, which moves on).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "objects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(253), nullable=False),
        sa.Column("namespace", sa.String(253), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("uid", sa.String(64), nullable=False),
        sa.Column("resource_version", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "namespace", "name", name="uq_objects_key"),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "resourceVersion", "value": 0}])
    op.create_table(
        "changes",
        sa.Column("rv", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(253), nullable=False),
        sa.Column("namespace", sa.String(253), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_changes_created_at", "changes", ["created_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("namespace", sa.String(253), nullable=False),
        sa.Column("involved_kind", sa.String(253), nullable=False),
        sa.Column("involved_namespace", sa.String(253), nullable=False),
        sa.Column("involved_name", sa.String(253), nullable=False),
        sa.Column("involved_uid", sa.String(64), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(253), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("last_seen", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_events_involved", "events", ["involved_kind", "involved_namespace", "involved_name"]
    )
    op.create_index("ix_events_namespace", "events", ["namespace"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(253), primary_key=True),
        sa.Column("holder", sa.String(253), nullable=False),
        sa.Column("renewed_at", sa.Float, nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("leases", "events", "changes", "counters", "objects"):
        op.drop_table(table)
