"""Compute pools and statements through the CMF API, on the fake runtime and SQL engine."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cmfkit import V1, Cmf
from scurry.testing.fake_sql import FakeSqlEngine

ENV = f"{V1}/environments/prod"
NS = "flink-prod"
CLUSTER = {
    "flinkVersion": "v1_19",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
    "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
}
SOURCE = (
    "CREATE TABLE words (id BIGINT, word STRING) WITH ('connector' = 'datagen', "
    "'number-of-rows' = '5')"
)


def pool(name: str = "shared", kind: str = "SHARED", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": name},
        "spec": {"type": kind, "clusterSpec": CLUSTER, **spec},
    }


def statement(name: str, sql: str, pool_name: str = "shared", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Statement",
        "metadata": {"name": name},
        "spec": {"statement": sql, "computePoolName": pool_name, **spec},
    }


@pytest.fixture
def engine(cmf: Cmf) -> FakeSqlEngine:
    fake = FakeSqlEngine(rows_of={"words": [[i, f"w{i}"] for i in range(1, 251)]})
    cmf.container.sql = fake
    return fake


async def start(cmf: Cmf, **env: Any) -> None:
    await cmf.environment(**env)
    await cmf.ok("POST", f"{ENV}/compute-pools", json=pool())


async def pool_ready(cmf: Cmf, name: str = "shared") -> None:
    """Play the controller until the pool's session cluster serves."""
    for _ in range(20):
        await cmf.reconcile(f"pool-{name}", NS)
        found = await cmf.ok("GET", f"{ENV}/compute-pools/{name}")
        if found["status"]["phase"] == "RUNNING":
            return
        cmf.harness.clock.advance(cmf.harness.last_delay or 1.0)
    raise AssertionError(f"compute pool {name} did not become RUNNING")


async def run(cmf: Cmf, name: str, sql: str, **spec: Any) -> Any:
    return await cmf.ok("POST", f"{ENV}/statements", json=statement(name, sql, **spec))


async def test_a_shared_pool_owns_a_session_cluster_with_the_environment_defaults(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    defaults = {"spec": {"clusterSpec": {"flinkConfiguration": {"state.backend.type": "rocksdb"}}}}
    await start(cmf, computePoolDefaults=defaults)
    cluster = await cmf.deployment("pool-shared", NS)
    assert "job" not in cluster["spec"]
    assert cluster["spec"]["flinkConfiguration"] == {
        "taskmanager.numberOfTaskSlots": "2",
        "state.backend.type": "rocksdb",
    }
    described = await cmf.ok("GET", f"{ENV}/compute-pools/shared")
    assert described["status"]["phase"] == "PENDING"
    await pool_ready(cmf)
    listed = await cmf.ok("GET", f"{ENV}/compute-pools")
    assert [p["metadata"]["name"] for p in listed["items"]] == ["shared"]


async def test_a_dedicated_pool_has_no_cluster_and_refuses_a_state(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await cmf.environment()
    made = await cmf.ok("POST", f"{ENV}/compute-pools", json=pool("mine", "DEDICATED"))
    assert made["status"]["phase"] == "DEDICATED"
    message = await cmf.error(
        "POST", f"{ENV}/compute-pools", 422, json=pool("other", "DEDICATED", state="RUNNING")
    )
    assert "spec.state" in message
    assert await cmf.store.list("FlinkDeployment", NS) == []


async def test_a_syntax_error_is_a_failed_statement_with_flinks_message(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    failed = await run(cmf, "broken", "SELEC 1")
    assert failed["status"]["phase"] == "FAILED"
    assert "SQL parse failed" in failed["status"]["detail"]
    found = await cmf.ok("GET", f"{ENV}/statements/broken/exceptions")
    assert [e["message"] for e in found["data"]] == [failed["status"]["detail"]]
    unknown = await run(cmf, "unknown", "SELECT * FROM nowhere")
    assert "Object 'nowhere' not found" in unknown["status"]["detail"]
    counted = (await cmf.ok("GET", f"{V1}/resource-information"))["status"]["resources"]
    assert (counted["computePools"], counted["statements"]) == (1, {"FAILED": 2})


async def test_a_statement_naming_a_missing_pool_is_refused_and_nothing_is_stored(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    body = statement("orphan", "SELECT 1", pool_name="nope")
    message = await cmf.error("POST", f"{ENV}/statements", 422, json=body)
    assert "spec.computePoolName" in message
    assert "nope" in message
    await cmf.error("GET", f"{ENV}/statements/orphan", 404)


async def test_ddl_persists_in_the_environments_catalog_for_later_statements(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    created = await run(cmf, "create-words", SOURCE)
    assert created["status"]["phase"] == "COMPLETED"
    assert created["status"]["traits"]["sqlKind"] == "CREATE_TABLE"
    shown = await run(cmf, "show-tables", "SHOW TABLES")
    assert shown["status"]["phase"] == "COMPLETED"
    result = await cmf.ok("GET", f"{ENV}/statements/show-tables/results")
    assert result["results"]["data"] == [{"op": 0, "row": ["words"]}]
    dropped = await run(cmf, "drop-words", "DROP TABLE words")
    assert dropped["status"]["phase"] == "COMPLETED"
    gone = await run(cmf, "after", "SELECT * FROM words")
    assert gone["status"]["phase"] == "FAILED"


async def test_a_ddl_statement_on_a_kafka_catalog_fails_as_read_only(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    failed = await run(cmf, "read-only", "CREATE TABLE kafka.cluster.t (a INT)")
    assert failed["status"]["phase"] == "FAILED"
    assert "read-only" in failed["status"]["detail"]


async def test_a_select_waits_for_the_pool_then_pages_through_every_row(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    await run(cmf, "create-words", SOURCE)
    query = await run(cmf, "query", "SELECT * FROM words")
    assert query["status"]["phase"] == "PENDING"
    traits = query["status"]["traits"]
    assert traits["sqlKind"] == "SELECT"
    assert traits["isBounded"] is True
    assert traits["schema"]["columns"][0] == {
        "name": "id",
        "type": {"type": "BIGINT", "nullable": False},
    }
    waiting = await cmf.ok("GET", f"{ENV}/statements/query/results")
    assert waiting["results"]["data"] == []
    await pool_ready(cmf)
    rows: list[Any] = []
    token: str | None = ""
    while token is not None:
        page = await cmf.ok("GET", f"{ENV}/statements/query/results", params={"page-token": token})
        rows += page["results"]["data"]
        token = page["metadata"]["annotations"].get("nextPageToken")
    assert [r["row"][0] for r in rows] == list(range(1, 251))
    assert (await cmf.ok("GET", f"{ENV}/statements/query"))["status"]["phase"] == "COMPLETED"
    message = await cmf.error(
        "GET", f"{ENV}/statements/query/results", 410, params={"page-token": "0"}
    )
    assert "dropped" in message


async def test_an_insert_is_a_session_job_stopped_resumed_and_rescaled_by_put(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf, statementDefaults={"detached": {"flinkConfiguration": {"k": "v"}}})
    await run(cmf, "create-words", SOURCE)
    sql = "INSERT INTO sink SELECT * FROM words"
    made = await run(cmf, "insert", sql, properties={"sql.current-database": "db"})
    assert made["status"]["traits"]["sqlKind"] == "INSERT_INTO"
    job = await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
    assert job["spec"]["deploymentName"] == "pool-shared"
    args = job["spec"]["job"]["args"]
    assert args[:4] == ["-pym", "scurry.sqlrunner.script", "--setup-secret", "stmt-insert-setup"]
    assert args[5::2] == ["SET 'k' = 'v'", "USE `db`", sql]
    setup = await cmf.store.get("Secret", NS, "stmt-insert-setup")
    assert SOURCE in base64.b64decode(setup["data"]["setup.json"]).decode()
    await pool_ready(cmf)
    await cmf.harness.reconcile_job_until(
        "stmt-insert", lambda j: j.status.job_status.state == "RUNNING", namespace=NS
    )
    running = await cmf.ok("GET", f"{ENV}/statements/insert")
    assert running["status"]["phase"] == "RUNNING"
    stop = statement("insert", sql, properties={"sql.current-database": "db"}, stopped=True)
    await cmf.ok("PUT", f"{ENV}/statements/insert", json=stop)
    job = await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
    assert job["spec"]["job"]["state"] == "suspended"
    assert job["spec"]["job"]["upgradeMode"] == "savepoint"
    rescale = {**stop, "spec": {**stop["spec"], "stopped": False, "parallelism": 2}}
    await cmf.ok("PUT", f"{ENV}/statements/insert", json=rescale)
    job = await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
    assert (job["spec"]["job"]["state"], job["spec"]["job"]["parallelism"]) == ("running", 2)
    changed = {**rescale, "spec": {**rescale["spec"], "statement": "INSERT INTO x SELECT 1"}}
    message = await cmf.error("PUT", f"{ENV}/statements/insert", 422, json=changed)
    assert "spec.statement" in message


async def test_a_pool_in_use_cannot_be_deleted(cmf: Cmf, engine: FakeSqlEngine) -> None:
    await start(cmf)
    await run(cmf, "create-words", SOURCE)
    await run(cmf, "insert", "INSERT INTO sink SELECT * FROM words")
    message = await cmf.error("DELETE", f"{ENV}/compute-pools/shared", 409)
    assert "ins" in message
    await cmf.ok("DELETE", f"{ENV}/statements/insert", 204)
    await cmf.error("GET", f"{ENV}/statements/insert", 404)
    with pytest.raises(Exception, match="not found"):
        await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
    for name in ("create-words",):
        await cmf.ok("DELETE", f"{ENV}/statements/{name}", 204)
    await cmf.ok("DELETE", f"{ENV}/compute-pools/shared", 204)
    await cmf.error("GET", f"{ENV}/compute-pools/shared", 404)


async def test_statements_list_filters_by_pool_and_phase(cmf: Cmf, engine: FakeSqlEngine) -> None:
    await start(cmf)
    await run(cmf, "broken", "SELEC 1")
    await run(cmf, "create-words", SOURCE)
    failed = await cmf.ok("GET", f"{ENV}/statements", params={"phase": "failed"})
    assert [s["metadata"]["name"] for s in failed["items"]] == ["broken"]
    other = await cmf.ok("GET", f"{ENV}/statements", params={"compute-pool": "other"})
    assert other["items"] == []


async def test_an_insert_on_a_dedicated_pool_gets_its_own_application_cluster(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await cmf.environment()
    await cmf.ok("POST", f"{ENV}/compute-pools", json=pool("mine", "DEDICATED"))
    await run(cmf, "create-words", SOURCE, computePoolName="mine")
    await cmf.ok(
        "POST",
        f"{ENV}/statements",
        json=statement("insert", "INSERT INTO sink SELECT * FROM words", pool_name="mine"),
    )
    cluster = await cmf.deployment("stmt-insert", NS)
    assert cluster["spec"]["job"]["entryClass"] == "org.apache.flink.client.python.PythonDriver"
    assert cluster["spec"]["flinkConfiguration"]["taskmanager.numberOfTaskSlots"] == "2"


async def test_an_inserts_savepoints_are_snapshots_of_its_job(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    await run(cmf, "create-words", SOURCE)
    await run(cmf, "insert", "INSERT INTO sink SELECT * FROM words")
    path = f"{ENV}/statements/insert/savepoints"
    made = await cmf.ok("POST", path, 201, json={"metadata": {"name": "before-upgrade"}})
    assert made["status"]["state"] == "TRIGGER_PENDING"
    snapshot = await cmf.store.get("FlinkStateSnapshot", NS, "before-upgrade")
    assert snapshot["spec"]["jobReference"] == {"kind": "FlinkSessionJob", "name": "stmt-insert"}
    listed = await cmf.ok("GET", path)
    assert [s["metadata"]["name"] for s in listed["items"]] == ["before-upgrade"]
    message = await cmf.error("POST", f"{ENV}/statements/create-words/savepoints", 404, json={})
    assert "only INSERT statements" in message
    await cmf.ok("DELETE", f"{path}/before-upgrade", 204)


async def test_a_query_on_a_dedicated_pool_gets_a_session_cluster_until_it_completes(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await cmf.environment()
    await cmf.ok("POST", f"{ENV}/compute-pools", json=pool("mine", "DEDICATED"))
    await run(cmf, "create-words", SOURCE, computePoolName="mine")
    made = await run(cmf, "query", "SELECT * FROM words", computePoolName="mine")
    assert made["status"]["phase"] == "PENDING"
    cluster = await cmf.deployment("stmt-query", NS)
    assert "job" not in cluster["spec"]
    for _ in range(20):
        await cmf.reconcile("stmt-query", NS)
        found = await cmf.ok("GET", f"{ENV}/statements/query")
        if found["status"]["phase"] == "COMPLETED":
            break
        cmf.harness.clock.advance(cmf.harness.last_delay or 1.0)
    assert found["status"]["phase"] == "COMPLETED"
    page = await cmf.ok("GET", f"{ENV}/statements/query/results")
    assert len(page["results"]["data"]) == 100
    deleted = await cmf.store.get("FlinkDeployment", NS, "stmt-query")
    assert deleted["metadata"].get("deletionTimestamp")


async def test_an_acknowledged_insert_whose_job_was_never_written_gets_it(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    await run(cmf, "create-words", SOURCE)
    await run(cmf, "insert", "INSERT INTO sink SELECT * FROM words")
    await cmf.store.delete("FlinkSessionJob", NS, "stmt-insert")  # as if the server died
    found = await cmf.ok("GET", f"{ENV}/statements/insert")
    assert found["status"]["phase"] == "PENDING"
    job = await cmf.store.get("FlinkSessionJob", NS, "stmt-insert")
    assert job["spec"]["job"]["args"][-1] == "INSERT INTO sink SELECT * FROM words"


async def test_sparse_fields_keep_what_the_spec_requires_of_pools_and_statements(
    cmf: Cmf, engine: FakeSqlEngine
) -> None:
    await start(cmf)
    await run(cmf, "one-query", "SELECT 1")
    pools = await cmf.ok("GET", f"{ENV}/compute-pools", params={"fields": "metadata.labels"})
    [shown] = pools["items"]
    assert shown["spec"]["type"] == "SHARED"
    assert shown["spec"]["clusterSpec"] == CLUSTER
    assert shown["status"]["phase"]
    stmts = await cmf.ok("GET", f"{ENV}/statements", params={"fields": "nothing.here"})
    [listed] = stmts["items"]
    assert listed["spec"] == {"statement": "SELECT 1", "computePoolName": "shared"}
    assert listed["status"]["phase"]
    assert listed["metadata"] == {"name": "one-query"}
