"""The Flink web UI a statement runs on: its shared pool's cluster, through the server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from clikit import FakeRuntime, LiveServer, Run

from scurry.cli.flink import routes
from scurry.cli.flink.connection import Connection
from scurry.cli.flink.webui_forward import forwarder
from scurry.models.cluster import ClusterObservation, ClusterRef, JobManagerState

ENV, NAMESPACE = "sql-env", "sql-ns"
OVERVIEW = b'{"taskmanagers":1,"flink-version":"2.3.0"}'


class Dashboard(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        found = self.path.startswith("/overview")
        body = OVERVIEW if found else b'{"errors":["Not found"]}'
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


class ReportingRuntime(FakeRuntime):
    def __init__(self) -> None:
        super().__init__()
        self.observations: dict[ClusterRef, ClusterObservation] = {}

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        return self.observations.get(ref, ClusterObservation.absent())


@pytest.fixture
def dashboard() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Dashboard)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def live(installation: Path) -> Iterator[LiveServer]:
    server = LiveServer(installation, runtime=ReportingRuntime())
    server.start()
    yield server
    server.stop()


def test_a_statements_web_ui_is_its_pools_dashboard(
    scurry: Run, live: LiveServer, dashboard: str, tmp_path: Path
) -> None:
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", NAMESPACE).code == 0
    pool = tmp_path / "pool.yaml"
    cluster = {"jobManager": {"resource": {"memory": "1024m", "cpu": 1}}}
    body = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "ComputePool",
        "metadata": {"name": "shared"},
        "spec": {"type": "SHARED", "clusterSpec": {"flinkVersion": "v1_19", **cluster}},
    }
    pool.write_text(yaml.safe_dump(body))
    assert scurry("flink", "compute-pool", "create", str(pool), "--environment", ENV).code == 0
    made = scurry(
        "flink",
        "statement",
        "create",
        "show-tables",
        "--sql",
        "SHOW TABLES",
        "--environment",
        ENV,
        "--compute-pool",
        "shared",
    )
    assert made.code == 0, made.err
    base = f"{live.url}{routes.statement_web_ui(ENV, 'show-tables')}"
    assert httpx.get(f"{base}/overview").status_code == 404  # no cluster yet
    runtime = live.runtime
    assert isinstance(runtime, ReportingRuntime)
    runtime.observations[ClusterRef(namespace=NAMESPACE, name="pool-shared")] = ClusterObservation(
        exists=True, job_manager=JobManagerState.READY, rest_url=dashboard
    )
    assert httpx.get(f"{base}/overview").content == OVERVIEW
    local = forwarder(Connection(url=live.url), routes.statement_web_ui(ENV, "show-tables"))
    thread = threading.Thread(target=local.serve_forever, daemon=True)
    thread.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{local.port}/overview").content == OVERVIEW
    finally:
        local.shutdown()
        local.server_close()
