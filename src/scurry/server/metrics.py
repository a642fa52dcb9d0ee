"""`/metrics`: the control plane's Prometheus metrics, in the text exposition format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import generate_latest

from scurry.server.deps import ContainerDep
from scurry.telemetry import CONTENT_TYPE

router = APIRouter()


@router.get("/metrics", response_class=Response)
async def metrics(container: ContainerDep) -> Response:
    await container.metrics.refresh()
    return Response(generate_latest(container.metrics.registry), media_type=CONTENT_TYPE)
