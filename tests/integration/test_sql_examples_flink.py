"""examples/sql on real Flink, run exactly as examples/sql/README.md says.

The README's shell commands are read from it and run one by one (with the
test's control plane as `scurry`'s server and home), so that a command that
stops working there fails here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flinkkit import ControlPlane, wait_for

pytestmark = pytest.mark.flink

REPO = Path(__file__).resolve().parents[2]
README = REPO / "examples" / "sql" / "README.md"
OUTPUT = Path("/tmp/scurry-sql-examples")
ENV = "sql-examples"
TIMEOUT = 300.0


def readme_commands() -> list[str]:
    """Every command line of the README's bash blocks, comments left out."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def run(plane: ControlPlane, command: str) -> str:
    """One README line through bash, `scurry` being this checkout's CLI on `plane`."""
    command = command.replace("~/.local/share/scurry", str(plane.home))
    env = {**plane.env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert "Error:" not in done.stdout, f"{command}\n{done.stdout}"
    return done.stdout


def csv_rows(directory: Path) -> int:
    files = [p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return sum(len(p.read_text().splitlines()) for p in files)


def test_the_sql_examples_run_as_their_readme_says(control_plane: ControlPlane) -> None:
    plane = control_plane
    commands = readme_commands()
    assert len(commands) == 8, commands
    shutil.rmtree(OUTPUT / "orders", ignore_errors=True)  # only this test writes there
    try:
        run(plane, commands[0])
        run(plane, commands[1])
        datagen = run(plane, commands[2])
        assert re.search(r"\|\s+10\s+\|", datagen), datagen
        assert "10 rows in set" in datagen, datagen
        sink = run(plane, commands[3])
        assert "it runs on as a Flink job" in sink, sink
        windows = run(plane, commands[4])
        assert "revenue" in windows, windows
        assert "17 rows in set" in windows, windows  # 1000 event seconds: 17 minutes
        wait_for(
            "the detached INSERT to write all 1000 orders",
            lambda: csv_rows(OUTPUT / "orders") >= 1000,
            TIMEOUT,
        )
        for command in commands[5:]:
            run(plane, command)
        wait_for(
            "the SQL-runner application to run",
            lambda: (
                (plane.status("sql-runner-example").get("jobStatus") or {}).get("state")
                == "RUNNING"
            ),
            TIMEOUT,
        )
    finally:
        cleanup(plane)


def cleanup(plane: ControlPlane) -> None:
    with contextlib.suppress(Exception):
        plane.api(
            "DELETE",
            "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments/sql-runner-example",
        )
    listed = plane.api("GET", f"/cmf/api/v1/environments/{ENV}/statements", params={"size": 100})
    for item in listed.json().get("items", []) if listed.status_code == 200 else []:
        name = item["metadata"]["name"]
        plane.api("DELETE", f"/cmf/api/v1/environments/{ENV}/statements/{name}")
    plane.api("DELETE", f"/cmf/api/v1/environments/{ENV}/compute-pools/examples")
    endpoint = plane.home / "sql-session" / "endpoint.json"
    if endpoint.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(json.loads(endpoint.read_text())["pid"], signal.SIGTERM)
