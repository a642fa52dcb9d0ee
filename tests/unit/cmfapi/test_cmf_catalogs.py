"""Kafka catalogs and databases over HTTP: CRUD, name rules, YAML, secrets through mappings.

Schema Registries are confluent-kafka's mock:// registry (shared per URL by
scurry) or FakeSchemaRegistry over real HTTP; no Kafka broker runs.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from confluent_kafka.schema_registry import Schema

from cmfkit import V1, Cmf
from scurry.services.cmf import catalog_access
from scurry.services.kafkatables import registry
from scurry.testing.fake_schema_registry import FakeSchemaRegistry

CATALOGS = f"{V1}/catalogs/kafka"
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}


@pytest.fixture
def sr_url() -> Iterator[str]:
    url = f"mock://{uuid.uuid4().hex}"
    yield url
    registry.forget_mock(url)


def catalog(name: str, url: str, secret_id: str | None = None, **spec: Any) -> dict[str, Any]:
    instance: dict[str, Any] = {"connectionConfig": {"schema.registry.url": url}}
    if secret_id:
        instance["connectionSecretId"] = secret_id
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaCatalog",
        "metadata": {"name": name},
        "spec": {"srInstance": instance, **spec},
    }


def database(name: str, secret_id: str | None = None, **spec: Any) -> dict[str, Any]:
    cluster: dict[str, Any] = {"connectionConfig": {"bootstrap.servers": closed_port()}}
    if secret_id:
        cluster["connectionSecretId"] = secret_id
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaDatabase",
        "metadata": {"name": name},
        "spec": {"kafkaCluster": cluster, **spec},
    }


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


async def secret_and_mapping(cmf: Cmf, env: str, mapping: str, data: dict[str, str]) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": mapping},
        "spec": {"data": data},
    }
    if (await cmf.client.get(f"{V1}/secrets/{mapping}")).status_code == 404:
        await cmf.ok("POST", f"{V1}/secrets", json=body)
    link = {
        "apiVersion": "v1",
        "kind": "EnvironmentSecretMapping",
        "metadata": {"name": mapping},
        "spec": {"secretName": mapping},
    }
    await cmf.ok("POST", f"{V1}/environments/{env}/secret-mappings", json=link)


async def test_catalog_lifecycle(cmf: Cmf, sr_url: str) -> None:
    created = await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url))
    assert created["apiVersion"] == "cmf.confluent.io/v1"
    assert created["kind"] == "KafkaCatalog"
    assert created["spec"] == {"srInstance": {"connectionConfig": {"schema.registry.url": sr_url}}}
    assert created["metadata"]["uid"]
    assert created["metadata"]["creationTimestamp"]
    assert "already exists" in await cmf.error(
        "POST", CATALOGS, 409, json=catalog("kafka-cat", sr_url)
    )
    got = await cmf.ok("GET", f"{CATALOGS}/kafka-cat")
    assert got == created
    info = await cmf.ok("GET", f"{V1}/resource-information")
    assert info["status"]["resources"]["catalogs"] == 1
    changed = catalog("kafka-cat", sr_url)
    changed["metadata"]["labels"] = {"team": "data"}
    changed["spec"]["srInstance"]["connectionConfig"]["schema.registry.ssl.truststore.password"] = (
        "x"
    )
    response = await cmf.client.put(f"{CATALOGS}/kafka-cat", json=changed)
    assert response.status_code == 200
    assert response.content == b""  # the spec declares no body for this update
    got = await cmf.ok("GET", f"{CATALOGS}/kafka-cat")
    assert got["metadata"]["labels"] == {"team": "data"}
    assert (
        got["spec"]["srInstance"]["connectionConfig"]["schema.registry.ssl.truststore.password"]
        == "x"
    )
    await cmf.ok("DELETE", f"{CATALOGS}/kafka-cat", 204)
    assert "not found" in await cmf.error("GET", f"{CATALOGS}/kafka-cat", 404)
    assert "not found" in await cmf.error("DELETE", f"{CATALOGS}/kafka-cat", 404)
    assert "not found" in await cmf.error("PUT", f"{CATALOGS}/kafka-cat", 404, json=changed)


async def test_catalogs_are_listed_in_pages(cmf: Cmf, sr_url: str) -> None:
    for name in ("cat-c", "cat-a", "cat-b"):
        await cmf.ok("POST", CATALOGS, json=catalog(name, sr_url))
    first = await cmf.ok("GET", CATALOGS, params={"size": 2})
    assert [c["metadata"]["name"] for c in first["items"]] == ["cat-a", "cat-b"]
    assert first["metadata"]["size"] == 3
    second = await cmf.ok("GET", CATALOGS, params={"size": 2, "page": 1})
    assert [c["metadata"]["name"] for c in second["items"]] == ["cat-c"]
    backwards = await cmf.ok("GET", CATALOGS, params={"sort": "name,desc"})
    assert [c["metadata"]["name"] for c in backwards["items"]] == ["cat-c", "cat-b", "cat-a"]


async def test_database_lifecycle_and_deleting_a_catalog_with_databases(
    cmf: Cmf, sr_url: str
) -> None:
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url))
    dbs = f"{CATALOGS}/kafka-cat/databases"
    body = database("orders-db", ddlEnvironments=["prod"])
    created = await cmf.ok("POST", dbs, json=body)
    assert created["kind"] == "KafkaDatabase"
    assert created["spec"] == body["spec"]
    assert created["status"] == {"environmentsWithAccess": []}
    assert "already exists" in await cmf.error("POST", dbs, 409, json=body)
    await cmf.ok("POST", dbs, json=database("audit-db"))
    listed = await cmf.ok("GET", dbs, params={"size": 1})
    assert [d["metadata"]["name"] for d in listed["items"]] == ["audit-db"]
    assert listed["metadata"]["size"] == 2
    message = await cmf.error("DELETE", f"{CATALOGS}/kafka-cat", 409)
    assert message == (
        'KafkaCatalog "kafka-cat" contains databases and cannot be deleted: delete its '
        "KafkaDatabases first (audit-db, orders-db)"
    )
    shown = await cmf.ok("GET", f"{CATALOGS}/kafka-cat")
    assert [c["databaseName"] for c in shown["spec"]["kafkaClusters"]] == ["audit-db", "orders-db"]
    update = database("orders-db")
    update["spec"]["kafkaCluster"]["connectionConfig"]["security.protocol"] = "SASL_SSL"
    response = await cmf.client.put(f"{dbs}/orders-db", json=update)
    assert response.status_code == 200
    assert response.content == b""
    got = await cmf.ok("GET", f"{dbs}/orders-db")
    assert got["spec"] == update["spec"]  # PUT replaces: ddlEnvironments is gone
    for name in ("orders-db", "audit-db"):
        await cmf.ok("DELETE", f"{dbs}/{name}", 204)
    assert "not found" in await cmf.error("DELETE", f"{dbs}/orders-db", 404)
    await cmf.ok("DELETE", f"{CATALOGS}/kafka-cat", 204)


async def test_databases_of_an_unknown_catalog(cmf: Cmf) -> None:
    dbs = f"{CATALOGS}/ghost/databases"
    expected = 'KafkaCatalog "ghost" not found'
    assert await cmf.error("GET", dbs, 404) == expected
    assert await cmf.error("POST", dbs, 404, json=database("orders-db")) == expected
    assert await cmf.error("GET", f"{dbs}/orders-db", 404) == expected


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b["metadata"].update(name="abc"), "metadata.name: size must be between 4"),
        (
            lambda b: b["metadata"].update(name="Kafka_Cat"),
            "metadata.name: 'Kafka_Cat' must consist",
        ),
        (lambda b: b.update(kind="KafkaDatabase"), "kind: must be KafkaCatalog"),
        (lambda b: b.pop("kind"), "kind: Field required"),
        (lambda b: b.pop("spec"), "spec.srInstance: required field is missing"),
        (lambda b: b["spec"].pop("srInstance"), "spec.srInstance: required field is missing"),
        (
            lambda b: b["spec"]["srInstance"].pop("connectionConfig"),
            "spec.srInstance.connectionConfig: required field is missing",
        ),
        (
            lambda b: b["spec"]["srInstance"].update(connectionConfig={"a": "b"}),
            "spec.srInstance.connectionConfig: must give schema.registry.url",
        ),
        (
            lambda b: b["spec"]["srInstance"].update(
                connectionConfig={"schema.registry.url": "sr:8081"}
            ),
            "schema.registry.url 'sr:8081' is not an http://, https:// or mock:// URL",
        ),
        (
            lambda b: b["spec"]["srInstance"].update(
                connectionConfig={"schema.registry.url": 8081}
            ),
            "spec.srInstance.connectionConfig.schema.registry.url: Input should be a valid string",
        ),
        (
            lambda b: b["spec"]["srInstance"].update(connectionSecretId="Not A Name"),
            "spec.srInstance.connectionSecretId: 'Not A Name' must consist",
        ),
        (
            lambda b: b["spec"].update(kafkaClusters=[{"databaseName": "devel"}]),
            "spec.kafkaClusters[0].connectionConfig: required field is missing",
        ),
        (
            lambda b: b["spec"].update(
                kafkaClusters=[
                    {"databaseName": "prod", "connectionConfig": {"bootstrap.servers": "k:9092"}},
                    {"databaseName": "prod", "connectionConfig": {"bootstrap.servers": "k:9092"}},
                ]
            ),
            "spec.kafkaClusters[1].databaseName: 'prod' is listed twice",
        ),
    ],
)
async def test_bad_catalogs_are_refused_naming_the_field(
    cmf: Cmf, sr_url: str, change: Any, words: str
) -> None:
    body = catalog("kafka-cat", sr_url)
    change(body)
    assert words in await cmf.error("POST", CATALOGS, 400, json=body)
    assert await cmf.store.list("CmfKafkaCatalog") == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b["spec"].pop("kafkaCluster"), "spec.kafkaCluster: required field is missing"),
        (
            lambda b: b["spec"]["kafkaCluster"].update(connectionConfig={}),
            "spec.kafkaCluster.connectionConfig: must give bootstrap.servers",
        ),
        (lambda b: b["spec"].update(ddlEnvironments=["Prod"]), "spec.ddlEnvironments[0]: 'Prod'"),
        (
            lambda b: b["spec"].update(ddlEnvironments=["prod", "prod"]),
            "spec.ddlEnvironments: must not name an environment twice",
        ),
        (lambda b: b.update(kind="KafkaCatalog"), "kind: must be KafkaDatabase"),
    ],
)
async def test_bad_databases_are_refused_naming_the_field(
    cmf: Cmf, sr_url: str, change: Any, words: str
) -> None:
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url))
    body = database("orders-db")
    change(body)
    dbs = f"{CATALOGS}/kafka-cat/databases"
    assert words in await cmf.error("POST", dbs, 400, json=body)
    assert await cmf.store.list("CmfKafkaDatabase") == []


async def test_a_body_that_names_another_resource_is_refused(cmf: Cmf, sr_url: str) -> None:
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url))
    message = await cmf.error(
        "PUT", f"{CATALOGS}/kafka-cat", 400, json=catalog("other-cat", sr_url)
    )
    assert "does not match the name in the URL" in message


async def test_yaml_in_and_out(cmf: Cmf, sr_url: str) -> None:
    text = yaml.safe_dump(catalog("yaml-cat", sr_url))
    headers = {"Content-Type": "application/yaml", "Accept": "application/yaml"}
    response = await cmf.client.post(CATALOGS, content=text, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text)["metadata"]["name"] == "yaml-cat"
    listed = await cmf.client.get(CATALOGS, headers={"Accept": "application/yaml"})
    assert yaml.safe_load(listed.text)["items"][0]["metadata"]["name"] == "yaml-cat"


async def test_an_unreachable_registry_fails_the_request_and_stores_nothing(
    cmf: Cmf, sr_url: str
) -> None:
    gone = f"http://{closed_port()}"
    message = await cmf.error("POST", CATALOGS, 422, json=catalog("kafka-cat", gone))
    assert message.startswith(
        f"spec.srInstance.connectionConfig: the Schema Registry at {gone} cannot be reached"
    )
    assert message.endswith("Nothing was stored.")
    assert await cmf.store.list("CmfKafkaCatalog") == []
    legacy = catalog(
        "kafka-cat",
        gone,
        kafkaClusters=[
            {"databaseName": "devel", "connectionConfig": {"bootstrap.servers": "k:9092"}}
        ],
    )
    await cmf.error("POST", CATALOGS, 422, json=legacy)
    assert await cmf.store.list("CmfKafkaDatabase") == []
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url))
    await cmf.error("PUT", f"{CATALOGS}/kafka-cat", 422, json=catalog("kafka-cat", gone))
    got = await cmf.ok("GET", f"{CATALOGS}/kafka-cat")
    assert got["spec"]["srInstance"]["connectionConfig"]["schema.registry.url"] == sr_url


async def test_the_registry_is_probed_with_each_environments_credentials(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.environment("stage", "flink-qa")
    with FakeSchemaRegistry(user_info="sr-user:right") as sr:
        # No environment maps the id yet: the registry answers 401 and that is reachable.
        await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr.url, "sr-creds"))
        await secret_and_mapping(cmf, "prod", "sr-creds", {"basic.auth.user.info": "sr-user:right"})
        await cmf.client.put(f"{CATALOGS}/kafka-cat", json=catalog("kafka-cat", sr.url, "sr-creds"))
        assert sr.requests[-1][1] is not None  # the mapped credentials were sent
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "stage-creds"},
            "spec": {"data": {"basic.auth.user.info": "sr-user:wrong"}},
        }
        await cmf.ok("POST", f"{V1}/secrets", json=body)
        link = {
            "apiVersion": "v1",
            "kind": "EnvironmentSecretMapping",
            "metadata": {"name": "sr-creds"},
            "spec": {"secretName": "stage-creds"},
        }
        await cmf.ok("POST", f"{V1}/environments/stage/secret-mappings", json=link)
        message = await cmf.error(
            "PUT", f"{CATALOGS}/kafka-cat", 422, json=catalog("kafka-cat", sr.url, "sr-creds")
        )
        assert (
            "with the secret environment 'stage' maps 'sr-creds' to: answered HTTP 401" in message
        )


async def test_environments_with_access_follow_the_secret_mappings(cmf: Cmf, sr_url: str) -> None:
    for env in ("prod", "stage", "devel"):
        await cmf.environment(env, f"flink-{env}")
    await cmf.ok("POST", CATALOGS, json=catalog("open-cat", sr_url))
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url, "sr-creds"))
    await secret_and_mapping(cmf, "prod", "sr-creds", {"basic.auth.user.info": "u:p"})
    await secret_and_mapping(cmf, "stage", "sr-creds", {"basic.auth.user.info": "u:p"})
    await secret_and_mapping(cmf, "prod", "kafka-creds", {"sasl.jaas.config": "j"})
    await cmf.ok(
        "POST", f"{CATALOGS}/kafka-cat/databases", json=database("orders-db", "kafka-creds")
    )
    await cmf.ok("POST", f"{CATALOGS}/kafka-cat/databases", json=database("public-db"))
    open_cat = await cmf.ok("GET", f"{CATALOGS}/open-cat")
    assert open_cat["status"]["environmentsWithAccess"] == ["devel", "prod", "stage"]
    cat = await cmf.ok("GET", f"{CATALOGS}/kafka-cat")
    assert cat["status"]["environmentsWithAccess"] == ["prod", "stage"]
    orders = await cmf.ok("GET", f"{CATALOGS}/kafka-cat/databases/orders-db")
    assert orders["status"]["environmentsWithAccess"] == ["prod"]
    public = await cmf.ok("GET", f"{CATALOGS}/kafka-cat/databases/public-db")
    assert public["status"]["environmentsWithAccess"] == ["prod", "stage"]


async def test_tables_an_environment_sees_with_secrets_resolved(cmf: Cmf, sr_url: str) -> None:
    registry.client({"schema.registry.url": sr_url}).register_schema(
        "orders-value", Schema(json.dumps(ORDER), "AVRO")
    )
    for env in ("prod", "stage"):
        await cmf.environment(env, f"flink-{env}")
    await cmf.ok("POST", CATALOGS, json=catalog("kafka-cat", sr_url, "sr-creds"))
    await secret_and_mapping(cmf, "prod", "sr-creds", {"basic.auth.user.info": "sr-user:sr-pass"})
    await secret_and_mapping(cmf, "prod", "kafka-creds", {"sasl.jaas.config": "jaas-9f2"})
    await cmf.ok(
        "POST", f"{CATALOGS}/kafka-cat/databases", json=database("orders-db", "kafka-creds")
    )
    ctx = cmf.context()
    prod = await catalog_access.environment_tables(ctx, "prod", registry_timeout=0.5)
    (found,) = prod.databases
    (table,) = found.tables
    assert (table.catalog, table.database, table.name) == ("kafka-cat", "orders-db", "orders")
    assert table.option("value.avro-confluent.basic-auth.user-info") == "sr-user:sr-pass"
    assert table.option("properties.sasl.jaas.config") == "jaas-9f2"
    # Only the value has a subject, so only the value format carries registry credentials.
    assert {o.key for o in table.options if o.secret} == {
        "value.avro-confluent.basic-auth.user-info",
        "properties.sasl.jaas.config",
    }
    stage = await catalog_access.environment_tables(ctx, "stage", registry_timeout=0.5)
    assert stage.databases == []
    assert stage.notes == [
        "catalog kafka-cat is not visible in environment stage: it has no secret mapping named "
        "'sr-creds' (the catalog's connectionSecretId)"
    ]
