"""What a statement is, from the planner's analysis: its kind, how it runs, its traits.

The SQL engine answers with Flink's operation class (`PlannerQueryOperation`,
`SinkModifyOperation`, `CreateTableOperation`, ...), the sources'
boundedness, the plan with changelog modes, upsert keys and result columns.
This module turns that into CMF's `sqlKind` and `traits` and into how scurry
runs the statement. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["detached", "interactive", "immediate", "catalog", "session"]

QUERY = "PlannerQueryOperation"
INSERTS = ("SinkModifyOperation", "StatementSetOperation")
_CATALOG_CHANGE = re.compile(r"^(Create|Drop|Alter)(Table|View|Function|Database)\w*Operation$")
_READ_ONLY = re.compile(r"^(Show\w*|Describe\w*|Explain\w*)Operation$")
_SESSION = ("UseCatalogOperation", "UseDatabaseOperation", "SetOperation", "ResetOperation")
_CHANGELOG = re.compile(r"changelogMode=\[([A-Z,]+)\]")
_WORDS = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Kind:
    mode: Mode
    sql_kind: str
    traits: dict[str, Any]


def classify(analysis: dict[str, Any]) -> Kind | str:
    """How to run the analyzed statement, or why scurry cannot run it."""
    operation = str(analysis.get("operation") or "")
    if operation == QUERY:
        return Kind("interactive", "SELECT", query_traits(analysis))
    if operation in INSERTS:
        return Kind("detached", "INSERT_INTO", {"isBounded": _bounded(analysis)})
    if found := _CATALOG_CHANGE.match(operation):
        return Kind("catalog", f"{found[1]}_{found[2]}".upper(), {})
    if _READ_ONLY.match(operation):
        return Kind("immediate", sql_kind_of(operation), {"isBounded": True})
    if operation in _SESSION:
        return Kind("session", sql_kind_of(operation), {})
    return f"statements of this kind ({operation or 'unknown'}) are not supported"


def sql_kind_of(operation: str) -> str:
    """`ShowTablesOperation` -> `SHOW_TABLES`."""
    return "_".join(_WORDS.split(operation.removesuffix("Operation"))).upper()


def query_traits(analysis: dict[str, Any]) -> dict[str, Any]:
    columns = analysis.get("columns") or []
    keys = analysis.get("upsertKeys") or []
    traits: dict[str, Any] = {
        "isBounded": _bounded(analysis),
        "isAppendOnly": append_only(str(analysis.get("plan") or "")),
        "schema": {"columns": [column(c) for c in columns]},
    }
    if keys and not traits["isAppendOnly"]:
        traits["upsertColumns"] = sorted(int(i) for i in keys[0])
    return traits


def append_only(plan: str) -> bool:
    """Whether the plan's root (the first node with a changelog mode) emits inserts only."""
    modes = _CHANGELOG.findall(plan)
    return not modes or modes[0] == "I"


def column(found: dict[str, Any]) -> dict[str, Any]:
    """A result column as CMF's ResultSchemaColumn, from Flink's type string."""
    return {"name": str(found.get("name")), "type": data_type(str(found.get("type") or ""))}


def data_type(text: str) -> dict[str, Any]:
    """CMF's DataType from a Flink type string such as `VARCHAR(10) NOT NULL`."""
    nullable = not text.upper().endswith("NOT NULL")
    body = text[: -len("NOT NULL")].strip() if not nullable else text.strip()
    name, _, rest = body.partition("(")
    result: dict[str, Any] = {"type": name.strip().upper() or "UNKNOWN", "nullable": nullable}
    numbers = [int(n) for n in re.findall(r"\d+", rest.partition(")")[0])] if rest else []
    kind = result["type"]
    if kind in ("CHAR", "VARCHAR", "BINARY", "VARBINARY") and numbers:
        result["length"] = numbers[0]
    elif kind in ("DECIMAL", "NUMERIC") and numbers:
        result["precision"] = numbers[0]
        if len(numbers) > 1:
            result["scale"] = numbers[1]
    elif (kind.startswith("TIMESTAMP") or kind == "TIME") and numbers:
        result["precision"] = numbers[0]
    return result


def _bounded(analysis: dict[str, Any]) -> bool:
    sources = analysis.get("sources") or []
    return all(str(s) == "BOUNDED" for s in sources)
