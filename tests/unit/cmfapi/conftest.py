"""Fixtures for the CMF API tests: the API over an isolated installation on fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cmfkit import Cmf, serving


@pytest.fixture
async def cmf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Cmf]:
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_PORT", "SCURRY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    async with serving(tmp_path / "home") as running:
        yield running
