"""The Flink web UI with authentication on: the server's proxy route and `web-ui-forward`.

The server is the real app on uvicorn over TLS, asking for client certificates and
taking bearer tokens (the way `scurry server` serves it); the JobManager is a small
HTTP server the runtime reports as the application's. The forwarder must present the
CLI's credentials (token or client certificate) on every request, so that the web UI
works on the local port with the rights of whoever runs the command, and none of those
credentials may reach Flink.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from authkit import CertificateAuthority, write_bindings, write_tokens

from scurry.cli.app import main
from scurry.cli.flink import routes
from scurry.cli.flink.connection import Connection
from scurry.cli.flink.webui_forward import forwarder
from scurry.models.cluster import ClusterObservation, ClusterRef, JobManagerState
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.live_server import LiveApi, live_api

ENV, APP, NAMESPACE = "team-dev", "dashboard", "flink-dev"
ROOT, ALICE, BOB = "root-token", "alice-token", "bob-token"  # admin, viewer of team-dev, nobody
OVERVIEW = b'{"taskmanagers":1}'
WAIT = 30.0


class JobManagerHandler(http.server.BaseHTTPRequestHandler):
    server: JobManager

    def do_GET(self) -> None:
        self.server.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(OVERVIEW)))
        self.end_headers()
        self.wfile.write(OVERVIEW)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        return None


class JobManager(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), JobManagerHandler)
        self.seen: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReportingRuntime(FakeRuntime):
    """Reports the JobManager above as the application's, READY."""

    def __init__(self, jobmanager: JobManager) -> None:
        super().__init__()
        self.jobmanager = jobmanager

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        if ref != ClusterRef(namespace=NAMESPACE, name=APP):
            return ClusterObservation.absent()
        return ClusterObservation(
            exists=True, job_manager=JobManagerState.READY, rest_url=self.jobmanager.url
        )


@dataclass
class Secured:
    """The server with auth on, its CA, and carol's client certificate (editor of team-dev)."""

    api: LiveApi
    ca: Path
    carol: tuple[Path, Path]
    jobmanager: JobManager

    @property
    def ui(self) -> str:
        return self.api.url + routes.web_ui(ENV, APP)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(verify=ssl.create_default_context(cafile=self.ca), headers=headers)


@pytest.fixture
def jobmanager() -> Iterator[JobManager]:
    server = JobManager()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def secured(tmp_path: Path, jobmanager: JobManager) -> Iterator[Secured]:
    ca = CertificateAuthority("scurry test CA")
    certs = tmp_path / "certs"
    server_cert, server_key = ca.server().write(certs, "server")
    tokens = write_tokens(
        tmp_path / "tokens.yaml", {ROOT: ("root", []), ALICE: ("alice", []), BOB: ("bob", [])}
    )
    bindings = write_bindings(
        tmp_path / "bindings.yaml",
        {"role": "cluster-admin", "principals": ["root"]},
        {"role": "viewer", "environments": [ENV], "principals": ["alice"]},
        {"role": "editor", "environments": [ENV], "principals": ["carol"]},
    )
    with live_api(
        tmp_path / "home",
        runtime=ReportingRuntime(jobmanager),
        tls_cert_file=server_cert,
        tls_key_file=server_key,
        tls_client_ca_file=ca.write(certs),
        auth_tokens_file=tokens,
        auth_bindings_file=bindings,
    ) as api:
        secured = Secured(
            api, certs / "ca.crt", ca.client("carol").write(certs, "carol"), jobmanager
        )
        with secured.client(ROOT) as admin:
            v1 = api.url + "/cmf/api/v1"
            env = {"name": ENV, "kubernetesNamespace": NAMESPACE}
            assert admin.post(f"{v1}/environments", json=env).is_success
            created = admin.post(f"{v1}/environments/{ENV}/applications", json=application())
            assert created.is_success, created.text
        yield secured


def application() -> dict[str, object]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": APP},
        "spec": {
            "flinkVersion": "v1_19",
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 1},
        },
    }


@contextlib.contextmanager
def forwarding(connection: Connection) -> Iterator[str]:
    server = forwarder(connection, routes.web_ui(ENV, APP))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_proxy_route_authenticates_and_authorizes(secured: Secured) -> None:
    with secured.client() as anonymous, secured.client(ALICE) as alice:
        nobody = anonymous.get(f"{secured.ui}/overview")
        viewer = alice.get(f"{secured.ui}/overview")
        viewer_upload = alice.post(f"{secured.ui}/jars/upload", content=b"jar")
    with secured.client(BOB) as bob:
        stranger = bob.get(f"{secured.ui}/overview")

    assert nobody.status_code == 401
    assert viewer.status_code == 200
    assert viewer.content == OVERVIEW
    assert viewer_upload.status_code == 403, "uploading a jar is a write"
    assert stranger.status_code == 403
    assert len(secured.jobmanager.seen) == 1, "only the allowed request reached Flink"
    assert "authorization" not in secured.jobmanager.seen[0]


def test_the_forwarder_presents_the_clis_token(secured: Secured) -> None:
    alice = Connection(url=secured.api.url, certificate_authority=secured.ca, token=ALICE)
    with forwarding(alice) as local:
        overview = httpx.get(f"{local}/overview")
        upload = httpx.post(f"{local}/jars/upload", content=b"jar")
    with forwarding(Connection(url=secured.api.url, certificate_authority=secured.ca)) as local:
        anonymous = httpx.get(f"{local}/overview")

    assert overview.status_code == 200
    assert overview.content == OVERVIEW
    assert upload.status_code == 403, "the forwarder acts with alice's rights, no more"
    assert anonymous.status_code == 401
    assert [list(seen).count("authorization") for seen in secured.jobmanager.seen] == [0]


def test_the_forwarder_presents_the_clis_client_certificate(secured: Secured) -> None:
    cert, key = secured.carol
    carol = Connection(
        url=secured.api.url, client_cert=cert, client_key=key, certificate_authority=secured.ca
    )
    with forwarding(carol) as local:
        overview = httpx.get(f"{local}/overview")
        upload = httpx.post(f"{local}/jars/upload", content=b"jar")

    assert overview.status_code == 200
    assert upload.status_code == 200, "carol edits team-dev"
    assert len(secured.jobmanager.seen) == 2


def test_the_command_forwards_with_scurry_token(secured: Secured, tmp_path: Path) -> None:
    port = _free_port()
    command = [
        *(sys.executable, "-m", "scurry", "flink", "application", "web-ui-forward", APP),
        *("--environment", ENV, "--port", str(port), "--url", secured.api.url),
        *("--certificate-authority-path", str(secured.ca)),
    ]
    environment = dict(
        os.environ, SCURRY_TOKEN=ALICE, SCURRY_HOME=str(tmp_path / "cli"), PYTHONUNBUFFERED="1"
    )
    environment.pop("SCURRY_URL", None)
    refused = subprocess.run(
        command,
        env={k: v for k, v in environment.items() if k != "SCURRY_TOKEN"},
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        started = process.stdout.readline()  # printed once the port listens
        overview = httpx.get(f"http://127.0.0.1:{port}/overview", timeout=WAIT)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=WAIT)

    assert refused.returncode == 1
    assert 'failed to describe application "dashboard"' in refused.stderr
    assert started.startswith(f"Starting web UI at http://localhost:{port}/")
    assert overview.status_code == 200
    assert overview.content == OVERVIEW
    assert process.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_flink_commands_take_the_credential_flags_anywhere(
    secured: Secured, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry point hoists credential flags to the root command: `scurry flink` must
    still use them (it used to drop them, and then the server's CA was unknown)."""
    cert, key = secured.carol
    describe = ["flink", "application", "describe", APP, "--environment", ENV]
    connection = ["--url", secured.api.url, "--certificate-authority-path", str(secured.ca)]

    with_cert = main(
        [*describe, *connection, "--client-cert-path", str(cert), "--client-key-path", str(key)]
    )
    described = capsys.readouterr().out
    without = main([*describe, *connection])

    assert with_cert == 0
    assert APP in described
    assert without == 1
    assert "authentication required" in capsys.readouterr().err
