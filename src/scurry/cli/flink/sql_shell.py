"""`scurry flink shell`: an interactive Flink SQL shell over the CMF API.

Each statement typed (lines gather until one ends with `;`) becomes a
Statement on the chosen compute pool. The shell waits for it, prints its
rows as a table (interactive statements) or its phase (INSERTs run on,
detached), and deletes the interactive statements it created once their
rows are shown. `SET 'sql.current-catalog' = '...'` (and -database) and
`USE [CATALOG] x` change the properties later statements are sent with, as
the SQL client's session would. History is kept in
`~/.scurry/flink-shell-history` (readline: arrows, Ctrl-R).
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from scurry.cli.flink import routes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.errors import ApiFailure
from scurry.cli.flink.options import Environment, need
from scurry.cli.flink.render import emit

PROMPT, CONTINUATION = "scurry-flink> ", "> "
HISTORY = Path.home() / ".scurry" / "flink-shell-history"
MAX_ROWS = 1000
SETTLED = ("RUNNING", "COMPLETED", "FAILED", "STOPPED")
_SET = re.compile(r"^SET\s+'(?P<key>[^']+)'\s*=\s*'(?P<value>[^']*)'$", re.I)
_USE_CATALOG = re.compile(r"^USE\s+CATALOG\s+`?(?P<name>[^`]+)`?$", re.I)
_USE = re.compile(r"^USE\s+`?(?P<name>[^`]+)`?$", re.I)
_QUIT = ("quit", "exit", "quit;", "exit;")


ComputePool = Annotated[
    str | None,
    typer.Option("--compute-pool", help="REQUIRED: The compute pool to run statements on."),
]


class Session:
    def __init__(self, cmf: Cmf, env: str, pool: str) -> None:
        self.cmf, self.env, self.pool = cmf, env, pool
        self.properties: dict[str, str] = {}
        self.configuration: dict[str, str] = {}

    def handle(self, text: str) -> None:
        # Whole-line comments go: a script's comment before `SET ...` must not hide the SET
        # from the shell (it is the shell's to keep, not a statement for the server).
        lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
        sql = "\n".join(lines).strip().rstrip(";").strip()
        if not sql:
            return
        if self._client_side(sql):
            return
        name = f"shell-{uuid.uuid4().hex[:12]}"
        spec: Obj = {"statement": sql, "computePoolName": self.pool}
        if self.properties:
            spec["properties"] = dict(self.properties)
        if self.configuration:
            spec["flinkConfiguration"] = dict(self.configuration)
        body = {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "Statement",
            "metadata": {"name": name},
            "spec": spec,
        }
        try:
            self.cmf.post(routes.statements(self.env), body)
            found = self._settled(name)
            self._report(name, found)
        except ApiFailure as failure:
            emit(f"Error: {failure.message}")

    def _client_side(self, sql: str) -> bool:
        if found := _SET.match(sql):
            key, value = found["key"], found["value"]
            target = self.properties if key.startswith("sql.") else self.configuration
            target[key] = value
            emit(f"Statement successfully submitted.\nSet '{key}' to '{value}'.")
            return True
        if found := _USE_CATALOG.match(sql):
            self.properties["sql.current-catalog"] = found["name"]
            emit(f"Using catalog {found['name']}.")
            return True
        if (found := _USE.match(sql)) and not sql.upper().startswith("USE CATALOG"):
            self.properties["sql.current-database"] = found["name"]
            emit(f"Using database {found['name']}.")
            return True
        return False

    def _settled(self, name: str) -> Obj:
        while True:
            found: Obj = self.cmf.get(routes.statement(self.env, name))
            if (found.get("status") or {}).get("phase") in SETTLED:
                return found
            time.sleep(0.3)

    def _report(self, name: str, found: Obj) -> None:
        status = found.get("status") or {}
        phase, traits = status.get("phase"), status.get("traits") or {}
        if phase == "FAILED":
            emit(f"Error: {status.get('detail')}")
            self._forget(name)
            return
        if traits.get("sqlKind") == "INSERT_INTO":
            emit(f'Statement "{name}" is {phase}: it runs on as a Flink job.')
            return
        columns = [c["name"] for c in (traits.get("schema") or {}).get("columns") or []]
        rows = self._rows(name)
        if columns or rows:
            emit(table(columns, rows))
        else:
            emit("Statement successfully submitted.")
        self._forget(name)

    def _rows(self, name: str) -> list[list[Any]]:
        rows: list[list[Any]] = []
        token: str | None = ""
        with contextlib.suppress(KeyboardInterrupt):
            while token is not None and len(rows) < MAX_ROWS:
                params = {"page-token": token} if token else None
                page = self.cmf.get(routes.statement_results(self.env, name), params)
                data = (page.get("results") or {}).get("data") or []
                rows += [_row_values(item) for item in data]
                following = ((page.get("metadata") or {}).get("annotations") or {}).get(
                    "nextPageToken"
                )
                if following == token and not data:
                    time.sleep(0.3)
                token = following
        return rows

    def _forget(self, name: str) -> None:
        with contextlib.suppress(ApiFailure):
            self.cmf.delete(routes.statement(self.env, name))


def table(columns: list[str], rows: list[list[Any]]) -> str:
    """A bordered result table, as the SQL client prints one."""
    width = max([len(columns), *(len(r) for r in rows)])
    heads = columns + [""] * (width - len(columns))
    cells = [[_cell(v) for v in row] + [""] * (width - len(row)) for row in rows]
    sizes = [max([len(heads[i]), *(len(r[i]) for r in cells)]) for i in range(width)]
    rule = "+" + "+".join("-" * (s + 2) for s in sizes) + "+"
    lines = [rule, _line(heads, sizes), rule, *(_line(r, sizes) for r in cells), rule]
    lines.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''} in set")
    return "\n".join(lines)


def _line(cells: list[str], sizes: list[int]) -> str:
    return "|" + "|".join(f" {c.ljust(s)} " for c, s in zip(cells, sizes, strict=True)) + "|"


def _cell(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _row_values(item: Any) -> list[Any]:
    row = item.get("row") if isinstance(item, dict) else item
    return list(row) if isinstance(row, list) else [row]


def _history() -> Any:
    try:
        import readline
    except ImportError:  # no readline on this platform: no history, input() still works
        return None
    HISTORY.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY)
    return readline


@connected
def shell(cmf: Cmf, environment: Environment = None, compute_pool: ComputePool = None) -> None:
    """Start an interactive Flink SQL shell on a compute pool."""
    env, pool = need(environment=environment, compute_pool=compute_pool)
    cmf.get(routes.compute_pool(env, pool))
    session = Session(cmf, env, pool)
    readline = _history()
    emit(f"Flink SQL shell on compute pool {pool} of environment {env}. End statements with ;")
    emit("Type quit or exit (or press Ctrl-D) to leave.")
    lines: list[str] = []
    while True:
        try:
            line = input(CONTINUATION if lines else PROMPT)
        except EOFError:
            emit("")
            break
        except KeyboardInterrupt:
            emit("")
            lines = []
            continue
        if not lines and line.strip().lower() in _QUIT:
            break
        lines.append(line)
        if line.rstrip().endswith(";"):
            try:
                session.handle("\n".join(lines))
            except KeyboardInterrupt:  # stop waiting, not the shell; the statement stays
                emit("\nNo longer waiting: the statement goes on (scurry flink statement list).")
            lines = []
    if readline is not None:
        with contextlib.suppress(OSError):
            readline.write_history_file(HISTORY)
