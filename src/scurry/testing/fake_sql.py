"""A SQL engine that answers like the PyFlink session process, without a JVM.

It knows the statement shapes the services care about: queries, INSERTs,
SHOW / DESCRIBE / EXPLAIN, CREATE / DROP of tables and views, USE, SET.
Tables come from the context's `setup` DDL, so a query naming a table the
context lacks is refused the way Flink refuses it. A query's rows are what
`rows_of[table]` holds (a bounded source) and are served through the same
offset / acknowledgement protocol, with `Gone` for rows already dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scurry.errors import Gone, NotFound, StatementRefused

_CREATE = re.compile(
    r"^CREATE\s+(?:TEMPORARY\s+)?(?P<kind>TABLE|VIEW|FUNCTION)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>[`\w.-]+)",
    re.I,
)
_DROP = re.compile(
    r"^DROP\s+(?P<kind>TABLE|VIEW|FUNCTION)\s+(?:IF\s+EXISTS\s+)?(?P<name>[`\w.-]+)", re.I
)
_FROM = re.compile(r"\bFROM\s+(?P<name>[`\w.-]+)", re.I)
_INSERT = re.compile(r"^INSERT\s+INTO\s+(?P<name>[`\w.-]+)", re.I)
_OPERATIONS = {
    "SELECT": "PlannerQueryOperation",
    "WITH": "PlannerQueryOperation",
    "INSERT": "SinkModifyOperation",
    "SHOW": "ShowTablesOperation",
    "DESCRIBE": "DescribeTableOperation",
    "EXPLAIN": "ExplainOperation",
    "USE": "UseDatabaseOperation",
    "SET": "SetOperation",
}
COLUMNS = [{"name": "id", "type": "BIGINT NOT NULL"}, {"name": "word", "type": "STRING"}]


@dataclass
class FakeQuery:
    rows: list[dict[str, Any]]
    capacity: int
    base: int = 0
    state: str = "FINISHED"
    job_id: str = ""


@dataclass
class FakeSqlEngine:
    rows_of: dict[str, list[list[Any]]] = field(default_factory=dict)
    queries: dict[str, FakeQuery] = field(default_factory=dict)
    analyzed: list[str] = field(default_factory=list)
    setups: list[list[str]] = field(default_factory=list)  # each analysis's replayed DDL

    async def analyze(self, context: dict[str, Any], statement: str) -> dict[str, Any]:
        self.analyzed.append(statement)
        self.setups.append(list(context.get("setup") or []))
        tables = _tables(context)
        word = statement.split(None, 1)[0].upper() if statement.strip() else ""
        if found := _CREATE.match(statement):
            return {
                "operation": f"Create{found['kind'].title()}Operation",
                "targetCatalog": _catalog_of(found["name"]),
            }
        if found := _DROP.match(statement):
            name = _bare(found["name"])
            if name not in tables and "IF EXISTS" not in statement.upper():
                raise StatementRefused(f"Table with identifier '{name}' does not exist.")
            return {
                "operation": f"Drop{found['kind'].title()}Operation",
                "targetCatalog": _catalog_of(found["name"]),
            }
        if word not in _OPERATIONS:
            raise StatementRefused(
                f"SQL parse failed. Non-query expression encountered in illegal context: {word}"
            )
        answer: dict[str, Any] = {"operation": _OPERATIONS[word]}
        if word in ("SELECT", "WITH", "INSERT"):
            for name in [m["name"] for m in _FROM.finditer(statement)]:
                if _bare(name) not in tables:
                    raise StatementRefused(
                        f"SQL validation failed. Object '{_bare(name)}' not found"
                    )
            answer["sources"] = ["BOUNDED"]
            answer["plan"] = "changelogMode=[I]"
            if word != "INSERT":
                answer["columns"] = COLUMNS
                answer["upsertKeys"] = []
        return answer

    async def execute(
        self, context: dict[str, Any], statement: str, *, max_rows: int, catalog: bool
    ) -> dict[str, Any]:
        await self.analyze(context, statement)
        tables = _tables(context)
        answer: dict[str, Any] = {"columns": [], "rows": [], "truncated": False}
        if statement.upper().startswith("SHOW"):
            answer["columns"] = [{"name": "table name", "type": "STRING NOT NULL"}]
            answer["rows"] = [{"op": 0, "row": [name]} for name in sorted(tables)][:max_rows]
        elif statement.upper().startswith(("CREATE", "DROP")):
            answer["columns"] = [{"name": "result", "type": "STRING"}]
            answer["rows"] = [{"op": 0, "row": ["OK"]}]
        if catalog:
            if found := _CREATE.match(statement):
                tables[_bare(found["name"])] = statement
            if found := _DROP.match(statement):
                tables.pop(_bare(found["name"]), None)
            # Like the real engine, only the default catalog is described (Kafka
            # catalogs are replayed from their source, never stored).
            answer["catalog"] = [
                {"kind": "table", "database": "default_database", "name": name, "ddl": ddl}
                for name, ddl in sorted(tables.items())
                if _in_default_catalog(ddl)
            ]
        return answer

    async def start_query(self, query_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if query_id not in self.queries:
            found = _FROM.search(str(body.get("statement") or ""))
            values = self.rows_of.get(_bare(found["name"]) if found else "", [])
            self.queries[query_id] = FakeQuery(
                rows=[{"op": 0, "row": list(row)} for row in values],
                capacity=int(body.get("capacity") or 1000),
                job_id=str(body.get("jobId") or ""),
            )
        return self._report(query_id)

    async def query(self, query_id: str) -> dict[str, Any] | None:
        return self._report(query_id) if query_id in self.queries else None

    async def rows(self, query_id: str, offset: int, limit: int) -> dict[str, Any]:
        query = self.queries.get(query_id)
        if query is None:
            raise NotFound(f"no query {query_id} in this session")
        if offset < query.base:
            raise Gone(f"rows before offset {query.base} were already read and dropped")
        query.base = offset
        chosen = query.rows[offset : offset + limit]
        next_offset = offset + len(chosen)
        return {
            "rows": chosen,
            "nextOffset": next_offset,
            "end": next_offset == len(query.rows),
            **self._report(query_id),
        }

    async def drop_query(self, query_id: str) -> None:
        self.queries.pop(query_id, None)

    async def close(self) -> None:
        return None

    async def stop(self) -> None:
        self.queries.clear()

    def _report(self, query_id: str) -> dict[str, Any]:
        query = self.queries[query_id]
        return {
            "id": query_id,
            "jobId": query.job_id,
            "state": query.state,
            "error": None,
            "produced": len(query.rows),
            "acknowledged": query.base,
            "columns": COLUMNS,
        }


def _tables(context: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for ddl in context.get("setup") or []:
        if created := _CREATE.match(ddl):
            found[_bare(created["name"])] = ddl
    return found


def _bare(name: str) -> str:
    return name.replace("`", "").rsplit(".", 1)[-1]


def _in_default_catalog(ddl: str) -> bool:
    created = _CREATE.match(ddl)
    return created is None or _catalog_of(created["name"]) == "default_catalog"


def _catalog_of(name: str) -> str:
    parts = name.replace("`", "").split(".")
    return parts[0] if len(parts) == 3 else "default_catalog"
