"""Shared fixtures: the reference material the contract tests read."""

from __future__ import annotations

from pathlib import Path

import pytest

from referencekit import reference_dir


@pytest.fixture(scope="session")
def reference() -> Path:
    found = reference_dir()
    if found is None:
        pytest.skip("reference material not found (set SCURRY_REFERENCE)")
    return found
