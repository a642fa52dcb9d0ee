"""Shared fixtures: the reference material the contract tests read, and the databases.

`store_url` is the one fixture a test asks for to run against every SQL
backend: SQLite (a file) and PostgreSQL (a real server this session starts,
see `pgkit`). Without PostgreSQL binaries the PostgreSQL cases are skipped,
except under CI, where they must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgkit import PostgresServer, PostgresUnavailable, running_postgres
from referencekit import reference_dir

SQL_BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def reference() -> Path:
    found = reference_dir()
    if found is None:
        pytest.skip("reference material not found (set SCURRY_REFERENCE)")
    return found


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the whole session, stopped at its end whatever happened."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        _unavailable(str(exc))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with postgres_server.fresh_database() as url:
        yield url


@pytest.fixture(params=SQL_BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each SQL backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path}/db/scurry.db"
