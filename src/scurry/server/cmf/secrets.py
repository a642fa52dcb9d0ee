"""/cmf/api/v1/secrets and /cmf/api/v1/environments/{env}/secret-mappings"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import BodyDep, CmfDep, PagingDep, SearchingDep
from scurry.server.cmf.media import no_content, respond
from scurry.services.cmf import mappings, secrets

router = APIRouter(prefix="/cmf/api/v1", tags=["Secrets"])
MAPPINGS = "/environments/{env_name}/secret-mappings"


@router.get("/secrets")
async def get_secrets(request: Request, ctx: CmfDep, query: SearchingDep) -> Response:
    return respond(request, await secrets.page(ctx, query))


@router.post("/secrets")
async def create_secret(request: Request, ctx: CmfDep, body: BodyDep) -> Response:
    return respond(request, await secrets.create(ctx, body))


@router.get("/secrets/{secret_name}")
async def get_secret(request: Request, secret_name: str, ctx: CmfDep) -> Response:
    return respond(request, await secrets.get(ctx, secret_name))


@router.put("/secrets/{secret_name}")
async def update_secret(request: Request, secret_name: str, ctx: CmfDep, body: BodyDep) -> Response:
    return respond(request, await secrets.update(ctx, secret_name, body))


@router.delete("/secrets/{secret_name}")
async def delete_secret(secret_name: str, ctx: CmfDep) -> Response:
    await secrets.delete(ctx, secret_name)
    return no_content()


@router.get(MAPPINGS)
async def get_environment_secret_mappings(
    request: Request, env_name: str, ctx: CmfDep, query: PagingDep
) -> Response:
    return respond(request, await mappings.page(ctx, env_name, query))


@router.post(MAPPINGS)
async def create_environment_secret_mapping(
    request: Request, env_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await mappings.create(ctx, env_name, body))


@router.get(MAPPINGS + "/{name}")
async def get_environment_secret_mapping(
    request: Request, env_name: str, name: str, ctx: CmfDep
) -> Response:
    return respond(request, await mappings.get(ctx, env_name, name))


@router.put(MAPPINGS + "/{name}")
async def update_environment_secret_mapping(
    request: Request, env_name: str, name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await mappings.update(ctx, env_name, name, body))


@router.delete(MAPPINGS + "/{name}")
async def delete_environment_secret_mapping(env_name: str, name: str, ctx: CmfDep) -> Response:
    await mappings.delete(ctx, env_name, name)
    return no_content()
