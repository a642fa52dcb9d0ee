"""What the SQL pages show of compute pools, statements and result pages (pure functions).

They read the API's renderings (`pools.render`, `statements.render`, a
`StatementResult`), so the pages show what a client of the API would see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scurry.web.views import dig

DETACHED = "INSERT_INTO"  # the only statements that can be stopped and resumed
ON_A_CLUSTER = frozenset({"SELECT", DETACHED})
# Flink's RowKind, as the engine numbers it: the changelog of a query that updates.
CHANGES = {0: "+I", 1: "-U", 2: "+U", 3: "-D"}


@dataclass(frozen=True)
class PoolRow:
    name: str
    type: str
    phase: str
    message: str | None


def pool_row(pool: dict[str, Any]) -> PoolRow:
    return PoolRow(
        name=dig(pool, "metadata", "name") or "",
        type=str(dig(pool, "spec", "type") or ""),
        phase=str(dig(pool, "status", "phase") or ""),
        message=dig(pool, "status", "message"),
    )


@dataclass(frozen=True)
class StatementRow:
    name: str
    pool: str
    phase: str
    sql_kind: str | None
    detail: str | None
    statement: str
    created: str
    stopped: bool

    @property
    def detached(self) -> bool:
        return self.sql_kind == DETACHED

    @property
    def may_stop(self) -> bool:
        return self.detached and not self.stopped and self.phase in ("PENDING", "RUNNING")

    @property
    def may_resume(self) -> bool:
        return self.detached and self.phase == "STOPPED"

    @property
    def has_results(self) -> bool:
        """Whether the results call answers rows (every statement but INSERTs and failures)."""
        return not self.detached and self.phase != "FAILED"

    @property
    def on_a_cluster(self) -> bool:
        """Whether a Flink web UI can show it: a query or an INSERT that runs."""
        return self.sql_kind in ON_A_CLUSTER and self.phase == "RUNNING"


def statement_row(stmt: dict[str, Any]) -> StatementRow:
    spec = stmt.get("spec") or {}
    return StatementRow(
        name=dig(stmt, "metadata", "name") or "",
        pool=str(spec.get("computePoolName") or ""),
        phase=str(dig(stmt, "status", "phase") or "PENDING"),
        sql_kind=dig(stmt, "status", "traits", "sqlKind"),
        detail=dig(stmt, "status", "detail"),
        statement=str(spec.get("statement") or ""),
        created=str(dig(stmt, "metadata", "creationTimestamp") or ""),
        stopped=bool(spec.get("stopped")),
    )


def newest_first(rows: list[StatementRow]) -> list[StatementRow]:
    return sorted(rows, key=lambda r: (r.created, r.name), reverse=True)


@dataclass(frozen=True)
class ResultPage:
    """One page of a statement's results, and where the next one starts."""

    columns: list[str]
    rows: list[list[Any]]
    token: str
    next_token: str | None
    changelog: bool = False

    @property
    def waiting(self) -> bool:
        """A running query with nothing new yet: the page asks again for the same rows."""
        return not self.rows and self.next_token == self.token


def result_page(stmt: dict[str, Any], answer: dict[str, Any], token: str) -> ResultPage:
    traits = dig(stmt, "status", "traits") or {}
    columns = [str(c.get("name")) for c in dig(traits, "schema", "columns") or []]
    changelog = traits.get("isAppendOnly") is False
    rows = []
    for item in dig(answer, "results", "data") or []:
        values = list(item.get("row") or []) if isinstance(item, dict) else [item]
        if changelog:
            values.insert(0, CHANGES.get(item.get("op"), str(item.get("op"))))
        rows.append(values)
    if changelog:
        columns.insert(0, "op")
    width = max([len(columns), *(len(r) for r in rows)])
    columns += [f"column {i + 1}" for i in range(len(columns), width)]
    return ResultPage(
        columns=columns,
        rows=rows,
        token=token,
        next_token=dig(answer, "metadata", "annotations", "nextPageToken"),
        changelog=changelog,
    )
