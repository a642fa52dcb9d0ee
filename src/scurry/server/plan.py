"""`POST /apis/flink.apache.org/v1beta1/plan`: what applying manifests would do (a dry run).

The body holds one or many documents (YAML or JSON); the answer is
`scurry.services.plan`'s, one item per document. Nothing is written.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from scurry.server.deps import ContainerDep
from scurry.server.resources import PREFIX
from scurry.services import plan as planning

router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


@router.post("/plan")
async def plan(request: Request, container: ContainerDep) -> dict[str, Any]:
    """`{"items": [...]}`, one item per document, in the order of the documents."""
    text = (await request.body()).decode("utf-8", errors="replace")
    return {"items": await planning.plan(container, text)}
