"""Pod template env/envFrom on real Flink JVMs: the seed pattern from ConfigMap and Secret.

`scurry apply -f` takes the ConfigMap, the Secret and the FlinkDeployment of
examples/environment; the variables must be in the environment of the
JobManager and TaskManager processes the runtime recorded (read from
/proc/<pid>/environ), and the Secret's value nowhere in the database file.
"""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from flinkkit import ControlPlane, wait_for

pytestmark = pytest.mark.flink

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "environment" / "app-environment.yaml"
NAME = "app-environment"
EXPECTED = {
    "KAFKA_BOOTSTRAP_SERVERS": "broker-1:9092",
    "APP_MODE": "staging",
    "DB_PASSWORD": "change-me",
    "JDBC_URL": "jdbc:postgresql://db/app?mode=staging",
}


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {key.decode(): value.decode() for key, value in pairs}


def live_pids(plane: ControlPlane) -> list[int]:
    """JobManager and TaskManager PIDs as the runtime recorded them, once all are up."""
    state = plane.cluster_state(NAME)
    records = [state.get("jobmanager"), *state.get("taskmanagers", {}).values()]
    pids = [r["pid"] for r in records if r]
    return pids if len(pids) == 2 and all(psutil.pid_exists(p) for p in pids) else []


def test_config_map_and_secret_reach_the_jvms(control_plane: ControlPlane) -> None:
    plane = control_plane
    assert plane.cli("apply", "-f", str(EXAMPLE)) == 0
    try:
        wait_for(
            "the JobManager",
            lambda: plane.status(NAME).get("jobManagerDeploymentStatus") == "READY",
            300,
        )
        pids = wait_for("the JobManager and the TaskManager", lambda: live_pids(plane), 120)

        for pid in pids:
            environment = environment_of(pid)
            assert {k: environment.get(k) for k in EXPECTED} == EXPECTED, pid
            assert not any(key.startswith("OPT_") for key in environment)
        database = (plane.home / "scurry.db").read_bytes()
        wal = plane.home / "scurry.db-wal"
        stored = database + (wal.read_bytes() if wal.exists() else b"")
        assert b"change-me" not in stored
    finally:
        assert plane.cli("delete", "-f", str(EXAMPLE), "--wait", "--timeout", "3m") == 0
