"""The controller: watch the store, reconcile each object, reschedule.

It acts only while it holds the store's lease, so two control planes on one
store never both start clusters. Reconciles of one object never overlap; on
errors a key backs off exponentially.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import psutil

from scurry.core import podenv
from scurry.core.configs import deployment_config
from scurry.core.deployment import FINALIZER as DEPLOYMENT_FINALIZER
from scurry.core.deployment import decide_deployment
from scurry.core.observation import ControlConfig, DeploymentObservation
from scurry.core.plan import Plan
from scurry.core.sessionjob import FINALIZER as SESSION_JOB_FINALIZER
from scurry.core.sessionjob import decide_session_job
from scurry.core.snapshot import FINALIZER as SNAPSHOT_FINALIZER
from scurry.core.snapshot import decide_snapshot
from scurry.errors import Conflict, NotFound
from scurry.models.cluster import ClusterRef
from scurry.models.resources import (
    CONFIG_MAP,
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    SECRET,
    FlinkDeployment,
    FlinkSessionJob,
    FlinkStateSnapshot,
)
from scurry.operator.autoscaling import Autoscaling
from scurry.operator.environment import deployment_references
from scurry.operator.executor import ActionFailed, Executor
from scurry.operator.observer import (
    observe_deployment,
    observe_session_job,
    observe_snapshot,
)
from scurry.operator.workqueue import WorkQueue
from scurry.ports import FlinkApiFactory, ResourceStore, Runtime, WatchEvent
from scurry.store.apierrors import WatchExpired
from scurry.telemetry import Metrics

log = logging.getLogger(__name__)

KINDS = (FLINK_DEPLOYMENT.kind, FLINK_SESSION_JOB.kind, FLINK_STATE_SNAPSHOT.kind)
# Watched only to wake the deployments whose pod templates refer to them.
ENV_SOURCES = (CONFIG_MAP.kind, SECRET.kind)
SESSION_LABEL = "target.session"  # FKO's mutator labels session jobs with their cluster
LEASE_NAME = "scurry-controller"
LEASE_SECONDS = 15.0
MAX_BACKOFF = 60.0


class Key(NamedTuple):
    kind: str
    namespace: str
    name: str


def holder_identity() -> str:
    """host:pid:start-time — unique even when a PID is reused."""
    created = psutil.Process(os.getpid()).create_time()
    return f"{socket.gethostname()}:{os.getpid()}:{created:.0f}"


def dead_local_holder(holder: str) -> bool:
    """A lease held by a process on this host that no longer runs can be taken at once."""
    host, _, rest = holder.partition(":")
    pid_text, _, created = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        proc = psutil.Process(int(pid_text))
        return abs(proc.create_time() - float(created or 0)) > 1.0
    except (psutil.Error, ValueError):
        return True


class Controller:
    def __init__(
        self,
        store: ResourceStore,
        runtime: Runtime,
        flink_api: FlinkApiFactory,
        config: ControlConfig | Callable[[], ControlConfig],
        now: Callable[[], datetime],
        *,
        workers: int = 8,
        metrics: Metrics | None = None,
        watch_store: bool = True,
        identity: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store, self.runtime, self.flink_api = store, runtime, flink_api
        # A provider is asked once per reconcile: operator defaults can change while running.
        self._control = config if callable(config) else lambda: config
        self.now = now
        self.metrics = metrics or Metrics()
        self.executor = Executor(store, runtime, flink_api, self.metrics, self._remember_write)
        self.autoscaling = Autoscaling(store, flink_api, self.metrics, lambda: now().timestamp())
        self.queue: WorkQueue[Key] = WorkQueue(self.reconcile, workers)
        self.metrics.workqueue_depth.set_function(lambda: len(self.queue._queued))
        # Replicas in pods name themselves (the pod name); a local process by host and PID.
        self.identity = identity or holder_identity()
        self.lease_seconds = lease_seconds
        self._failures: dict[Key, int] = {}
        self._written: dict[Key, int] = {}  # the resourceVersion of our last write, per key
        self._tasks: list[asyncio.Task[None]] = []
        self.leading = asyncio.Event()
        # False when someone else feeds `handle` (the Kubernetes operator's informers).
        self._watch_store = watch_store

    @property
    def config(self) -> ControlConfig:
        return self._control()

    # -- running ------------------------------------------------------------------

    async def run(self) -> None:
        """Wait for the lease, take over the runtime's clusters, then reconcile until cancelled."""
        await self._acquire_lease()
        self.leading.set()
        self.runtime.on_change(self._cluster_changed)
        await self.runtime.start()
        self.queue.start()
        self._tasks = [asyncio.create_task(self._renew_lease(), name="lease")]
        if self._watch_store:
            self._tasks.append(asyncio.create_task(self._watch(), name="watch"))
        await self._enqueue_all()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.queue.stop()
        await self.runtime.close()
        if self.leading.is_set():
            with contextlib.suppress(Exception):
                await self.store.release_lease(LEASE_NAME, self.identity)
            self.leading.clear()

    async def _acquire_lease(self) -> None:
        while True:
            lease = await self.store.try_acquire_lease(
                LEASE_NAME, self.identity, self.lease_seconds
            )
            if lease.holder != self.identity and dead_local_holder(lease.holder):
                lease = await self.store.try_acquire_lease(
                    LEASE_NAME, self.identity, self.lease_seconds, steal_from=lease.holder
                )
            if lease.holder == self.identity:
                log.info("%s holds the controller lease", self.identity)
                return
            log.info("waiting for the controller lease held by %s", lease.holder)
            await asyncio.sleep(self.lease_seconds / 3)

    async def _renew_lease(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            lease = await self.store.try_acquire_lease(
                LEASE_NAME, self.identity, self.lease_seconds
            )
            if lease.holder != self.identity:
                raise RuntimeError(f"lost the controller lease to {lease.holder}")

    async def _enqueue_all(self) -> None:
        for kind in KINDS:
            for obj in await self.store.list(kind):
                self.queue.add(self._key(obj))

    async def _watch(self) -> None:
        while True:
            events = self.store.watch((*KINDS, *ENV_SOURCES))
            try:
                async for event in events:
                    await self.handle(event)
                return
            except WatchExpired:
                # Changes were missed: look at everything again, then follow the new watch.
                log.warning("the store's watch expired; listing every resource again")
                await self._enqueue_all()

    async def handle(self, event: WatchEvent) -> None:
        """One change of a watched object, seen by the store's watch or an operator's informer.

        Ignored while this controller does not lead: on taking the lease it lists everything.
        """
        if not self.leading.is_set():
            return
        key = self._key(event.object)
        if key.kind in ENV_SOURCES:
            await self._wake_users(key)
            return
        if event.type == "DELETED":
            self.queue.forget(key)
            self._failures.pop(key, None)
            self._written.pop(key, None)
        elif not self._own_write(key, event.object):
            self.queue.add(key)
        await self._wake_related(key, event.object)

    def _remember_write(self, obj: dict[str, Any]) -> None:
        version = str(obj["metadata"].get("resourceVersion") or "")
        if version.isdigit():
            self._written[self._key(obj)] = int(version)

    def _own_write(self, key: Key, obj: dict[str, Any]) -> bool:
        """The echo of this controller's own write: already known, no reason to look again.

        Writes are optimistic, so nothing else changed the object between the read a
        reconcile decided on and its write: every version up to that write is seen.
        """
        version = str(obj["metadata"].get("resourceVersion") or "")
        written = self._written.get(key)
        return version.isdigit() and written is not None and int(version) <= written

    async def _wake_related(self, key: Key, obj: dict[str, Any]) -> None:
        """A cluster's change concerns its session jobs; a session job's, its cluster."""
        if key.kind == FLINK_STATE_SNAPSHOT.kind:
            return
        if key.kind == FLINK_SESSION_JOB.kind:
            target = str((obj.get("spec") or {}).get("deploymentName") or "")
            if target:
                self.queue.add(Key(FLINK_DEPLOYMENT.kind, key.namespace, target))
            return
        selector = f"{SESSION_LABEL}={key.name}"
        for job in await self.store.list(FLINK_SESSION_JOB.kind, key.namespace, selector):
            self.queue.add(self._key(job))

    async def _wake_users(self, key: Key) -> None:
        """A ConfigMap or Secret changed: a deployment that waits for it may start now."""
        ref = podenv.Ref("ConfigMap" if key.kind == CONFIG_MAP.kind else "Secret", key.name)
        for obj in await self.store.list(FLINK_DEPLOYMENT.kind, key.namespace):
            if ref in deployment_references(obj):
                self.queue.add(self._key(obj))

    def _cluster_changed(self, ref: ClusterRef) -> None:
        self.queue.add(Key(FLINK_DEPLOYMENT.kind, ref.namespace, ref.name))

    @staticmethod
    def _key(obj: dict[str, object]) -> Key:
        meta = obj["metadata"]
        assert isinstance(meta, dict)
        return Key(str(obj["kind"]), str(meta["namespace"]), str(meta["name"]))

    # -- one reconcile ---------------------------------------------------------------

    async def reconcile(self, key: Key) -> None:
        started, result = time.perf_counter(), "ok"
        try:
            delay = await self._reconcile(key)
        except NotFound:
            self.queue.forget(key)
            return
        except Conflict:
            result = "conflict"
            self.queue.add(key)  # someone wrote first: decide again on the newer object
            return
        except ActionFailed:
            result = "action_failed"
            delay = self._backoff(key)
        except Exception:
            result = "error"
            log.exception("reconciling %s/%s failed", key.namespace, key.name)
            delay = self._backoff(key)
        else:
            self._failures.pop(key, None)
        finally:
            self.metrics.reconciled(key.kind, result, time.perf_counter() - started)
        if delay is not None:
            self.queue.add_after(key, delay)

    def _backoff(self, key: Key) -> float:
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        return float(min(MAX_BACKOFF, 2 ** (failures - 1)))

    async def _reconcile(self, key: Key) -> float | None:
        obj = await self.store.get(key.kind, key.namespace, key.name)
        observed: DeploymentObservation | None = None
        if key.kind == FLINK_STATE_SNAPSHOT.kind:
            snapshot = FlinkStateSnapshot.model_validate(obj)
            found = await observe_snapshot(
                snapshot, self.store, self.runtime, self.flink_api, self.config
            )
            plan: Plan[Any] = decide_snapshot(snapshot, found, self.now())
            finalizer = SNAPSHOT_FINALIZER
        elif key.kind == FLINK_SESSION_JOB.kind:
            job = FlinkSessionJob.model_validate(obj)
            seen = await observe_session_job(
                job, self.store, self.runtime, self.flink_api, self.config
            )
            plan = decide_session_job(job, seen, self.now(), self.config)
            finalizer = SESSION_JOB_FINALIZER
        else:
            resource = await self._with_autoscaler_overrides(FlinkDeployment.model_validate(obj))
            observed = await observe_deployment(
                resource, self.store, self.runtime, self.flink_api, self.config
            )
            plan = decide_deployment(resource, observed, self.now(), self.config)
            finalizer = DEPLOYMENT_FINALIZER
        result = await self.executor.execute(obj, plan, finalizer)
        if result is None:
            return None
        if plan.action is not None:  # look at the action's effect right away
            return min(plan.requeue_after or 0.0, 0.1)
        if observed is not None:
            return _sooner(plan.requeue_after, await self._autoscale(result, observed))
        return plan.requeue_after

    async def _with_autoscaler_overrides(self, resource: FlinkDeployment) -> FlinkDeployment:
        """The deployment as the controller acts on it: with the autoscaler's overrides in
        its configuration when they are carried out by an upgrade (FKO's realizer)."""
        meta = resource.metadata
        ref = ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")
        config = deployment_config(
            self.config, ref.namespace, resource.spec, self.runtime.defaults(ref)
        )
        return await self.autoscaling.realize(resource, config)

    async def _autoscale(
        self, obj: dict[str, Any], observed: DeploymentObservation
    ) -> float | None:
        """The autoscaler's step after a reconcile that left the deployment as it is."""
        resource = FlinkDeployment.model_validate(obj)
        namespace = resource.metadata.namespace
        config = deployment_config(self.config, namespace, resource.spec, observed.runtime_defaults)
        return await self.autoscaling.step(obj, config, observed.cluster.rest_url)


def _sooner(first: float | None, second: float | None) -> float | None:
    if first is None or second is None:
        return first if second is None else second
    return min(first, second)
