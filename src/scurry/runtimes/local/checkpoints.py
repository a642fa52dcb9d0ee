"""Retained checkpoints and savepoints on the local filesystem.

Locally there is no HA metadata; what a restore needs is the highest `chk-N`
of the job that has a `_metadata` file (Flink may already have deleted an
older one that was recorded earlier).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from scurry.errors import InvalidInput

_CHECKPOINT = re.compile(r"^chk-(\d+)$")


def local_path(uri: str) -> Path | None:
    """The directory behind a `file:` URI (or a plain path); None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme not in ("", "file"):
        return None
    return Path(unquote(parsed.path))


def latest_checkpoint(checkpoint_dir: str, job_id: str) -> str | None:
    """`file://.../<job_id>/chk-<max N with _metadata>`, or None when there is none."""
    root = local_path(checkpoint_dir)
    if root is None:
        return None
    job_dir = root / job_id
    try:
        entries = list(job_dir.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return None
    numbered = []
    for entry in entries:
        match = _CHECKPOINT.match(entry.name)
        if match and (entry / "_metadata").is_file():
            numbered.append((int(match.group(1)), entry))
    if not numbered:
        return None
    return max(numbered)[1].as_uri()


def dispose(path: str) -> bool:
    """Delete a savepoint or checkpoint directory; True if something was deleted.

    Only a directory holding Flink's `_metadata` is deleted, so a wrong path can
    never take other data with it.
    """
    directory = local_path(path)
    if directory is None:
        raise InvalidInput(f"cannot dispose {path}: only file:// snapshots are local")
    if not directory.exists():
        return False
    if not (directory / "_metadata").is_file():
        raise InvalidInput(f"cannot dispose {path}: it is not a Flink snapshot (no _metadata)")
    shutil.rmtree(directory)
    return True


def savepoint_exists(path: str) -> bool | None:
    """Whether a local snapshot (its directory or its `_metadata`) exists; None if not local."""
    location = local_path(path)
    if location is None:
        return None
    return (location / "_metadata").is_file() or (
        location.name == "_metadata" and location.is_file()
    )
