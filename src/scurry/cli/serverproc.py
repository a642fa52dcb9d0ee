"""The background control plane as a process: its pidfile, its log, who holds its port.

The pidfile records the pid *and* the process' start time, so a pid reused
by another program after a reboot or a crash is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
import psutil

from scurry.errors import InvalidInput

HEALTH_TIMEOUT = 2.0
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "::")
START_TIME_TOLERANCE = 0.05

State = Literal["ours", "other-scurry", "foreign", "free"]


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def log(self) -> Path:
        return self.home / "logs" / "server.log"

    @property
    def pidfile(self) -> Path:
        return self.home / "run" / "server.pid"


@dataclass(frozen=True)
class PidRecord:
    pid: int
    create_time: float
    url: str


@dataclass(frozen=True)
class Address:
    host: str
    port: int


@dataclass(frozen=True)
class Occupant:
    """Who answers at the server URL: this installation, another scurry, something else, nobody."""

    state: State
    pid: int | None = None
    home: str | None = None


def local_address(url: str) -> Address:
    """Host and port of a server URL that `scurry up` can start a server on."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not (
        host in LOCAL_HOSTS or host.startswith("127.")
    ):
        raise InvalidInput(
            f"scurry up starts a server on this machine, but the server URL is {url} "
            "(set SCURRY_HOST/SCURRY_PORT, or --server to an http://localhost URL)"
        )
    return Address(host, parts.port or 80)


def occupant(
    url: str, address: Address, home: Path, verify: ssl.SSLContext | bool = False
) -> Occupant:
    """Ask `url`/healthz who is there; a silent but open port is someone else's.

    `verify` is the TLS context of an https URL (its CA, the client certificate)."""
    try:
        response = httpx.get(f"{url}/healthz", timeout=HEALTH_TIMEOUT, verify=verify)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return Occupant("foreign" if port_open(address) else "free")
    if not response.is_success or not isinstance(body, dict) or body.get("product") != "scurry":
        return Occupant("foreign")
    theirs = str(body.get("home") or "")
    same = Path(theirs).resolve() == home.resolve()
    pid = body.get("pid") if isinstance(body.get("pid"), int) else None
    return Occupant("ours" if same else "other-scurry", pid, theirs)


def port_open(address: Address) -> bool:
    host = "127.0.0.1" if address.host in ("0.0.0.0", "") else address.host
    host = "::1" if host == "::" else host
    try:
        with socket.create_connection((host, address.port), timeout=HEALTH_TIMEOUT):
            return True
    except OSError:
        return False


def read_pidfile(path: Path) -> PidRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PidRecord(int(data["pid"]), float(data["create_time"]), str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_pidfile(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(record)), encoding="utf-8")
    temporary.replace(path)


def remove_pidfile(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def live_process(record: PidRecord | None) -> psutil.Process | None:
    """The recorded process if it still runs (same pid *and* same start time)."""
    if record is None or record.pid == os.getpid():
        return None
    try:
        process = psutil.Process(record.pid)
        started = process.create_time()
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return None
    if zombie or abs(started - record.create_time) > START_TIME_TOLERANCE:
        return None
    return process


def scurry_server(pid: int | None) -> psutil.Process | None:
    """A `scurry server` process found by its pid (from /healthz), never this process."""
    if pid is None or pid == os.getpid():
        return None
    try:
        process = psutil.Process(pid)
        args = process.cmdline()
    except psutil.Error:
        return None
    if "server" in args and any("scurry" in arg for arg in args):
        return process
    return None


def spawn(
    paths: Paths, address: Address, settings: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `python -m scurry server` detached, its output appended to the server log;
    `settings` are more SCURRY_* variables for it."""
    paths.log.parent.mkdir(parents=True, exist_ok=True)
    env: Mapping[str, str] = {
        **os.environ,
        **(settings or {}),
        "SCURRY_HOME": str(paths.home),
        "SCURRY_HOST": address.host,
        "SCURRY_PORT": str(address.port),
    }
    with paths.log.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "scurry", "server"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )


def record_of(process: subprocess.Popen[bytes], url: str) -> PidRecord:
    try:
        started = psutil.Process(process.pid).create_time()
    except psutil.Error:  # gone already: the record is stale, and the caller sees the exit
        started = 0.0
    return PidRecord(process.pid, started, url)


def exit_status(process: psutil.Process) -> int | None:
    """None while the process runs; then its exit code (-1 when unknown). Reaps our children."""
    try:
        code = process.wait(timeout=0)
    except psutil.TimeoutExpired:
        # A server that is another process's child stays a zombie until that parent
        # reaps it, yet it has ended all the same.
        with contextlib.suppress(psutil.Error):
            if process.status() == psutil.STATUS_ZOMBIE:
                return -1
        return None
    except psutil.Error:
        return -1
    return code if isinstance(code, int) else -1


def log_tail(path: Path, lines: int = 20) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]
