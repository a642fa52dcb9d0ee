"""Savepoints of applications: FlinkStateSnapshots of the application's deployment.

A savepoint created here is a manual FlinkStateSnapshot (`spec.path` is the
target directory); the list also shows the snapshots the controller made for
the deployment (upgrades, periodic ones). Snapshot names are unique in the
environment's namespace. Deleting one disposes its files as FKO does (the
controller, through the snapshot's finalizer) unless the snapshot says not
to; `force=true` removes the record even if disposing fails. Detaching keeps
the savepoint as a detached savepoint (same path, same uid) and removes the
snapshot without touching its files.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from scurry.errors import Conflict, InvalidInput, NotFound, ScurryError, ValidationFailed
from scurry.models.cmf import (
    ResourceMetadata,
    Savepoint,
    SavepointRequest,
    SavepointSpec,
    SavepointStatus,
)
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_API_VERSION, FLINK_STATE_SNAPSHOT
from scurry.ports import Obj
from scurry.services.admission import admit
from scurry.services.cmf import detached, kinds, lookup, names, records, requests, restore
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.listing import ListQuery, ListRules, page_of, v2_rules

log = logging.getLogger(__name__)
KIND = "Savepoint"
RULES: ListRules = v2_rules()


async def page(ctx: CmfContext, env: str, app: str, query: ListQuery) -> dict[str, Any]:
    namespace = await _namespace(ctx, env, app)
    found = await restore.snapshots_of(ctx, namespace, app)
    return page_of([render(s) for s in found], query, RULES)


async def get(ctx: CmfContext, env: str, app: str, name: str) -> dict[str, Any]:
    return render(await _snapshot(ctx, env, app, name))


async def create(ctx: CmfContext, env: str, app: str, body: Any) -> dict[str, Any]:
    namespace = await _namespace(ctx, env, app)
    parsed = requests.parse(SavepointRequest, body)
    if parsed.kind is not None:
        requests.check_kind(parsed.kind, KIND)
    meta = parsed.metadata
    name = names.check_name(meta.name) if meta.name else _generated(app, ctx)
    if await records.find(ctx.fko, FLINK_STATE_SNAPSHOT.kind, namespace, name) is not None:
        raise Conflict(f'{KIND} "{name}" already exists in Environment "{env}"')
    labels = {**(meta.labels or {}), kinds.ENVIRONMENT_LABEL: env, kinds.APPLICATION_LABEL: app}
    snapshot = normalize(snapshot_manifest(name, namespace, app, parsed, labels))
    if ctx.admission:
        try:
            await admit(snapshot, None, ctx.fko, ctx.runtime, ctx.control())
        except ValidationFailed as exc:
            detail = exc.message.partition(" is invalid: ")[2] or exc.message
            raise ValidationFailed(f'{KIND} "{name}" is invalid: {detail}') from None
    created: Obj = await ctx.fko.create(snapshot)
    return render(created)


async def delete(ctx: CmfContext, env: str, app: str, name: str, *, force: bool) -> None:
    snapshot = await _snapshot(ctx, env, app, name)
    if force and snapshot["metadata"].get("finalizers"):
        await _dispose_quietly(ctx, snapshot)
        snapshot = await _without_finalizers(ctx, snapshot)
    await records.delete_quietly(ctx.fko, snapshot)


async def detach(ctx: CmfContext, env: str, app: str, name: str) -> dict[str, Any]:
    snapshot = await _snapshot(ctx, env, app, name)
    path = restore.snapshot_path(snapshot)
    if not path:
        state = (snapshot.get("status") or {}).get("state") or "TRIGGER_PENDING"
        raise Conflict(f'{KIND} "{name}" is {state}: only a completed savepoint can be detached')
    spec = render(snapshot)["spec"]
    kept = await detached.keep(ctx, name, {**spec, "path": path}, snapshot["metadata"]["uid"])
    released = copy.deepcopy(snapshot)
    released["spec"]["savepoint"]["disposeOnDelete"] = False
    released["metadata"].pop("finalizers", None)
    await records.delete_quietly(ctx.fko, await ctx.fko.update(released))
    return kept


def render(snapshot: Obj) -> dict[str, Any]:
    meta, spec = snapshot["metadata"], snapshot.get("spec") or {}
    savepoint = spec.get("savepoint") or {}
    status = snapshot.get("status") or {}
    return Savepoint(
        metadata=ResourceMetadata(
            name=meta["name"],
            uid=meta.get("uid"),
            creation_timestamp=meta.get("creationTimestamp"),
            labels=meta.get("labels") or None,
            annotations=meta.get("annotations") or None,
        ),
        spec=SavepointSpec(
            path=savepoint.get("path"),
            backoff_limit=spec.get("backoffLimit", -1),
            format_type=savepoint.get("formatType") or "CANONICAL",
        ),
        status=SavepointStatus(
            state=status.get("state") or "TRIGGER_PENDING",
            path=status.get("path"),
            trigger_timestamp=status.get("triggerTimestamp"),
            result_timestamp=status.get("resultTimestamp"),
            failures=status.get("failures", 0),
            error=status.get("error"),
            pending_deletion=bool(meta.get("deletionTimestamp")),
        ),
    ).to_wire()


def snapshot_manifest(
    name: str, namespace: str, app: str, parsed: SavepointRequest, labels: dict[str, str]
) -> Obj:
    savepoint: dict[str, Any] = {
        "formatType": parsed.spec.format_type.value,
        "disposeOnDelete": True,
        "alreadyExists": False,
    }
    if parsed.spec.path:
        savepoint["path"] = parsed.spec.path
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    if parsed.metadata.annotations:
        metadata["annotations"] = parsed.metadata.annotations
    return {
        "apiVersion": FLINK_API_VERSION,
        "kind": FLINK_STATE_SNAPSHOT.kind,
        "metadata": metadata,
        "spec": {
            "jobReference": {"kind": "FlinkDeployment", "name": app},
            "savepoint": savepoint,
            "backoffLimit": parsed.spec.backoff_limit,
        },
    }


def _generated(app: str, ctx: CmfContext) -> str:
    millis = int(ctx.now().timestamp() * 1000)
    return f"{app[:200]}-savepoint-manual-{millis}"


async def _namespace(ctx: CmfContext, env: str, app: str) -> str:
    await lookup.application(ctx, env, app)
    return lookup.namespace_of(await lookup.environment(ctx, env))


async def _snapshot(ctx: CmfContext, env: str, app: str, name: str) -> Obj:
    namespace = await _namespace(ctx, env, app)
    found = await records.find(ctx.fko, FLINK_STATE_SNAPSHOT.kind, namespace, name)
    if found is None or not restore.is_savepoint_of(found, app):
        raise NotFound(f'{KIND} "{name}" not found for FlinkApplication "{app}"')
    return found


async def _dispose_quietly(ctx: CmfContext, snapshot: Obj) -> None:
    """Dispose the files as the finalizer would; a failure does not stop a forced delete."""
    savepoint = snapshot["spec"].get("savepoint") or {}
    path = restore.snapshot_path(snapshot)
    if not path or not savepoint.get("disposeOnDelete", True):
        return
    try:
        await ctx.runtime.dispose_snapshot(path)
    except (OSError, ScurryError) as exc:
        log.warning(
            "forced delete of %s: disposing %s failed: %s", snapshot["metadata"]["name"], path, exc
        )


async def _without_finalizers(ctx: CmfContext, snapshot: Obj) -> Obj:
    released = copy.deepcopy(snapshot)
    released["metadata"].pop("finalizers", None)
    try:
        updated: Obj = await ctx.fko.update(released)
    except InvalidInput:
        return snapshot
    return updated
