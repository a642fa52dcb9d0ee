"""CMF records in the store: building, creating and replacing them, their timestamps.

A record is a Kubernetes-shaped dict: the user's labels and annotations in
`metadata`, the resource's own fields in `spec`, and what the services keep
about it (`updateTimestamp`, ...) in `status`, written separately as the store
wants. Messages name the CMF resource, not the internal kind.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from scurry.errors import Conflict, NotFound
from scurry.models.cmf import ResourceMetadata
from scurry.ports import Obj, ResourceStore
from scurry.services.cmf.kinds import STORED_API_VERSION


def stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as CMF writes timestamps: 2025-03-31T11:34:01.503Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(
    kind: str,
    namespace: str,
    name: str,
    spec: dict[str, Any],
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": STORED_API_VERSION, "kind": kind, "metadata": meta, "spec": spec}


async def find(store: ResourceStore, kind: str, namespace: str, name: str) -> Obj | None:
    try:
        return await store.get(kind, namespace, name)
    except NotFound:
        return None


async def get(store: ResourceStore, kind: str, namespace: str, name: str, what: str) -> Obj:
    """The record, or `NotFound` worded for the user: `Secret "x" not found`."""
    found = await find(store, kind, namespace, name)
    if found is None:
        raise NotFound(f'{what} "{name}" not found')
    return found


async def create(store: ResourceStore, obj: Obj, now: datetime, what: str) -> Obj:
    try:
        created = await store.create(obj)
    except Conflict:
        raise Conflict(f'{what} "{obj["metadata"]["name"]}" already exists') from None
    return await touch(store, created, now)


async def replace(
    store: ResourceStore,
    stored: Obj,
    spec: dict[str, Any],
    now: datetime,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    """`stored` with a new spec (and labels, annotations), if nobody changed it meanwhile."""
    request = copy.deepcopy(stored)
    request["spec"] = spec
    meta = request["metadata"]
    for key, value in (("labels", labels), ("annotations", annotations)):
        if value:
            meta[key] = dict(value)
        else:
            meta.pop(key, None)
    updated = await store.update(request)
    return await touch(store, updated, now)


async def touch(store: ResourceStore, obj: Obj, now: datetime, **status: Any) -> Obj:
    """Record the update time (and `status` fields) in the record's status."""
    new_status = {**(obj.get("status") or {}), "updateTimestamp": stamp(now), **status}
    written: Obj = await store.update_status({**obj, "status": new_status})
    return written


def updated_at(obj: Obj) -> str | None:
    status = obj.get("status") or {}
    value = status.get("updateTimestamp") or obj["metadata"].get("creationTimestamp")
    return str(value) if value else None


def metadata_view(obj: Obj) -> ResourceMetadata:
    """The V2 metadata of a record: name, uid, timestamps, labels, annotations."""
    meta = obj["metadata"]
    return ResourceMetadata(
        name=meta["name"],
        uid=meta.get("uid"),
        creation_timestamp=meta.get("creationTimestamp"),
        update_timestamp=updated_at(obj),
        labels=meta.get("labels") or None,
        annotations=meta.get("annotations") or None,
    )


async def delete_quietly(store: ResourceStore, obj: Obj) -> None:
    """Delete `obj` if it is still there (another request may have deleted it first)."""
    meta = obj["metadata"]
    try:
        await store.delete(obj["kind"], meta["namespace"], meta["name"])
    except NotFound:
        return
