"""/cmf/api/v1/environments"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import BodyDep, CmfDep, ForceParam, IncludeParam, SearchingDep
from scurry.server.cmf.media import no_content, respond
from scurry.services.cmf.environments import Environments

router = APIRouter(prefix="/cmf/api/v1/environments", tags=["Environments"])


@router.get("")
async def get_environments(
    request: Request, ctx: CmfDep, query: SearchingDep, include: IncludeParam = False
) -> Response:
    return respond(request, await Environments(ctx).page(query, include_resources=include))


@router.post("")
async def create_or_update_environment(request: Request, ctx: CmfDep, body: BodyDep) -> Response:
    return respond(request, await Environments(ctx).upsert(body))


@router.get("/{env_name}")
async def get_environment(
    request: Request, env_name: str, ctx: CmfDep, include: IncludeParam = False
) -> Response:
    return respond(request, await Environments(ctx).get(env_name, include_resources=include))


@router.delete("/{env_name}")
async def delete_environment(env_name: str, ctx: CmfDep, force: ForceParam = False) -> Response:
    await Environments(ctx).delete(env_name, force=force)
    return no_content()
