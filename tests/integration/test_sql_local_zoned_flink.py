"""TIMESTAMP_LTZ columns in query results, in a real PyFlink TableEnvironment.

PyFlink's collect cannot pickle java.time.Instant: without the cast that
`tableenv.collectable` adds, a query over a datagen table with a TIMESTAMP_LTZ
column ends with no rows at all. The planner runs in a child process so its
gateway JVM ends with the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.flink

CHILD = textwrap.dedent(
    """
    import json
    from pyflink.table import EnvironmentSettings, TableEnvironment
    from scurry.sqlrunner import rows, tableenv

    tenv = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    tenv.execute_sql(
        "CREATE TABLE orders (id BIGINT, ts AS TO_TIMESTAMP_LTZ(id * 1000, 3),"
        " WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen',"
        " 'number-of-rows' = '100', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',"
        " 'fields.id.end' = '100')"
    )
    query, declared = tableenv.collectable(tenv, "SELECT id, ts FROM orders WHERE id <= 10")
    with tenv.execute_sql(query).collect() as found:
        collected = [rows.result_row(row)["row"] for row in found]
    plain = tableenv.collectable(tenv, "SELECT id FROM orders")
    print(json.dumps({"rows": collected, "declared": declared, "plain": list(plain)}))
    """
)


def test_a_query_with_a_local_zoned_timestamp_returns_its_rows() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(int(row[0]) for row in answer["rows"]) == list(range(1, 11))
    assert answer["declared"][1] == {"name": "ts", "type": "TIMESTAMP(3) WITH LOCAL TIME ZONE"}
    assert answer["plain"] == ["SELECT id FROM orders", None]
