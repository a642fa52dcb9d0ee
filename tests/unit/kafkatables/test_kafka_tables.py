"""Tables derived from Schema Registry subjects: confluent-kafka's mock:// registry and HTTP.

No Kafka broker runs here: every database below points at a closed loopback
port, so its topics come from the subjects (the AdminClient branch is tested
against exactly that behaviour).
"""

from __future__ import annotations

import json
import socket
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaReference
from protokit import F, field, file, message, serialized

from scurry.services.kafkatables import connectors, ddl, registry, tables, topics
from scurry.testing.fake_schema_registry import FakeSchemaRegistry

ORDER = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "long"},
        {
            "name": "amount",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
        },
        {"name": "placed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def sr_url() -> Iterator[str]:
    url = f"mock://{uuid.uuid4().hex}"
    yield url
    registry.forget_mock(url)


def register(url: str, subject: str, text: str, kind: str = "AVRO", refs: Any = None) -> None:
    registry.client({"schema.registry.url": url}).register_schema(
        subject, Schema(text, kind, refs or [])
    )


def connection(url: str, **registry_config: str) -> tables.KafkaConnection:
    return tables.KafkaConnection(
        "kafka-cat",
        "orders-db",
        {"schema.registry.url": url, **registry_config},
        {"bootstrap.servers": closed_port()},
    )


def derive(conn: tables.KafkaConnection) -> tables.DatabaseTables:
    return tables.derive(conn, timeout=0.5)


def only(found: tables.DatabaseTables) -> tables.KafkaTable:
    assert len(found.tables) == 1, found
    return found.tables[0]


def cols(table: tables.KafkaTable) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in table.columns]


def test_an_avro_value_subject_is_a_table(sr_url: str) -> None:
    register(sr_url, "orders-value", json.dumps(ORDER))
    found = derive(connection(sr_url))
    table = only(found)
    assert (table.catalog, table.database, table.name) == ("kafka-cat", "orders-db", "orders")
    assert cols(table) == [
        ("key", "BYTES"),
        ("id", "BIGINT NOT NULL"),
        ("amount", "DECIMAL(9, 2) NOT NULL"),
        ("placed", "TIMESTAMP_LTZ(3) NOT NULL"),
        ("note", "STRING"),
    ]
    assert table.option("key.format") == "raw"
    assert table.option("key.fields") == "key"
    assert table.option("value.format") == "avro-confluent"
    assert table.option("value.avro-confluent.url") == sr_url
    assert table.option("value.avro-confluent.subject") == "orders-value"
    assert table.option("value.fields-include") == "EXCEPT_KEY"
    assert table.option("scan.startup.mode") == "earliest-offset"
    assert found.topics_from == "schema-registry"
    assert found.note is not None
    assert "did not answer" in found.note


def test_key_columns_come_first_and_are_prefixed_when_names_clash(sr_url: str) -> None:
    register(sr_url, "orders-value", json.dumps(ORDER))
    key = {"type": "record", "name": "OrderKey", "fields": [{"name": "id", "type": "long"}]}
    register(sr_url, "orders-key", json.dumps(key))
    table = only(derive(connection(sr_url)))
    assert cols(table)[:2] == [("key_id", "BIGINT NOT NULL"), ("id", "BIGINT NOT NULL")]
    assert table.key_columns == ("key_id",)
    assert table.option("key.fields-prefix") == "key_"
    assert table.option("key.format") == "avro-confluent"
    assert table.option("key.avro-confluent.subject") == "orders-key"


def test_a_primitive_key_is_one_column_named_key(sr_url: str) -> None:
    register(
        sr_url,
        "clicks-value",
        json.dumps({"type": "record", "name": "C", "fields": [{"name": "url", "type": "string"}]}),
    )
    register(sr_url, "clicks-key", '"string"')
    table = only(derive(connection(sr_url)))
    assert cols(table) == [("key", "STRING NOT NULL"), ("url", "STRING NOT NULL")]
    assert table.option("key.fields-prefix") is None


def test_a_json_schema_subject_is_a_table(sr_url: str) -> None:
    document = {
        "type": "object",
        "properties": {
            "user": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["user"],
    }
    register(sr_url, "views-value", json.dumps(document), "JSON")
    table = only(derive(connection(sr_url)))
    assert cols(table)[1:] == [
        ("user", "STRING NOT NULL"),
        ("at", "TIMESTAMP_LTZ(3)"),
        ("tags", "ARRAY<STRING NOT NULL>"),
    ]
    assert table.option("value.format") == "json-confluent"
    assert table.option("value.json-confluent.url") == sr_url


def test_a_protobuf_subject_is_a_table(sr_url: str) -> None:
    proto = file(
        message(
            "Payment",
            field("id", 1, F.TYPE_STRING),
            field("at", 2, F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp"),
            field("cents", 3, F.TYPE_INT64),
        )
    )
    register(sr_url, "payments-value", serialized(proto), "PROTOBUF")
    table = only(derive(connection(sr_url)))
    assert cols(table)[1:] == [
        ("id", "STRING NOT NULL"),
        ("at", "TIMESTAMP_LTZ(9)"),
        ("cents", "BIGINT NOT NULL"),
    ]
    assert table.option("value.format") == "protobuf-confluent"


def test_avro_references_to_other_subjects(sr_url: str) -> None:
    address = {
        "type": "record",
        "name": "Address",
        "namespace": "common",
        "fields": [{"name": "city", "type": "string"}],
    }
    register(sr_url, "address", json.dumps(address))
    person = {
        "type": "record",
        "name": "Person",
        "fields": [{"name": "home", "type": "common.Address"}],
    }
    register(
        sr_url,
        "people-value",
        json.dumps(person),
        refs=[SchemaReference("common.Address", "address", 1)],
    )
    table = only(derive(connection(sr_url)))
    assert cols(table)[1:] == [("home", "ROW<`city` STRING NOT NULL> NOT NULL")]


def test_a_topic_whose_schema_has_no_flink_type_is_left_out_with_the_reason(sr_url: str) -> None:
    node = {
        "type": "record",
        "name": "Node",
        "fields": [{"name": "next", "type": ["null", "Node"]}],
    }
    register(sr_url, "graph-value", json.dumps(node))
    register(sr_url, "orders-value", json.dumps(ORDER))
    found = derive(connection(sr_url))
    assert [t.name for t in found.tables] == ["orders"]
    assert [(s.topic, s.reason) for s in found.skipped] == [("graph", "record 'Node' is recursive")]


def test_subjects_of_other_naming_strategies_and_internal_topics_are_no_tables(sr_url: str) -> None:
    register(sr_url, "shop.Order", json.dumps(ORDER))
    register(sr_url, "_schemas-value", json.dumps(ORDER))
    assert derive(connection(sr_url)).tables == ()


def test_registry_credentials_become_format_options_and_can_be_redacted(sr_url: str) -> None:
    register(sr_url, "orders-value", json.dumps(ORDER))
    conn = tables.KafkaConnection(
        "kafka-cat",
        "orders-db",
        {
            "schema.registry.url": sr_url,
            "basic.auth.user.info": "sr-user:sr-pass",
            "sasl.jaas.config": "jaas-secret",
        },
        {
            "bootstrap.servers": closed_port(),
            "sasl.jaas.config": "jaas-secret",
            "security.protocol": "SASL_SSL",
            "schema.registry.basic.auth.user.info": "u:p",
        },
        secret_keys=frozenset({"basic.auth.user.info", "sasl.jaas.config"}),
    )
    table = only(derive(conn))
    assert table.option("value.avro-confluent.basic-auth.user-info") == "sr-user:sr-pass"
    assert table.option("value.avro-confluent.basic-auth.credentials-source") == "USER_INFO"
    assert table.option("properties.sasl.jaas.config") == "jaas-secret"
    assert table.option("properties.security.protocol") == "SASL_SSL"
    assert table.option("properties.schema.registry.basic.auth.user.info") is None
    assert table.option("value.avro-confluent.properties.sasl.jaas.config") is None
    shown = ddl.create_table_ddl(table, redact=True)
    assert "sr-user:sr-pass" not in shown
    assert "jaas-secret" not in shown
    assert "'properties.security.protocol' = 'SASL_SSL'" in shown
    assert "sr-user:sr-pass" in ddl.create_table_ddl(table)


def test_the_ddl_quotes_identifiers_and_literals(sr_url: str) -> None:
    weird = {"type": "record", "name": "W", "fields": [{"name": "a`b", "type": "string"}]}
    register(sr_url, "it's.topic-value", json.dumps(weird))
    table = only(derive(connection(sr_url)))
    text = ddl.create_table_ddl(table)
    assert text.startswith(
        "CREATE TABLE `kafka-cat`.`orders-db`.`it's.topic` (\n"
        "  `key` BYTES,\n"
        "  `a``b` STRING NOT NULL\n)"
    )
    assert "'topic' = 'it''s.topic'" in text
    statements = ddl.register_ddl([derive(connection(sr_url))])
    assert statements[:2] == [
        "CREATE CATALOG IF NOT EXISTS `kafka-cat` WITH ('type' = 'generic_in_memory')",
        "CREATE DATABASE IF NOT EXISTS `kafka-cat`.`orders-db`",
    ]


def test_tables_over_http_with_basic_auth() -> None:
    with FakeSchemaRegistry(user_info="sr-user:sr-pass") as sr:
        sr.register("orders-value", json.dumps(ORDER))
        proto = file(message("P", field("id", 1, F.TYPE_INT64)))
        sr.register("payments-value", serialized(proto), "PROTOBUF")
        conn = connection(sr.url, **{"schema.registry.basic.auth.user.info": "sr-user:sr-pass"})
        found = derive(conn)
        assert [t.name for t in found.tables] == ["orders", "payments"]
        assert cols(found.tables[1])[1:] == [("id", "BIGINT NOT NULL")]
        assert all(auth is not None for _, auth in sr.requests)
        assert any("format=serialized" in path for path, _ in sr.requests)
        with pytest.raises(registry.RegistryUnreachable, match="HTTP 401"):
            derive(connection(sr.url))


def test_a_registry_that_is_not_there() -> None:
    with pytest.raises(registry.RegistryUnreachable):
        derive(connection(f"http://{closed_port()}"))
    with pytest.raises(registry.RegistryUnreachable):
        registry.probe({"schema.registry.url": f"http://{closed_port()}"}, timeout=0.5)


def test_the_admin_client_says_when_kafka_does_not_answer() -> None:
    with pytest.raises(topics.KafkaUnreachable):
        topics.from_kafka({"bootstrap.servers": closed_port()}, timeout=0.5)
    with pytest.raises(topics.KafkaUnreachable, match=r"no bootstrap\.servers"):
        topics.from_kafka({}, timeout=0.5)


def test_librdkafka_gets_the_java_client_settings_it_understands() -> None:
    jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required "
    jaas += "username=\"u\" password='p';"
    conf = topics.admin_config(
        {
            "bootstrap.servers": "b:9092",
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "PLAIN",
            "sasl.jaas.config": jaas,
            "ssl.truststore.location": "/x.jks",
            "schema.registry.url": "http://sr",
        }
    )
    assert conf == {
        "bootstrap.servers": "b:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "u",
        "sasl.password": "p",
    }


def test_topics_from_subjects() -> None:
    subjects = ["a-value", "a-key", "b-key", "-value", "c", "__x-value", "_confluent-y-key"]
    assert topics.from_subjects(subjects) == ["a", "b"]


def test_missing_connector_and_format_jars_are_named(sr_url: str, tmp_path: Path) -> None:
    register(sr_url, "orders-value", json.dumps(ORDER))
    document = {"type": "object", "properties": {"x": {"type": "string"}}}
    register(sr_url, "views-value", json.dumps(document), "JSON")
    found = derive(connection(sr_url)).tables
    message = connectors.explain(found, tmp_path)
    assert message is not None
    assert (
        "kafka-cat.orders-db.orders, kafka-cat.orders-db.views need the 'kafka' connector"
        in message
    )
    assert "flink-sql-connector-kafka" in message
    assert str(tmp_path) in message
    assert "kafka-cat.orders-db.orders needs the 'avro-confluent' format" in message
    assert "'json-confluent' format" in message
    make_jar(tmp_path / "kafka.jar", connectors.REQUIREMENTS["kafka"].classes[0])
    make_jar(tmp_path / "any-name.jar", connectors.REQUIREMENTS["avro-confluent"].classes[0])
    (tmp_path / "my-json-confluent-1.0.jar").write_bytes(b"not even a zip")
    assert connectors.explain(found, tmp_path) is None
    assert [p.name for p in connectors.jar_paths(tmp_path)] == [
        "any-name.jar",
        "kafka.jar",
        "my-json-confluent-1.0.jar",
    ]


def test_raw_tables_need_only_the_kafka_connector(sr_url: str, tmp_path: Path) -> None:
    register(sr_url, "orders-key", '"string"')
    (table,) = derive(connection(sr_url)).tables
    assert table.formats == ("avro-confluent", "raw")
    assert set(connectors.needed([table])) == {"kafka", "avro-confluent"}


def make_jar(path: Path, entry: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(entry, b"")
