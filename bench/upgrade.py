"""Savepoint-upgrade downtime of scurry over Flink by hand, measured in one run.

Floor: a session cluster started by hand runs the quickstart job (datagen sequence ->
filesystem CSV); an upgrade is `POST /jobs/<id>/stop` with a target directory,
polled until the savepoint is COMPLETED, then the same job resubmitted from it
(`/jars/<jar>/run` with savepointPath), timed from the stop request until all its
tasks run. Measured: a FlinkDeployment with upgradeMode savepoint whose spec is
changed (a merge-PATCH of restartNonce, what `scurry apply` of a changed manifest
sends), timed from the PATCH until Flink runs all tasks of the new job. Both use the
same Flink configuration. After every upgrade the committed output is checked for
exactly-once (no duplicates, no gaps at parallelism 1). Prints medians and the ratio;
exits non-zero if an exactly-once check fails.

    .venv/bin/python bench/upgrade.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bareflink import BareCluster, all_tasks_running, poll, restored_from
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

NAME = "upgrade"


def floor_rounds(workdir: Path, rounds: int, problems: list[str]) -> list[float]:
    """Manual stop-with-savepoint + resubmit on one hand-started session cluster."""
    workdir.mkdir()
    cluster = BareCluster(workdir, {**MEMORY, **FLINK_CONFIG}, stateful=True)
    output, times = workdir / "output", []
    try:
        cluster.start("jm")
        cluster.start("tm")
        cluster.wait_rest()
        jar_id = cluster.upload_jar()
        args = floor_args(workdir)
        job_id = cluster.submit(jar_id, args)
        poll("the floor job", lambda: all_tasks_running(cluster.rest, job_id), WAIT)
        count, _ = exactly_once(output)
        for round_ in range(1, rounds + 1):
            started = time.monotonic()
            savepoint = cluster.stop_with_savepoint(job_id)
            marks = {"stop": 0.0, "savepoint": time.monotonic() - started}
            job_id = cluster.submit(jar_id, args, savepoint)
            marks["submitted"] = time.monotonic() - started
            poll("the restored job", lambda j=job_id: all_tasks_running(cluster.rest, j), WAIT)
            times.append(time.monotonic() - started)
            print(f"floor round {round_} steps: {steps(marks)}")
            restored = restored_from(cluster.rest, job_id)
            count, violation = exactly_once(output, count + 100)
            note(f"floor round {round_}", times[-1], restored, count, violation, problems)
    finally:
        cluster.close()
    return times


def scurry_rounds(home: Path, rounds: int, problems: list[str]) -> list[float]:
    """The same upgrade through scurry: change the spec, wait for the new job to run."""
    plane = ControlPlane(home)
    output, times = plane.cluster_dir(NAME) / "output", []
    try:
        plane.create(deployment(NAME, "savepoint"))
        job_id = poll("the scurry job", lambda: plane.flink_running(NAME), WAIT)
        count, _ = exactly_once(output)
        for round_ in range(1, rounds + 1):
            took, job_id, marks = upgrade(plane, job_id, round_)
            times.append(took)
            print(f"scurry round {round_} steps: {steps(marks)}")
            restored = restored_from(plane.rest(NAME), job_id)
            poll("scurry to report it", lambda j=job_id: plane.reports_running(NAME, j), WAIT)
            status = plane.status(NAME)
            recorded = status["jobStatus"].get("upgradeSavepointPath", "")
            if not recorded or last_part(restored) != last_part(recorded):
                problems.append(f"round {round_}: restored {restored!r}, recorded {recorded!r}")
            count, violation = exactly_once(output, count + 100)
            note(f"scurry round {round_}", times[-1], restored, count, violation, problems)
    finally:
        plane.close()
    return times


def upgrade(plane: ControlPlane, job_id: str, nonce: int) -> tuple[float, str, dict[str, float]]:
    """PATCH a new restartNonce; (seconds until the new job runs, its id, step marks)."""
    started, marks = time.monotonic(), {"PATCH": 0.0}
    plane.patch(NAME, {"restartNonce": nonce})
    new = poll("the upgraded job", lambda: progress(plane, job_id, started, marks), WAIT)
    return time.monotonic() - started, new, marks


def progress(plane: ControlPlane, old_job: str, started: float, marks: dict[str, float]) -> Any:
    """One poll of an upgrade: note when each of its steps is first seen; the new job
    id once Flink runs all its tasks."""
    status, record = plane.status(NAME), plane.record(NAME)
    now = time.monotonic() - started
    new_cluster = record["spec"]["job"]["job_id"] != old_job
    if (status.get("reconciliationStatus") or {}).get("state") == "UPGRADING" or new_cluster:
        marks.setdefault("savepoint", now)
    if new_cluster and record["jobmanager"]:
        marks.setdefault("new JVMs", now)
    if new_cluster and record["jm_state"] == "READY":
        marks.setdefault("JM ready", now)
    if new_cluster and record["submission"] == "SUBMITTED":
        marks.setdefault("submitted", now)
    return plane.flink_running(NAME, old_job)


def steps(marks: dict[str, float]) -> str:
    return ", ".join(f"{name} +{at:.1f}s" for name, at in sorted(marks.items(), key=lambda m: m[1]))


def last_part(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def note(
    label: str, took: float, restored: str, count: int, violation: str | None, problems: list[str]
) -> None:
    if "savepoint-" not in restored:
        problems.append(f"{label}: not restored from a savepoint ({restored!r})")
    if violation:
        problems.append(f"{label}: {violation}")
    verdict = violation or "exactly-once"
    print(f"{label}: {took:.1f}s, from {last_part(restored)}, {count} ids, {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problems: list[str] = []
    with workspace("scurry-bench-upgrade-") as root:
        floors = floor_rounds(root / "floor", args.rounds, problems)
        measured = scurry_rounds(root / "home", args.rounds, problems)
        print(median_line("bare Flink (stop-with-savepoint, resubmit) -> RUNNING", floors))
        print(median_line("scurry (PATCH spec, savepoint upgrade) -> RUNNING ", measured))
        ratio = statistics.median(measured) / statistics.median(floors)
        print(f"ratio scurry / floor (medians): {ratio:.2f}")
        print("exactly-once: " + ("; ".join(problems) if problems else "held in every round"))
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
