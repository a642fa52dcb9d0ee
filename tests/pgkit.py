"""A real PostgreSQL for the tests: `initdb` and `pg_ctl` on a free loopback port.

The server lives in a temporary directory for one test session and is
stopped (`pg_ctl stop -m immediate`) and removed however the session ends.
Each test gets a database of its own (`fresh_database`), dropped afterwards.
PostgreSQL refuses to run as root, so under root the server runs as the
`postgres` user (or `nobody`) in a directory handed to that user.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "scurry"
START_ATTEMPTS = 3
# Durability is not what these tests are about; speed is.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """The newest `/usr/lib/postgresql/*/bin` (or `SCURRY_PG_BINDIR`, or PATH) with the tools."""
    configured = os.environ.get("SCURRY_PG_BINDIR")
    candidates = [Path(configured)] if configured else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: _version(p.parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    """The user to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable("running as root and no unprivileged user to run PostgreSQL as")


@dataclass
class PostgresServer:
    """A running server; `url(db)` is a SQLAlchemy URL for one of its databases."""

    bindir: Path
    root: Path
    user: str | None
    port: int = 0
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bindir / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            user=self.user,
            cwd=self.root,
            check=False,
        )

    def init(self) -> None:
        arguments = ["-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"]
        done = self.run("initdb", *arguments, "--locale=C", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        """Start on a free loopback port (another process may take it first: try again)."""
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            settings = [f"-c {setting}" for setting in FAST_SETTINGS]
            options = " ".join(
                [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}", *settings]
            )
            done = self.run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
            )
            if done.returncode == 0:
                return
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {done.stderr or done.stdout}\n{log}")

    def stop(self) -> None:
        if self.data.joinpath("postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def admin(self, statement: str) -> None:
        """Run one statement in the `postgres` database, outside a transaction."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new, empty database for one test: its URL; dropped (connections and all) after."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the duration of the block; raises PostgresUnavailable if none."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin "
            "or on PATH: install the postgresql package (apt-get install -y postgresql)"
        )
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="scurry-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bindir, root, user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
