"""`scurry savepoint export`: a local savepoint or retained checkpoint copied to S3.

From laptop to cluster with state: the local runtime writes snapshots to the
local disk, a Kubernetes FlinkDeployment restores from object storage
(`initialSavepointPath`). The copy keeps the snapshot's directory as it is,
under the target prefix, so its `_metadata` and the files it points to stay
side by side; canonical savepoints and full checkpoints are relocatable that
way (Flink resolves their files relative to `_metadata`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from scurry.errors import InvalidInput, ValidationFailed
from scurry.models.enums import SnapshotState
from scurry.models.resources import FLINK_STATE_SNAPSHOT, FlinkStateSnapshot
from scurry.ports import ResourceStore

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

METADATA = "_metadata"
S3_SCHEMES = ("s3", "s3a", "s3p")


@dataclass(frozen=True)
class Exported:
    source: str
    path: str  # where a FlinkDeployment's initialSavepointPath points
    files: int


def s3_target(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of `to`; refused unless it is s3://BUCKET[/PREFIX]."""
    parsed = urlparse(uri)
    if parsed.scheme.lower() not in S3_SCHEMES or not parsed.netloc:
        raise InvalidInput(f"to: {uri!r} must be s3://BUCKET[/PREFIX]")
    return parsed.netloc, parsed.path.strip("/")


def local_directory(path: str) -> Path:
    """The snapshot's directory on this machine; only local snapshots are exported."""
    parsed = urlparse(path)
    if parsed.scheme not in ("", "file"):
        raise InvalidInput(
            f"status.path: {path!r} is not on this machine's disk (already in "
            f"{parsed.scheme} storage: point initialSavepointPath at it directly)"
        )
    directory = Path(unquote(parsed.path))
    if not (directory / METADATA).is_file():
        raise ValidationFailed(f"status.path: {path!r} holds no {METADATA}: not a snapshot here")
    return directory


def upload(s3: S3Client, directory: Path, bucket: str, prefix: str) -> Exported:
    """Every file of `directory`, under PREFIX/<directory name>/; `_metadata` last.

    Written last, `_metadata` is what makes the copy a snapshot: an interrupted
    export leaves no restorable half.
    """
    root = "/".join(part for part in (prefix, directory.name) if part)
    files = sorted(
        (p for p in directory.rglob("*") if p.is_file()), key=lambda p: p.name == METADATA
    )
    for file in files:
        s3.upload_file(str(file), bucket, f"{root}/{file.relative_to(directory).as_posix()}")
    return Exported(str(directory), f"s3://{bucket}/{root}", len(files))


async def export_snapshot(
    store: ResourceStore, namespace: str, name: str, to: str, s3: S3Client
) -> Exported:
    """Copy the completed FlinkStateSnapshot `name` to `to` (an s3:// prefix)."""
    bucket, prefix = s3_target(to)
    obj = await store.get(FLINK_STATE_SNAPSHOT.kind, namespace, name)
    status = FlinkStateSnapshot.model_validate(obj).status
    if status.state is not SnapshotState.COMPLETED or not status.path:
        raise ValidationFailed(
            f"flinkstatesnapshot {name}: status.state is {status.state}; only a COMPLETED "
            "snapshot with a path can be exported"
        )
    directory = local_directory(status.path)
    return await asyncio.to_thread(upload, s3, directory, bucket, prefix)
