"""An environment's compute pools and statements, read through the API's services."""

from __future__ import annotations

from starlette.requests import Request

from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import MAX_SIZE, ListQuery
from scurry.services.cmf.pools import ComputePools
from scurry.services.cmf.statements import Statements
from scurry.web.context import cmf, container
from scurry.web.sql_views import PoolRow, StatementRow, newest_first, pool_row, statement_row

EVERYTHING = ListQuery(size=MAX_SIZE)


def statements(request: Request) -> Statements:
    return Statements(cmf(request), container(request).sql_engine())


async def pools_of(ctx: CmfContext, env: str) -> list[PoolRow]:
    found = await ComputePools(ctx).page(env, EVERYTHING)
    return [pool_row(p) for p in found["items"]]


async def statements_of(service: Statements, env: str, pool: str | None) -> list[StatementRow]:
    found = await service.page(env, EVERYTHING, pool, None)
    return newest_first([statement_row(s) for s in found["items"]])


async def environment_sql(request: Request, env: str) -> tuple[list[PoolRow], list[StatementRow]]:
    """What the environment page lists of Flink SQL: its pools and statements."""
    return await pools_of(cmf(request), env), await statements_of(statements(request), env, None)
