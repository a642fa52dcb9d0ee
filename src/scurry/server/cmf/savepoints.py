"""Savepoints of applications, and detached savepoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import CmfDep, ForceParam, ListingDep, OptionalBodyDep
from scurry.server.cmf.media import no_content, respond
from scurry.services.cmf import detached, savepoints

router = APIRouter(prefix="/cmf/api/v1", tags=["Savepoints"])
APP = "/environments/{env_name}/applications/{app_name}/savepoints"


@router.get(APP)
async def get_savepoints_for_flink_application(
    request: Request, env_name: str, app_name: str, ctx: CmfDep, query: ListingDep
) -> Response:
    return respond(request, await savepoints.page(ctx, env_name, app_name, query))


@router.post(APP)
async def create_savepoint_for_flink_application(
    request: Request, env_name: str, app_name: str, ctx: CmfDep, body: OptionalBodyDep
) -> Response:
    return respond(request, await savepoints.create(ctx, env_name, app_name, body), 201)


@router.get(APP + "/{savepoint_name}")
async def get_savepoint_for_flink_application(
    request: Request, env_name: str, app_name: str, savepoint_name: str, ctx: CmfDep
) -> Response:
    return respond(request, await savepoints.get(ctx, env_name, app_name, savepoint_name))


@router.delete(APP + "/{savepoint_name}")
async def delete_savepoint_for_flink_application(
    env_name: str, app_name: str, savepoint_name: str, ctx: CmfDep, force: ForceParam = False
) -> Response:
    await savepoints.delete(ctx, env_name, app_name, savepoint_name, force=force)
    return no_content()


@router.post(APP + "/{savepoint_name}/detach")
async def detach_savepoint_from_flink_application(
    request: Request, env_name: str, app_name: str, savepoint_name: str, ctx: CmfDep
) -> Response:
    return respond(request, await savepoints.detach(ctx, env_name, app_name, savepoint_name))


@router.get("/detached-savepoints")
async def list_detached_savepoints(
    request: Request,
    ctx: CmfDep,
    query: ListingDep,
    name: Annotated[str | None, Query(description="name prefix (deprecated)")] = None,
) -> Response:
    return respond(request, await detached.page(ctx, query, name))


@router.post("/detached-savepoints")
async def create_detached_savepoint(
    request: Request, ctx: CmfDep, body: OptionalBodyDep
) -> Response:
    return respond(request, await detached.create(ctx, body), 201)


@router.get("/detached-savepoints/{savepoint_name}")
async def get_detached_savepoint(request: Request, savepoint_name: str, ctx: CmfDep) -> Response:
    return respond(request, await detached.get(ctx, savepoint_name))


@router.delete("/detached-savepoints/{savepoint_name}")
async def delete_detached_savepoint(savepoint_name: str, ctx: CmfDep) -> Response:
    await detached.delete(ctx, savepoint_name)
    return no_content()
