"""State moving between job generations on real Flink, exactly-once checked every time."""

from __future__ import annotations

from typing import Any

import psutil
import pytest
from flinkkit import ControlPlane, assert_exactly_once, flink_pids, wait_for

from scurry.testing.exactly_once import committed_ids
from scurry.testing.faults import at_moment, kill_jobmanager, kill_taskmanager

pytestmark = pytest.mark.flink

PLURAL = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments"
MERGE = {"Content-Type": "application/merge-patch+json"}


def stateful_job(name: str, mode: str, *, parallelism: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": "2",
                "execution.checkpointing.interval": "1s",
            },
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": [
                    "-py",
                    "/opt/flink/usrlib/python_streaming.py",
                    "--rows-per-second",
                    "100",
                    "--end",
                    "500000",
                ],
                "parallelism": parallelism,
                "upgradeMode": mode,
            },
        },
    }


def create(plane: ControlPlane, manifest: dict[str, Any]) -> None:
    response = plane.api("POST", PLURAL, json=manifest)
    assert response.status_code == 201, response.text


def patch(plane: ControlPlane, name: str, spec: dict[str, Any]) -> None:
    response = plane.api("PATCH", f"{PLURAL}/{name}", json={"spec": spec}, headers=MERGE)
    assert response.status_code == 200, response.text


def output_ids(plane: ControlPlane, name: str) -> list[int]:
    return committed_ids(plane.cluster_dir(name) / "output")


def wait_output(plane: ControlPlane, name: str, more_than: int = 0) -> list[int]:
    ids: list[int] = wait_for(
        f"{name} to commit more than {more_than} ids",
        lambda: (ids := output_ids(plane, name)) and len(set(ids)) > more_than and ids,
    )
    return ids


def restored_from(plane: ControlPlane, name: str, job_id: str) -> str:
    with plane.flink(name) as flink:
        restored = flink.get(f"/jobs/{job_id}/checkpoints").json()["latest"]["restored"]
    path: str = restored["external_path"]
    return path


def delete(plane: ControlPlane, name: str) -> None:
    plane.api("DELETE", f"{PLURAL}/{name}")
    wait_for(f"{name} deleted", lambda: plane.api("GET", f"{PLURAL}/{name}").status_code == 404)


def test_savepoint_upgrade_changing_parallelism(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, stateful_job("sp-upgrade", "savepoint"))
    first = plane.wait_running("sp-upgrade")
    before = len(set(wait_output(plane, "sp-upgrade")))

    patch(plane, "sp-upgrade", {"job": {"parallelism": 2}})
    second = plane.wait_running("sp-upgrade", not_job=first)
    status = plane.status("sp-upgrade")
    savepoint = status["jobStatus"]["upgradeSavepointPath"]
    assert "savepoint-" in savepoint
    assert status["jobStatus"]["savepointInfo"]["lastSavepoint"]["triggerType"] == "UPGRADE"
    assert (
        restored_from(plane, "sp-upgrade", second)
        .rstrip("/")
        .endswith(savepoint.rsplit("/", 1)[-1])
    )
    with plane.flink("sp-upgrade") as flink:
        vertices = flink.get(f"/jobs/{second}").json()["vertices"]
    assert next(v for v in vertices if v["name"].startswith("Source"))["parallelism"] == 2

    ids = wait_output(plane, "sp-upgrade", more_than=before + 200)
    assert_exactly_once(ids, max_runs=2)  # after the rescale: one run per source subtask
    delete(plane, "sp-upgrade")


def test_last_state_upgrade_restores_the_latest_checkpoint(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, stateful_job("ls-upgrade", "last-state"))
    first = plane.wait_running("ls-upgrade")
    before = len(set(wait_output(plane, "ls-upgrade")))
    wait_for(
        "a retained checkpoint",
        lambda: list(
            (plane.cluster_dir("ls-upgrade") / "checkpoints" / first).glob("chk-*/_metadata")
        ),
    )

    patch(plane, "ls-upgrade", {"restartNonce": 1})
    second = plane.wait_running("ls-upgrade", not_job=first)
    source = restored_from(plane, "ls-upgrade", second)
    assert f"/{first}/chk-" in source
    ids = wait_output(plane, "ls-upgrade", more_than=before + 200)
    assert_exactly_once(ids)
    delete(plane, "ls-upgrade")


def test_killed_jobmanager_is_recovered_from_its_checkpoint(control_plane: ControlPlane) -> None:
    plane = control_plane
    create(plane, stateful_job("jm-kill", "last-state"))
    first = plane.wait_running("jm-kill")
    before = len(set(wait_output(plane, "jm-kill")))
    wait_for(
        "a retained checkpoint",
        lambda: list(
            (plane.cluster_dir("jm-kill") / "checkpoints" / first).glob("chk-*/_metadata")
        ),
    )
    old_tms = {r["pid"] for r in plane.cluster_state("jm-kill")["taskmanagers"].values()}

    kill_jobmanager(plane.home, "default", "jm-kill")
    second = plane.wait_running("jm-kill", not_job=first)
    assert f"/{first}/chk-" in restored_from(plane, "jm-kill", second)
    assert not any(psutil.pid_exists(pid) for pid in old_tms)  # fresh TaskManagers
    events = plane.api("GET", "/api/v1/namespaces/default/events").json()["items"]
    reasons = {e["reason"] for e in events if e["involvedObject"]["name"] == "jm-kill"}
    assert {"Missing", "RecoverDeployment"} <= reasons
    ids = wait_output(plane, "jm-kill", more_than=before + 200)
    assert_exactly_once(ids)
    delete(plane, "jm-kill")


def _trigger_recorded(plane: ControlPlane, name: str) -> bool:
    info = plane.status(name).get("jobStatus", {}).get("savepointInfo") or {}
    return bool(info.get("triggerId"))


def _upgrading(plane: ControlPlane, name: str) -> bool:
    return plane.status(name).get("reconciliationStatus", {}).get("state") == "UPGRADING"


def _redeploying(plane: ControlPlane, name: str, old_job: str) -> bool:
    status = plane.status(name)
    job_id = status.get("jobStatus", {}).get("jobId")
    return job_id not in (None, old_job) and status["jobStatus"].get("state") == "RECONCILING"


@pytest.mark.parametrize("moment", ["savepoint-triggered", "cluster-deleting", "redeploying"])
def test_control_plane_killed_during_a_savepoint_upgrade(
    control_plane: ControlPlane, moment: str
) -> None:
    """Killed at any step: the upgrade finishes with one cluster and the one savepoint."""
    plane = control_plane
    name = f"crash-{moment.split('-')[0]}"
    create(plane, stateful_job(name, "savepoint"))
    first = plane.wait_running(name)
    before = len(set(wait_output(plane, name)))

    conditions = {
        "savepoint-triggered": lambda: _trigger_recorded(plane, name),
        "cluster-deleting": lambda: _upgrading(plane, name),
        "redeploying": lambda: _redeploying(plane, name, first),
    }
    patch(plane, name, {"flinkConfiguration": {"pipeline.name": f"{name}-v2"}})
    at_moment(conditions[moment], lambda: plane.stop(kill=True))
    plane.start()

    second = plane.wait_running(name, not_job=first)
    savepoints = list((plane.cluster_dir(name) / "savepoints").glob("savepoint-*"))
    assert len(savepoints) == 1, savepoints
    assert restored_from(plane, name, second).rstrip("/").endswith(savepoints[0].name)
    state = plane.cluster_state(name)
    jvms = [state["jobmanager"], *state["taskmanagers"].values()]
    assert all(psutil.pid_exists(r["pid"]) for r in jvms)
    cluster_jvms = {
        pid
        for pid in flink_pids(plane.home)
        if any(f"/{name}/conf" in part for part in psutil.Process(pid).cmdline())
    }
    assert cluster_jvms == {r["pid"] for r in jvms}  # exactly one cluster, no leftovers
    ids = wait_output(plane, name, more_than=before + 100)
    assert_exactly_once(ids)
    delete(plane, name)


SNAPSHOTS = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkstatesnapshots"


def test_state_snapshot_completes_and_its_deletion_disposes_the_files(
    control_plane: ControlPlane,
) -> None:
    plane = control_plane
    create(plane, stateful_job("snap", "savepoint"))
    plane.wait_running("snap")
    snapshot = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkStateSnapshot",
        "metadata": {"name": "snap-manual"},
        "spec": {
            "jobReference": {"kind": "FlinkDeployment", "name": "snap"},
            "savepoint": {"disposeOnDelete": True},
        },
    }
    response = plane.api("POST", SNAPSHOTS, json=snapshot)
    assert response.status_code == 201, response.text

    def completed() -> str | None:
        status = plane.api("GET", f"{SNAPSHOTS}/snap-manual").json().get("status") or {}
        return status.get("path") if status.get("state") == "COMPLETED" else None

    path: str = wait_for("the savepoint", completed)
    directory = plane.cluster_dir("snap") / "savepoints" / path.rstrip("/").rsplit("/", 1)[-1]
    assert (directory / "_metadata").is_file()
    labels = plane.api("GET", f"{SNAPSHOTS}/snap-manual").json()["metadata"]["labels"]
    assert labels["snapshot.state"] == "COMPLETED"

    assert plane.api("DELETE", f"{SNAPSHOTS}/snap-manual").status_code == 200
    wait_for(
        "the snapshot to go",
        lambda: plane.api("GET", f"{SNAPSHOTS}/snap-manual").status_code == 404,
    )
    assert not directory.exists()
    delete(plane, "snap")


def test_a_short_run_of_random_faults_keeps_output_exactly_once(
    control_plane: ControlPlane,
) -> None:
    """TaskManager, JobManager and control plane killed in turn; the chaos soak in
    bench/chaos.py does the same for many rounds."""
    plane = control_plane
    create(plane, stateful_job("chaos", "last-state"))
    job = plane.wait_running("chaos")
    count = len(set(wait_output(plane, "chaos")))
    checkpoints = plane.cluster_dir("chaos") / "checkpoints"
    faults = [
        lambda: kill_taskmanager(plane.home, "default", "chaos"),
        lambda: kill_jobmanager(plane.home, "default", "chaos"),
        lambda: plane.restart(kill=True),
    ]
    for fault in faults:
        pattern = f"{job}/chk-*/_metadata"
        wait_for("a retained checkpoint", lambda pattern=pattern: list(checkpoints.glob(pattern)))
        fault()
        job = plane.wait_running("chaos")
        count = len(set(wait_output(plane, "chaos", more_than=count + 50)))
        assert_exactly_once(output_ids(plane, "chaos"))
    delete(plane, "chaos")
