"""/cmf/api/v1/environments/{env}/compute-pools and .../statements (Flink SQL)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from scurry.ports import SqlEngine
from scurry.server.cmf.deps import (
    BodyDep,
    CmfDep,
    ForceParam,
    IncludeParam,
    ListingDep,
    SearchingDep,
)
from scurry.server.cmf.media import no_content, respond
from scurry.server.deps import ContainerDep
from scurry.services.cmf import statement_savepoints
from scurry.services.cmf.pools import ComputePools
from scurry.services.cmf.statements import Statements

ENV = "/cmf/api/v1/environments/{env_name}"
pools = APIRouter(prefix=f"{ENV}/compute-pools", tags=["SQL"])
statements = APIRouter(prefix=f"{ENV}/statements", tags=["SQL"])


def sql_engine(container: ContainerDep) -> SqlEngine:
    return container.sql_engine()


EngineDep = Annotated[SqlEngine, Depends(sql_engine)]


@pools.get("")
async def get_compute_pools(
    request: Request, env_name: str, ctx: CmfDep, query: ListingDep, include: IncludeParam = False
) -> Response:
    return respond(request, await ComputePools(ctx).page(env_name, query))


@pools.post("")
async def create_compute_pool(
    request: Request, env_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await ComputePools(ctx).create(env_name, body))


@pools.get("/{pool_name}")
async def get_compute_pool(
    request: Request, env_name: str, pool_name: str, ctx: CmfDep, include: IncludeParam = False
) -> Response:
    return respond(request, await ComputePools(ctx).get(env_name, pool_name))


@pools.put("/{pool_name}")
async def update_compute_pool(
    request: Request, env_name: str, pool_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    return respond(request, await ComputePools(ctx).update(env_name, pool_name, body))


@pools.delete("/{pool_name}")
async def delete_compute_pool(
    env_name: str, pool_name: str, ctx: CmfDep, force: ForceParam = False
) -> Response:
    await ComputePools(ctx).delete(env_name, pool_name, force=force)
    return no_content()


@statements.get("")
async def get_statements(
    request: Request,
    env_name: str,
    ctx: CmfDep,
    engine: EngineDep,
    query: SearchingDep,
    pool: Annotated[str | None, Query(alias="compute-pool")] = None,
    phase: Annotated[str | None, Query()] = None,
    include: IncludeParam = False,
) -> Response:
    found = await Statements(ctx, engine).page(env_name, query, pool, phase)
    return respond(request, found)


@statements.post("")
async def create_statement(
    request: Request, env_name: str, ctx: CmfDep, engine: EngineDep, body: BodyDep
) -> Response:
    return respond(request, await Statements(ctx, engine).create(env_name, body))


@statements.get("/{statement_name}")
async def get_statement(
    request: Request,
    env_name: str,
    statement_name: str,
    ctx: CmfDep,
    engine: EngineDep,
    include: IncludeParam = False,
) -> Response:
    return respond(request, await Statements(ctx, engine).get(env_name, statement_name))


@statements.put("/{statement_name}")
async def update_statement(
    env_name: str,
    statement_name: str,
    ctx: CmfDep,
    engine: EngineDep,
    body: BodyDep,
) -> Response:
    await Statements(ctx, engine).update(env_name, statement_name, body)
    return Response(status_code=200)  # CMF's updateStatement answers without a body


@statements.delete("/{statement_name}")
async def delete_statement(
    env_name: str, statement_name: str, ctx: CmfDep, engine: EngineDep, force: ForceParam = False
) -> Response:
    await Statements(ctx, engine).delete(env_name, statement_name, force=force)
    return no_content()


@statements.get("/{statement_name}/results")
async def get_statement_result(
    request: Request,
    env_name: str,
    statement_name: str,
    ctx: CmfDep,
    engine: EngineDep,
    token: Annotated[str | None, Query(alias="page-token")] = None,
) -> Response:
    found = await Statements(ctx, engine).results(env_name, statement_name, token)
    return respond(request, found)


@statements.get("/{statement_name}/exceptions")
async def get_statement_exceptions(
    request: Request, env_name: str, statement_name: str, ctx: CmfDep, engine: EngineDep
) -> Response:
    found = await Statements(ctx, engine).exceptions(env_name, statement_name)
    return respond(request, found)


SAVEPOINTS = "/{statement_name}/savepoints"


@statements.get(SAVEPOINTS)
async def get_savepoints_for_flink_statement(
    request: Request, env_name: str, statement_name: str, ctx: CmfDep, query: ListingDep
) -> Response:
    found = await statement_savepoints.page(ctx, env_name, statement_name, query)
    return respond(request, found)


@statements.post(SAVEPOINTS)
async def create_savepoint_for_flink_statement(
    request: Request, env_name: str, statement_name: str, ctx: CmfDep, body: BodyDep
) -> Response:
    made = await statement_savepoints.create(ctx, env_name, statement_name, body)
    return respond(request, made, 201)


@statements.get(SAVEPOINTS + "/{savepoint_name}")
async def get_savepoint_for_flink_statement(
    request: Request, env_name: str, statement_name: str, savepoint_name: str, ctx: CmfDep
) -> Response:
    found = await statement_savepoints.get(ctx, env_name, statement_name, savepoint_name)
    return respond(request, found)


@statements.delete(SAVEPOINTS + "/{savepoint_name}")
async def delete_savepoint_for_flink_statement(
    env_name: str, statement_name: str, savepoint_name: str, ctx: CmfDep, force: ForceParam = False
) -> Response:
    await statement_savepoints.delete(ctx, env_name, statement_name, savepoint_name)
    return no_content()
