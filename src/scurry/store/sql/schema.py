"""The SQL tables of the store, as SQLAlchemy Core metadata.

Bodies are JSON text (portable across SQLite and PostgreSQL); only what is
queried is a column. The Alembic revisions create exactly these tables (a
test compares them), and the revisions, not this module, are what builds a
database.

- `objects`: one row per stored object, unique on (kind, namespace, name).
- `counters`: one row, `resourceVersion`, the global write counter; every
  write locks it first, so writes are serialized and commit in rv order.
- `changes`: the watch log, one row per resourceVersion, pruned by age.
- `events`: Kubernetes v1 Events, deduplicated by the store.
- `leases`: who holds which lease until when (epoch seconds).
- `labels` (revision 0002): each object's labels as rows, so that a label
  selector is answered by an index instead of by reading every body of the
  kind. Only labels a selector can name are kept: a key longer than a label
  key may be is left out, a value longer than a label value (or holding a
  NUL) is kept as NULL, which still answers "exists" and never equals a value.
"""

from __future__ import annotations

import sqlalchemy as sa

RV_COUNTER = "resourceVersion"
LABEL_KEY_LENGTH = 317  # a DNS subdomain prefix, '/', and a 63-character name
LABEL_VALUE_LENGTH = 63

metadata = sa.MetaData()

objects = sa.Table(
    "objects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(253), nullable=False),
    sa.Column("namespace", sa.String(253), nullable=False),
    sa.Column("name", sa.String(253), nullable=False),
    sa.Column("uid", sa.String(64), nullable=False),
    sa.Column("resource_version", sa.BigInteger, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.UniqueConstraint("kind", "namespace", "name", name="uq_objects_key"),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("rv", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(253), nullable=False),
    sa.Column("namespace", sa.String(253), nullable=False),
    sa.Column("name", sa.String(253), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_changes_created_at", "created_at"),
)

events = sa.Table(
    "events",
    metadata,
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
    sa.Index("ix_events_involved", "involved_kind", "involved_namespace", "involved_name"),
    sa.Index("ix_events_namespace", "namespace"),
    sa.Index("ix_events_involved_uid", "involved_uid"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(253), primary_key=True),
    sa.Column("holder", sa.String(253), nullable=False),
    sa.Column("renewed_at", sa.Float, nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=False),
)

labels = sa.Table(
    "labels",
    metadata,
    sa.Column(
        "object_id",
        sa.Integer,
        sa.ForeignKey("objects.id", ondelete="CASCADE", name="fk_labels_object"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(LABEL_KEY_LENGTH), primary_key=True),
    sa.Column("value", sa.String(LABEL_VALUE_LENGTH), nullable=True),
    sa.Index("ix_labels_key_value", "key", "value"),
)
