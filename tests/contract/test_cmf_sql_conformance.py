"""The SQL part of the CMF API against cmf-openapi.yaml: a tour.

The tour calls every compute-pool and statement operation with good and bad
requests and checks each answer's status and body against the spec (as the
tour of the other operations does), on the fake runtime and SQL engine. The
schemathesis run of test_cmf_schemathesis.py covers the same operations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cmfkit import V1, Cmf, serving
from cmfspec import SPEC, Checker
from scurry.testing.fake_sql import FakeSqlEngine

ENV = f"{V1}/environments/prod"
SQL_PATHS = ("/statements", "/compute-pools")
SOURCE = "CREATE TABLE words (id BIGINT, word STRING) WITH ('connector' = 'datagen')"


def pool(name: str, kind: str = "SHARED") -> dict[str, Any]:
    return {
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


def statement(name: str, sql: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Statement",
        "metadata": {"name": name},
        "spec": {"statement": sql, "computePoolName": "shared", **spec},
    }


class SqlChecker(Checker):
    """The spec's SQL operations, statement savepoints included."""

    def __init__(self) -> None:
        super().__init__()
        self.operations = [
            op for op in self.operations if any(part in op.pattern.pattern for part in SQL_PATHS)
        ]


@pytest.fixture
def sql_spec() -> SqlChecker:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not found (set SCURRY_REFERENCE)")
    return SqlChecker()


@pytest.fixture
async def checked(tmp_path: Path, sql_spec: SqlChecker) -> AsyncIterator[tuple[Cmf, SqlChecker]]:
    async def check(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        media = response.headers.get("content-type", "application/json")
        sql_spec.check(
            request.method, request.url.path, response.status_code, response.content, media
        )

    async with serving(tmp_path / "home") as cmf:
        cmf.container.sql = FakeSqlEngine(rows_of={"words": [[1, "a"], [2, "b"]]})
        await cmf.environment()
        cmf.client.event_hooks["response"].append(check)
        yield cmf, sql_spec


async def test_a_tour_of_every_sql_operation(checked: tuple[Cmf, SqlChecker]) -> None:
    cmf, checker = checked
    c = cmf.client
    pools = f"{ENV}/compute-pools"
    await c.post(pools, json=pool("shared"))
    await c.post(pools, json=pool("shared"))
    await c.post(pools, json=pool("solo", "DEDICATED"))
    await c.post(pools, json={"kind": "ComputePool", "metadata": {"name": "broken"}})
    await c.post(f"{V1}/environments/ghost/compute-pools", json=pool("shared"))
    await c.get(pools, params={"sort": "name,desc"})
    await c.get(pools, headers={"Accept": "application/yaml"})
    await c.get(f"{pools}/shared")
    await c.get(f"{pools}/ghost")
    await c.put(f"{pools}/solo", json=pool("solo", "DEDICATED"))
    await c.put(f"{pools}/solo", json=pool("solo", "SHARED"))
    await c.put(f"{pools}/ghost", json=pool("ghost"))
    stmts = f"{ENV}/statements"
    await c.post(stmts, json=statement("create-words", SOURCE))
    await c.post(stmts, json=statement("create-words", SOURCE))
    await c.post(stmts, json=statement("broken", "SELEC 1"))
    await c.post(stmts, json=statement("orphan", "SELECT 1", computePoolName="ghost"))
    await c.post(stmts, json={"kind": "Statement", "metadata": {"name": "empty"}})
    await c.post(stmts, json=statement("query", "SELECT * FROM words"))
    await c.post(stmts, json=statement("copy", "INSERT INTO sink SELECT * FROM words"))
    await c.get(stmts, params={"phase": "failed", "compute-pool": "shared"})
    await c.get(stmts, headers={"Accept": "application/yaml"})
    await c.get(f"{stmts}/query")
    await c.get(f"{stmts}/ghost")
    await c.get(f"{stmts}/query/results")
    await c.get(f"{stmts}/copy/results")
    await c.get(f"{stmts}/query/results", params={"page-token": "x"})
    await c.get(f"{stmts}/ghost/results")
    await c.get(f"{stmts}/broken/exceptions")
    await c.get(f"{stmts}/ghost/exceptions")
    await c.put(
        f"{stmts}/copy",
        json=statement("copy", "INSERT INTO sink SELECT * FROM words", stopped=True),
    )
    await c.put(f"{stmts}/copy", json=statement("copy", "INSERT INTO other SELECT 1"))
    await c.put(f"{stmts}/ghost", json=statement("ghost", "SELECT 1"))
    savepoints = f"{stmts}/copy/savepoints"
    await c.post(savepoints, json={"metadata": {"name": "copy-sp"}, "spec": {}})
    await c.post(savepoints, json={"metadata": {"name": "copy-sp"}, "spec": {}})
    await c.post(f"{stmts}/query/savepoints", json={"spec": {}})
    await c.get(savepoints)
    await c.get(f"{savepoints}/copy-sp")
    await c.get(f"{savepoints}/ghost")
    await c.delete(f"{savepoints}/copy-sp")
    await c.delete(f"{savepoints}/copy-sp")
    await c.delete(f"{pools}/shared")
    for name in ("copy", "query", "broken", "create-words"):
        await c.delete(f"{stmts}/{name}")
    await c.delete(f"{stmts}/copy")
    await c.delete(f"{pools}/shared")
    await c.delete(f"{pools}/solo")
    await c.delete(f"{pools}/solo")
    assert checker.unexercised() == []
