"""A detached statement's setup holds Kafka credentials: kept in a sealed Secret, never in clear.

The FKO object's arguments name the setup's Secret; the controller expands
it at submission, so Flink gets the credentials and the database (FKO
specs, CMF records, events, changes) holds none of them in clear.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema

from cmfkit import V1, Cmf, serving
from scurry.errors import NotFound
from scurry.models.cluster import JobLaunch
from scurry.operator.sql_setup import with_setup
from scurry.services.cmf import statement_jobs
from scurry.services.kafkatables import registry
from scurry.sqlrunner.script import SETUP_ENV, setup_from_env
from scurry.testing.fake_sql import FakeSqlEngine

ENV = f"{V1}/environments/prod"
NS = "flink-prod"
PASSWORD = "pw-5e1f0c-never-in-clear"
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]}
SOURCE = "CREATE TABLE words (id BIGINT) WITH ('connector' = 'datagen')"
CLUSTER = {
    "flinkVersion": "v1_19",
    "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
}


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


async def kafka_environment(cmf: Cmf, sr_url: str, pool_type: str) -> None:
    """Environment prod, whose Kafka catalog reads the registry with a secret password."""
    cmf.container.sql = FakeSqlEngine()
    await cmf.environment("prod", NS)
    creds = {"basic.auth.user.info": f"reader:{PASSWORD}"}
    await cmf.ok("POST", f"{V1}/secrets", json=body("Secret", "sr-creds", {"data": creds}))
    mapping = body("EnvironmentSecretMapping", "sr-creds", {"secretName": "sr-creds"})
    await cmf.ok("POST", f"{ENV}/secret-mappings", json=mapping)
    instance = {
        "connectionConfig": {"schema.registry.url": sr_url},
        "connectionSecretId": "sr-creds",
    }
    await cmf.ok(
        "POST", f"{V1}/catalogs/kafka", json=body("KafkaCatalog", "shop", {"srInstance": instance})
    )
    kafka = {"kafkaCluster": {"connectionConfig": {"bootstrap.servers": "127.0.0.1:9"}}}
    await cmf.ok(
        "POST",
        f"{V1}/catalogs/kafka/shop/databases",
        json=body("KafkaDatabase", "orders-db", kafka),
    )
    pool = body("ComputePool", "pool", {"type": pool_type, "clusterSpec": CLUSTER})
    await cmf.ok("POST", f"{ENV}/compute-pools", json=pool)
    await statement(cmf, "create-words", SOURCE)


async def statement(cmf: Cmf, name: str, sql: str) -> Any:
    spec = {"statement": sql, "computePoolName": "pool"}
    return await cmf.ok("POST", f"{ENV}/statements", json=body("Statement", name, spec))


def database_bytes(directory: Path) -> bytes:
    """The SQLite file and its journal, as written to disk."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("cmf.db*")))


def in_clear(text: bytes) -> bool:
    return PASSWORD.encode() in text or base64.b64encode(PASSWORD.encode()) in text


async def test_no_stored_object_holds_the_setups_secret_yet_flink_gets_it(
    tmp_path: Path, sr_url: str
) -> None:
    database = tmp_path / "cmf.db"
    async with serving(tmp_path / "home", f"sqlite:///{database}", seal_secrets=True) as cmf:
        await kafka_environment(cmf, sr_url, "SHARED")
        made = await statement(cmf, "insert", "INSERT INTO words SELECT 1")
        assert made["status"]["phase"] != "FAILED", made["status"]
        job = await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
        args = job["spec"]["job"]["args"]
        assert args[2:4] == ["--setup-secret", "stmt-insert-setup"]
        assert not in_clear(json.dumps(job).encode())
        assert not in_clear(json.dumps(await cmf.ok("GET", f"{ENV}/statements/insert")).encode())
        for _ in range(20):
            await cmf.reconcile("pool-pool", NS)
            if (await cmf.ok("GET", f"{ENV}/compute-pools/pool"))["status"]["phase"] == "RUNNING":
                break
            cmf.harness.clock.advance(cmf.harness.last_delay or 1.0)
        await cmf.harness.reconcile_job_until(
            "stmt-insert", lambda j: j.status.job_status.state == "RUNNING", namespace=NS
        )
        submitted = [
            job.request.get("programArgsList") or []
            for cluster in cmf.runtime.clusters.values()
            for job in cluster.flink.jobs.values()
        ]
        assert len(submitted) == 1
        sent = submitted[0]
        assert "--setup-secret" not in sent
        assert any(PASSWORD in a and "CREATE TABLE `shop`" in a for a in sent)
        assert sent[-2:] == ["--statement", "INSERT INTO words SELECT 1"]
        assert sent.index(SOURCE) < sent.index("INSERT INTO words SELECT 1")
        await cmf.ok("DELETE", f"{ENV}/statements/insert", 204)
        with pytest.raises(NotFound):
            await cmf.store.get("Secret", NS, "stmt-insert-setup")
        await statement(cmf, "again", "INSERT INTO words SELECT 2")
    stored = database_bytes(tmp_path)
    assert b"stmt-again-setup" in stored  # the setup's Secret is there...
    assert not in_clear(stored)  # ...sealed, like every other copy of the password


async def test_a_dedicated_pools_cluster_reads_the_setup_from_its_secret(
    tmp_path: Path, sr_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(tmp_path / "home") as cmf:
        await kafka_environment(cmf, sr_url, "DEDICATED")
        await statement(cmf, "insert", "INSERT INTO words SELECT 1")
        cluster = await cmf.deployment("stmt-insert", NS)
        assert not in_clear(json.dumps(cluster).encode())
        container = cluster["spec"]["jobManager"]["podTemplate"]["spec"]["containers"][0]
        (env,) = [e for e in container["env"] if e["name"] == SETUP_ENV]
        ref = env["valueFrom"]["secretKeyRef"]
        secret = await cmf.store.get("Secret", NS, ref["name"])
        text = base64.b64decode(secret["data"][ref["key"]]).decode()
    monkeypatch.setenv(SETUP_ENV, text)  # as the kubelet (or the local runtime) sets it
    setup = setup_from_env(ref["name"])
    assert any(PASSWORD in s for s in setup)
    assert setup[-1] == SOURCE


async def test_a_missing_setup_secret_fails_the_submission_clearly(tmp_path: Path) -> None:
    async with serving(tmp_path / "home") as cmf:
        args = ("-pym", statement_jobs.RUNNER_MODULE, "--setup-secret", "stmt-x-setup")
        job = JobLaunch(jar_uri=None, entry_class=None, args=args, parallelism=1, job_id="0" * 32)
        with pytest.raises(NotFound, match="stmt-x-setup"):
            await with_setup(cmf.store, NS, job)
