"""`scurry flink compute-pool`, `statement` and `shell` against a live server on fakes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from clikit import LiveServer, Run
from cmfclikit import box_rows, listing_rows

ENV = "sql-env"
SOURCE = "CREATE TABLE words (id BIGINT, word STRING) WITH ('connector' = 'datagen')"


def pool_file(tmp_path: Path, name: str = "shared", kind: str = "SHARED") -> str:
    path = tmp_path / f"{name}.yaml"
    body = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": name},
        "spec": {
            "type": kind,
            "clusterSpec": {
                "flinkVersion": "v1_19",
                "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
                "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            },
        },
    }
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return str(path)


@pytest.fixture
def sql_env(scurry: Run, tmp_path: Path) -> Run:
    made = scurry("flink", "environment", "create", ENV, "--kubernetes-namespace", "sql-ns")
    assert made.code == 0, made.err
    pool = scurry("flink", "compute-pool", "create", pool_file(tmp_path), "--environment", ENV)
    assert pool.code == 0, pool.err
    return scurry


def test_compute_pools_are_created_listed_described_and_deleted(
    sql_env: Run, tmp_path: Path
) -> None:
    dedicated = sql_env(
        "flink",
        "compute-pool",
        "create",
        pool_file(tmp_path, "solo", "DEDICATED"),
        "--environment",
        ENV,
        "-o",
        "json",
    )
    assert json.loads(dedicated.out)["status"]["phase"] == "DEDICATED"
    headers, rows = listing_rows(sql_env("flink", "compute-pool", "list", "--environment", ENV).out)
    assert headers == ["Creation Time", "Name", "Type", "Phase"]
    assert [(r[1], r[2]) for r in rows] == [("shared", "SHARED"), ("solo", "DEDICATED")]
    described = sql_env("flink", "compute-pool", "describe", "shared", "--environment", ENV)
    assert box_rows(described.out)["Phase"] == "PENDING"
    deleted = sql_env("flink", "compute-pool", "delete", "solo", "--environment", ENV, "--force")
    assert deleted.code == 0, deleted.err
    missing = sql_env("flink", "compute-pool", "describe", "solo", "--environment", ENV)
    assert missing.code == 1
    assert 'ComputePool "solo" not found' in missing.err


def test_statements_are_created_listed_and_show_their_exceptions(sql_env: Run) -> None:
    ddl = sql_env(
        "flink",
        "statement",
        "create",
        "create-words",
        "--sql",
        SOURCE,
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
        "-o",
        "json",
    )
    assert json.loads(ddl.out)["status"]["phase"] == "COMPLETED"
    bad = sql_env(
        "flink",
        "statement",
        "create",
        "broken",
        "--sql",
        "SELEC 1",
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
    )
    assert box_rows(bad.out)["Status"] == "FAILED"
    found = sql_env("flink", "statement", "exception", "list", "broken", "--environment", ENV)
    headers, rows = listing_rows(found.out)
    assert headers == ["Name", "Timestamp", "Message"]
    assert "SQL parse failed" in rows[0][2]
    failed = sql_env(
        "flink", "statement", "list", "--environment", ENV, "--status", "failed", "-o", "json"
    )
    assert [s["metadata"]["name"] for s in json.loads(failed.out)] == ["broken"]
    no_pool = sql_env(
        "flink",
        "statement",
        "create",
        "orphan",
        "--sql",
        "SELECT 1",
        "--environment",
        ENV,
        "--compute-pool",
        "nowhere",
    )
    assert no_pool.code == 1
    assert "spec.computePoolName" in no_pool.err


def test_an_insert_is_stopped_resumed_and_rescaled(sql_env: Run, live: LiveServer) -> None:
    sql_env(
        "flink",
        "statement",
        "create",
        "create-words",
        "--sql",
        SOURCE,
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
    )
    made = sql_env(
        "flink",
        "statement",
        "create",
        "copy",
        "--sql",
        "INSERT INTO sink SELECT * FROM words",
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
        "--parallelism",
        "1",
    )
    assert made.code == 0, made.err
    stopped = sql_env("flink", "statement", "stop", "copy", "--environment", ENV)
    assert stopped.out.strip() == 'Requested to stop Flink SQL statement "copy".'
    job = live.get("stmt-copy", namespace="sql-ns", plural="flinksessionjobs")
    assert job["spec"]["job"]["state"] == "suspended"
    sql_env("flink", "statement", "resume", "copy", "--environment", ENV)
    sql_env("flink", "statement", "rescale", "copy", "--environment", ENV, "--parallelism", "3")
    job = live.get("stmt-copy", namespace="sql-ns", plural="flinksessionjobs")
    assert (job["spec"]["job"]["state"], job["spec"]["job"]["parallelism"]) == ("running", 3)
    gone = sql_env("flink", "statement", "delete", "copy", "--environment", ENV, "--force")
    assert gone.code == 0, gone.err


def test_the_shell_runs_multi_line_statements_and_prints_result_tables(
    sql_env: Run, live: LiveServer, tmp_path: Path
) -> None:
    command = [
        "-m",
        "scurry",
        "--server",
        live.url,
        "flink",
        "shell",
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
    ]
    shell = pexpect.spawn(
        sys.executable,
        command,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        encoding="utf-8",
        timeout=60,
    )
    try:
        shell.expect_exact("scurry-flink> ")
        shell.sendline("CREATE TABLE words (id BIGINT, word STRING)")
        shell.expect_exact("> ")
        shell.sendline("WITH ('connector' = 'datagen');")
        shell.expect_exact("scurry-flink> ")
        shell.sendline("SHOW TABLES;")
        shell.expect(r"\| table name \|")
        shell.expect(r"\| words +\|")
        shell.expect_exact("1 row in set")
        shell.sendline("SELEC 1;")
        shell.expect("Error: SQL parse failed")
        shell.sendline("-- a script's comment does not hide a SET from the shell")
        shell.expect_exact("> ")
        shell.sendline("SET 'parallelism.default' = '2';")
        shell.expect_exact("Set 'parallelism.default' to '2'.")
        shell.sendline("USE CATALOG default_catalog;")
        shell.expect_exact("Using catalog default_catalog.")
        shell.sendline("USE `default_database`;")
        shell.expect_exact("Using database default_database.")
        shell.sendline("INSERT INTO words SELECT 1, 'a';")
        # SET and USE stayed in the shell: the INSERT is sent with them as its session.
        insert = sent_insert(sql_env)
        assert insert["spec"]["flinkConfiguration"] == {"parallelism.default": "2"}
        assert insert["spec"]["properties"] == {
            "sql.current-catalog": "default_catalog",
            "sql.current-database": "default_database",
        }
        shell.sendintr()  # the shell waits for the pool, which no controller starts here
        shell.expect_exact("No longer waiting")
        shell.expect_exact("scurry-flink> ")
        shell.sendline("quit")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    assert (tmp_path / ".scurry" / "flink-shell-history").read_text().count("SHOW TABLES;") == 1


def sent_insert(scurry: Run) -> dict[str, Any]:
    """The INSERT statement the shell created, once the server has it."""
    for _ in range(200):
        listed = scurry("flink", "statement", "list", "--environment", ENV, "--output", "json")
        assert listed.code == 0, listed.err
        found = [s for s in json.loads(listed.out) if "INSERT" in s["spec"]["statement"]]
        if found:
            return dict(found[0])
    raise AssertionError("the shell's INSERT never reached the server")
