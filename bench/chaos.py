"""Chaos soak: random faults at random moments against one FlinkDeployment on real Flink.

Every round kills one thing with SIGKILL: a TaskManager, the JobManager, or the
control plane (then started again), either after a random delay or at a random step
of an in-flight savepoint upgrade (savepoint triggered, cluster being deleted,
successor being deployed; found with `scurry.testing.faults.at_moment`). The first
rounds cover every fault x moment pair once, in random order; later ones are drawn at
random. After each fault the round waits until Flink runs the job with all its tasks
(a restarted or new job, as the fault implies) and scurry reports it RUNNING at the
latest spec, then for more committed output, and checks: the committed ids are
exactly 1..N once each, and the cluster's JVMs are exactly those the runtime records.
Prints a table of rounds and the verdict; exits non-zero on any violation, keeping
SCURRY_HOME (its path is printed) for the logs.

    .venv/bin/python bench/chaos.py --rounds 20 --seed 7
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass
from typing import Any

import psutil
from bareflink import all_tasks_running, poll
from benchkit import WAIT, ControlPlane, deployment, exactly_once, workspace

from scurry.testing.faults import at_moment, kill_jobmanager, kill_taskmanager

NAME = "chaos"
FAULTS = ("taskmanager", "jobmanager", "control-plane")
MOMENTS = ("delay", "savepoint-triggered", "upgrading", "redeploying")
MAX_DELAY = 10.0


@dataclass
class Round:
    number: int
    fault: str
    moment: str
    note: str = ""
    took: float = 0.0
    job: str = ""
    ids: int = 0
    verdict: str = "?"


def schedule(rounds: int, rng: random.Random) -> list[tuple[str, str]]:
    """Every fault x moment pair once (shuffled), then random pairs."""
    pairs = list(itertools.product(FAULTS, MOMENTS))
    rng.shuffle(pairs)
    extra = [(rng.choice(FAULTS), rng.choice(MOMENTS)) for _ in range(max(0, rounds - 12))]
    return (pairs + extra)[:rounds]


def reached(plane: ControlPlane, moment: str, old_job: str) -> bool:
    status = plane.status(NAME)
    job = status.get("jobStatus") or {}
    if moment == "savepoint-triggered":
        return bool((job.get("savepointInfo") or {}).get("triggerId"))
    if moment == "upgrading":
        return bool((status.get("reconciliationStatus") or {}).get("state") == "UPGRADING")
    return job.get("jobId") not in (None, old_job) and job.get("state") == "RECONCILING"


def reached_or_done(plane: ControlPlane, row: Round, old_job: str) -> bool:
    """The moment, or (if it passed unseen) the upgrade already done: fire then too."""
    if reached(plane, row.moment, old_job):
        return True
    if plane.flink_running(NAME, old_job):
        row.note = "moment passed unseen; fired after the upgrade"
        return True
    return False


def inject(plane: ControlPlane, fault: str) -> str:
    """The fault itself; a JVM not started yet is waited for (up to 30 s)."""
    if fault == "control-plane":
        plane.kill()
        plane.start()
        return ""
    kill = kill_taskmanager if fault == "taskmanager" else kill_jobmanager
    deadline, waited = time.monotonic() + 30, False
    while True:
        try:
            kill(plane.home, "default", NAME)
            return "waited for the JVM to start" if waited else ""
        except (LookupError, OSError):
            if time.monotonic() > deadline:
                return "nothing to kill"
            waited = True
            time.sleep(0.05)


def reconciled_nonce(status: dict[str, Any]) -> int | None:
    text = (status.get("reconciliationStatus") or {}).get("lastReconciledSpec")
    return json.loads(text)["spec"].get("restartNonce") if text else None


def settled(plane: ControlPlane, before: str, fault_ms: float, want: dict[str, Any]) -> str | None:
    """The job id once it runs again as the round requires, else None."""
    status = plane.status(NAME)
    job = status.get("jobStatus") or {}
    job_id = job.get("jobId")
    if not job_id or job.get("state") != "RUNNING":
        return None
    if want["nonce"] is not None and reconciled_nonce(status) != want["nonce"]:
        return None
    if want["new_job"] and job_id == before:
        return None
    since = fault_ms if want["restart"] and job_id == before else 0
    return job_id if all_tasks_running(plane.rest(NAME), job_id, since) else None


def cluster_jvms_match(plane: ControlPlane) -> bool:
    """Exactly the JVMs the runtime records run with this cluster's conf."""
    record = plane.record(NAME)
    recorded = {r["pid"] for r in [record["jobmanager"], *record["taskmanagers"].values()] if r}
    conf = f"{plane.cluster_dir(NAME)}/conf"
    running = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if cmdline and cmdline[0].endswith("java") and conf in cmdline:
            running.add(proc.info["pid"])
    return running == recorded


def play(plane: ControlPlane, row: Round, nonce: int, job_id: str, rng: random.Random) -> int:
    """One round: the fault at its moment, then recovery and checks. Returns the nonce."""
    want: dict[str, Any] = {"nonce": None, "new_job": row.fault == "jobmanager", "restart": False}
    fault_ms = started = 0.0

    def fire() -> None:
        nonlocal fault_ms, started
        fault_ms, started = time.time() * 1000, time.monotonic()
        row.note = " ".join(filter(None, [row.note, inject(plane, row.fault)]))

    if row.moment == "delay":
        time.sleep(rng.uniform(0, MAX_DELAY))
        fire()
        want["restart"] = row.fault == "taskmanager"
    else:
        nonce += 1
        want.update(nonce=nonce, new_job=True)
        plane.patch(NAME, {"restartNonce": nonce})
        at_moment(lambda: reached_or_done(plane, row, job_id), fire, timeout=WAIT)
    if "nothing to kill" in row.note:
        want["new_job"] = want["nonce"] is not None
    row.job = poll("the job to run again", lambda: settled(plane, job_id, fault_ms, want), 420)
    row.took = time.monotonic() - started
    poll("only the recorded JVMs", lambda: cluster_jvms_match(plane), 60, every=1.0)
    return nonce


def show_status(plane: ControlPlane) -> None:
    with contextlib.suppress(Exception):
        status = plane.status(NAME)
        status.get("reconciliationStatus", {}).pop("lastStableSpec", None)
        print(json.dumps(status, indent=1)[:4000])


def report(rows: list[Round]) -> None:
    head = ("round", "fault", "moment", "recovery", "job", "ids")
    print("{:>5}  {:<13} {:<19} {:>8}  {:<8} {:>7}  verdict".format(*head))
    for r in rows:
        verdict = r.verdict + (f" [{r.note}]" if r.note else "")
        line = f"{r.number:>5}  {r.fault:<13} {r.moment:<19} {r.took:>7.1f}s  {r.job[:8]:<8}"
        print(f"{line} {r.ids:>7}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"chaos: {args.rounds} rounds, seed {seed}", flush=True)
    rows: list[Round] = []
    with workspace("scurry-bench-chaos-") as root:
        plane = ControlPlane(root / "home")
        output = plane.cluster_dir(NAME) / "output"
        try:
            plane.create(deployment(NAME, "savepoint"))
            job_id = poll("the job", lambda: plane.flink_running(NAME), WAIT)
            count, _ = exactly_once(output)
            nonce = 0
            for number, (fault, moment) in enumerate(schedule(args.rounds, rng), 1):
                row = Round(number, fault, moment)
                rows.append(row)
                print(f"round {number}: {fault} at {moment}", flush=True)
                try:
                    nonce = play(plane, row, nonce, job_id, rng)
                    job_id = row.job
                    count, violation = exactly_once(output, count + 50)
                    row.ids, row.verdict = count, violation or "exactly-once"
                except (SystemExit, TimeoutError) as exc:
                    row.verdict = f"STUCK: {exc}"
                    show_status(plane)
                print(f"  -> {row.took:.1f}s, {row.verdict} {row.note}", flush=True)
                if row.verdict != "exactly-once":
                    break
        finally:
            report(rows)
            plane.close()
        bad = [r for r in rows if r.verdict != "exactly-once"]
        print(f"verdict: {'FAIL' if bad else 'PASS'}: {len(rows) - len(bad)}/{len(rows)} rounds ok")
        if bad:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
