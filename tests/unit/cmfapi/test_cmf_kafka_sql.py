"""`kafka_sql_setup`: the statements, jars and messages the SQL engine gets for an environment.

Catalogs are created over HTTP against confluent-kafka's mock:// registry;
connector jars are real zip files in a temporary directory.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema

from cmfkit import V1, Cmf
from scurry.errors import NotFound
from scurry.services.cmf.kafka_sql import kafka_sql_setup
from scurry.services.kafkatables import connectors, registry

CATALOGS = f"{V1}/catalogs/kafka"
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}
KAFKA_CLASS = connectors.REQUIREMENTS["kafka"].classes[0]
AVRO_CLASS = connectors.REQUIREMENTS["avro-confluent"].classes[0]
IN_CATALOG = {"sql.current-catalog": "shop", "sql.current-database": "orders-db"}


@pytest.fixture
def sr_url() -> Iterator[str]:
    url = f"mock://{uuid.uuid4().hex}"
    registry.client({"schema.registry.url": url}).register_schema(
        "orders-value", Schema(json.dumps(ORDER), "AVRO")
    )
    yield url
    registry.forget_mock(url)


async def shop(cmf: Cmf, sr_url: str, sr_secret: str | None = None) -> None:
    """Environment prod, catalog `shop` with database `orders-db` (topic `orders`)."""
    await cmf.environment("prod", "flink-prod")
    instance: dict[str, object] = {"connectionConfig": {"schema.registry.url": sr_url}}
    if sr_secret:
        instance["connectionSecretId"] = sr_secret
    catalog = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaCatalog",
        "metadata": {"name": "shop"},
        "spec": {"srInstance": instance},
    }
    await cmf.ok("POST", CATALOGS, json=catalog)
    database = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaDatabase",
        "metadata": {"name": "orders-db"},
        # Nothing listens on port 9: the topics come from the registry's subjects.
        "spec": {"kafkaCluster": {"connectionConfig": {"bootstrap.servers": "127.0.0.1:9"}}},
    }
    await cmf.ok("POST", f"{CATALOGS}/shop/databases", json=database)


def make_jar(path: Path, entry: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(entry, b"")


async def test_statements_register_the_catalog_database_and_tables(
    cmf: Cmf, sr_url: str, tmp_path: Path
) -> None:
    await shop(cmf, sr_url)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    create_catalog, create_database, create_table = setup.statements
    assert create_catalog == (
        "CREATE CATALOG IF NOT EXISTS `shop` WITH ('type' = 'generic_in_memory')"
    )
    assert create_database == "CREATE DATABASE IF NOT EXISTS `shop`.`orders-db`"
    assert create_table.startswith("CREATE TABLE `shop`.`orders-db`.`orders` (\n")
    assert "`id` BIGINT NOT NULL" in create_table
    assert "'value.format' = 'avro-confluent'" in create_table
    assert f"'value.avro-confluent.url' = '{sr_url}'" in create_table
    assert setup.catalogs == frozenset({"shop"})
    assert [t.name for t in setup.tables] == ["orders"]
    assert setup.jars == ()
    assert setup.pipeline_jars() == ""
    assert any("Kafka of database 'orders-db' did not answer" in n for n in setup.notes)


async def test_secrets_are_in_the_statements_and_masked_in_the_redacted_copy(
    cmf: Cmf, sr_url: str, tmp_path: Path
) -> None:
    await shop(cmf, sr_url, sr_secret="sr-creds")
    secret = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Secret",
        "metadata": {"name": "sr-creds"},
        "spec": {"data": {"basic.auth.user.info": "reader:s3cr3t-77"}},
    }
    await cmf.ok("POST", f"{V1}/secrets", json=secret)
    mapping = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "EnvironmentSecretMapping",
        "metadata": {"name": "sr-creds"},
        "spec": {"secretName": "sr-creds"},
    }
    await cmf.ok("POST", f"{V1}/environments/prod/secret-mappings", json=mapping)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    assert (
        "'value.avro-confluent.basic-auth.user-info' = 'reader:s3cr3t-77'" in (setup.statements[-1])
    )
    redacted = setup.redacted()
    assert redacted[:2] == list(setup.statements[:2])
    assert "s3cr3t-77" not in "\n".join(redacted)
    assert "'value.avro-confluent.basic-auth.user-info' = '****'" in redacted[-1]


async def test_an_environment_without_the_mapping_gets_no_statements_and_a_note(
    cmf: Cmf, sr_url: str, tmp_path: Path
) -> None:
    await shop(cmf, sr_url, sr_secret="sr-creds")
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    assert setup.statements == ()
    assert setup.catalogs == frozenset()
    assert setup.notes == (
        "catalog shop is not visible in environment prod: it has no secret mapping named "
        "'sr-creds' (the catalog's connectionSecretId)",
    )


async def test_an_unknown_environment_is_not_found(cmf: Cmf, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match='Environment "ghost" not found'):
        await kafka_sql_setup(cmf.context(), "ghost", tmp_path)


@pytest.mark.parametrize(
    ("sql", "properties"),
    [
        ("SELECT * FROM shop.`orders-db`.orders", {}),
        ("SELECT * FROM `shop` . `orders-db` . `orders` WHERE id > 1", {}),
        ("SELECT id FROM `orders-db`.orders", {"sql.current-catalog": "shop"}),
        ("SELECT id FROM orders", IN_CATALOG),
        ("INSERT INTO sink SELECT id FROM `orders`", IN_CATALOG),
    ],
)
async def test_a_statement_naming_a_kafka_table_hears_which_jar_is_missing(
    cmf: Cmf, sr_url: str, tmp_path: Path, sql: str, properties: dict[str, str]
) -> None:
    await shop(cmf, sr_url)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    message = setup.missing_jars(sql, properties)
    assert message is not None
    assert message.startswith(
        f"shop.orders-db.orders needs the 'kafka' connector, which is not in {tmp_path}: put "
        "the Kafka SQL connector (Maven: org.apache.flink:flink-sql-connector-kafka"
    )
    assert "the 'avro-confluent' format, which is not in" in message


@pytest.mark.parametrize(
    ("sql", "properties"),
    [
        ("SELECT * FROM orders", {}),  # the current catalog is not shop
        ("SELECT * FROM `orders-db`.orders", {"sql.current-catalog": "default_catalog"}),
        ("SELECT * FROM shop.`orders-db`.orders_archive", {}),
        ("SELECT * FROM other.shop.`orders-db`.orders", {}),
        ("SELECT * FROM old_orders", IN_CATALOG),
        ("SELECT 1", IN_CATALOG),
    ],
)
async def test_statements_not_naming_a_kafka_table_need_no_jar(
    cmf: Cmf, sr_url: str, tmp_path: Path, sql: str, properties: dict[str, str]
) -> None:
    await shop(cmf, sr_url)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    assert setup.missing_jars(sql, properties) is None


async def test_jars_in_the_directory_satisfy_the_check_and_go_to_pipeline_jars(
    cmf: Cmf, sr_url: str, tmp_path: Path
) -> None:
    await shop(cmf, sr_url)
    make_jar(tmp_path / "flink-sql-connector-kafka.jar", KAFKA_CLASS)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    only_format = setup.missing_jars("SELECT * FROM shop.`orders-db`.orders")
    assert only_format is not None
    assert "'kafka'" not in only_format
    assert "the 'avro-confluent' format" in only_format
    make_jar(tmp_path / "avro-registry.jar", AVRO_CLASS)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    assert setup.missing_jars("SELECT * FROM shop.`orders-db`.orders") is None
    assert setup.pipeline_jars() == ";".join(
        (tmp_path / name).resolve().as_uri()
        for name in ("avro-registry.jar", "flink-sql-connector-kafka.jar")
    )


async def test_flinks_missing_factory_error_is_explained(
    cmf: Cmf, sr_url: str, tmp_path: Path
) -> None:
    await shop(cmf, sr_url)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    flink = (
        "org.apache.flink.table.api.ValidationException: Could not find any factory for "
        "identifier 'kafka' that implements "
        "'org.apache.flink.table.factories.DynamicTableFactory' in the classpath."
    )
    explained = setup.explain_failure(flink)
    assert explained is not None
    assert explained.startswith("shop.orders-db.orders needs the 'kafka' connector")
    # Everything those tables lack is named at once: the format would fail next.
    assert "the 'avro-confluent' format, which is not in" in explained
    assert (
        setup.explain_failure(
            "Unable to create a source for reading table 'shop.orders-db.orders'.\n" + flink
        )
        == explained
    )
    assert setup.explain_failure("SQL parse failed. Encountered ...") is None
    assert setup.explain_failure(flink.replace("'kafka'", "'jdbc'")) is None


async def test_ddl_on_a_kafka_catalog_is_refused(cmf: Cmf, sr_url: str, tmp_path: Path) -> None:
    await shop(cmf, sr_url)
    setup = await kafka_sql_setup(cmf.context(), "prod", tmp_path, registry_timeout=0.5)
    refusal = setup.read_only_refusal("shop")
    assert refusal is not None
    assert refusal.startswith("catalog 'shop' is a Kafka catalog and is read-only")
    assert setup.read_only_refusal("default_catalog") is None
    assert setup.read_only_refusal(None) is None
