"""Run a SQL script as one Flink job: the program behind SQL scripts and detached statements.

    script.py [SCRIPT.sql ...] [--setup-secret NAME] [--statement SQL ...]

Flink's PythonDriver runs this file inside a job submission (FKO's SQL
runner form maps onto it, and so do detached statements). The statements
run in order: SET / RESET change the table configuration, DDL and USE
change the session, and every INSERT (alone or in a statement set) is
gathered into one statement set that is submitted at the end as the job.
One job, whatever the script holds, so that the job has the id the control
plane chose and can be stopped with a savepoint and restored as a whole.
A SELECT has nowhere to send its rows here and is refused.

`--setup-secret NAME` stands for a detached statement's setup, kept out of
the arguments because it may hold credentials: the controller expands it
into `--statement`s when it submits a session job, and a dedicated
cluster's JobManager has the setup, a JSON list of statements, in the
environment variable SCURRY_SQL_SETUP (from that Secret), read here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from scurry.sqlrunner import tableenv
from scurry.sqlrunner.statements import parse_set, split

_INSERT = re.compile(r"^(INSERT|EXECUTE\s+INSERT)\b", re.I)
_STATEMENT_SET = re.compile(r"^EXECUTE\s+STATEMENT\s+SET\s+BEGIN\b(?P<body>.*)\bEND$", re.I | re.S)
SETUP_ENV = "SCURRY_SQL_SETUP"
_QUERY = re.compile(r"^(SELECT|WITH|VALUES|\(|TABLE)\b", re.I)


def statements_of(scripts: list[str], inline: list[str]) -> list[str]:
    """The statements of the script files, in order, then the inline ones."""
    found: list[str] = []
    for script in scripts:
        found.extend(split(_read(script)))
    for statement in inline:
        found.extend(split(statement))
    return found


def inserts_of(statement: str) -> list[str] | None:
    """The INSERTs `statement` holds (itself, or a statement set's), None if it is no DML."""
    if found := _STATEMENT_SET.match(statement):
        return split(found["body"])
    if _INSERT.match(statement):
        return [re.sub(r"^EXECUTE\s+", "", statement, flags=re.I)]
    return None


def run(statements: list[str]) -> str | None:
    """Execute `statements`; returns the submitted job's id (None when there was no DML)."""
    tenv = tableenv.create({})
    inserts: list[str] = []
    for statement in statements:
        found = inserts_of(statement)
        if found is not None:
            inserts.extend(found)
            continue
        if parse_set(statement) is None and _QUERY.match(statement):
            raise tableenv.StatementError(
                "a SQL script job sends its rows to tables: use INSERT INTO ... SELECT "
                f"instead of a bare query ({statement[:60]!r})"
            )
        result = tableenv.run(tenv, statement)
        if result is not None:
            result.print()
    if not inserts:
        print("the script holds no INSERT: no job was submitted", flush=True)
        return None
    job_set = tenv.create_statement_set()
    for insert in inserts:
        job_set.add_insert_sql(insert)
    client = job_set.execute().get_job_client()
    job_id = str(client.get_job_id()) if client is not None else None
    print(f"submitted {len(inserts)} INSERT(s) as job {job_id}", flush=True)
    return job_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a Flink SQL script as one job.")
    parser.add_argument("scripts", nargs="*", help=".sql files (paths or file:// URIs)")
    parser.add_argument("--statement", action="append", default=[], help="a SQL statement")
    parser.add_argument("--setup-secret", help=f"run the statements in ${SETUP_ENV} first")
    options = parser.parse_args(argv)
    setup = setup_from_env(options.setup_secret) if options.setup_secret else []
    statements = setup + statements_of(options.scripts, options.statement)
    if not statements:
        parser.error("no statements: give a .sql file or --statement")
    try:
        run(statements)
    except tableenv.StatementError as exc:
        print(f"SQL script failed: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    return 0


def setup_from_env(secret: str) -> list[str]:
    """The setup statements the cluster's environment holds (from Secret `secret`)."""
    text = os.environ.get(SETUP_ENV)
    if text is None:
        raise SystemExit(f"SQL script failed: ${SETUP_ENV} (from Secret {secret}) is not set")
    found = json.loads(text)
    if not isinstance(found, list):
        raise SystemExit(f"SQL script failed: ${SETUP_ENV} is not a JSON list of statements")
    return [str(statement) for statement in found]


def _read(location: str) -> str:
    parsed = urlparse(location)
    path = unquote(parsed.path) if parsed.scheme in ("file", "local") else location
    return Path(path).read_text(encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
