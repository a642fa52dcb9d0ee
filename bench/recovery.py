"""Recovery from kill -9 of a TaskManager and of a JobManager: scurry over Flink by hand.

TaskManager: the floor is Flink's own restart on a hand-started session cluster, with
a new TaskManager started by the bench right after the kill; measured is scurry's
supervision after `scurry.testing.faults.kill_taskmanager`. Both are timed from the
kill until the same job runs all its tasks again (restarted after the kill).
JobManager: the floor is what a human does without HA (kill the TaskManagers, start
a new JobManager and TaskManager, upload the jar, resubmit from the highest retained
`chk-N` with `_metadata`); measured is scurry's unattended recovery after
`kill_jobmanager`. Both are timed from the kill until a new job runs all its tasks.
Floors and scurry's clusters run the same Flink configuration (scurry's local
defaults: heartbeat 2 s/10 s, exponential-delay restarts, retained checkpoints).
Committed output is checked for exactly-once after every recovery.

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
    deployment,
    exactly_once,
    floor_args,
    median_line,
    workspace,
)

from scurry.testing.faults import kill_jobmanager, kill_taskmanager

NAME = "recovery"
Times = dict[str, list[float]]


def check(label: str, took: list[float], output: Path, count: int, problems: list[str]) -> int:
    """Wait for more committed output after a recovery, check it, print one line."""
    count, violation = exactly_once(output, count + 100)
    if violation:
        problems.append(f"{label}: {violation}")
    print(f"{label}: {took[-1]:.1f}s, {count} ids, {violation or 'exactly-once'}", flush=True)
    return count


def checkpoint_of(checkpoints: Path, job_id: str) -> Path:
    found: Path = poll(
        f"a retained checkpoint of {job_id}",
        lambda: latest_checkpoint(checkpoints, job_id),
        WAIT,
        every=0.2,
    )
    return found


def floor_tm_kill(cluster: BareCluster, job_id: str) -> float:
    """kill -9 the TaskManager and start a new one at once; Flink restarts the job."""
    checkpoint_of(cluster.checkpoints, job_id)
    kill_ms, started = time.time() * 1000, time.monotonic()
    cluster.kill(cluster.tms[0])
    cluster.start("tm")
    poll("the job to restart", lambda: all_tasks_running(cluster.rest, job_id, kill_ms), WAIT)
    return time.monotonic() - started


def floor_jm_kill(cluster: BareCluster, job_id: str, args: list[str]) -> tuple[float, str]:
    """kill -9 the JobManager; by hand: kill the TMs, new JM + TM, resubmit from chk-N."""
    checkpoint_of(cluster.checkpoints, job_id)
    started = time.monotonic()
    assert cluster.jm is not None
    for proc in [cluster.jm, *cluster.tms]:
        cluster.kill(proc)
    cluster.start("jm")
    cluster.start("tm")
    cluster.wait_rest()
    chk = latest_checkpoint(cluster.checkpoints, job_id)
    assert chk is not None
    new = cluster.submit(cluster.upload_jar(), args, chk.as_uri())
    poll("the resubmitted job", lambda: all_tasks_running(cluster.rest, new), WAIT)
    took = time.monotonic() - started
    print(f"floor JM kill: resubmitted from {job_id}/{chk.name}")
    return took, new


def floor(workdir: Path, rounds: int, times: Times, problems: list[str]) -> None:
    workdir.mkdir()
    cluster = BareCluster(workdir, {**MEMORY, **FLINK_CONFIG}, stateful=True)
    output, args = workdir / "output", floor_args(workdir)
    try:
        cluster.start("jm")
        cluster.start("tm")
        cluster.wait_rest()
        job_id = cluster.submit(cluster.upload_jar(), args)
        poll("the floor job", lambda: all_tasks_running(cluster.rest, job_id), WAIT)
        count, _ = exactly_once(output)
        for round_ in range(1, rounds + 1):
            times["floor-tm"].append(floor_tm_kill(cluster, job_id))
            count = check(f"floor TM kill {round_}", times["floor-tm"], output, count, problems)
            took, job_id = floor_jm_kill(cluster, job_id, args)
            times["floor-jm"].append(took)
            count = check(f"floor JM kill {round_}", times["floor-jm"], output, count, problems)
    finally:
        cluster.close()


def scurry_tm_kill(plane: ControlPlane, job_id: str) -> float:
    """kill -9 the TaskManager; scurry starts another, Flink restarts the same job."""
    checkpoint_of(plane.cluster_dir(NAME) / "checkpoints", job_id)
    kill_ms, started = time.time() * 1000, time.monotonic()
    kill_taskmanager(plane.home, "default", NAME)
    restarted = lambda: all_tasks_running(plane.rest(NAME), job_id, kill_ms)  # noqa: E731
    poll("the job to restart", restarted, WAIT)
    took = time.monotonic() - started
    poll("scurry to report it", lambda: plane.reports_running(NAME, job_id), WAIT)
    return took


def scurry_jm_kill(plane: ControlPlane, job_id: str, problems: list[str]) -> tuple[float, str]:
    """kill -9 the JobManager; scurry recovers the job from its latest checkpoint."""
    checkpoint_of(plane.cluster_dir(NAME) / "checkpoints", job_id)
    started = time.monotonic()
    kill_jobmanager(plane.home, "default", NAME)
    new = poll("the recovered job", lambda: plane.flink_running(NAME, job_id), WAIT)
    took = time.monotonic() - started
    restored = restored_from(plane.rest(NAME), new)
    print(f"scurry JM kill: recovered from {'/'.join(restored.rsplit('/', 2)[-2:])}")
    if f"/{job_id}/chk-" not in restored:
        problems.append(f"scurry JM kill: restored from {restored!r}, not a checkpoint")
    poll("scurry to report it", lambda: plane.reports_running(NAME, new), WAIT)
    return took, new


def measured(home: Path, rounds: int, times: Times, problems: list[str]) -> None:
    plane = ControlPlane(home)
    output = plane.cluster_dir(NAME) / "output"
    try:
        plane.create(deployment(NAME, "last-state"))
        job_id = poll("the scurry job", lambda: plane.flink_running(NAME), WAIT)
        count, _ = exactly_once(output)
        for round_ in range(1, rounds + 1):
            times["scurry-tm"].append(scurry_tm_kill(plane, job_id))
            count = check(f"scurry TM kill {round_}", times["scurry-tm"], output, count, problems)
            took, job_id = scurry_jm_kill(plane, job_id, problems)
            times["scurry-jm"].append(took)
            count = check(f"scurry JM kill {round_}", times["scurry-jm"], output, count, problems)
    finally:
        plane.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    problems: list[str] = []
    times: Times = {key: [] for key in ("floor-tm", "scurry-tm", "floor-jm", "scurry-jm")}
    with workspace("scurry-bench-recovery-") as root:
        floor(root / "floor", args.rounds, times, problems)
        measured(root / "home", args.rounds, times, problems)
        for fault, what in (("tm", "TaskManager"), ("jm", "JobManager")):
            floors, ours = times[f"floor-{fault}"], times[f"scurry-{fault}"]
            print(median_line(f"{what} kill -9, bare Flink -> RUNNING", floors))
            print(median_line(f"{what} kill -9, scurry     -> RUNNING", ours))
            ratio = statistics.median(ours) / statistics.median(floors)
            print(f"{what} ratio scurry / floor: {ratio:.2f}")
        print("exactly-once: " + ("; ".join(problems) if problems else "held after every fault"))
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
