"""Fixtures for the server tests: an isolated installation and the API serving it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from serverkit import Api, serving


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_PORT", "SCURRY_USRLIB"):
        monkeypatch.delenv(name, raising=False)
    async with serving(tmp_path / "home") as running:
        yield running
