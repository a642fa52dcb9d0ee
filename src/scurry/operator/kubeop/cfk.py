"""CFK's FlinkEnvironment and FlinkApplication, reconciled through the management plane.

A watched CFK resource is mapped to its CMF request (`scurry.models.cfk`, as
`scurry apply` maps a manifest) and sent to the CMF API, which owns the
records and derives the FlinkDeployments; the resource's status says whether
that worked, and an application's status carries the CMF application's. A
finalizer makes deleting the resource delete the CMF record first. Only the
Lease holder acts, one key at a time, with backoff while the server refuses.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from scurry.errors import Conflict, InvalidInput, NotFound, ScurryError, Unavailable
from scurry.models.cfk import FLINK_APPLICATION, FLINK_ENVIRONMENT, Mapped, map_document
from scurry.operator.executor import involved
from scurry.operator.kubeop.cmfapi import CmfApi
from scurry.operator.workqueue import WorkQueue
from scurry.ports import EventRecord, ResourceStore, WatchEvent

log = logging.getLogger(__name__)

Obj = dict[str, Any]
KINDS = (FLINK_ENVIRONMENT.kind, FLINK_APPLICATION.kind)
FINALIZER = "platform.confluent.io/finalizer"
RESYNC = 30.0  # an application's CMF status is copied again this often
MAX_BACKOFF = 60.0
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class Key(NamedTuple):
    kind: str
    namespace: str
    name: str


class CfkReconciler:
    def __init__(
        self,
        store: ResourceStore,
        cmf: CmfApi,
        leading: Callable[[], bool],
        *,
        resync: float = RESYNC,
    ) -> None:
        self.store, self.cmf, self.leading, self.resync = store, cmf, leading, resync
        self.queue: WorkQueue[Key] = WorkQueue(self.reconcile, workers=2)
        self._failures: dict[Key, int] = {}

    def start(self) -> None:
        self.queue.start()

    async def stop(self) -> None:
        await self.queue.stop()

    async def handle(self, event: WatchEvent) -> None:
        key = _key(event.object)
        if event.type == "DELETED":
            self.queue.forget(key)
        elif self.leading():
            self.queue.add(key)

    async def enqueue_all(self) -> None:
        """On taking the Lease: look at every CFK resource."""
        for kind in KINDS:
            for obj in await self.store.list(kind):
                self.queue.add(_key(obj))

    async def reconcile(self, key: Key) -> None:
        if not self.leading():
            return
        try:
            obj = await self.store.get(key.kind, key.namespace, key.name)
            delay = await self._reconcile(obj)
        except NotFound:
            return
        except Conflict:
            delay = 0.0  # written meanwhile: look again at the newer object
        except Exception:
            log.exception("reconciling %s %s/%s failed", *key)
            delay = self._backoff(key)
        if delay is not None:
            self.queue.add_after(key, delay)

    async def _reconcile(self, obj: Obj) -> float | None:
        key = _key(obj)
        if obj["metadata"].get("deletionTimestamp"):
            await self._delete(obj)
            return None
        try:
            mapped = map_document(_as_manifest(obj), f"{key.kind}/{key.name}")
        except InvalidInput as exc:  # waits for the resource to change
            await self._report(obj, None, exc)
            return None
        obj = await self._finalizer(obj, present=True)
        try:
            answer = await self._upsert(mapped)
        except (InvalidInput, NotFound, Conflict, Unavailable) as exc:
            await self._report(obj, None, exc)  # e.g. the environment is not there yet
            return self._backoff(key)
        self._failures.pop(key, None)
        await self._report(obj, answer, None)
        return self.resync if mapped.kind is FLINK_APPLICATION else None

    async def _upsert(self, mapped: Mapped) -> Obj:
        if mapped.kind is FLINK_ENVIRONMENT:
            return await self.cmf.upsert_environment(mapped.body)
        assert mapped.environment is not None
        return await self.cmf.upsert_application(mapped.environment, mapped.body)

    async def _delete(self, obj: Obj) -> None:
        if FINALIZER not in (obj["metadata"].get("finalizers") or []):
            return
        name = obj["metadata"]["name"]
        if obj["kind"] == FLINK_ENVIRONMENT.kind:
            await self.cmf.delete_environment(name)
        else:
            environment = str((obj.get("spec") or {}).get("flinkEnvironment") or "")
            if environment:
                await self.cmf.delete_application(environment, name)
        await self._finalizer(obj, present=False)

    async def _finalizer(self, obj: Obj, *, present: bool) -> Obj:
        finalizers = [f for f in obj["metadata"].get("finalizers") or [] if f != FINALIZER]
        if present:
            finalizers.append(FINALIZER)
        if finalizers == list(obj["metadata"].get("finalizers") or []):
            return obj
        updated = copy.deepcopy(obj)
        updated["metadata"]["finalizers"] = finalizers
        stored: Obj = await self.store.update(updated)
        return stored

    async def _report(self, obj: Obj, answer: Obj | None, error: ScurryError | None) -> None:
        """The status for this generation; a Warning event when the server refused."""
        status: Obj = {
            "state": "FAILED" if error else "CREATED",
            "observedGeneration": obj["metadata"].get("generation"),
        }
        if error is not None:
            status["error"] = error.message
        if answer is not None and obj["kind"] == FLINK_APPLICATION.kind:
            status["applicationStatus"] = answer.get("status") or {}
        if obj.get("status") != status:
            await self.store.update_status({**obj, "status": status})
        if error is not None:
            reason = "CmfRequestFailed" if isinstance(error, Unavailable) else "Rejected"
            await self.store.record_event(
                EventRecord(involved(obj), "Warning", reason, error.message)
            )

    def _backoff(self, key: Key) -> float:
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        return float(min(MAX_BACKOFF, 2 ** (failures - 1)))


def _key(obj: Obj) -> Key:
    meta = obj["metadata"]
    return Key(str(obj["kind"]), str(meta["namespace"]), str(meta["name"]))


def _as_manifest(obj: Obj) -> Obj:
    """The resource as its manifest: what the API server and kubectl add is no part of it."""
    meta = obj["metadata"]
    kept = {k: meta[k] for k in ("name", "namespace", "labels") if meta.get(k)}
    notes = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if notes:
        kept["annotations"] = notes
    return {**obj, "metadata": kept}
