"""The autoscaler on real Flink: a FLIP-27 data-generator source whose rate is raised
gets its saturated vertex scaled up in place (adaptive scheduler), and scaled down
when the rate drops, with exactly-once output throughout.

The windows are shortened so the test runs in minutes (FKO's defaults are 15 min of
metrics after 5 min of stabilisation, and an hour before a scale-down):
metrics.window 30 s, stabilization.interval 10 s, scale-down.interval 10 s,
restart.time 5 s, catch-up.duration 60 s; the adaptive scheduler's cooldown 5 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flinkkit import ControlPlane, assert_exactly_once, build_java_job, wait_for

from scurry.testing.exactly_once import check_sequence, committed_ids

pytestmark = pytest.mark.flink

PLURAL = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments"
NAME = "autoscaled"
JOB_SOURCE = Path(__file__).parent / "jobs" / "RateControlledJob.java"
SHORT_WINDOWS = {
    "job.autoscaler.enabled": "true",
    "job.autoscaler.metrics.window": "30 s",
    "job.autoscaler.stabilization.interval": "10 s",
    "job.autoscaler.scale-down.interval": "10 s",
    "job.autoscaler.restart.time": "5 s",
    "job.autoscaler.catch-up.duration": "60 s",
}


def manifest(control: Path, output: Path) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": "4",
                "execution.checkpointing.interval": "2s",
                "jobmanager.scheduler": "adaptive",
                "jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling": "5 s",
                **SHORT_WINDOWS,
            },
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
            "job": {
                "jarURI": "local:///opt/flink/usrlib/rate-job.jar",
                "entryClass": "RateControlledJob",
                "args": [str(control), str(output)],
                "parallelism": 1,
                "upgradeMode": "last-state",
            },
        },
    }


def work_parallelism(plane: ControlPlane) -> int:
    job_id = plane.status(NAME)["jobStatus"]["jobId"]
    with plane.flink(NAME) as flink:
        details = flink.get(f"/jobs/{job_id}").json()
    if details.get("state") != "RUNNING":
        return -1
    (work,) = [v for v in details["vertices"] if "work" in v["name"]]
    return int(work["parallelism"])


def set_rate(control: Path, rate: int) -> None:
    staged = control.with_suffix(".tmp")
    staged.write_text(str(rate))
    staged.replace(control)


def test_rate_up_scales_up_rate_down_scales_down(control_plane: ControlPlane) -> None:
    plane = control_plane
    build_java_job(plane.home / "usrlib" / "rate-job.jar", JOB_SOURCE)
    control, output = plane.home / "rate.txt", plane.home / "autoscaled-output"
    set_rate(control, 40)
    assert plane.api("POST", PLURAL, json=manifest(control, output)).status_code == 201
    plane.wait_running(NAME)

    # About 4 ms of CPU per record: one subtask of "work" handles at most ~250/s.
    set_rate(control, 400)
    scaled_up = wait_for("a scale-up", lambda: (p := work_parallelism(plane)) > 1 and p, 300)
    before = len(set(committed_ids(output)))

    set_rate(control, 20)
    wait_for("a scale-down", lambda: 0 < work_parallelism(plane) < scaled_up, 300)

    # One source subtask emits 1, 2, ... and every checkpoint commits all before it, so
    # once a single sink subtask has committed past the rescales, the ids are 1..N once.
    def settled() -> list[int] | None:
        ids = committed_ids(output)
        report = check_sequence(ids)
        return ids if len(report.runs) == 1 and report.count > before else None

    ids = wait_for("exactly-once output after the rescales", settled, 90)
    assert_exactly_once(ids)
    events = plane.api("GET", "/api/v1/namespaces/default/events").json()
    reasons = {e["reason"] for e in events.get("items", []) if e["involvedObject"]["name"] == NAME}
    assert {"ScalingReport", "Scaling"} <= reasons
    plane.api("DELETE", f"{PLURAL}/{NAME}")
