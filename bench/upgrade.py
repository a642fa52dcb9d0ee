"""Savepoint-upgrade downtime of scurry over Flink by hand, measured in one run.

Floor: a session cluster started by hand runs the quickstart job (datagen sequence ->
filesystem CSV); an upgrade is `POST /jobs/<id>/stop` with a target directory,
polled until the savepoint is COMPLETED, then the same job resubmitted from it
(`/jars/<jar>/run` with savepointPath), timed from the stop request until all its
tasks run. Measured: a FlinkDeployment with upgradeMode savepoint whose spec is
changed (a merge-PATCH of restartNonce, what `scurry apply` of a changed manifest
sends), timed from the PATCH until Flink runs all tasks of the new job. Both use the
same Flink configuration. Rounds alternate floor and scurry, each on a fresh cluster
(the other side's is gone by then; scurry's server stays up). After every upgrade
the committed output is checked for exactly-once (no duplicates, no gaps at
parallelism 1). Prints the steps of each upgrade, medians and the ratio; exits
non-zero if a check fails.

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
    checked,
    deployment,
    exactly_once,
    floor_args,
    median_line,
    workspace,
)

NAME = "upgrade"
Marks = dict[str, float]


class Floor:
    """The job on a hand-started session cluster, upgraded by hand."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir()
        self.cluster = BareCluster(workdir, {**MEMORY, **FLINK_CONFIG}, stateful=True)
        self.output, self.args = workdir / "output", floor_args(workdir)

    def start(self) -> None:
        self.cluster.start("jm")
        self.cluster.start("tm")
        self.cluster.wait_rest()
        self.jar_id = self.cluster.upload_jar()
        self.job_id = self.cluster.submit(self.jar_id, self.args)
        poll("the floor job", lambda: all_tasks_running(self.cluster.rest, self.job_id), WAIT)
        self.count, _ = exactly_once(self.output)

    def upgrade(self) -> tuple[float, Marks, str]:
        """Stop with a savepoint, resubmit from it: (seconds, step marks, restored from)."""
        started = time.monotonic()
        savepoint = self.cluster.stop_with_savepoint(self.job_id)
        marks = {"stop": 0.0, "savepoint": time.monotonic() - started}
        self.job_id = self.cluster.submit(self.jar_id, self.args, savepoint)
        marks["submitted"] = time.monotonic() - started
        poll("the restored job", lambda: all_tasks_running(self.cluster.rest, self.job_id), WAIT)
        return time.monotonic() - started, marks, restored_from(self.cluster.rest, self.job_id)


class Scurry:
    """The same job as a FlinkDeployment (upgradeMode savepoint) on a control plane."""

    def __init__(self, plane: ControlPlane, name: str) -> None:
        self.plane, self.name = plane, name
        self.output = plane.cluster_dir(name) / "output"

    def start(self) -> None:
        self.plane.create(deployment(self.name, "savepoint"))
        self.job_id = poll("the scurry job", lambda: self.plane.flink_running(self.name), WAIT)
        self.count, _ = exactly_once(self.output)

    def upgrade(self) -> tuple[float, Marks, str]:
        """PATCH a new restartNonce: (seconds until the new job runs, step marks, restored)."""
        old, plane, name = self.job_id, self.plane, self.name
        started, marks = time.monotonic(), {"PATCH": 0.0}
        plane.patch(name, {"restartNonce": 1})
        self.job_id = poll("the upgraded job", lambda: progress(plane, name, old, started, marks))
        took = time.monotonic() - started
        restored = restored_from(plane.rest(name), self.job_id)
        poll("scurry to report it", lambda: plane.reports_running(name, self.job_id), WAIT)
        recorded = plane.status(name)["jobStatus"].get("upgradeSavepointPath") or ""
        if last_part(restored) != last_part(recorded):
            marks["MISMATCH: status says " + last_part(recorded)] = took
        return took, marks, restored


def progress(plane: ControlPlane, name: str, old_job: str, started: float, marks: Marks) -> Any:
    """One poll of an upgrade: note when each of its steps is first seen; the new job
    id once Flink runs all its tasks."""
    status, record = plane.status(name), plane.record(name)
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
    return plane.flink_running(name, old_job)


def last_part(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def one_round(label: str, side: Floor | Scurry, problems: list[str]) -> float:
    took, marks, restored = side.upgrade()
    steps = ", ".join(
        f"{name} +{at:.1f}s" for name, at in sorted(marks.items(), key=lambda m: m[1])
    )
    print(f"{label} steps: {steps}; restored from {last_part(restored)}")
    if "savepoint-" not in restored or any(name.startswith("MISMATCH") for name in marks):
        problems.append(f"{label}: not restored from its upgrade savepoint ({restored!r})")
    side.count = checked(label, took, side.output, side.count, problems)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problems: list[str] = []
    floors, measured = [], []
    with workspace("scurry-bench-upgrade-") as root:
        plane = ControlPlane(root / "home")
        try:
            for round_ in range(1, args.rounds + 1):
                floor = Floor(root / f"floor-{round_}")
                try:
                    floor.start()
                    floors.append(one_round(f"floor round {round_}", floor, problems))
                finally:
                    floor.cluster.close()
                ours = Scurry(plane, f"{NAME}-{round_}")
                ours.start()
                measured.append(one_round(f"scurry round {round_}", ours, problems))
                plane.delete(ours.name)
        finally:
            plane.close()
        print(median_line("bare Flink (stop-with-savepoint, resubmit) -> RUNNING", floors))
        print(median_line("scurry (PATCH spec, savepoint upgrade) -> RUNNING ", measured))
        ratio = statistics.median(measured) / statistics.median(floors)
        print(f"ratio scurry / floor (medians): {ratio:.2f}")
        print("checks: " + ("; ".join(problems) if problems else "exactly-once in every round"))
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
