"""The Kafka catalogs' DDL in the wheels' own planner: it registers, Flink reads the columns
as derived, and a query without the connector jar gets scurry's message.

The statements come from `kafka_sql_setup` over the API (confluent-kafka's mock://
registry, Avro and JSON Schema subjects); they run in a PyFlink TableEnvironment in a
child process, so its JVM ends with it. No Flink cluster and no Kafka broker run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema

from cmfkit import V1, serving
from scurry.services.cmf.kafka_sql import kafka_sql_setup
from scurry.services.kafkatables import registry

pytestmark = pytest.mark.flink

ORDER = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}
ORDER_KEY = {"type": "record", "name": "OrderKey", "fields": [{"name": "id", "type": "long"}]}
CLICK = {
    "type": "object",
    "properties": {"url": {"type": "string"}, "count": {"type": "integer"}},
    "required": ["url"],
}

# Runs in the child: replay the setup, describe every table, query one of them.
RUNNER = """
import json, sys
from pyflink.table import EnvironmentSettings, TableEnvironment
setup = json.load(open(sys.argv[1]))
tenv = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
for statement in setup["statements"]:
    tenv.execute_sql(statement)
described = {}
for path in setup["tables"]:
    rows = tenv.execute_sql(f"DESCRIBE {path}").collect()
    with rows:
        described[path] = [[r[0], r[1], r[2]] for r in rows]
try:
    tenv.execute_sql(setup["query"]).collect().close()
    failure = None
except Exception as exc:
    failure = str(exc)
print(json.dumps({"described": described, "failure": failure}))
"""


async def test_the_setup_runs_in_flinks_planner(tmp_path: Path) -> None:
    pytest.importorskip("pyflink", reason="needs the apache-flink wheels")
    url = f"mock://{uuid.uuid4().hex}"
    client = registry.client({"schema.registry.url": url})
    client.register_schema("orders-value", Schema(json.dumps(ORDER), "AVRO"))
    client.register_schema("orders-key", Schema(json.dumps(ORDER_KEY), "AVRO"))
    client.register_schema("clicks-value", Schema(json.dumps(CLICK), "JSON"))
    try:
        async with serving(tmp_path / "home") as cmf:
            await cmf.environment("prod", "flink-prod")
            catalog = {
                "apiVersion": "cmf.confluent.io/v1",
                "kind": "KafkaCatalog",
                "metadata": {"name": "shop"},
                "spec": {"srInstance": {"connectionConfig": {"schema.registry.url": url}}},
            }
            await cmf.ok("POST", f"{V1}/catalogs/kafka", json=catalog)
            database = {
                "apiVersion": "cmf.confluent.io/v1",
                "kind": "KafkaDatabase",
                "metadata": {"name": "orders-db"},
                "spec": {
                    "kafkaCluster": {"connectionConfig": {"bootstrap.servers": "127.0.0.1:9"}}
                },
            }
            await cmf.ok("POST", f"{V1}/catalogs/kafka/shop/databases", json=database)
            setup = await kafka_sql_setup(
                cmf.context(), "prod", tmp_path / "connectors", registry_timeout=0.5
            )
    finally:
        registry.forget_mock(url)
    query = "SELECT id FROM `shop`.`orders-db`.`orders`"
    paths = {f"`shop`.`orders-db`.`{t.name}`": t for t in setup.tables}
    given = tmp_path / "setup.json"
    given.write_text(
        json.dumps({"statements": setup.statements, "tables": list(paths), "query": query})
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUNNER, str(given), stdout=PIPE, stderr=PIPE, start_new_session=True
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(), timeout=300)
    finally:
        if child.returncode is None:  # timed out: the child and its JVM, by process group
            os.killpg(child.pid, signal.SIGKILL)
            await child.wait()
    assert child.returncode == 0, err.decode()[-3000:]
    answer = json.loads(out.decode().strip().splitlines()[-1])
    for path, table in paths.items():
        flink = [
            (name, kind + ("" if nullable else " NOT NULL"))
            for name, kind, nullable in answer["described"][path]
        ]
        assert flink == [(c.name, c.type) for c in table.columns], path
    assert [c.name for c in paths["`shop`.`orders-db`.`orders`"].columns][:2] == ["key_id", "id"]
    assert answer["failure"] is not None
    explained = setup.explain_failure(answer["failure"])
    assert explained is not None
    assert explained.startswith("shop.orders-db.orders needs the 'kafka' connector, which is not")
    assert explained == setup.missing_jars(query)
