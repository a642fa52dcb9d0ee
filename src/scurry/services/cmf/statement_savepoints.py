"""Savepoints of detached statements: FlinkStateSnapshots of the statement's job.

The same shapes and rules as an application's savepoints (`savepoints`),
with the job reference naming the statement's FlinkSessionJob (shared pool)
or FlinkDeployment (dedicated pool). The savepoints the controller takes
when a statement is stopped or rescaled are in the same list.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import Conflict, NotFound, ValidationFailed
from scurry.models.cmf import SavepointRequest
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_STATE_SNAPSHOT
from scurry.ports import Obj
from scurry.services.admission import admit
from scurry.services.cmf import kinds, lookup, names, records, requests, savepoints
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, page_of
from scurry.services.cmf.statement_jobs import job_name

KIND = "Savepoint"


async def page(ctx: CmfContext, env: str, statement: str, query: ListQuery) -> dict[str, Any]:
    namespace, job = await _job(ctx, env, statement)
    found = await ctx.fko.list(FLINK_STATE_SNAPSHOT.kind, namespace)
    return page_of([savepoints.render(s) for s in found if _of(s, job)], query, savepoints.RULES)


async def get(ctx: CmfContext, env: str, statement: str, name: str) -> dict[str, Any]:
    return savepoints.render(await _snapshot(ctx, env, statement, name))


async def create(ctx: CmfContext, env: str, statement: str, body: Any) -> dict[str, Any]:
    namespace, job = await _job(ctx, env, statement)
    parsed = requests.parse(SavepointRequest, body)
    if parsed.kind is not None:
        requests.check_kind(parsed.kind, KIND)
    meta = parsed.metadata
    millis = int(ctx.now().timestamp() * 1000)
    name = names.check_name(meta.name) if meta.name else f"{statement[:200]}-savepoint-{millis}"
    if await records.find(ctx.fko, FLINK_STATE_SNAPSHOT.kind, namespace, name) is not None:
        raise Conflict(f'{KIND} "{name}" already exists in Environment "{env}"')
    labels = {**(meta.labels or {}), kinds.ENVIRONMENT_LABEL: env, kinds.STATEMENT_LABEL: statement}
    manifest = savepoints.snapshot_manifest(
        name, namespace, job["metadata"]["name"], parsed, labels
    )
    manifest["spec"]["jobReference"]["kind"] = job["kind"]
    snapshot = normalize(manifest)
    if ctx.admission:
        try:
            await admit(snapshot, None, ctx.fko, ctx.runtime, ctx.control())
        except ValidationFailed as exc:
            detail = exc.message.partition(" is invalid: ")[2] or exc.message
            raise ValidationFailed(f'{KIND} "{name}" is invalid: {detail}') from None
    created: Obj = await ctx.fko.create(snapshot)
    return savepoints.render(created)


async def delete(ctx: CmfContext, env: str, statement: str, name: str) -> None:
    await records.delete_quietly(ctx.fko, await _snapshot(ctx, env, statement, name))


async def _job(ctx: CmfContext, env: str, statement: str) -> tuple[str, Obj]:
    """The namespace and the FKO object of a detached statement (404 for any other)."""
    environment = await lookup.environment(ctx, env)
    stmt = await records.find(ctx.cmf, kinds.STATEMENT, env, statement)
    if stmt is None:
        raise NotFound(f'Statement "{statement}" not found in Environment "{env}"')
    namespace = lookup.namespace_of(environment)
    for kind in ("FlinkSessionJob", "FlinkDeployment"):
        found = await records.find(ctx.fko, kind, namespace, job_name(statement))
        if found is not None and (found.get("spec") or {}).get("job"):
            return namespace, found
    raise NotFound(
        f'Statement "{statement}" has no Flink job: only INSERT statements have savepoints'
    )


def _of(snapshot: Obj, job: Obj) -> bool:
    spec = snapshot.get("spec") or {}
    ref = spec.get("jobReference") or {}
    return (
        isinstance(spec.get("savepoint"), dict)
        and ref.get("name") == job["metadata"]["name"]
        and ref.get("kind") in (None, job["kind"])
    )


async def _snapshot(ctx: CmfContext, env: str, statement: str, name: str) -> Obj:
    namespace, job = await _job(ctx, env, statement)
    found = await records.find(ctx.fko, FLINK_STATE_SNAPSHOT.kind, namespace, name)
    if found is None or not _of(found, job):
        raise NotFound(f'{KIND} "{name}" not found for Statement "{statement}"')
    return found
