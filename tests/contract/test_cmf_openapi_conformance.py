"""Every answer of a tour through the CMF API conforms to cmf-openapi.yaml.

The tour calls every operation scurry serves, with good requests and bad
ones; each answer's status must be one the spec lists for the operation (or
a deviation docs/compat.md explains) and its body must match the spec's
schema (RestError for errors), in JSON and in YAML.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cmfkit import V1, Cmf, application, serving
from cmfspec import SPEC, TOURED_APART, Checker
from scurry.services.kafkatables import registry

ENV = f"{V1}/environments/prod"
APP = f"{ENV}/applications/my-app"
NS = "flink-prod"


@pytest.fixture
async def checked(tmp_path: Path) -> AsyncIterator[tuple[Cmf, Checker]]:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not found (set SCURRY_REFERENCE)")
    checker = Checker()
    # Compute pools and statements have their own tour, with a SQL engine behind the server.
    checker.operations = [
        op for op in checker.operations if not any(g.covers(op.path, op.tags) for g in TOURED_APART)
    ]

    async def check(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        media = response.headers.get("content-type", "application/json")
        checker.check(
            request.method, request.url.path, response.status_code, response.content, media
        )

    async with serving(tmp_path / "home") as cmf:
        cmf.client.event_hooks["response"].append(check)
        yield cmf, checker


async def test_a_tour_of_every_operation(checked: tuple[Cmf, Checker]) -> None:
    cmf, checker = checked
    c = cmf.client
    # environments
    await c.get(f"{V1}/environments")
    await c.post(f"{V1}/environments", json={"name": "prod", "kubernetesNamespace": NS})
    await c.post(f"{V1}/environments", json={"name": "bad", "kubernetesNamespace": NS})
    await c.post(f"{V1}/environments", content="x", headers={"Content-Type": "text/plain"})
    await c.get(ENV, params={"include-resource-information": "true"})
    await c.get(f"{V1}/environments/nope")
    await c.get(f"{V1}/environments", params={"sort": "color,asc"})
    await c.get(f"{V1}/environments", headers={"Accept": "application/yaml"})
    # applications
    await c.post(f"{ENV}/applications", json=application("my-app", upgradeMode="savepoint"))
    bad = application("bad-app", parallelism=0)
    await c.post(f"{ENV}/applications", json=bad)
    await c.post(f"{ENV}/applications", json={"kind": "FlinkApplication"})
    await c.get(f"{ENV}/applications", params={"filter": "state=CREATED"})
    await cmf.reconcile("my-app", NS, times=5)
    await c.get(APP)
    await c.get(APP, headers={"Accept": "application/yaml"})
    await c.get(f"{ENV}/applications/ghost")
    await c.delete(f"{ENV}/applications/ghost")
    await c.post(f"{ENV}/applications/ghost/suspend")
    instances = (await c.get(f"{APP}/instances")).json()["items"]
    await c.get(f"{APP}/instances/{instances[0]['metadata']['name']}")
    await c.get(f"{APP}/instances/nope")
    await c.get("/cmf/api/v1alpha1/environments/prod/applications/my-app/events")
    await c.get(
        "/cmf/api/v1alpha1/environments/prod/applications/my-app/events", params={"search": "x"}
    )
    # savepoints
    await c.post(f"{APP}/savepoints", json={"metadata": {"name": "sp-one"}})
    await c.post(f"{APP}/savepoints", json={"metadata": {"name": "sp-one"}})
    await c.post(f"{APP}/savepoints/sp-one/detach")
    for _ in range(4):
        await cmf.harness.reconcile("sp-one", namespace=NS, kind="FlinkStateSnapshot")
        cmf.harness.clock.advance(2)
    await c.get(f"{APP}/savepoints")
    savepoint = (await c.get(f"{APP}/savepoints/sp-one")).json()
    await c.get(f"{APP}/savepoints/nope")
    await c.post(f"{APP}/start", params={"startFromSavepointUid": "nope"})
    await c.post(f"{APP}/suspend")
    await cmf.reconcile("my-app", NS, times=6)
    await c.post(f"{APP}/start", params={"startFromSavepointUid": savepoint["metadata"]["uid"]})
    await c.post(f"{APP}/savepoints/sp-one/detach")
    await c.post(f"{APP}/savepoints", json={"metadata": {"name": "sp-two"}})
    await c.delete(f"{APP}/savepoints/sp-two", params={"force": "true"})
    await c.delete(f"{APP}/savepoints/sp-two")
    # detached savepoints
    await c.get(f"{V1}/detached-savepoints", params={"name": "sp"})
    await c.get(f"{V1}/detached-savepoints/sp-one")
    await c.post(
        f"{V1}/detached-savepoints", json={"metadata": {"name": "ds-one"}, "spec": {"path": "/p"}}
    )
    await c.post(
        f"{V1}/detached-savepoints", json={"metadata": {"name": "ds-one"}, "spec": {"path": "/p"}}
    )
    await c.post(f"{V1}/detached-savepoints", json={"metadata": {"name": "ds-two"}, "spec": {}})
    await c.delete(f"{V1}/detached-savepoints/ds-one")
    await c.delete(f"{V1}/detached-savepoints/ds-one")
    # secrets and mappings
    secret = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "spec": {"data": {"password": "s3cret"}},
    }
    await c.post(f"{V1}/secrets", json=secret)
    await c.post(f"{V1}/secrets", json=secret)
    await c.put(f"{V1}/secrets/creds", json=secret)
    await c.put(f"{V1}/secrets/ghost", json=secret)
    await c.get(f"{V1}/secrets", params={"search": "cr", "searchScope": "name"})
    await c.get(f"{V1}/secrets/creds")
    mapping = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "EnvironmentSecretMapping",
        "metadata": {"name": "conn"},
        "spec": {"secretName": "creds"},
    }
    await c.post(f"{ENV}/secret-mappings", json=mapping)
    await c.post(f"{ENV}/secret-mappings", json=mapping)
    await c.put(f"{ENV}/secret-mappings/conn", json=mapping)
    await c.get(f"{ENV}/secret-mappings")
    await c.get(f"{ENV}/secret-mappings/conn")
    await c.get(ENV)
    await c.delete(f"{V1}/secrets/creds")
    await c.delete(f"{ENV}/secret-mappings/conn")
    await c.delete(f"{ENV}/secret-mappings/conn")
    await c.delete(f"{V1}/secrets/creds")
    # the cluster, information
    clusters = (await c.get(f"{V1}/kubernetes-clusters")).json()["items"]
    name = clusters[0]["metadata"]["name"]
    await c.get(f"{V1}/kubernetes-clusters/{name}")
    await c.get(f"{V1}/kubernetes-clusters/elsewhere")
    body = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KubernetesCluster",
        "metadata": {"name": name},
        "spec": {"lifecycleState": "DECOMMISSIONED"},
    }
    await c.put(f"{V1}/kubernetes-clusters/{name}", json=body)
    await c.put(f"{V1}/kubernetes-clusters/{name}", json={**body, "spec": {}})
    await c.get(f"{V1}/system-information")
    await c.get(f"{V1}/resource-information")
    await tour_kafka_catalogs(c)
    # deletions
    await c.delete(ENV)
    await c.delete(APP)
    await c.delete(ENV)
    await c.delete(ENV)
    assert checker.unexercised() == []


async def tour_kafka_catalogs(c: httpx.AsyncClient) -> None:
    catalogs = f"{V1}/catalogs/kafka"
    url = f"mock://{uuid.uuid4().hex}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{s.getsockname()[1]}"

    def catalog(name: str, sr_url: str) -> dict[str, object]:
        return {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "KafkaCatalog",
            "metadata": {"name": name},
            "spec": {"srInstance": {"connectionConfig": {"schema.registry.url": sr_url}}},
        }

    database = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KafkaDatabase",
        "metadata": {"name": "orders-db"},
        "spec": {"kafkaCluster": {"connectionConfig": {"bootstrap.servers": "k:9092"}}},
    }
    try:
        await c.post(catalogs, json=catalog("kafka-cat", url))
        await c.post(catalogs, json=catalog("kafka-cat", url))
        await c.post(catalogs, json=catalog("far-cat", gone))
        await c.post(catalogs, json={"kind": "KafkaCatalog", "metadata": {"name": "x-cat"}})
        await c.get(catalogs, params={"sort": "name,desc"})
        await c.get(catalogs, headers={"Accept": "application/yaml"})
        await c.get(f"{catalogs}/kafka-cat")
        await c.get(f"{catalogs}/ghost")
        await c.put(f"{catalogs}/kafka-cat", json=catalog("kafka-cat", url))
        await c.put(f"{catalogs}/kafka-cat", json=catalog("kafka-cat", gone))
        await c.put(f"{catalogs}/ghost", json=catalog("ghost", url))
        dbs = f"{catalogs}/kafka-cat/databases"
        await c.post(dbs, json=database)
        await c.post(dbs, json=database)
        await c.post(f"{catalogs}/ghost/databases", json=database)
        await c.get(dbs)
        await c.get(f"{catalogs}/ghost/databases")
        await c.get(f"{dbs}/orders-db")
        await c.get(f"{dbs}/ghost")
        await c.put(f"{dbs}/orders-db", json=database)
        await c.put(f"{dbs}/ghost", json={**database, "metadata": {"name": "ghost"}})
        await c.delete(f"{catalogs}/kafka-cat")
        await c.delete(f"{dbs}/orders-db")
        await c.delete(f"{dbs}/orders-db")
        await c.delete(f"{catalogs}/kafka-cat")
        await c.delete(f"{catalogs}/kafka-cat")
    finally:
        registry.forget_mock(url)
