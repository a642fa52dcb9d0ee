"""/cmf/api/v1/environments/{env}/applications, with start, suspend and instances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from scurry.server.cmf.deps import (
    BodyDep,
    CmfDep,
    ForceParam,
    IncludeParam,
    ListingDep,
    PagingDep,
)
from scurry.server.cmf.media import no_content, respond
from scurry.services.cmf import instances
from scurry.services.cmf.applications import Applications

router = APIRouter(
    prefix="/cmf/api/v1/environments/{env_name}/applications", tags=["FlinkApplications"]
)


@router.get("")
async def get_applications(
    request: Request, env_name: str, ctx: CmfDep, query: ListingDep, include: IncludeParam = False
) -> Response:
    return respond(request, await Applications(ctx).page(env_name, query))


@router.post("")
async def create_or_update_application(
    request: Request, env_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await Applications(ctx).upsert(env_name, body), 201)


@router.get("/{app_name}")
async def get_application(
    request: Request, env_name: str, app_name: str, ctx: CmfDep, include: IncludeParam = False
) -> Response:
    return respond(request, await Applications(ctx).get(env_name, app_name))


@router.delete("/{app_name}")
async def delete_application(
    env_name: str, app_name: str, ctx: CmfDep, force: ForceParam = False
) -> Response:
    await Applications(ctx).delete(env_name, app_name, force=force)
    return no_content()


@router.post("/{app_name}/start")
async def start_application(
    request: Request,
    env_name: str,
    app_name: str,
    ctx: CmfDep,
    savepoint_uid: Annotated[str | None, Query(alias="startFromSavepointUid")] = None,
) -> Response:
    started = await Applications(ctx).start(env_name, app_name, savepoint_uid)
    return respond(request, started)


@router.post("/{app_name}/suspend")
async def suspend_application(
    request: Request, env_name: str, app_name: str, ctx: CmfDep
) -> Response:
    return respond(request, await Applications(ctx).suspend(env_name, app_name))


@router.get("/{app_name}/instances")
async def get_application_instances(
    request: Request, env_name: str, app_name: str, ctx: CmfDep, query: PagingDep
) -> Response:
    app, deployment = await Applications(ctx).with_deployment(env_name, app_name)
    found = await instances.of_application(ctx, app)
    return respond(request, instances.page(app, deployment, found, query))


@router.get("/{app_name}/instances/{instance_name}")
async def get_application_instance(
    request: Request, env_name: str, app_name: str, instance_name: str, ctx: CmfDep
) -> Response:
    app, deployment = await Applications(ctx).with_deployment(env_name, app_name)
    instance = await instances.one(ctx, app, instance_name)
    return respond(request, instances.render(instance, app, deployment))
