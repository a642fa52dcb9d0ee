"""Flink by hand, the floor the benches measure scurry against.

A session cluster of the wheel's own JVMs, launched as Flink's bin scripts would
(memory flags from BashJavaUtils, the wheel's Java module options), jobs submitted
over REST with the flink-python jar, savepoints and restores through the REST API.
Every process is started in its own session and killed by its PID.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "src" / "scurry" / "examples" / "quickstart"
TIMEOUT = 300.0
CLASSES = {
    "jm": "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
    "tm": "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
}
PYTHON_DRIVER = "org.apache.flink.client.python.PythonDriver"
# What scurry's local runtime gives every cluster (config/defaults.py), so that a
# floor and scurry run Flink with the same failure detection, restarts and retention.
SCURRY_FLINK_DEFAULTS: dict[str, Any] = {
    "heartbeat.interval": 2000,
    "heartbeat.timeout": 10000,
    "restart-strategy.type": "exponential-delay",
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    "execution.checkpointing.num-retained": 2,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(what: str, check: Callable[[], Any], timeout: float = TIMEOUT, every: float = 0.1) -> Any:
    """Call `check` until it returns something truthy; exit with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except (httpx.HTTPError, OSError, ValueError, KeyError):
            result = None
        if result:
            return result
        time.sleep(every)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def job_details(rest: str, job_id: str) -> dict[str, Any]:
    details: dict[str, Any] = httpx.get(f"{rest}/jobs/{job_id}", timeout=5).json()
    return details


def all_tasks_running(rest: str, job_id: str, restarted_after_ms: float = 0) -> bool:
    """The job and every vertex RUNNING (and, if asked, restarted after a moment)."""
    details = job_details(rest, job_id)
    vertices = details.get("vertices", [])
    restarted = details.get("timestamps", {}).get("RESTARTING", 0) >= restarted_after_ms
    running = details.get("state") == "RUNNING" and all(v["status"] == "RUNNING" for v in vertices)
    return running and bool(vertices) and restarted


def restored_from(rest: str, job_id: str) -> str:
    """Where Flink says the job's state came from (a savepoint or checkpoint path)."""
    latest = httpx.get(f"{rest}/jobs/{job_id}/checkpoints", timeout=5).json()["latest"]
    return str((latest.get("restored") or {}).get("external_path", ""))


def latest_checkpoint(checkpoints: Path, job_id: str) -> Path | None:
    """The highest `chk-N` of a job that has its `_metadata` (what a restore needs)."""
    found = [
        (int(match.group(1)), path.parent)
        for path in (checkpoints / job_id).glob("chk-*/_metadata")
        if (match := re.fullmatch(r"chk-(\d+)", path.parent.name))
    ]
    return max(found)[1] if found else None


def flink_home() -> Path:
    import pyflink

    return Path(pyflink.__file__).parent


def java_options(home: Path) -> list[str]:
    config = yaml.safe_load((home / "conf" / "config.yaml").read_text())
    return str(config["env"]["java"]["opts"]["all"]).split()


def memory_flags(home: Path, conf: Path, role: str) -> tuple[list[str], list[str]]:
    dist = next((home / "lib").glob("flink-dist-*.jar"))
    params = "GET_JM_RESOURCE_PARAMS" if role == "jm" else "GET_TM_RESOURCE_PARAMS"
    utils = "org.apache.flink.runtime.util.bash.BashJavaUtils"
    classpath = f"{home / 'bin' / 'bash-java-utils.jar'}:{dist}"
    out = subprocess.run(
        ["java", "-cp", classpath, utils, params, "--configDir", str(conf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.split(":", 1)[1] for line in out.splitlines() if line.startswith("BASH_JAVA")]
    return lines[-2].split(), lines[-1].split()


class BareCluster:
    """One hand-started session cluster in `workdir`: conf/, log/, output, state."""

    def __init__(
        self, workdir: Path, overrides: dict[str, Any] | None = None, *, stateful: bool = False
    ) -> None:
        self.home, self.workdir = flink_home(), workdir
        self.conf, self.log = workdir / "conf", workdir / "log"
        self.checkpoints, self.savepoints = workdir / "checkpoints", workdir / "savepoints"
        self.conf.mkdir(parents=True)
        self.log.mkdir()
        self.rest_port = free_port()
        self.rest = f"http://127.0.0.1:{self.rest_port}"
        config: dict[str, Any] = {
            "jobmanager.rpc.address": "127.0.0.1",
            "jobmanager.bind-host": "127.0.0.1",
            "jobmanager.rpc.port": free_port(),
            "blob.server.port": free_port(),
            "rest.address": "127.0.0.1",
            "rest.bind-address": "127.0.0.1",
            "rest.port": self.rest_port,
            "taskmanager.bind-host": "127.0.0.1",
            "taskmanager.host": "127.0.0.1",
            "jobmanager.memory.process.size": "1024m",
            "taskmanager.memory.process.size": "1280m",
            "taskmanager.numberOfTaskSlots": 1,
            "parallelism.default": 1,
            "execution.checkpointing.interval": "5s",
            "web.upload.dir": str(workdir),
            "python.client.executable": sys.executable,
            "python.executable": sys.executable,
        }
        if stateful:  # retained checkpoints and savepoints on disk, scurry's defaults
            config["execution.checkpointing.dir"] = self.checkpoints.as_uri()
            config["execution.checkpointing.savepoint-dir"] = self.savepoints.as_uri()
            config.update(SCURRY_FLINK_DEFAULTS)
        config.update(overrides or {})
        (self.conf / "config.yaml").write_text(yaml.safe_dump(config))
        shutil.copy(self.home / "conf" / "log4j-console.properties", self.conf)
        self.env = dict(
            os.environ,
            FLINK_CONF_DIR=str(self.conf),
            FLINK_LIB_DIR=str(self.home / "lib"),
            FLINK_OPT_DIR=str(self.home / "opt"),
            FLINK_PLUGINS_DIR=str(self.home / "plugins"),
        )
        self.procs: list[subprocess.Popen[bytes]] = []
        self.jm: subprocess.Popen[bytes] | None = None
        self.tms: list[subprocess.Popen[bytes]] = []
        self._flags: dict[str, tuple[list[str], list[str]]] = {}
        self._started = 0

    def start(self, role: str) -> subprocess.Popen[bytes]:
        """Start a JobManager ("jm") or a TaskManager ("tm"); memory flags once per role."""
        if role not in self._flags:
            self._flags[role] = memory_flags(self.home, self.conf, role)
        jvm, dynamic = self._flags[role]
        self._started += 1
        command = [
            "java",
            *jvm,
            *java_options(self.home),
            f"-Dlog.file={self.log / role}-{self._started}.log",
            f"-Dlog4j.configurationFile=file:{self.conf / 'log4j-console.properties'}",
            "-cp",
            f"{self.home / 'lib'}/*",
            CLASSES[role],
            "--configDir",
            str(self.conf),
            *dynamic,
        ]
        proc = subprocess.Popen(
            command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        if role == "jm":
            self.jm = proc
        else:
            self.tms.append(proc)
        return proc

    def wait_rest(self) -> None:
        poll("the JobManager", lambda: httpx.get(f"{self.rest}/overview", timeout=2).is_success)

    def upload_jar(self) -> str:
        jar = next((self.home / "opt").glob("flink-python-*.jar"))
        with open(jar, "rb") as handle:
            files = {"jarfile": (jar.name, handle)}
            upload = httpx.post(f"{self.rest}/jars/upload", files=files, timeout=120).json()
        return str(upload["filename"]).rsplit("/", 1)[-1]

    def submit(self, jar_id: str, args: list[str], savepoint: str | None = None) -> str:
        """Run the Python job over REST (optionally from a savepoint); returns its job id."""
        body: dict[str, Any] = {
            "entryClass": PYTHON_DRIVER,
            "programArgsList": args,
            "parallelism": 1,
        }
        if savepoint:
            body["savepointPath"] = savepoint
        response = httpx.post(f"{self.rest}/jars/{jar_id}/run", json=body, timeout=180)
        return str(response.json()["jobid"])

    def stop_with_savepoint(self, job_id: str) -> str:
        """`POST /jobs/<id>/stop`, polled until the savepoint is COMPLETED; returns its path."""
        body = {"targetDirectory": self.savepoints.as_uri(), "drain": False}
        request = httpx.post(f"{self.rest}/jobs/{job_id}/stop", json=body, timeout=30).json()
        url = f"{self.rest}/jobs/{job_id}/savepoints/{request['request-id']}"

        def completed() -> dict[str, Any] | None:
            result: dict[str, Any] = httpx.get(url, timeout=5).json()
            return result if result["status"]["id"] == "COMPLETED" else None

        operation = poll("the stop-with-savepoint", completed)["operation"]
        if "location" not in operation:
            raise SystemExit(f"stop-with-savepoint failed: {operation}")
        return str(operation["location"])

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 one JVM (and its process group: the Python driver it forked)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc in self.tms:
            self.tms.remove(proc)

    def close(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
