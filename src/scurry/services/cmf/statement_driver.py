"""Statements move without a client polling them: a loop that refreshes the unfinished ones.

A statement created while its pool starts waits in PENDING; this loop
starts it once the pool serves, and records what its job or query did,
every few seconds. It also starts the SQL engine as soon as an environment
has a compute pool, so the first statement does not wait for a JVM.
"""

from __future__ import annotations

import asyncio
import logging

from scurry.errors import ScurryError
from scurry.ports import SqlEngine
from scurry.services.cmf import kinds
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.statements import TERMINAL, Statements

log = logging.getLogger(__name__)
PERIOD = 2.0


async def drive_forever(ctx: CmfContext, engine: SqlEngine, period: float = PERIOD) -> None:
    warm = False
    while True:
        try:
            warm = warm or await _warm_up(ctx, engine)
            await drive_once(ctx, engine)
        except asyncio.CancelledError:
            raise
        except Exception:  # one bad round must not stop statements for good
            log.exception("refreshing statements failed; trying again")
        await asyncio.sleep(period)


async def drive_once(ctx: CmfContext, engine: SqlEngine) -> None:
    service = Statements(ctx, engine)
    for env in await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL):
        for stmt in await ctx.cmf.list(kinds.STATEMENT, env["metadata"]["name"]):
            if (stmt.get("status") or {}).get("phase") in TERMINAL:
                continue
            try:
                await service.refresh(env, stmt)
            except ScurryError as exc:
                log.info("statement %s: %s", stmt["metadata"]["name"], exc.message)


async def _warm_up(ctx: CmfContext, engine: SqlEngine) -> bool:
    for env in await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL):
        if await ctx.cmf.list(kinds.COMPUTE_POOL, env["metadata"]["name"]):
            await engine.analyze({}, "SELECT 1")
            return True
    return False
