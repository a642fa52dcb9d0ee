"""Startup overhead of scurry over bare Flink, measured in one run.

Floor: start a JobManager and a TaskManager by hand (the wheel's JVMs, memory flags
from BashJavaUtils), upload the flink-python jar, submit the quickstart job over
REST and wait until all its tasks run. Measured: `scurry apply` of the same job
against a running control plane, until Flink reports all tasks running. Prints both
(median of --rounds runs, alternating) and the ratio.

    .venv/bin/python bench/startup.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "src" / "scurry" / "examples" / "quickstart"
TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(what: str, check: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def all_tasks_running(rest: str, job_id: str) -> bool:
    details = httpx.get(f"{rest}/jobs/{job_id}", timeout=5).json()
    vertices = details.get("vertices", [])
    return details.get("state") == "RUNNING" and all(v["status"] == "RUNNING" for v in vertices)


# -- the floor: Flink by hand ------------------------------------------------------


def flink_home() -> Path:
    import pyflink

    return Path(pyflink.__file__).parent


def java_options(home: Path) -> list[str]:
    config = yaml.safe_load((home / "conf" / "config.yaml").read_text())
    return str(config["env"]["java"]["opts"]["all"]).split()


def memory_flags(home: Path, conf: Path, role: str) -> tuple[list[str], list[str]]:
    dist = next((home / "lib").glob("flink-dist-*.jar"))
    params = "GET_JM_RESOURCE_PARAMS" if role == "jm" else "GET_TM_RESOURCE_PARAMS"
    out = subprocess.run(
        [
            "java",
            "-cp",
            f"{home / 'bin' / 'bash-java-utils.jar'}:{dist}",
            "org.apache.flink.runtime.util.bash.BashJavaUtils",
            params,
            "--configDir",
            str(conf),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.split(":", 1)[1] for line in out.splitlines() if line.startswith("BASH_JAVA")]
    return lines[-2].split(), lines[-1].split()


def bare_flink_run(workdir: Path, usrlib: Path) -> float:
    home = flink_home()
    conf, log = workdir / "conf", workdir / "log"
    conf.mkdir(parents=True)
    log.mkdir()
    rest_port = free_port()
    config = {
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.bind-host": "127.0.0.1",
        "jobmanager.rpc.port": free_port(),
        "blob.server.port": free_port(),
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": rest_port,
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
    (conf / "config.yaml").write_text(yaml.safe_dump(config))
    shutil.copy(home / "conf" / "log4j-console.properties", conf)
    env = dict(
        os.environ,
        FLINK_CONF_DIR=str(conf),
        FLINK_LIB_DIR=str(home / "lib"),
        FLINK_OPT_DIR=str(home / "opt"),
        FLINK_PLUGINS_DIR=str(home / "plugins"),
    )
    classes = {
        "jm": "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
        "tm": "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
    }
    procs: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    try:
        for role in ("jm", "tm"):
            jvm, dynamic = memory_flags(home, conf, role)
            command = [
                "java",
                *jvm,
                *java_options(home),
                f"-Dlog.file={log / role}.log",
                f"-Dlog4j.configurationFile=file:{conf / 'log4j-console.properties'}",
                "-cp",
                f"{home / 'lib'}/*",
                classes[role],
                "--configDir",
                str(conf),
                *dynamic,
            ]
            procs.append(
                subprocess.Popen(
                    command,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        rest = f"http://127.0.0.1:{rest_port}"
        poll("the JobManager", lambda: httpx.get(f"{rest}/overview", timeout=2).status_code == 200)
        jar = next((home / "opt").glob("flink-python-*.jar"))
        with open(jar, "rb") as handle:
            upload = httpx.post(
                f"{rest}/jars/upload", files={"jarfile": (jar.name, handle)}, timeout=120
            ).json()
        jar_id = upload["filename"].rsplit("/", 1)[-1]
        body = {
            "entryClass": "org.apache.flink.client.python.PythonDriver",
            "programArgsList": [
                "-py",
                str(usrlib / "python_streaming.py"),
                "--output",
                str(workdir / "output"),
            ],
            "parallelism": 1,
        }
        job_id = httpx.post(f"{rest}/jars/{jar_id}/run", json=body, timeout=120).json()["jobid"]
        poll("the job", lambda: all_tasks_running(rest, job_id))
        return time.monotonic() - started
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- measured: scurry apply ------------------------------------------------------------


class ControlPlane:
    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ, SCURRY_HOME=str(home), SCURRY_PORT=str(self.port), SCURRY_SERVER=self.url
        )
        with open(home / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scurry", "server"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        poll("scurry", lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200)

    def scurry(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "scurry", *args],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def status(self, name: str) -> dict[str, Any]:
        path = f"/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments/{name}"
        response = httpx.get(f"{self.url}{path}", timeout=5)
        return response.json().get("status", {}) if response.status_code == 200 else {}

    def rest_url(self, name: str) -> str:
        import json

        state = json.loads((self.home / "clusters" / "default" / name / "state.json").read_text())
        return f"http://127.0.0.1:{state['ports']['rest']}"

    def run(self, manifest: Path, name: str) -> float:
        started = time.monotonic()
        self.scurry("apply", "-f", str(manifest))

        def running() -> bool:
            job_id = self.status(name).get("jobStatus", {}).get("jobId")
            return bool(job_id) and all_tasks_running(self.rest_url(name), job_id)

        poll(f"{name} to run", running)
        elapsed = time.monotonic() - started
        self.scurry("delete", "flinkdeployment", name, "--wait")
        return elapsed

    def close(self) -> None:
        self.scurry("down", "--all")
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scurry-bench-") as tmp:
        root = Path(tmp)
        usrlib = root / "home" / "usrlib"
        usrlib.mkdir(parents=True)
        shutil.copy(EXAMPLE / "python_streaming.py", usrlib)
        manifest = root / "bench.yaml"
        doc = yaml.safe_load((EXAMPLE / "deployment.yaml").read_text())
        plane = ControlPlane(root / "home")
        floors, measured = [], []
        try:
            for round_ in range(args.rounds):
                floors.append(bare_flink_run(root / f"floor-{round_}", usrlib))
                doc["metadata"]["name"] = f"bench-{round_}"
                manifest.write_text(yaml.safe_dump(doc))
                measured.append(plane.run(manifest, f"bench-{round_}"))
                print(f"round {round_ + 1}: floor {floors[-1]:.1f}s, scurry {measured[-1]:.1f}s")
        finally:
            plane.close()
    floor, scurry = statistics.median(floors), statistics.median(measured)
    print(f"bare Flink (JM+TM by hand, REST submit) -> RUNNING: median {floor:.1f}s")
    print(f"scurry apply -> RUNNING:                        median {scurry:.1f}s")
    print(f"ratio scurry / floor: {scurry / floor:.2f}")


if __name__ == "__main__":
    main()
