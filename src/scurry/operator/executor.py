"""Carry out a Plan: finalizer, status (the intent), events, then the one action.

The status is written before the action so that a control plane killed at any
instant resumes from what the status says is about to happen.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from scurry.core.plan import (
    CancelJob,
    DeleteCluster,
    DeployCluster,
    DisposeSnapshot,
    FinalizerChange,
    Plan,
    StopJob,
    SubmitJob,
    TriggerCheckpoint,
    TriggerSavepoint,
)
from scurry.core.podenv import MissingReference
from scurry.errors import Conflict, NotFound, ScurryError
from scurry.models.cluster import ClusterSpec
from scurry.models.enums import FlinkJobState
from scurry.operator.environment import with_environment
from scurry.operator.sql_setup import with_setup
from scurry.ports import (
    EventRecord,
    FlinkApi,
    FlinkApiFactory,
    InvolvedObject,
    Obj,
    ResourceStore,
    Runtime,
)
from scurry.telemetry import Metrics

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
    def __init__(
        self,
        store: ResourceStore,
        runtime: Runtime,
        flink_api: FlinkApiFactory,
        metrics: Metrics | None = None,
        written: Callable[[Obj], None] = lambda _: None,
    ) -> None:
        self.store, self.runtime, self.flink_api = store, runtime, flink_api
        self.metrics = metrics or Metrics()
        # Told of every write as soon as it is stored, before the slower steps that follow,
        # so the controller knows the echo of the write for its own when the watch sees it.
        self._written = written

    async def execute(self, obj: Obj, plan: Plan[Any], finalizer: str) -> Obj | None:
        """Returns the stored object after the plan, or None once it is gone."""
        if plan.finalizer is FinalizerChange.ADD:
            obj = await self._set_finalizer(obj, finalizer, present=True)
        if plan.labels:
            obj = await self._set_labels(obj, plan.labels)
        before = obj.get("status") or {}
        obj = await self._write_status(obj, plan.status.to_wire(full=True))
        self.metrics.status_changed(obj, before)
        for derived in plan.create:
            with contextlib.suppress(Conflict):  # created by an earlier try of this plan
                await self.store.create(derived)
                self.metrics.status_changed(derived, {})
        for kind, namespace, name in plan.delete:
            with contextlib.suppress(NotFound):
                await self.store.delete(kind, namespace, name)
        for event in plan.events:
            await self.store.record_event(
                EventRecord(involved(obj), event.type, event.reason, event.message, event.component)
            )
            self.metrics.event(event.reason, event.type)
        if plan.action is not None:
            try:
                await self._act(obj, plan)
            except ActionFailed:
                self.metrics.action(type(plan.action).__name__, "failed")
                raise
            self.metrics.action(type(plan.action).__name__, "ok")
        if plan.finalizer is FinalizerChange.REMOVE:
            return await self._set_finalizer(obj, finalizer, present=False)
        return obj

    async def _set_finalizer(self, obj: Obj, finalizer: str, *, present: bool) -> Obj:
        finalizers: list[str] = list(obj["metadata"].get("finalizers") or [])
        if (finalizer in finalizers) == present:
            return obj
        if present:
            finalizers.append(finalizer)
        else:
            finalizers.remove(finalizer)
        updated = {**obj, "metadata": {**obj["metadata"], "finalizers": finalizers}}
        return self._stored(await self.store.update(updated))

    async def _set_labels(self, obj: Obj, labels: dict[str, str]) -> Obj:
        current: dict[str, str] = dict(obj["metadata"].get("labels") or {})
        if all(current.get(key) == value for key, value in labels.items()):
            return obj
        updated = {**obj, "metadata": {**obj["metadata"], "labels": {**current, **labels}}}
        return self._stored(await self.store.update(updated))

    async def _write_status(self, obj: Obj, status: dict[str, Any]) -> Obj:
        if obj.get("status") == status:
            return obj
        return self._stored(await self.store.update_status({**obj, "status": status}))

    def _stored(self, result: Obj) -> Obj:
        self._written(result)
        return result

    async def _act(self, obj: Obj, plan: Plan[Any]) -> None:
        action = plan.action
        try:
            if isinstance(action, DeployCluster):
                await self.runtime.apply(await self._with_environment(obj, action.spec))
            elif isinstance(action, DeleteCluster):
                await self.runtime.delete(action.ref)
            elif isinstance(action, SubmitJob):
                await self._submit(action)
            elif isinstance(action, CancelJob):
                await self._cancel(action)
            elif isinstance(action, StopJob):
                await self._stop(action)
            elif isinstance(action, TriggerSavepoint | TriggerCheckpoint):
                await self._trigger(action)
            elif isinstance(action, DisposeSnapshot):
                await self.runtime.dispose_snapshot(action.path)
        except ScurryError as exc:
            reason = failure_reason(action, exc)
            await self._record_failure(obj, reason, exc.message)
            raise ActionFailed(exc.message) from exc

    async def _with_environment(self, obj: Obj, spec: ClusterSpec) -> ClusterSpec:
        """The spec with its processes' environment, when the runtime has no kubelet."""
        if not self.runtime.needs_resolved_env:
            return spec
        resolved, notes = await with_environment(self.store, spec)
        for note in notes:
            await self.store.record_event(
                EventRecord(involved(obj), "Warning", "InvalidEnvironmentVariableNames", note)
            )
        return resolved

    async def _submit(self, action: SubmitJob) -> None:
        """Upload and run; a job id Flink already knows means an earlier try went through."""
        job = await with_setup(self.store, action.cluster.namespace, action.job)
        prepared = await self.runtime.prepare_job(action.cluster, job)
        api = self.flink_api(action.rest_url)
        try:
            if await _job_known(api, job.job_id):
                return
            jar = await api.upload_jar(prepared.jar_path)
            try:
                await api.run_jar(
                    jar.jar_id,
                    entry_class=prepared.entry_class,
                    args=list(prepared.args),
                    parallelism=job.parallelism,
                    job_id=job.job_id,
                    savepoint_path=job.savepoint_path,
                    allow_non_restored_state=job.allow_non_restored_state,
                    flink_configuration=dict(job.flink_config) or None,
                )
            except ScurryError:
                if not await _job_known(api, job.job_id):
                    raise
        finally:
            await api.close()

    async def _cancel(self, action: CancelJob) -> None:
        api = self.flink_api(action.rest_url)
        try:
            await api.cancel_job(action.job_id)
        except NotFound:
            return
        except ScurryError:
            state = await _job_state(api, action.job_id)
            if state is None or state.is_globally_terminal:
                return  # it ended by itself: nothing left to cancel
            raise
        finally:
            await api.close()

    async def _stop(self, action: StopJob) -> None:
        api = self.flink_api(action.rest_url)
        try:
            await api.stop_job(
                action.job_id,
                action.target_directory,
                action.drain,
                trigger_id=action.trigger_id,
                format_type=action.format_type,
            )
        finally:
            await api.close()

    async def _trigger(self, action: TriggerSavepoint | TriggerCheckpoint) -> None:
        api = self.flink_api(action.rest_url)
        try:
            if isinstance(action, TriggerSavepoint):
                await api.trigger_savepoint(
                    action.job_id,
                    action.target_directory,
                    False,
                    action.format_type,
                    trigger_id=action.trigger_id,
                )
            else:
                await api.trigger_checkpoint(
                    action.job_id, action.checkpoint_type, trigger_id=action.trigger_id
                )
        finally:
            await api.close()

    async def _record_failure(self, obj: Obj, reason: str, message: str) -> None:
        meta = obj["metadata"]
        log.warning("%s %s/%s: %s", reason, meta["namespace"], meta["name"], message)
        current = await self.store.get(obj["kind"], meta["namespace"], meta["name"])
        status = dict(current.get("status") or {})
        status["error"] = message
        self._stored(await self.store.update_status({**current, "status": status}))
        await self.store.record_event(EventRecord(involved(current), "Warning", reason, message))
        self.metrics.event(reason, "Warning")


def failure_reason(action: object, error: ScurryError) -> str:
    """The event reason for a failed action: Kubernetes' word for a container that cannot
    be configured, CleanupFailed for a stop, DeploymentFailed for the rest."""
    if isinstance(error, MissingReference):
        return MissingReference.event_reason
    if isinstance(action, DeleteCluster | CancelJob):
        return "CleanupFailed"
    return "DeploymentFailed"


async def _job_known(api: FlinkApi, job_id: str) -> bool:
    return any(job.jid == job_id for job in await api.jobs_overview())


async def _job_state(api: FlinkApi, job_id: str) -> FlinkJobState | None:
    try:
        return FlinkJobState((await api.job(job_id)).state)
    except (NotFound, ValueError):
        return None
