"""Finding environments and applications, with the 404s CMF users read."""

from __future__ import annotations

from scurry.errors import NotFound
from scurry.ports import Obj
from scurry.services.cmf import kinds, records
from scurry.services.cmf.context import CmfContext


async def environment(ctx: CmfContext, name: str) -> Obj:
    return await records.get(ctx.cmf, kinds.ENVIRONMENT, kinds.GLOBAL, name, "Environment")


async def application(ctx: CmfContext, env: str, name: str) -> Obj:
    """The application record; 404 names the environment or the application that is missing."""
    await environment(ctx, env)
    found = await records.find(ctx.cmf, kinds.APPLICATION, env, name)
    if found is None:
        raise NotFound(f'FlinkApplication "{name}" not found in Environment "{env}"')
    return found


async def applications(ctx: CmfContext, env: str) -> list[Obj]:
    return await ctx.cmf.list(kinds.APPLICATION, env)


def namespace_of(env: Obj) -> str:
    namespace: str = env["spec"]["kubernetesNamespace"]
    return namespace
