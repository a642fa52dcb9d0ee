"""`scurry up` / `scurry down` with a real background server, and an unreachable server."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from clikit import LiveServer, Run, free_port

from scurry.cli.serverproc import live_process, read_pidfile
from scurry.errors import Conflict, InvalidInput, Unavailable


def test_an_unreachable_server_is_one_line(cli: Run) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    result = cli("--server", url, "get", "flinkdep")

    assert result.code == Unavailable.exit_code
    assert (
        result.err
        == f"error: cannot reach the scurry server at {url}: is it running? (scurry up)\n"
    )


def test_scurry_server_env_is_the_default_server(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("SCURRY_SERVER", url)

    result = cli("get", "flinkdep")

    assert url in result.err


@pytest.fixture
def reaper(installation: Path) -> Iterator[None]:
    """Whatever happens in the test, no background server outlives it."""
    yield
    process = live_process(read_pidfile(installation / "run" / "server.pid"))
    if process is not None:
        process.kill()


@pytest.mark.usefixtures("reaper")
def test_up_and_down_with_a_real_server(
    cli: Run, installation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SCURRY_PORT", str(port))
    pidfile = installation / "run" / "server.pid"

    up = cli("up", "--timeout", "60s")
    if up.code != 0:
        log = (installation / "logs" / "server.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"scurry up failed ({up.code}): {up.err}\n{log}")
    record = json.loads(pidfile.read_text())
    again = cli("up")
    listed = cli("get", "flinkdep")
    down = cli("down", "--all")
    down_again = cli("down")

    assert up.out == f"scurry is running at {url}\n"
    assert record["url"] == url
    assert again.out == f"scurry is already running at {url}\n"
    assert (listed.code, listed.err) == (0, "No resources found in default namespace.\n")
    assert (down.code, down.out) == (0, "scurry stopped\n")
    assert not psutil.pid_exists(record["pid"])
    assert not pidfile.exists()
    assert (down_again.code, down_again.out) == (0, "scurry is not running\n")


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello, I am not scurry")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def foreign_port() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_up_refuses_a_port_taken_by_another_program(
    cli: Run, foreign_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCURRY_PORT", str(foreign_port))

    result = cli("up")

    assert result.code == Conflict.exit_code
    assert f"port {foreign_port} on 127.0.0.1 is taken by another program" in result.err
    assert "SCURRY_PORT" in result.err
    assert len(result.err.splitlines()) == 1


def test_up_refuses_another_installations_server(
    cli: Run, live: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCURRY_HOME", str(tmp_path / "elsewhere"))

    result = cli("--server", live.url, "up")

    assert result.code == Conflict.exit_code
    assert "another scurry installation" in result.err


def test_up_finds_this_installations_server(cli: Run, live: LiveServer) -> None:
    result = cli("--server", live.url, "up")

    assert (result.code, result.out) == (0, f"scurry is already running at {live.url}\n")


def test_down_when_nothing_runs(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCURRY_PORT", str(free_port()))

    result = cli("down")

    assert (result.code, result.out) == (0, "scurry is not running\n")


@pytest.mark.usefixtures("reaper")
def test_up_reports_a_server_that_dies(
    cli: Run, installation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCURRY_PORT", str(free_port()))
    monkeypatch.setenv("SCURRY_DATABASE_URL", "nosuchdb://nowhere")  # the server cannot start

    result = cli("up", "--timeout", "60s")

    assert result.code == 1
    assert "the scurry server exited" in result.err.splitlines()[-1]
    assert "nosuchdb" in result.err  # the last lines of the server log
    assert not (installation / "run" / "server.pid").exists()


def test_invalid_settings_are_one_line(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCURRY_PORT", "eighty")

    result = cli("get", "flinkdep")

    assert result.code == InvalidInput.exit_code
    assert result.err.startswith("error: SCURRY_PORT: ")
    assert len(result.err.splitlines()) == 1
