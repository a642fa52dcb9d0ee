"""Result rows as CMF serves them: `{"op": <row kind>, "row": [<fields>]}`.

Fields follow the Confluent clients' convention: atomic values are strings
(NULL is JSON null), ARRAY and ROW values are lists, MAP and MULTISET values
are lists of `[key, value]` pairs. `op` is Flink's row kind: 0 insert,
1 update-before, 2 update-after, 3 delete.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

OPS = {"INSERT": 0, "UPDATE_BEFORE": 1, "UPDATE_AFTER": 2, "DELETE": 3}


def result_row(row: Any) -> dict[str, Any]:
    kind = row.get_row_kind() if hasattr(row, "get_row_kind") else None
    op = OPS.get(getattr(kind, "name", "INSERT"), 0)
    return {"op": op, "row": [field(value) for value in _values(row)]}


def field(value: Any) -> Any:
    """One field in the clients' convention."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return "x'" + bytes(value).hex() + "'" if value else "x''"
    if isinstance(value, dict):
        return [[field(key), field(item)] for key, item in value.items()]
    if isinstance(value, list | tuple) or _is_row(value):
        return [field(item) for item in _values(value)]
    return _atomic(value)


def _atomic(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _is_row(value: Any) -> bool:
    return type(value).__name__ == "Row" and hasattr(value, "_values")


def _values(row: Any) -> list[Any]:
    if _is_row(row):
        return list(row._values)
    return list(row)
