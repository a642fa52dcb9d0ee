"""FlinkApplicationInstances: one per deployed revision of an application's effective spec.

A new instance starts when an application is deployed running with an
effective spec (its own merged with the environment's defaults) that differs
from the current instance's, or when it is started again after a suspension.
Changes made while it is suspended deploy nothing and start no instance.

The current instance shows its job live from the FlinkDeployment's status (once
the controller has seen the revision); when an instance is superseded, the
job status the deployment reports at that moment is recorded with it.
"""

from __future__ import annotations

import uuid
from typing import Any

from scurry.errors import NotFound
from scurry.models.cmf import FlinkApplicationInstance, InstanceJobStatus, InstanceStatus
from scurry.ports import Obj
from scurry.services.cmf import kinds, records
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, keep_order, page_of, v2_rules

SUSPENDED = "suspended"
RULES: ListRules = v2_rules(default_order=keep_order)  # oldest first


def job_state(spec: dict[str, Any]) -> str:
    job = spec.get("job")
    state = job.get("state") if isinstance(job, dict) else None
    return str(state or "running")


def _without_state(spec: dict[str, Any]) -> dict[str, Any]:
    job = spec.get("job")
    if not isinstance(job, dict):
        return spec
    return {**spec, "job": {k: v for k, v in job.items() if k != "state"}}


def starts_instance(
    tracking: dict[str, Any], current: Obj | None, effective: dict[str, Any]
) -> bool:
    """Whether deploying `effective` begins a new instance (see the module's rules)."""
    if job_state(effective) == SUSPENDED:
        return False
    if current is None or not tracking.get("instanceActive"):
        return True
    return _without_state(current["spec"]["spec"]) != _without_state(effective)


async def advance(
    ctx: CmfContext, app: Obj, effective: dict[str, Any], deployment: Obj
) -> dict[str, Any]:
    """Start or end instances for the revision just deployed; the app record's new tracking."""
    tracking = app.get("status") or {}
    env = app["metadata"]["namespace"]
    current = await _current(ctx, env, tracking)
    if not starts_instance(tracking, current, effective):
        return {"instanceActive": False} if job_state(effective) == SUSPENDED else {}
    if current is not None:
        await records.touch(ctx.cmf, current, ctx.now(), jobStatus=_job_status(current, deployment))
    revision = int(tracking.get("revision") or 0) + 1
    name = str(uuid.uuid4())
    spec = {
        "application": app["metadata"]["name"],
        "applicationUid": app["metadata"]["uid"],
        "revision": revision,
        "spec": effective,
        "deploymentGeneration": deployment["metadata"].get("generation", 1),
    }
    labels = {kinds.APPLICATION_LABEL: app["metadata"]["name"]}
    obj = records.record(kinds.INSTANCE, env, name, spec, labels=labels)
    await records.create(ctx.cmf, obj, ctx.now(), "FlinkApplicationInstance")
    return {"instance": name, "instanceActive": True, "revision": revision}


async def _current(ctx: CmfContext, env: str, tracking: dict[str, Any]) -> Obj | None:
    name = tracking.get("instance")
    return await records.find(ctx.cmf, kinds.INSTANCE, env, name) if name else None


def _job_status(instance: Obj, deployment: Obj | None) -> dict[str, Any] | None:
    """The deployment's job as it stands, if the controller has seen this instance's revision."""
    if deployment is None:
        return None
    status = deployment.get("status") or {}
    observed = status.get("observedGeneration") or 0
    if observed < int(instance["spec"].get("deploymentGeneration") or 1):
        return None
    job = status.get("jobStatus") or {}
    return {"jobId": job.get("jobId"), "state": job.get("state")}


async def of_application(ctx: CmfContext, app: Obj) -> list[Obj]:
    """The application's instances, oldest first."""
    env, name = app["metadata"]["namespace"], app["metadata"]["name"]
    found = await ctx.cmf.list(kinds.INSTANCE, env, f"{kinds.APPLICATION_LABEL}={name}")
    mine = [i for i in found if i["spec"].get("applicationUid") == app["metadata"]["uid"]]
    return sorted(mine, key=lambda i: int(i["spec"].get("revision") or 0))


async def one(ctx: CmfContext, app: Obj, name: str) -> Obj:
    for instance in await of_application(ctx, app):
        if instance["metadata"]["name"] == name:
            return instance
    raise NotFound(
        f'FlinkApplicationInstance "{name}" not found for FlinkApplication '
        f'"{app["metadata"]["name"]}"'
    )


async def delete_all(ctx: CmfContext, app: Obj) -> None:
    for instance in await of_application(ctx, app):
        meta = instance["metadata"]
        await ctx.cmf.delete(kinds.INSTANCE, meta["namespace"], meta["name"])


def render(instance: Obj, app: Obj, deployment: Obj | None) -> dict[str, Any]:
    meta = records.metadata_view(instance)
    meta.uid = instance["metadata"]["name"]
    current = (app.get("status") or {}).get("instance") == instance["metadata"]["name"]
    recorded = (instance.get("status") or {}).get("jobStatus")
    job = _job_status(instance, deployment) if current else recorded
    return FlinkApplicationInstance(
        metadata=meta,
        status=InstanceStatus(
            spec=instance["spec"].get("spec"),
            job_status=InstanceJobStatus.model_validate(job) if job else None,
        ),
    ).to_wire()


def page(app: Obj, deployment: Obj | None, found: list[Obj], query: ListQuery) -> dict[str, Any]:
    return page_of([render(i, app, deployment) for i in found], query, RULES)
