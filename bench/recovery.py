"""Recovery from kill -9 of a TaskManager and of a JobManager: scurry over Flink by hand.

TaskManager: the floor is Flink's own restart on a hand-started session cluster, with
a new TaskManager started by the bench right after the kill; measured is scurry's
supervision after `scurry.testing.faults.kill_taskmanager`. Both are timed from the
kill until the same job runs all its tasks again (restarted after the kill).
JobManager: the floor is what a human does without HA (kill the TaskManagers, start
a new JobManager and TaskManager, upload the jar, resubmit from the highest retained
`chk-N` with `_metadata`); measured is scurry's unattended recovery after
`kill_jobmanager`. Both are timed from the kill until a new job runs all its tasks.
Both run the same Flink configuration (scurry's local defaults: heartbeat 2 s/10 s,
exponential-delay restarts, retained checkpoints). Each round runs the floor on a
fresh cluster, then scurry on a fresh deployment (one cluster at a time; scurry's
server stays up). Committed output is checked for exactly-once after every recovery.

    .venv/bin/python bench/recovery.py --rounds 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bareflink import BareCluster, all_tasks_running, latest_checkpoint, poll, restored_from
from benchkit import (
    FLINK_CONFIG,
    MEMORY,
    WAIT,
    ControlPlane,
    checked,
    deployment,
    exactly_once,
    floor_args,
    median_line,
    workspace,
)

from scurry.testing.faults import kill_jobmanager, kill_taskmanager

NAME = "recovery"


def checkpoint_of(checkpoints: Path, job_id: str) -> Path:
    found: Path = poll(
        f"a retained checkpoint of {job_id}",
        lambda: latest_checkpoint(checkpoints, job_id),
        WAIT,
        every=0.2,
    )
    return found


class Floor:
    """The job on a hand-started session cluster, recovered by hand."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir()
        self.cluster = BareCluster(workdir, {**MEMORY, **FLINK_CONFIG}, stateful=True)
        self.output, self.args = workdir / "output", floor_args(workdir)

    def start(self) -> None:
        cluster = self.cluster
        cluster.start("jm")
        cluster.start("tm")
        cluster.wait_rest()
        self.job_id = cluster.submit(cluster.upload_jar(), self.args)
        poll("the floor job", lambda: all_tasks_running(cluster.rest, self.job_id), WAIT)
        self.count, _ = exactly_once(self.output)

    def tm_kill(self) -> float:
        """kill -9 the TaskManager and start a new one at once; Flink restarts the job."""
        cluster, job_id = self.cluster, self.job_id
        checkpoint_of(cluster.checkpoints, job_id)
        kill_ms, started = time.time() * 1000, time.monotonic()
        cluster.kill(cluster.tms[0])
        cluster.start("tm")
        poll("the job to restart", lambda: all_tasks_running(cluster.rest, job_id, kill_ms), WAIT)
        return time.monotonic() - started

    def jm_kill(self) -> float:
        """kill -9 the JobManager; by hand: kill the TMs, new JM + TM, resubmit from chk-N."""
        cluster, old = self.cluster, self.job_id
        checkpoint_of(cluster.checkpoints, old)
        started = time.monotonic()
        assert cluster.jm is not None
        for proc in [cluster.jm, *cluster.tms]:
            cluster.kill(proc)
        cluster.start("jm")
        cluster.start("tm")
        cluster.wait_rest()
        chk = latest_checkpoint(cluster.checkpoints, old)
        assert chk is not None
        self.job_id = cluster.submit(cluster.upload_jar(), self.args, chk.as_uri())
        poll("the resubmitted job", lambda: all_tasks_running(cluster.rest, self.job_id), WAIT)
        took = time.monotonic() - started
        print(f"floor JM kill: resubmitted from {old}/{chk.name}")
        return took


class Scurry:
    """The same job as a FlinkDeployment (upgradeMode last-state) on a control plane."""

    def __init__(self, plane: ControlPlane, name: str) -> None:
        self.plane, self.name = plane, name
        self.output = plane.cluster_dir(name) / "output"
        self.checkpoints = plane.cluster_dir(name) / "checkpoints"
        self.problems: list[str] = []

    def start(self) -> None:
        self.plane.create(deployment(self.name, "last-state"))
        self.job_id = poll("the scurry job", lambda: self.plane.flink_running(self.name), WAIT)
        self.count, _ = exactly_once(self.output)

    def tm_kill(self) -> float:
        """kill -9 the TaskManager; scurry starts another, Flink restarts the same job."""
        plane, job_id, name = self.plane, self.job_id, self.name
        checkpoint_of(self.checkpoints, job_id)
        kill_ms, started = time.time() * 1000, time.monotonic()
        kill_taskmanager(plane.home, "default", name)
        poll("the job to restart", lambda: all_tasks_running(plane.rest(name), job_id, kill_ms))
        took = time.monotonic() - started
        poll("scurry to report it", lambda: plane.reports_running(name, job_id), WAIT)
        return took

    def jm_kill(self) -> float:
        """kill -9 the JobManager; scurry recovers the job from its latest checkpoint."""
        plane, old, name = self.plane, self.job_id, self.name
        checkpoint_of(self.checkpoints, old)
        started = time.monotonic()
        kill_jobmanager(plane.home, "default", name)
        self.job_id = poll("the recovered job", lambda: plane.flink_running(name, old), WAIT)
        took = time.monotonic() - started
        restored = restored_from(plane.rest(name), self.job_id)
        print(f"scurry JM kill: recovered from {'/'.join(restored.rsplit('/', 2)[-2:])}")
        if f"/{old}/chk-" not in restored:
            self.problems.append(f"scurry JM kill: restored from {restored!r}, not a checkpoint")
        poll("scurry to report it", lambda: plane.reports_running(name, self.job_id), WAIT)
        return took


def faults(
    side: Floor | Scurry, label: str, times: dict[str, list[float]], problems: list[str]
) -> None:
    """A TaskManager kill, then a JobManager kill, each checked for exactly-once after."""
    kind = label.split()[0]
    for fault, kill in (("TM", side.tm_kill), ("JM", side.jm_kill)):
        took = kill()
        times.setdefault(f"{kind} {fault}", []).append(took)
        side.count = checked(f"{label}: {fault} kill", took, side.output, side.count, problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    problems: list[str] = []
    times: dict[str, list[float]] = {}
    with workspace("scurry-bench-recovery-") as root:
        plane = ControlPlane(root / "home")
        try:
            for round_ in range(1, args.rounds + 1):
                floor = Floor(root / f"floor-{round_}")
                try:
                    floor.start()
                    faults(floor, f"floor round {round_}", times, problems)
                finally:
                    floor.cluster.close()
                ours = Scurry(plane, f"{NAME}-{round_}")
                ours.start()
                faults(ours, f"scurry round {round_}", times, problems)
                problems += ours.problems
                plane.delete(ours.name)
        finally:
            plane.close()
        for fault, what in (("TM", "TaskManager"), ("JM", "JobManager")):
            floors, measured = times[f"floor {fault}"], times[f"scurry {fault}"]
            print(median_line(f"{what} kill -9, bare Flink -> RUNNING", floors))
            print(median_line(f"{what} kill -9, scurry     -> RUNNING", measured))
            ratio = statistics.median(measured) / statistics.median(floors)
            print(f"{what} ratio scurry / floor (medians): {ratio:.2f}")
        print("checks: " + ("; ".join(problems) if problems else "exactly-once after every fault"))
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
