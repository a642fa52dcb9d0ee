"""Where the reference material lives (the contract tests read it at run time)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def reference_dir() -> Path | None:
    """`SCURRY_REFERENCE`, else `../shared/reference` beside the checkout (or the workplace's)."""
    candidates = [
        os.environ.get("SCURRY_REFERENCE"),
        REPO.parent / "shared" / "reference",
        "/work/shared/reference",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def reference_path(*parts: str) -> Path:
    """A path under the reference material (which may not exist: callers check)."""
    root = reference_dir() or REPO.parent / "shared" / "reference"
    return root.joinpath(*parts)
