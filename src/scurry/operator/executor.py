"""Carry out a Plan: finalizer, status (the intent), events, then the one action.

The status is written before the action so that a control plane killed at any
instant resumes from what the status says is about to happen.
"""

from __future__ import annotations

import logging
from typing import Any

from scurry.core.plan import DeleteCluster, DeployCluster, FinalizerChange, Plan
from scurry.errors import ScurryError
from scurry.ports import EventRecord, InvolvedObject, Obj, ResourceStore, Runtime

log = logging.getLogger(__name__)


def involved(obj: Obj) -> InvolvedObject:
    meta = obj["metadata"]
    return InvolvedObject(
        kind=obj["kind"],
        namespace=meta["namespace"],
        name=meta["name"],
        uid=meta.get("uid"),
        api_version=obj.get("apiVersion"),
    )


class ActionFailed(Exception):
    """The action of a plan failed; its error is already in status and events."""


class Executor:
    def __init__(self, store: ResourceStore, runtime: Runtime, finalizer: str) -> None:
        self.store, self.runtime, self.finalizer = store, runtime, finalizer

    async def execute(self, obj: Obj, plan: Plan) -> Obj | None:
        """Returns the stored object after the plan, or None once it is gone."""
        if plan.finalizer is FinalizerChange.ADD:
            obj = await self._set_finalizer(obj, present=True)
        obj = await self._write_status(obj, plan.status.to_wire(full=True))
        for event in plan.events:
            await self.store.record_event(
                EventRecord(involved(obj), event.type, event.reason, event.message, event.component)
            )
        if plan.action is not None:
            await self._act(obj, plan)
        if plan.finalizer is FinalizerChange.REMOVE:
            return await self._set_finalizer(obj, present=False)
        return obj

    async def _set_finalizer(self, obj: Obj, *, present: bool) -> Obj:
        finalizers: list[str] = list(obj["metadata"].get("finalizers") or [])
        if (self.finalizer in finalizers) == present:
            return obj
        if present:
            finalizers.append(self.finalizer)
        else:
            finalizers.remove(self.finalizer)
        updated = {**obj, "metadata": {**obj["metadata"], "finalizers": finalizers}}
        result: Obj = await self.store.update(updated)
        return result

    async def _write_status(self, obj: Obj, status: dict[str, Any]) -> Obj:
        if obj.get("status") == status:
            return obj
        result: Obj = await self.store.update_status({**obj, "status": status})
        return result

    async def _act(self, obj: Obj, plan: Plan) -> None:
        action = plan.action
        try:
            if isinstance(action, DeployCluster):
                await self.runtime.apply(action.spec)
            elif isinstance(action, DeleteCluster):
                await self.runtime.delete(action.ref)
        except ScurryError as exc:
            reason = "DeploymentFailed" if isinstance(action, DeployCluster) else "CleanupFailed"
            await self._record_failure(obj, reason, exc.message)
            raise ActionFailed(exc.message) from exc

    async def _record_failure(self, obj: Obj, reason: str, message: str) -> None:
        log.warning(
            "%s %s/%s: %s", reason, obj["metadata"]["namespace"], obj["metadata"]["name"], message
        )
        current = await self.store.get(
            obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]
        )
        status = dict(current.get("status") or {})
        status["error"] = message
        await self.store.update_status({**current, "status": status})
        await self.store.record_event(EventRecord(involved(current), "Warning", reason, message))
