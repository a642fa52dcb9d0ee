"""Labels as rows: kept in step with each object, and label selectors as SQL.

Every requirement of a selector becomes an EXISTS (or NOT EXISTS) over the
`labels` rows of the object, which is exact: a key a selector could name is
always there, and a value a selector could name is always stored as itself
(see `scurry.store.sql.schema`). `!=` and `notin` hold for objects without
the label, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from scurry.store.selectors import Requirement, Selector
from scurry.store.sql.schema import LABEL_KEY_LENGTH, LABEL_VALUE_LENGTH, labels, objects

_NUL = "\x00"


def rows(object_id: int, found: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The `labels` rows of an object with labels `found`."""
    result = []
    for key, value in (found or {}).items():
        if len(key) > LABEL_KEY_LENGTH or _NUL in key:
            continue  # no selector can name it
        fits = isinstance(value, str) and len(value) <= LABEL_VALUE_LENGTH and _NUL not in value
        result.append({"object_id": object_id, "key": key, "value": value if fits else None})
    return result


def write(conn: sa.Connection, object_id: int, found: Mapping[str, Any] | None) -> None:
    """Replace the object's label rows with those of `found`."""
    conn.execute(sa.delete(labels).where(labels.c.object_id == object_id))
    new_rows = rows(object_id, found)
    if new_rows:
        conn.execute(sa.insert(labels), new_rows)


def where(selector: Selector) -> list[sa.ColumnElement[bool]]:
    """Conditions on `objects` rows that hold exactly when `selector` matches."""
    return [_condition(requirement) for requirement in selector.requirements]


def _condition(requirement: Requirement) -> sa.ColumnElement[bool]:
    label = sa.select(labels.c.object_id).where(
        labels.c.object_id == objects.c.id, labels.c.key == requirement.key
    )
    if requirement.operator in ("=", "in", "!=", "notin"):
        label = label.where(labels.c.value.in_(sorted(requirement.values)))
    exists = label.exists()
    return exists if requirement.operator in ("=", "in", "exists") else ~exists
