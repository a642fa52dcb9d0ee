"""The local SQL engine's record of its session process: adoption and stopping, no JVM."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
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
