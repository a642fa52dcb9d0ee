"""Checkpoints and savepoints where the operator can see them: S3 and mounted paths.

On Kubernetes, state lives where Flink's pods write it. The operator reads S3
(`s3://`, `s3a://`, `s3p://`, with the same endpoint and keys as artifact
fetches) and local paths (a volume the operator also mounts); for any other
filesystem it knows nothing, and the controller falls back to what it does
without a retained checkpoint (a savepoint, or the recorded savepoint path).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from scurry.errors import InvalidInput

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

S3_SCHEMES = ("s3", "s3a", "s3p")
_CHECKPOINT = re.compile(r"/chk-(\d+)/_metadata$")
METADATA = "_metadata"


def is_s3(uri: str) -> bool:
    return urlparse(uri).scheme.lower() in S3_SCHEMES


def _bucket_key(uri: str) -> tuple[str, str, str]:
    parsed = urlparse(uri)
    return parsed.scheme, parsed.netloc, parsed.path.strip("/")


def _keys(client: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", []) if "Key" in item]
    return keys


def latest_checkpoint_s3(client: S3Client, checkpoint_dir: str, job_id: str) -> str | None:
    """`s3://bucket/<dir>/<job_id>/chk-<max N with _metadata>`, or None."""
    scheme, bucket, root = _bucket_key(checkpoint_dir)
    prefix = f"{root}/{job_id}/chk-" if root else f"{job_id}/chk-"
    numbered = []
    for key in _keys(client, bucket, prefix):
        match = _CHECKPOINT.search("/" + key)
        if match:
            numbered.append((int(match.group(1)), key[: -len(METADATA) - 1]))
    if not numbered:
        return None
    return f"{scheme}://{bucket}/{max(numbered)[1]}"


def dispose_s3(client: S3Client, path: str) -> bool:
    """Delete a snapshot's objects, only if `_metadata` is among them; True if any went."""
    _, bucket, root = _bucket_key(path)
    keys = _keys(client, bucket, root.rstrip("/") + "/")
    if not keys:
        return False
    if f"{root.rstrip('/')}/{METADATA}" not in keys:
        raise InvalidInput(f"cannot dispose {path}: it is not a Flink snapshot (no _metadata)")
    for start in range(0, len(keys), 1000):
        batch: list[ObjectIdentifierTypeDef] = [{"Key": k} for k in keys[start : start + 1000]]
        client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return True


def savepoint_exists_s3(client: S3Client, path: str) -> bool:
    _, bucket, root = _bucket_key(path)
    key = root if root.endswith(METADATA) else f"{root.rstrip('/')}/{METADATA}"
    return bool(_keys(client, bucket, key))
