"""The Flink web UI of a CMF application on real Flink: through the server and a forwarded port.

The application is created with the `scurry flink` CLI; its dashboard (the
index page, the scripts and styles it names by relative URL) and its REST
calls (`overview`) are fetched through the server's proxy route and through
`scurry flink application web-ui-forward` running as its own process.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from flinkkit import ControlPlane, free_port, wait_for

pytestmark = pytest.mark.flink

ENV, NS, APP = "webui-env", "webui-ns", "webui-app"
UI = f"/cmf/api/v1/environments/{ENV}/applications/{APP}/flink-web-ui"


def application() -> dict[str, object]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": APP},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": ["-py", "/opt/flink/usrlib/python_streaming.py", "--rows-per-second", "10"],
                "parallelism": 1,
                "upgradeMode": "stateless",
            },
        },
    }


@pytest.fixture
def deployed(control_plane: ControlPlane, tmp_path: Path) -> Iterator[ControlPlane]:
    plane = control_plane
    file = tmp_path / "application.yaml"
    file.write_text(yaml.safe_dump(application()))
    assert plane.cli("flink", "environment", "create", ENV, "--kubernetes-namespace", NS) == 0
    assert plane.cli("flink", "application", "create", str(file), "--environment", ENV) == 0
    try:
        yield plane
    finally:
        plane.cli("flink", "application", "delete", APP, "--environment", ENV, "--force")


def overview(base: str) -> dict[str, object] | None:
    answer = httpx.get(f"{base}/overview", timeout=10)
    return answer.json() if answer.status_code == 200 else None


def task_manager_registered(base: str) -> bool:
    answered = overview(base)
    return answered is not None and answered.get("taskmanagers") == 1


def check_dashboard(base: str) -> None:
    """The index page, an asset it names by relative URL, and a REST call, all from `base`."""
    index = httpx.get(f"{base}/", timeout=10)
    assert index.status_code == 200
    assert "<title>Apache Flink Web Dashboard</title>" in index.text
    script = re.search(r'src="(main\.[^"]+\.js)"', index.text)
    assert script is not None, index.text[:500]
    code = httpx.get(f"{base}/{script.group(1)}", timeout=10)
    assert code.status_code == 200
    assert "javascript" in code.headers["content-type"]
    answered = overview(base)
    assert answered is not None
    assert answered["taskmanagers"] == 1
    assert str(answered["flink-version"]).startswith("2.")


@contextlib.contextmanager
def forwarding(plane: ControlPlane, port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        "-m",
        "scurry",
        "--server",
        plane.url,
        "flink",
        "application",
        "web-ui-forward",
        APP,
        "--environment",
        ENV,
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_dashboard_through_the_server_and_a_forwarded_port(deployed: ControlPlane) -> None:
    through_server = f"{deployed.url}{UI}"
    wait_for(
        "the TaskManager, seen through the proxy", lambda: task_manager_registered(through_server)
    )

    check_dashboard(through_server)
    port = free_port()
    with forwarding(deployed, port) as process:
        local = f"http://127.0.0.1:{port}"
        wait_for("the forwarded port", lambda: overview(local) is not None, timeout=60)
        check_dashboard(local)
    out = process.stdout.read().decode() if process.stdout else ""
    assert out.startswith(f"Starting web UI at http://localhost:{port}/")
    assert process.returncode == 0
