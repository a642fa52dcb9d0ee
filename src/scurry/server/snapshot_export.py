"""POST .../flinkstatesnapshots/NAME/export: copy a local snapshot to S3 (the server's disk).

The snapshot's files are where the local runtime wrote them, on the server's
machine, so the server copies them, with the S3 endpoint and keys of its own
settings (SCURRY_S3_*), as for artifact fetches.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request

from scurry.errors import InvalidInput
from scurry.runtimes.fetch import s3_client, s3_options
from scurry.server.deps import ContainerDep
from scurry.server.resources import PREFIX
from scurry.services.snapshot_export import export_snapshot

router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


@router.post("/namespaces/{namespace}/flinkstatesnapshots/{name}/export")
async def export(
    namespace: str, name: str, request: Request, container: ContainerDep
) -> dict[str, Any]:
    to = _target(await request.body())
    s3 = s3_client(s3_options(container.settings))
    exported = await export_snapshot(container.store, namespace, name, to, s3)
    return {"source": exported.source, "path": exported.path, "files": exported.files}


def _target(body: bytes) -> str:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        raise InvalidInput('the request body must be JSON: {"to": "s3://BUCKET/PREFIX"}') from None
    to = parsed.get("to") if isinstance(parsed, dict) else None
    if not isinstance(to, str) or not to:
        raise InvalidInput("to: required, the s3://BUCKET/PREFIX to copy the snapshot under")
    return to
