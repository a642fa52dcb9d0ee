"""Structured logs: one JSON object per line with time, level, logger, message, extras."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scurry.config.logformat import JsonFormatter


def record(message: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    rec = logging.LogRecord("scurry.test", logging.WARNING, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_a_record_is_one_json_object() -> None:
    line = JsonFormatter().format(record("scaled %s to %d", "map", 4, deployment="d1"))
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "scurry.test"
    assert entry["message"] == "scaled map to 4"
    assert entry["deployment"] == "d1"
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_exceptions_are_kept_in_one_field() -> None:
    entry = json.loads(JsonFormatter().format(record("failed", exc=True)))
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.timeout(120)
def test_the_server_logs_json_when_asked(tmp_path: Path) -> None:
    """`scurry server` with SCURRY_LOG_FORMAT=json: every line it logs parses as JSON."""
    with socket.socket() as taken:  # a port in use: the server starts, logs, and gives up
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            **os.environ,
            "SCURRY_HOME": str(tmp_path),
            "SCURRY_LOG_FORMAT": "json",
            "SCURRY_PORT": str(taken.getsockname()[1]),
        }
        done = subprocess.run(
            [sys.executable, "-m", "scurry", "server", "--no-controller"],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    logged = [line for line in done.stderr.splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in logged]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    loggers = {e["logger"] for e in entries}
    assert "uvicorn.error" in loggers, done.stderr  # uvicorn's own lines are JSON too
