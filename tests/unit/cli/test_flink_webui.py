"""The Flink web UI of an application: the server's proxy route and `web-ui-forward`.

The JobManager here is a small HTTP server answering like Flink's dashboard
(an index page with relative links, `/overview`); the runtime reports it as
the application's READY JobManager. Everything between the browser and it is
the real server route and the real forwarder.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from clikit import FakeRuntime, LiveServer, Run, eventually, free_port
from cmfclikit import cli_input

from scurry.cli.flink import routes
from scurry.cli.flink.connection import Connection
from scurry.cli.flink.webui_forward import forwarder
from scurry.models.cluster import ClusterObservation, ClusterRef, JobManagerState

ENV, APP, NAMESPACE = "default", "default-application-1", "flink-ns"
INDEX = b'<html><head><base href="./"><script src="runtime.js"></script></head></html>'


@dataclass
class Seen:
    """What the fake JobManager was asked last."""

    method: str = ""
    path: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class JobManagerHandler(http.server.BaseHTTPRequestHandler):
    server: JobManager

    def do_GET(self) -> None:
        self.record()
        if self.path == "/":
            self.answer(200, "text/html", INDEX)
        elif self.path.startswith("/overview"):
            self.answer(200, "application/json", b'{"taskmanagers":1,"flink-version":"2.3.0"}')
        else:
            self.answer(
                404, "application/json", b'{"errors":["Not found: ' + self.path.encode() + b'"]}'
            )

    def do_HEAD(self) -> None:
        self.record()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(INDEX)))
        self.end_headers()

    def do_POST(self) -> None:
        self.record()
        self.answer(
            200, "application/json", json.dumps({"received": len(self.server.seen.body)}).encode()
        )

    def record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen = Seen(
            self.command,
            self.path,
            self.rfile.read(length),
            {k.lower(): v for k, v in self.headers.items()},
        )

    def answer(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


class JobManager(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), JobManagerHandler)
        self.seen = Seen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReportingRuntime(FakeRuntime):
    """The CLI tests' fake runtime, reporting the observations a test sets."""

    def __init__(self) -> None:
        super().__init__()
        self.observations: dict[ClusterRef, ClusterObservation] = {}

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        return self.observations.get(ref, ClusterObservation.absent())


@pytest.fixture
def jobmanager() -> Iterator[JobManager]:
    server = JobManager()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def live(installation: Path) -> Iterator[LiveServer]:
    server = LiveServer(installation, runtime=ReportingRuntime())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def deployed(scurry: Run, live: LiveServer, jobmanager: JobManager) -> str:
    """An application whose JobManager is up; the UI's base URL on the server."""
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", NAMESPACE).code == 0
    file = cli_input("application__create-with-non-existent-environment.json")
    assert scurry("flink", "app", "create", file, "--environment", ENV).code == 0
    runtime = live.runtime
    assert isinstance(runtime, ReportingRuntime)
    runtime.observations[ClusterRef(namespace=NAMESPACE, name=APP)] = ClusterObservation(
        exists=True, job_manager=JobManagerState.READY, rest_url=jobmanager.url
    )
    return f"{live.url}{routes.web_ui(ENV, APP)}"


def test_the_dashboard_and_its_rest_calls_through_the_server(
    deployed: str, jobmanager: JobManager
) -> None:
    index = httpx.get(f"{deployed}/")
    overview = httpx.get(f"{deployed}/overview", params={"x": "1"})

    assert index.status_code == 200
    assert index.content == INDEX
    assert index.headers["content-type"] == "text/html"
    assert overview.json()["taskmanagers"] == 1
    assert jobmanager.seen.path == "/overview?x=1"


def test_the_prefix_without_its_slash_redirects(deployed: str) -> None:
    answer = httpx.get(deployed, params={"a": "b"})
    followed = httpx.get(deployed, follow_redirects=True)

    assert answer.status_code == 307
    assert answer.headers["location"] == "flink-web-ui/?a=b"
    assert followed.content == INDEX


def test_bodies_and_headers_go_through_and_credentials_do_not(
    deployed: str, jobmanager: JobManager
) -> None:
    answer = httpx.post(
        f"{deployed}/jars/upload",
        content=b"x" * 3_000_000,
        headers={"Authorization": "Bearer scurry-token", "X-Custom": "kept"},
    )

    assert answer.json() == {"received": 3_000_000}
    assert jobmanager.seen.method == "POST"
    assert jobmanager.seen.headers["x-custom"] == "kept"
    assert "authorization" not in jobmanager.seen.headers


def test_flinks_own_errors_come_back_as_they_are(deployed: str) -> None:
    answer = httpx.get(f"{deployed}/jobs/unknown")

    assert answer.status_code == 404
    assert answer.json() == {"errors": ["Not found: /jobs/unknown"]}


def test_missing_application_or_cluster_is_404(deployed: str, live: LiveServer) -> None:
    runtime = live.runtime
    assert isinstance(runtime, ReportingRuntime)
    unknown_app = httpx.get(f"{live.url}{routes.web_ui(ENV, 'no-such-app')}/")
    unknown_env = httpx.get(f"{live.url}{routes.web_ui('no-such-env', APP)}/")
    runtime.observations.clear()
    no_cluster = httpx.get(f"{deployed}/overview")

    for answer in (unknown_app, unknown_env, no_cluster):
        assert answer.status_code == 404, answer.text
        assert set(answer.json()) == {"errors"}
    assert "has no Flink cluster" in no_cluster.json()["errors"][0]["message"]


def test_a_jobmanager_not_serving_is_503(
    deployed: str, live: LiveServer, jobmanager: JobManager
) -> None:
    runtime = live.runtime
    assert isinstance(runtime, ReportingRuntime)
    ref = ClusterRef(namespace=NAMESPACE, name=APP)
    runtime.observations[ref] = ClusterObservation(
        exists=True, job_manager=JobManagerState.STARTING
    )
    starting = httpx.get(f"{deployed}/overview")
    closed = f"http://127.0.0.1:{free_port()}"
    runtime.observations[ref] = ClusterObservation(
        exists=True, job_manager=JobManagerState.READY, rest_url=closed
    )
    unreachable = httpx.get(f"{deployed}/overview")

    assert starting.status_code == 503
    assert "not serving yet (it is STARTING)" in starting.json()["errors"][0]["message"]
    assert unreachable.status_code == 503
    assert "is not reachable" in unreachable.json()["errors"][0]["message"]


@contextlib.contextmanager
def forwarding(live: LiveServer) -> Iterator[str]:
    server = forwarder(Connection(url=live.url), routes.web_ui(ENV, APP))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_forwarder_serves_the_dashboard_on_a_local_port(
    deployed: str, live: LiveServer, jobmanager: JobManager
) -> None:
    with forwarding(live) as local:
        index = httpx.get(f"{local}/")
        overview = httpx.get(f"{local}/overview")
        posted = httpx.post(f"{local}/jars/upload", content=b"abc")
        head = httpx.head(f"{local}/")

    assert index.content == INDEX
    assert overview.json()["flink-version"] == "2.3.0"
    assert posted.json() == {"received": 3}
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(INDEX))
    assert head.content == b""


def test_forward_of_a_missing_application(scurry: Run, live: LiveServer) -> None:
    assert scurry("flink", "env", "create", ENV, "--kubernetes-namespace", NAMESPACE).code == 0

    result = scurry("flink", "app", "web-ui-forward", "non-existent", "--environment", ENV)
    bad_port = scurry("flink", "app", "web-ui-forward", APP, "--environment", ENV, "--port", "-30")

    assert result.code == 1
    assert result.err.startswith(
        'Error: failed to forward web UI: failed to describe application "non-existent" in '
        'the environment "default": '
    )
    assert bad_port.code == 2
    assert bad_port.err.startswith("Error: Invalid value for '--port'")


def test_the_command_forwards_until_interrupted(deployed: str, live: LiveServer) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "scurry",
        "--server",
        live.url,
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
        eventually(lambda: _answers(f"http://127.0.0.1:{port}/overview"), timeout=30)
        overview = httpx.get(f"http://127.0.0.1:{port}/overview")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)

    assert overview.json()["taskmanagers"] == 1
    assert out.decode().startswith(
        f"Starting web UI at http://localhost:{port}/ ... (Press Ctrl-C to stop)"
    )
    assert process.returncode == 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
