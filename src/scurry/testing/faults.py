"""Fault injection for a local installation: kill a TaskManager, a JobManager or the
control plane, now or at a chosen moment.

Processes are found through the local runtime's own record of each cluster
(`$SCURRY_HOME/clusters/<namespace>/<name>/state.json`), so nothing is matched
by name and no other process can be hit.

    kill_taskmanager(home, "default", "quickstart")
    at_moment(lambda: status()["reconciliationStatus"]["state"] == "UPGRADING",
              lambda: kill_process(server_pid))
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil


def cluster_record(home: Path, namespace: str, name: str) -> dict[str, Any]:
    """The runtime's record of a cluster: ports and the PIDs of its JVMs."""
    path = home / "clusters" / namespace / name / "state.json"
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def kill_process(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return


def _live(record: dict[str, Any] | None) -> int:
    if not record or not psutil.pid_exists(record["pid"]):
        raise LookupError("the process is not running")
    pid: int = record["pid"]
    return pid


def kill_taskmanager(home: Path, namespace: str, name: str, index: int = 0) -> int:
    """kill -9 one TaskManager of a cluster; returns its PID."""
    record = cluster_record(home, namespace, name)["taskmanagers"].get(str(index))
    pid = _live(record)
    kill_process(pid)
    return pid


def kill_jobmanager(home: Path, namespace: str, name: str) -> int:
    """kill -9 the JobManager of a cluster; returns its PID."""
    pid = _live(cluster_record(home, namespace, name)["jobmanager"])
    kill_process(pid)
    return pid


def at_moment(
    condition: Callable[[], bool],
    fault: Callable[[], object],
    *,
    timeout: float = 180.0,
    every: float = 0.05,
) -> None:
    """Inject `fault` as soon as `condition` holds (polled every `every` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reached = condition()
        except Exception:  # the thing polled may be between states
            reached = False
        if reached:
            fault()
            return
        time.sleep(every)
    raise TimeoutError(f"the moment for the fault did not come within {timeout:.0f}s")
