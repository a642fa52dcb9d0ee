"""Application deployments on real Flink JVMs, through the real API, controller and runtime."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import psutil
import pytest
from flinkkit import (
    EXAMPLES,
    ControlPlane,
    assert_exactly_once,
    build_java_job,
    flink_pids,
    wait_for,
)

from scurry.testing.exactly_once import committed_ids

pytestmark = pytest.mark.flink

PLURAL = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments"
LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1", "::1"}


def python_job(name: str, *, parallelism: int = 1, rows_per_second: int = 50) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": "1",
                "execution.checkpointing.interval": "2s",
            },
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": [
                    "-pyclientexec", "/usr/bin/python3",
                    "-py", "/opt/flink/usrlib/python_streaming.py",
                    "--rows-per-second", str(rows_per_second), "--end", "500000",
                ],
                "parallelism": parallelism,
                "upgradeMode": "stateless",
            },
        },
    }  # fmt: skip


def create(plane: ControlPlane, manifest: dict[str, Any]) -> None:
    response = plane.api("POST", PLURAL, json=manifest)
    assert response.status_code == 201, response.text


def patch_job(plane: ControlPlane, name: str, **job: Any) -> None:
    response = plane.api(
        "PATCH", f"{PLURAL}/{name}", json={"spec": {"job": job}},
        headers={"Content-Type": "application/merge-patch+json"},
    )  # fmt: skip
    assert response.status_code == 200, response.text


def delete(plane: ControlPlane, name: str) -> None:
    plane.api("DELETE", f"{PLURAL}/{name}")
    wait_for(
        f"{name} to be deleted", lambda: plane.api("GET", f"{PLURAL}/{name}").status_code == 404
    )


def cluster_processes(plane: ControlPlane, name: str) -> set[int]:
    state = plane.cluster_state(name)
    records = [state["jobmanager"], *state["taskmanagers"].values()]
    return {r["pid"] for r in records if r and psutil.pid_exists(r["pid"])}


def test_quickstart_example_runs_and_commits_output(control_plane: ControlPlane) -> None:
    plane = control_plane
    assert plane.cli("apply", "-f", str(EXAMPLES / "deployment.yaml")) == 0
    job_id = plane.wait_running("quickstart")
    status = plane.status("quickstart")
    assert status["lifecycleState"] in ("DEPLOYED", "STABLE")
    assert status["clusterInfo"]["flink-version"] == "2.3.0"
    output = plane.cluster_dir("quickstart") / "output"
    ids = wait_for("committed output", lambda: committed_ids(output) if output.exists() else None)
    assert_exactly_once(ids)
    assert wait_for("STABLE", lambda: plane.status("quickstart")["lifecycleState"] == "STABLE")
    assert plane.status("quickstart")["jobStatus"]["jobId"] == job_id
    delete(plane, "quickstart")


def test_java_jar_job_runs(control_plane: ControlPlane, tmp_path: Path) -> None:
    plane = control_plane
    jar = build_java_job(tmp_path / "tiny-job.jar")
    manifest = python_job("java-job")
    manifest["spec"]["job"] = {
        "jarURI": jar.as_uri(), "entryClass": "TinyJob", "args": ["tiny-java"],
        "parallelism": 1, "upgradeMode": "stateless",
    }  # fmt: skip
    create(plane, manifest)
    job_id = plane.wait_running("java-job")
    with plane.flink("java-job") as flink:
        assert flink.get(f"/jobs/{job_id}").json()["name"] == "tiny-java"
    delete(plane, "java-job")


def test_suspend_resume_and_stateless_upgrade(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, python_job("upgrades"))
    first = plane.wait_running("upgrades")
    jvms = cluster_processes(plane, "upgrades")
    assert len(jvms) == 2

    patch_job(plane, "upgrades", state="suspended")
    wait_for("SUSPENDED", lambda: plane.status("upgrades")["lifecycleState"] == "SUSPENDED")
    wait_for("its JVMs to exit", lambda: not any(psutil.pid_exists(p) for p in jvms))

    patch_job(plane, "upgrades", state="running")
    second = plane.wait_running("upgrades", not_job=first)
    assert second != first

    patch_job(plane, "upgrades", parallelism=2)
    third = plane.wait_running("upgrades", not_job=second)
    with plane.flink("upgrades") as flink:
        vertices = flink.get(f"/jobs/{third}").json()["vertices"]
        source = next(v for v in vertices if v["name"].startswith("Source"))
        assert source["parallelism"] == 2  # the file sink's committer stays at 1
        assert len(flink.get("/taskmanagers").json()["taskmanagers"]) == 2
    status = wait_for("STABLE", lambda: plane.status("upgrades"))
    assert status["observedGeneration"] == 4
    delete(plane, "upgrades")


def test_killed_taskmanager_is_replaced(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, python_job("tm-kill"))
    job_id = plane.wait_running("tm-kill")
    victim = plane.cluster_state("tm-kill")["taskmanagers"]["0"]["pid"]
    os.kill(victim, signal.SIGKILL)

    def replaced() -> bool:
        record = plane.cluster_state("tm-kill")["taskmanagers"]["0"]
        return record["pid"] != victim and psutil.pid_exists(record["pid"])

    wait_for("a new TaskManager", replaced)
    with plane.flink("tm-kill") as flink:
        wait_for("the job to restart", lambda: flink.get(f"/jobs/{job_id}/exceptions").json()
                 ["exceptionHistory"]["entries"])  # fmt: skip
    assert plane.wait_running("tm-kill") == job_id  # the same job, restored by Flink
    output = plane.cluster_dir("tm-kill") / "output"
    wait_for("output after recovery", lambda: len(committed_ids(output)) > 0)
    assert_exactly_once(committed_ids(output))
    delete(plane, "tm-kill")


def test_restarted_control_plane_readopts_running_jobs(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, python_job("readopt"))
    job_id = plane.wait_running("readopt")
    before = flink_pids(plane.home)

    plane.restart(kill=True)
    wait_for(
        "the controller to observe again",
        lambda: plane.status("readopt")["jobStatus"]["state"] == "RUNNING",
    )
    patch_job(plane, "readopt", allowNonRestoredState=True)  # an ignored change: no restart
    wait_for("generation 2 observed", lambda: plane.status("readopt")["observedGeneration"] == 2)
    assert plane.status("readopt")["jobStatus"]["jobId"] == job_id
    assert flink_pids(plane.home) == before  # no JVM started, none lost
    delete(plane, "readopt")


def test_flink_listens_on_loopback_only(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, python_job("loopback"))
    plane.wait_running("loopback")
    pids = cluster_processes(plane, "loopback")
    listening = [
        conn.laddr
        for pid in pids
        for conn in psutil.Process(pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert len(listening) >= 4  # REST, RPC, blob, TM data/RPC at least
    assert {addr.ip for addr in listening} <= LOOPBACK, listening
    delete(plane, "loopback")


def test_bad_manifests_change_nothing(control_plane: ControlPlane, tmp_path: Path) -> None:
    plane = control_plane
    missing = python_job("missing-artifact")
    missing["spec"]["job"]["jarURI"] = "file:///nonexistent/job.jar"
    response = plane.api("POST", PLURAL, json=missing)
    assert response.status_code == 422
    assert "does not exist" in response.json()["errors"][0]["message"]
    assert plane.api("GET", f"{PLURAL}/missing-artifact").status_code == 404
    assert not plane.cluster_dir("missing-artifact").exists()

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata:\n  name: Bad_Name\n"
    )
    assert plane.cli("apply", "-f", str(bad)) != 0
    assert plane.api("GET", f"{PLURAL}/Bad_Name").status_code in (400, 404)
