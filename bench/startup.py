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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from bareflink import EXAMPLE, BareCluster, all_tasks_running, free_port, poll


def bare_flink_run(workdir: Path, usrlib: Path) -> float:
    cluster = BareCluster(workdir)
    started = time.monotonic()
    try:
        cluster.start("jm")
        cluster.start("tm")
        cluster.wait_rest()
        jar_id = cluster.upload_jar()
        args = ["-py", str(usrlib / "python_streaming.py"), "--output", str(workdir / "output")]
        job_id = cluster.submit(jar_id, args)
        poll("the job", lambda: all_tasks_running(cluster.rest, job_id))
        return time.monotonic() - started
    finally:
        cluster.close()


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
        # Not `scurry down --all`: it waits for the server to exit, but the server is our
        # child and stays a zombie until we reap it, so `down` fails after 30 s + SIGKILL.
        httpx.post(f"{self.url}/admin/stop-clusters", timeout=120)
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
