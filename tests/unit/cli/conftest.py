"""Fixtures for the CLI tests: an isolated installation, a live API server, the CLI itself."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import LiveServer, Result, Run

from scurry.cli.app import main


@pytest.fixture(autouse=True)
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SCURRY_HOME, and no SCURRY_* setting of the machine."""
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_PORT", "SCURRY_USRLIB"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("SCURRY_HOME", str(home))
    return home


@pytest.fixture
def live(installation: Path) -> Iterator[LiveServer]:
    server = LiveServer(installation)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `scurry ARGS` through `main`; `stdin=` feeds standard input."""

    def run(*args: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def scurry(cli: Run, live: LiveServer) -> Run:
    """The CLI pointed (`--server`) at the live server."""

    def run(*args: str, stdin: str | None = None) -> Result:
        return cli("--server", live.url, *args, stdin=stdin)

    return run
