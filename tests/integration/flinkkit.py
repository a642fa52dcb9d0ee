"""Helpers for tests on real Flink: a control plane in a subprocess, polling, output checks."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from scurry.__main__ import main as scurry_main
from scurry.testing.exactly_once import check_sequence

READY_TIMEOUT = 180.0
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "scurry" / "examples" / "quickstart"
SESSION_EXAMPLES = EXAMPLES.parent / "session"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_window() -> str:
    """A window of 400 ports in 20000-29999 that is free now, so runs do not collide."""
    for _ in range(50):
        low = random.randrange(20000, 29600, 100)
        probe = [low, low + 133, low + 399]
        if all(_free(p) for p in probe):
            return f"{low}-{low + 399}"
    return "20000-29999"


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(
    what: str, check: Callable[[], Any], timeout: float = READY_TIMEOUT, every: float = 0.5
) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # the thing polled may not be up yet
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def flink_pids(home: Path) -> set[int]:
    """Every process whose command line points into `home` (JVMs, Python drivers)."""
    marker = str(home)
    found = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if any(marker in part for part in cmdline) and proc.info["pid"] != os.getpid():
            found.add(proc.info["pid"])
    return found


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class ControlPlane:
    home: Path
    port: int
    port_range: str
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.home / "server-test.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SCURRY_HOME=str(self.home),
            SCURRY_PORT=str(self.port),
            SCURRY_PORT_RANGE=self.port_range,
            SCURRY_SERVER=self.url,
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        with open(self.log, "ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scurry", "server"],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for(
            "the scurry server",
            lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200,
            90,
        )

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, *, kill: bool) -> None:
        self.stop(kill=kill)
        self.start()

    # -- talking to it ------------------------------------------------------------

    def cli(self, *args: str) -> int:
        """Run the real CLI in this process against the server."""
        return scurry_main(["--server", self.url, *args])

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=30, **kwargs)

    def deployment(self, name: str, namespace: str = "default") -> dict[str, Any]:
        path = f"/apis/flink.apache.org/v1beta1/namespaces/{namespace}/flinkdeployments/{name}"
        response = self.api("GET", path)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def status(self, name: str) -> dict[str, Any]:
        return self.deployment(name).get("status") or {}

    def cluster_dir(self, name: str, namespace: str = "default") -> Path:
        return self.home / "clusters" / namespace / name

    def cluster_state(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.cluster_dir(name) / "state.json").read_text())
        return result

    def flink(self, name: str) -> httpx.Client:
        """A client for the cluster's Flink REST API (its port is in the runtime's record)."""
        port = self.cluster_state(name)["ports"]["rest"]
        return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

    def wait_running(
        self, name: str, timeout: float = READY_TIMEOUT, not_job: str | None = None
    ) -> str:
        """Wait until Flink itself reports the resource's job RUNNING; returns the job id."""

        def check() -> str | None:
            status = self.status(name)
            job_id = status.get("jobStatus", {}).get("jobId")
            if not job_id or job_id == not_job or status["jobStatus"].get("state") != "RUNNING":
                return None
            with self.flink(name) as flink:
                details = flink.get(f"/jobs/{job_id}").json()
            tasks_running = all(v["status"] == "RUNNING" for v in details.get("vertices", []))
            return job_id if details.get("state") == "RUNNING" and tasks_running else None

        job_id: str = wait_for(f"{name} to run", check, timeout)
        return job_id


def assert_exactly_once(ids: list[int], *, max_runs: int = 1) -> None:
    """No duplicates ever; 1..N without gaps at parallelism 1 (one run per subtask after)."""
    check_sequence(ids).assert_exactly_once(max_runs=max_runs)


def build_java_job(jar: Path, source: Path = SESSION_EXAMPLES / "TinyJob.java") -> Path:
    """Compile a job (the example TinyJob by default) against the wheel's jars with javac."""
    import pyflink

    lib = Path(pyflink.__file__).parent / "lib"
    classes = jar.parent / f"{jar.stem}-classes"
    classes.mkdir(parents=True, exist_ok=True)
    javac = ["javac", "-d", str(classes), "-cp", f"{lib}/*", str(source)]
    subprocess.run(javac, check=True, capture_output=True)
    subprocess.run(
        ["jar", "cf", str(jar), "-C", str(classes), "."], check=True, capture_output=True
    )
    return jar
