"""The local SQL engine's record of its session process: adoption and stopping, no JVM."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scurry.runtimes.local.sqlsession import ENDPOINT_FILE, TOKEN_FILE, LocalSqlEngine


def record(state_dir: Path, pid: int, port: int = 9) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / ENDPOINT_FILE).write_text(json.dumps({"pid": pid, "port": port}))
    (state_dir / TOKEN_FILE).write_text("secret")


async def test_a_recorded_process_that_does_not_answer_is_not_adopted(tmp_path: Path) -> None:
    record(tmp_path, os.getpid())
    assert await LocalSqlEngine(tmp_path)._adopt() is None


@pytest.fixture
def other() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line names the session module, as the real one's does."""
    script = "import time; time.sleep(60)"
    process = subprocess.Popen(
        [sys.executable, "-c", script, "scurry.sqlrunner.session", "--state-dir", str(tmp_path)]
    )
    yield process
    process.kill()
    process.wait()


async def test_stop_leaves_a_process_that_is_not_the_session_alone(
    tmp_path: Path, other: subprocess.Popen[bytes]
) -> None:
    record(tmp_path, other.pid)
    await LocalSqlEngine(tmp_path).stop()
    assert other.poll() is None  # a reused pid is someone else's process


async def test_stop_terminates_the_recorded_session_process(
    tmp_path: Path, stand_in: subprocess.Popen[bytes]
) -> None:
    record(tmp_path, stand_in.pid)
    await LocalSqlEngine(tmp_path).stop()
    assert await asyncio.to_thread(stand_in.wait, 30) is not None


FAKE_SESSION = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

state_dir = sys.argv[sys.argv.index("--state-dir") + 1]


class Answer(BaseHTTPRequestHandler):
    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer({"ready": True})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer({"pid": os.getpid()})

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Answer)
with open(os.path.join(state_dir, "endpoint.json"), "w") as out:
    json.dump({"pid": os.getpid(), "port": server.server_address[1]}, out)
server.serve_forever()
"""


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """An interpreter stand-in whose `-m scurry.sqlrunner.session` is a tiny HTTP server."""
    script = tmp_path / "fake_session.py"
    script.write_text(FAKE_SESSION)
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


async def test_a_session_process_that_died_is_replaced_without_failing_the_request(
    tmp_path: Path, fake_python: Path
) -> None:
    engine = LocalSqlEngine(tmp_path / "sql-session", python=str(fake_python))
    first = int((await engine._call("POST", "/analyze", {}))["pid"])
    try:
        os.kill(first, 9)
        await asyncio.to_thread(_reap, first)
        second = int((await engine._call("POST", "/analyze", {}))["pid"])
        assert second != first
    finally:
        await engine.stop()
        await engine.close()


def _reap(pid: int) -> None:
    """Wait until `pid` is gone (it is the engine's child: a zombie until reaped)."""
    for _ in range(600):
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if finished:
            return
        time.sleep(0.05)
