"""The scurry side of the benches on real Flink: a control plane in a subprocess with its
own SCURRY_HOME, the benchmark job as a FlinkDeployment, waits on Flink's own view,
exactly-once checks, and a workspace that kills every process it started at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
from bareflink import EXAMPLE, all_tasks_running, free_port, poll

from scurry.testing.exactly_once import check_sequence, committed_ids

WAIT = 240.0  # every wait on real Flink: 2 cores, shared with other runs
PLURAL = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments"
MERGE = {"Content-Type": "application/merge-patch+json"}
ROWS_PER_SECOND, END = 100, 500_000
JOB_ARGS = ["--rows-per-second", str(ROWS_PER_SECOND), "--end", str(END)]
# The Flink configuration both the floors and scurry's clusters run with.
FLINK_CONFIG = {
    "taskmanager.numberOfTaskSlots": "1",
    "execution.checkpointing.interval": "1s",
}
MEMORY = {"jobmanager.memory.process.size": "1024m", "taskmanager.memory.process.size": "1024m"}


def deployment(name: str, mode: str) -> dict[str, Any]:
    """The quickstart job as a FlinkDeployment with state (`mode`: savepoint|last-state)."""
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": dict(FLINK_CONFIG),
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": ["-py", "/opt/flink/usrlib/python_streaming.py", *JOB_ARGS],
                "parallelism": 1,
                "upgradeMode": mode,
            },
        },
    }


def floor_args(workdir: Path) -> list[str]:
    """The same job's arguments for a hand-started cluster (script and output in `workdir`)."""
    script = Path(shutil.copy(EXAMPLE / "python_streaming.py", workdir))
    return ["-py", str(script), "--output", str(workdir / "output"), *JOB_ARGS]


def exactly_once(output: Path, more_than: int = 0) -> tuple[int, str | None]:
    """Wait for more than `more_than` committed ids, then check them: (count, violation)."""
    poll(
        f"more than {more_than} committed ids in {output}",
        lambda: len(set(committed_ids(output))) > more_than,
        WAIT,
        every=0.5,
    )
    report = check_sequence(committed_ids(output))
    try:
        report.assert_exactly_once(max_runs=1)
    except AssertionError as exc:
        return report.count, str(exc)
    return report.count, None


def checked(label: str, took: float, output: Path, count: int, problems: list[str]) -> int:
    """After a timed event: wait for 100 more committed ids, check them, print one line."""
    count, violation = exactly_once(output, count + 100)
    if violation:
        problems.append(f"{label}: {violation}")
    print(f"{label}: {took:.1f}s, {count} ids, {violation or 'exactly-once'}", flush=True)
    return count


def median_line(label: str, values: list[float]) -> str:
    shown = ", ".join(f"{v:.1f}" for v in values)
    return f"{label}: median {statistics.median(values):.1f}s  ({shown})"


def port_window() -> str:
    """A window of 400 free ports in 20000-29999 for this installation's Flink clusters."""
    for _ in range(50):
        low = random.randrange(20000, 29600, 100)
        if all(_free(port) for port in (low, low + 133, low + 399)):
            return f"{low}-{low + 399}"
    return "20000-29999"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ControlPlane:
    """`python -m scurry server` on its own port and SCURRY_HOME; killable and restartable."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (home / "usrlib").mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLE / "python_streaming.py", home / "usrlib")
        self.env = dict(
            os.environ,
            SCURRY_HOME=str(home),
            SCURRY_PORT=str(self.port),
            SCURRY_SERVER=self.url,
            SCURRY_PORT_RANGE=port_window(),
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with open(self.home / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scurry", "server"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        poll("scurry", lambda: httpx.get(f"{self.url}/healthz", timeout=2).is_success, WAIT)

    def kill(self) -> None:
        """kill -9 the control plane (its Flink clusters run on in their own sessions)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=30, **kwargs)

    def create(self, manifest: dict[str, Any]) -> None:
        response = self.api("POST", PLURAL, json=manifest)
        if response.status_code != 201:
            raise SystemExit(f"creating {manifest['metadata']['name']}: {response.text}")

    def patch(self, name: str, spec: dict[str, Any]) -> None:
        response = self.api("PATCH", f"{PLURAL}/{name}", json={"spec": spec}, headers=MERGE)
        if response.status_code != 200:
            raise SystemExit(f"patching {name}: {response.text}")

    def delete(self, name: str) -> None:
        """Delete a FlinkDeployment and wait until it is gone (its cluster stopped)."""
        self.api("DELETE", f"{PLURAL}/{name}")
        poll(f"{name} to go", lambda: self.api("GET", f"{PLURAL}/{name}").status_code == 404, WAIT)

    def resource(self, name: str) -> dict[str, Any]:
        response = self.api("GET", f"{PLURAL}/{name}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def status(self, name: str) -> dict[str, Any]:
        return self.resource(name).get("status") or {}

    def cluster_dir(self, name: str) -> Path:
        return self.home / "clusters" / "default" / name

    def record(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.cluster_dir(name) / "state.json").read_text())
        return result

    def rest(self, name: str) -> str:
        return f"http://127.0.0.1:{self.record(name)['ports']['rest']}"

    def flink_running(self, name: str, not_job: str | None = None) -> str | None:
        """A job of the cluster (other than `not_job`) that Flink runs with all its tasks."""
        rest = self.rest(name)
        for job in httpx.get(f"{rest}/jobs/overview", timeout=5).json()["jobs"]:
            jid = str(job["jid"])
            if jid != not_job and job["state"] == "RUNNING" and all_tasks_running(rest, jid):
                return jid
        return None

    def reports_running(self, name: str, job_id: str) -> bool:
        """scurry's status agrees: this job id, RUNNING."""
        job = self.status(name).get("jobStatus") or {}
        return job.get("jobId") == job_id and job.get("state") == "RUNNING"

    def close(self) -> None:
        """Stop the clusters through scurry if it answers, then the server."""
        if self.proc is not None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"{self.url}/admin/stop-clusters", timeout=120)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def pids_under(root: Path) -> set[int]:
    """Processes whose command line points into `root` (our JVMs and Python drivers)."""
    marker, found = str(root), set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if proc.info["pid"] != os.getpid() and any(marker in part for part in cmdline):
            found.add(proc.info["pid"])
    return found


def kill_pids(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    """A temp root for homes and floors; on the way out every process started under it is
    killed by PID. Removed on success, kept (and its path printed) on failure."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    print(f"workspace: {root}", flush=True)
    failed = True
    try:
        yield root
        failed = False
    except SystemExit as exc:
        if isinstance(exc.code, str):  # a wait timed out: show where
            traceback.print_exc()
        raise
    finally:
        for _ in range(3):  # a dying parent may still fork: look again
            kill_pids(pids_under(root))
        if failed:
            print(f"FAILED: kept {root} (server.log, clusters/*/log)", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
