"""Flink SQL on real Flink: a shared pool, detached and interactive statements, a dedicated pool.

One module-scoped shared pool (one session cluster) serves every test here
but the dedicated-pool one; the SQL session process the server starts is
stopped by pid at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flinkkit import ControlPlane, assert_exactly_once, wait_for

from scurry.testing.exactly_once import committed_ids

pytestmark = pytest.mark.flink

V1 = "/cmf/api/v1"
ENV, NS = "sql-env", "sql-test"
ENV_PATH = f"{V1}/environments/{ENV}"
CLUSTER = {
    "flinkVersion": "v2_3",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
    "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
    "taskManager": {"resource": {"memory": "1280m", "cpu": 0.5}},
}
CHECKPOINTS = {"execution.checkpointing.interval": "2 s"}
TIMEOUT = 240.0


def call(plane: ControlPlane, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    # Generous: the first statement may wait for the SQL session's JVM to start.
    response = httpx.request(method, f"{plane.url}{path}", timeout=180, **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def statement(name: str, sql: str, pool: str = "shared", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Statement",
        "metadata": {"name": name},
        "spec": {"statement": sql, "computePoolName": pool, **spec},
    }


def submit(plane: ControlPlane, name: str, sql: str, **spec: Any) -> Any:
    return call(plane, "POST", f"{ENV_PATH}/statements", json=statement(name, sql, **spec))


def phase_of(plane: ControlPlane, name: str, wanted: str, timeout: float = TIMEOUT) -> Any:
    def check() -> Any:
        found = call(plane, "GET", f"{ENV_PATH}/statements/{name}")
        assert found["status"]["phase"] != "FAILED" or wanted == "FAILED", found["status"]
        return found if found["status"]["phase"] == wanted else None

    return wait_for(f"statement {name} to be {wanted}", check, timeout)


def sequence_table(name: str, end: int, rate: int | None = None) -> str:
    options = {
        "connector": "datagen",
        "fields.id.kind": "sequence",
        "fields.id.start": "1",
        "fields.id.end": str(end),
        "number-of-rows": str(end),  # what makes the planner call the source bounded
    }
    if rate:
        options["rows-per-second"] = str(rate)
    listed = ", ".join(f"'{k}' = '{v}'" for k, v in options.items())
    return f"CREATE TABLE {name} (id BIGINT) WITH ({listed})"


def sink_table(name: str, path: Path) -> str:
    return (
        f"CREATE TABLE {name} (id BIGINT) WITH ('connector' = 'filesystem', "
        f"'path' = 'file://{path}', 'format' = 'csv')"
    )


@pytest.fixture(scope="module")
def sql_plane(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """The environment and its shared pool, RUNNING; the SQL session process stopped after."""
    body = {"name": ENV, "kubernetesNamespace": NS}
    call(control_plane, "POST", f"{V1}/environments", json=body)
    pool = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": "shared"},
        "spec": {"type": "SHARED", "clusterSpec": CLUSTER},
    }
    call(control_plane, "POST", f"{ENV_PATH}/compute-pools", json=pool)
    try:
        wait_for(
            "the shared pool to run",
            lambda: (
                call(control_plane, "GET", f"{ENV_PATH}/compute-pools/shared")["status"]["phase"]
                == "RUNNING"
            ),
            TIMEOUT,
        )
        yield control_plane
    finally:
        # Statements and pools go first, so that nothing starts the session process again.
        found = call(control_plane, "GET", f"{ENV_PATH}/statements", params={"size": 100})
        for item in found["items"]:
            call(control_plane, "DELETE", f"{ENV_PATH}/statements/{item['metadata']['name']}", 204)
        for pool_name in ("shared", "dedicated"):
            control_plane.api("DELETE", f"{ENV_PATH}/compute-pools/{pool_name}")
        endpoint = control_plane.home / "sql-session" / "endpoint.json"
        if endpoint.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(json.loads(endpoint.read_text())["pid"], signal.SIGTERM)


def test_a_syntax_error_fails_with_flinks_message(sql_plane: ControlPlane) -> None:
    failed = submit(sql_plane, "broken", "SELEC 1")
    assert failed["status"]["phase"] == "FAILED"
    assert "SQL parse failed" in failed["status"]["detail"]
    found = call(sql_plane, "GET", f"{ENV_PATH}/statements/broken/exceptions")
    assert found["data"][0]["message"] == failed["status"]["detail"]


def test_a_select_over_a_bounded_source_pages_through_every_row(sql_plane: ControlPlane) -> None:
    submit(sql_plane, "numbers", sequence_table("numbers", 750))
    made = submit(sql_plane, "select-numbers", "SELECT id FROM numbers")
    assert made["status"]["traits"]["isBounded"] is True
    assert made["status"]["traits"]["schema"]["columns"][0]["type"]["type"] == "BIGINT"
    rows: list[int] = []
    token: str | None = ""

    def next_page() -> bool:
        nonlocal token
        page = call(
            sql_plane,
            "GET",
            f"{ENV_PATH}/statements/select-numbers/results",
            params={"page-token": token},
        )
        rows.extend(int(r["row"][0]) for r in page["results"]["data"])
        token = page["metadata"]["annotations"].get("nextPageToken")
        return token is None

    wait_for("every row of the query", next_page, TIMEOUT)
    assert sorted(rows) == list(range(1, 751))
    phase_of(sql_plane, "select-numbers", "COMPLETED")
    call(
        sql_plane,
        "GET",
        f"{ENV_PATH}/statements/select-numbers/results",
        410,
        params={"page-token": "0"},
    )


def test_an_insert_is_stopped_resumed_rescaled_and_writes_exactly_once(
    sql_plane: ControlPlane, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    submit(sql_plane, "slow-ids", sequence_table("slow_ids", 1500, rate=100))
    submit(sql_plane, "id-sink", sink_table("id_sink", output))
    sql = "INSERT INTO id_sink SELECT id FROM slow_ids"
    made = submit(sql_plane, "copy-ids", sql, flinkConfiguration=CHECKPOINTS)
    assert made["status"]["traits"]["sqlKind"] == "INSERT_INTO"
    phase_of(sql_plane, "copy-ids", "RUNNING")
    wait_for("committed output", lambda: len(committed_ids(output)) > 0, TIMEOUT)
    body = statement("copy-ids", sql, flinkConfiguration=CHECKPOINTS, stopped=True)
    call(sql_plane, "PUT", f"{ENV_PATH}/statements/copy-ids", json=body)
    phase_of(sql_plane, "copy-ids", "STOPPED")
    body["spec"].update(stopped=False, parallelism=2)
    call(sql_plane, "PUT", f"{ENV_PATH}/statements/copy-ids", json=body)
    job = call(
        sql_plane,
        "GET",
        f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinksessionjobs/stmt-copy-ids",
    )
    assert job["spec"]["job"]["parallelism"] == 2
    phase_of(sql_plane, "copy-ids", "COMPLETED")
    restored = job.get("status", {}).get("jobStatus", {})
    assert restored is not None
    assert_exactly_once(committed_ids(output), max_runs=2)


def test_an_insert_on_a_dedicated_pool_runs_on_its_own_cluster(
    sql_plane: ControlPlane, tmp_path: Path
) -> None:
    pool = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": "dedicated"},
        "spec": {"type": "DEDICATED", "clusterSpec": CLUSTER},
    }
    call(sql_plane, "POST", f"{ENV_PATH}/compute-pools", json=pool)
    output = tmp_path / "dedicated"
    submit(sql_plane, "few-ids", sequence_table("few_ids", 200))
    submit(sql_plane, "few-sink", sink_table("few_sink", output))
    submit(
        sql_plane,
        "copy-few",
        "INSERT INTO few_sink SELECT id FROM few_ids",
        pool="dedicated",
        flinkConfiguration=CHECKPOINTS,
    )
    phase_of(sql_plane, "copy-few", "COMPLETED")
    assert (sql_plane.cluster_dir("stmt-copy-few", NS) / "state.json").exists()
    assert_exactly_once(committed_ids(output))


def test_a_sql_script_runs_as_an_application_in_fkos_sql_runner_form(
    sql_plane: ControlPlane, tmp_path: Path
) -> None:
    output = tmp_path / "scripted"
    scripts = sql_plane.home / "usrlib" / "sql-scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "copy.sql").write_text(
        "SET 'execution.checkpointing.interval' = '2 s';\n"
        f"{sequence_table('script_ids', 300)};\n"
        f"{sink_table('script_sink', output)};\n"
        "INSERT INTO script_sink SELECT id FROM script_ids;\n"
    )
    deployment = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "sql-script", "namespace": NS},
        "spec": {
            **CLUSTER,
            "job": {
                "jarURI": "local:///opt/flink/usrlib/sql-runner.jar",
                "args": ["/opt/flink/usrlib/sql-scripts/copy.sql"],
                "parallelism": 1,
                "upgradeMode": "stateless",
            },
        },
    }
    call(
        sql_plane,
        "POST",
        f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinkdeployments",
        201,
        json=deployment,
    )

    def finished() -> bool:
        status = sql_plane.deployment("sql-script", NS).get("status") or {}
        return (status.get("jobStatus") or {}).get("state") == "FINISHED"

    wait_for("the SQL script's job to finish", finished, TIMEOUT)
    assert_exactly_once(committed_ids(output))
    call(
        sql_plane,
        "DELETE",
        f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinkdeployments/sql-script",
        200,
    )
