"""Labels as rows for indexed label selectors; events found by the involved object's uid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Why: `list` with a label selector read and parsed every body of the kind in
the namespace, and the controller lists session jobs by their
`target.session` label on every change of a session cluster; CMF lists
filter by labels too. The `labels` table answers those with an index on
(key, value). Event counting looks its twin up by `involved_uid`, which had
no index: every recorded event scanned the table.

The unique key (kind, namespace, name) of `objects` already serves listing a
kind in a namespace, sorted by name, and across namespaces: a separate index
on (kind, namespace) would only duplicate its prefix.

Existing objects get their label rows here, from their stored bodies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_LENGTH, VALUE_LENGTH = 317, 63
BATCH = 500


def upgrade() -> None:
    labels = op.create_table(
        "labels",
        sa.Column(
            "object_id",
            sa.Integer,
            sa.ForeignKey("objects.id", ondelete="CASCADE", name="fk_labels_object"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
        sa.Column("value", sa.String(VALUE_LENGTH), nullable=True),
    )
    op.create_index("ix_labels_key_value", "labels", ["key", "value"])
    op.create_index("ix_events_involved_uid", "events", ["involved_uid"])
    rows = list(_label_rows(op.get_bind()))
    for start in range(0, len(rows), BATCH):
        op.bulk_insert(labels, rows[start : start + BATCH])


def downgrade() -> None:
    op.drop_index("ix_events_involved_uid", table_name="events")
    op.drop_index("ix_labels_key_value", table_name="labels")
    op.drop_table("labels")


def _label_rows(conn: sa.Connection) -> Iterator[dict[str, Any]]:
    """The rows of every stored object's labels, by the rules of this revision (frozen here)."""
    objects = sa.table("objects", sa.column("id", sa.Integer), sa.column("body", sa.Text))
    for object_id, body in conn.execute(sa.select(objects.c.id, objects.c.body)):
        found = (json.loads(body).get("metadata") or {}).get("labels") or {}
        for key, value in found.items():
            if len(key) > KEY_LENGTH or "\x00" in key:
                continue
            fits = isinstance(value, str) and len(value) <= VALUE_LENGTH and "\x00" not in value
            yield {"object_id": object_id, "key": key, "value": value if fits else None}
