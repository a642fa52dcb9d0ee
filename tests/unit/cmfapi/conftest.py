"""Fixtures for the CMF API tests: the API over an isolated installation on fakes.

`cmf` runs on an in-memory SQLite database; a test marked `@ALSO_ON_POSTGRES`
(cmfkit) runs a second time on a fresh database of the session's real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cmfkit import Cmf, serving


@pytest.fixture
async def cmf(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Cmf]:
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_PORT", "SCURRY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    backend = getattr(request, "param", "sqlite")
    database = request.getfixturevalue("postgres_url") if backend == "postgres" else "sqlite://"
    async with serving(tmp_path / "home", database) as running:
        yield running
