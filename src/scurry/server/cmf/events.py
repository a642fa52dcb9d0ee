"""/cmf/api/v1alpha1/environments/{env}/applications/{app}/events"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import CmfDep, SearchingDep
from scurry.server.cmf.media import respond
from scurry.services.cmf import events

router = APIRouter(prefix="/cmf/api/v1alpha1", tags=["FlinkApplications"])


@router.get("/environments/{env_name}/applications/{app_name}/events")
async def get_application_events(
    request: Request, env_name: str, app_name: str, ctx: CmfDep, query: SearchingDep
) -> Response:
    return respond(request, await events.page(ctx, env_name, app_name, query))
