"""Statements see the environment's Kafka catalogs: replayed DDL, read-only, missing jars."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema

from cmfkit import V1, Cmf
from scurry.services.kafkatables import registry
from scurry.testing.fake_sql import FakeSqlEngine

ENV = f"{V1}/environments/prod"
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}


@pytest.fixture
def sr_url() -> Iterator[str]:
    url = f"mock://{uuid.uuid4().hex}"
    registry.client({"schema.registry.url": url}).register_schema(
        "orders-value", Schema(json.dumps(ORDER), "AVRO")
    )
    yield url
    registry.forget_mock(url)


def body(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec,
    }


async def shop(cmf: Cmf, sr_url: str) -> None:
    await cmf.environment("prod", "flink-prod")
    registry_spec = {"srInstance": {"connectionConfig": {"schema.registry.url": sr_url}}}
    await cmf.ok("POST", f"{V1}/catalogs/kafka", json=body("KafkaCatalog", "shop", registry_spec))
    kafka = {"kafkaCluster": {"connectionConfig": {"bootstrap.servers": "127.0.0.1:9"}}}
    await cmf.ok(
        "POST",
        f"{V1}/catalogs/kafka/shop/databases",
        json=body("KafkaDatabase", "orders-db", kafka),
    )
    cluster = {
        "flinkVersion": "v1_19",
        "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
        "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
    }
    await cmf.ok(
        "POST",
        f"{ENV}/compute-pools",
        json=body("ComputePool", "shared", {"type": "SHARED", "clusterSpec": cluster}),
    )


async def run(cmf: Cmf, name: str, sql: str) -> Any:
    spec = {"statement": sql, "computePoolName": "shared"}
    return await cmf.ok("POST", f"{ENV}/statements", json=body("Statement", name, spec))


async def test_kafka_tables_are_replayed_and_their_catalog_is_read_only(
    cmf: Cmf, sr_url: str
) -> None:
    engine = FakeSqlEngine()
    cmf.container.sql = engine
    await shop(cmf, sr_url)
    await run(cmf, "show-tables", "SHOW TABLES")
    assert any("CREATE TABLE `shop`.`orders-db`.`orders`" in s for s in engine.setups[-1])
    refused = await run(cmf, "kafka-ddl", "CREATE TABLE shop.`orders-db`.t (a INT)")
    assert refused["status"]["phase"] == "FAILED"
    assert "Kafka catalog and is read-only" in refused["status"]["detail"]


async def test_a_query_on_a_kafka_table_without_the_connector_jar_says_what_to_install(
    cmf: Cmf, sr_url: str
) -> None:
    cmf.container.sql = FakeSqlEngine()
    await shop(cmf, sr_url)
    failed = await run(cmf, "read-orders", "SELECT * FROM shop.`orders-db`.orders")
    assert failed["status"]["phase"] == "FAILED"
    assert "Kafka SQL connector" in failed["status"]["detail"]
