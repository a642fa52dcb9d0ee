"""Finding the savepoint an application is to start from: by uid, by name or by path.

An application's own savepoints are the FlinkStateSnapshots of its deployment;
detached savepoints are CMF records that keep a path (and the uid the
savepoint had before it was detached). Only a savepoint with a path can be
started from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scurry.errors import Conflict, InvalidInput, NotFound, ValidationFailed
from scurry.models.resources import FLINK_STATE_SNAPSHOT
from scurry.ports import Obj
from scurry.services.cmf import kinds
from scurry.services.cmf.context import CmfContext


@dataclass(frozen=True)
class Found:
    """A savepoint to start from: what it is called and where its files are (if complete)."""

    name: str
    path: str | None
    detached: bool


async def snapshots_of(ctx: CmfContext, namespace: str, app: str) -> list[Obj]:
    """The savepoint snapshots of deployment `app` in `namespace` (any trigger)."""
    found = await ctx.fko.list(FLINK_STATE_SNAPSHOT.kind, namespace)
    return [s for s in found if is_savepoint_of(s, app)]


def is_savepoint_of(snapshot: Obj, app: str) -> bool:
    spec = snapshot.get("spec") or {}
    ref = spec.get("jobReference") or {}
    return (
        isinstance(spec.get("savepoint"), dict)
        and ref.get("name") == app
        and ref.get("kind") in (None, "FlinkDeployment")
    )


def snapshot_path(snapshot: Obj) -> str | None:
    status = snapshot.get("status") or {}
    if status.get("state") != "COMPLETED":
        return None
    return status.get("path") or None


def detached_uid(record: Obj) -> str:
    """A detached savepoint keeps the uid it had as an application's savepoint."""
    uid: str = record["spec"].get("uid") or record["metadata"]["uid"]
    return uid


async def by_uid(ctx: CmfContext, namespace: str, app: str, uid: str) -> Found | None:
    for snapshot in await snapshots_of(ctx, namespace, app):
        if snapshot["metadata"].get("uid") == uid:
            return Found(snapshot["metadata"]["name"], snapshot_path(snapshot), False)
    for record in await ctx.cmf.list(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL):
        if detached_uid(record) == uid:
            return Found(record["metadata"]["name"], record["spec"].get("path"), True)
    return None


async def by_name(ctx: CmfContext, namespace: str, app: str, name: str) -> Found | None:
    for snapshot in await snapshots_of(ctx, namespace, app):
        if snapshot["metadata"]["name"] == name:
            return Found(name, snapshot_path(snapshot), False)
    for record in await ctx.cmf.list(kinds.DETACHED_SAVEPOINT, kinds.GLOBAL):
        if record["metadata"]["name"] == name:
            return Found(name, record["spec"].get("path"), True)
    return None


async def savepoint_for_start(ctx: CmfContext, namespace: str, app: str, uid: str) -> str:
    """The path `start?startFromSavepointUid=` restores from: 404 if unknown, 409 if incomplete."""
    found = await by_uid(ctx, namespace, app, uid)
    if found is None:
        raise NotFound(
            f'Savepoint with uid "{uid}" not found among the savepoints of FlinkApplication '
            f'"{app}" or the detached savepoints'
        )
    if not found.path:
        raise Conflict(f'Savepoint "{found.name}" (uid {uid}) is not completed: it has no path yet')
    return found.path


async def path_of(ctx: CmfContext, namespace: str, app: str, start: dict[str, Any]) -> str:
    """The path of `spec.job.startFromSavepoint` (path, uid or name); 422 if there is none."""
    field = "spec.job.startFromSavepoint"
    given = start.get("initialSavepointPath")
    if isinstance(given, str) and given:
        return given
    uid, name = start.get("uid"), start.get("savepointName")
    for key, value in (("uid", uid), ("savepointName", name)):
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{field}.{key}: must be a string")
    if uid:
        found = await by_uid(ctx, namespace, app, uid)
        what = f"uid {uid!r}"
    elif name:
        found = await by_name(ctx, namespace, app, name)
        what = f"name {name!r}"
    else:
        raise ValidationFailed(f"{field}: give savepointName, uid or initialSavepointPath")
    if found is None:
        raise ValidationFailed(
            f"{field}: no savepoint with {what} among the application's savepoints or the "
            "detached savepoints"
        )
    if not found.path:
        raise ValidationFailed(f"{field}: savepoint {found.name!r} is not completed")
    return found.path
