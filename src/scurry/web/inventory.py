"""What the landing and environment pages list: environments, their applications,
deployments and session jobs, and the namespaces no environment is placed in.

Everything is read through the same services and store as the API; the caller
sees only what its roles let it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_SESSION_JOB
from scurry.ports import Obj
from scurry.services.cmf import kinds, lookup
from scurry.services.cmf.applications import Applications
from scurry.services.cmf.context import CmfContext
from scurry.web.access import Permissions
from scurry.web.views import Row, dig, row_of


@dataclass
class Place:
    """An environment (or a bare namespace) and what runs there."""

    namespace: str
    environment: str | None = None
    applications: list[Row] = field(default_factory=list)
    deployments: list[Row] = field(default_factory=list)
    session_jobs: list[Row] = field(default_factory=list)
    # Statements and compute pools join here when their services exist.

    @property
    def rows(self) -> list[Row]:
        return [*self.applications, *self.deployments, *self.session_jobs]


async def everything(ctx: CmfContext, rights: Permissions) -> list[Place]:
    """Every environment the caller may read, then every other namespace it may read."""
    envs = await ctx.cmf.list(kinds.ENVIRONMENT, kinds.GLOBAL)
    places = [
        await environment_place(ctx, env)
        for env in envs
        if rights.in_environment("read", env["metadata"]["name"])
    ]
    placed = {lookup.namespace_of(env) for env in envs}
    deployments = await ctx.fko.list(FLINK_DEPLOYMENT.kind, None)
    jobs = await ctx.fko.list(FLINK_SESSION_JOB.kind, None)
    loose = sorted({namespace_of(o) for o in [*deployments, *jobs]} - placed)
    for namespace in loose:
        if await rights.in_namespace("read", namespace):
            places.append(bare_place(namespace, deployments, jobs))
    return places


async def environment_place(ctx: CmfContext, env: Obj) -> Place:
    name, namespace = env["metadata"]["name"], lookup.namespace_of(env)
    apps = await Applications(ctx).rendered(name)
    deployments = await ctx.fko.list(FLINK_DEPLOYMENT.kind, namespace)
    jobs = await ctx.fko.list(FLINK_SESSION_JOB.kind, namespace)
    return Place(
        namespace=namespace,
        environment=name,
        applications=[app_row(app, name, namespace) for app in apps],
        # An application's own FlinkDeployment is its row already: listing it again
        # would show (and count) one job twice; the application's page links to it.
        deployments=[row_of(d) for d in deployments if not of_an_application(d)],
        session_jobs=[row_of(j) for j in jobs],
    )


def of_an_application(deployment: Obj) -> bool:
    owners = dig(deployment, "metadata", "ownerReferences") or []
    return any(isinstance(o, dict) and o.get("kind") == "FlinkApplication" for o in owners)


def bare_place(namespace: str, deployments: list[Obj], jobs: list[Obj]) -> Place:
    return Place(
        namespace=namespace,
        deployments=[row_of(d) for d in deployments if namespace_of(d) == namespace],
        session_jobs=[row_of(j) for j in jobs if namespace_of(j) == namespace],
    )


def app_row(app: Obj, environment: str, namespace: str) -> Row:
    """An application as CMF renders it (its status is its deployment's)."""
    status = app.get("status") or {}
    return Row(
        kind="FlinkApplication",
        namespace=namespace,
        name=dig(app, "metadata", "name") or "",
        lifecycle=status.get("lifecycleState"),
        job_state=dig(status, "jobStatus", "state") or "CREATED",
        environment=environment,
        error=status.get("error"),
    )


def namespace_of(obj: Obj) -> str:
    return str(dig(obj, "metadata", "namespace") or "")
