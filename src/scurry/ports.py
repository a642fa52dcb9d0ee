"""The small protocols adapters implement: store, runtime, Flink API, clock.

Objects in the store are Kubernetes-shaped dicts (`apiVersion`, `kind`,
`metadata`, `spec`, `status`), exactly what the Kubernetes API would hold, so
the SQL and Kubernetes backends are interchangeable under the controller.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from scurry.models.cluster import (
    ClusterObservation,
    ClusterRef,
    ClusterSpec,
    JobLaunch,
    PreparedJob,
)
from scurry.models.flinkrest import (
    AggregatedMetric,
    CheckpointStatistics,
    ClusterOverview,
    DashboardConfig,
    JarRunResult,
    JarUploadResult,
    JobDetails,
    JobExceptions,
    JobPlan,
    JobSummary,
    OperationResult,
    TaskManagerList,
)

Obj = dict[str, Any]
WatchType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class WatchEvent:
    type: WatchType
    object: Obj


@dataclass(frozen=True)
class InvolvedObject:
    kind: str
    namespace: str
    name: str
    uid: str | None = None
    api_version: str | None = None


@dataclass(frozen=True)
class EventRecord:
    """A Kubernetes-style event; equal (object, type, reason, message) events are counted."""

    involved: InvolvedObject
    type: Literal["Normal", "Warning"]
    reason: str
    message: str
    component: str = "Operator"


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    renewed_at: datetime
    duration_seconds: float


class ResourceStore(Protocol):
    """Kubernetes API semantics over a backend: optimistic writes, finalizers, watch.

    - `create` assigns uid, generation 1, resourceVersion, creationTimestamp;
      a taken name raises `Conflict`.
    - `update` writes metadata and spec (never status); a `metadata.resourceVersion`
      that is not current raises `Conflict`; a changed spec bumps `generation`.
      Removing the last finalizer of an object being deleted removes it.
    - `update_status` writes only status, with the same precondition.
    - `delete` sets `deletionTimestamp` while finalizers remain, else removes.
    """

    async def create(self, obj: Obj) -> Obj: ...

    async def get(self, kind: str, namespace: str, name: str) -> Obj: ...

    async def list(
        self, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> builtins.list[Obj]: ...

    async def update(self, obj: Obj) -> Obj: ...

    async def update_status(self, obj: Obj) -> Obj: ...

    async def delete(
        self, kind: str, namespace: str, name: str, *, resource_version: str | None = None
    ) -> Obj | None: ...

    def watch(self, kinds: Collection[str] | None = None) -> AsyncIterator[WatchEvent]: ...

    async def record_event(self, event: EventRecord) -> None: ...

    async def list_events(
        self, namespace: str | None = None, involved: InvolvedObject | None = None
    ) -> builtins.list[Obj]: ...

    async def try_acquire_lease(
        self, name: str, holder: str, duration_seconds: float, *, steal_from: str | None = None
    ) -> Lease: ...

    async def release_lease(self, name: str, holder: str) -> None: ...

    async def close(self) -> None: ...


class Runtime(Protocol):
    """Realizes ClusterSpecs: the Deployment controller of its world."""

    name: str
    # True: the controller resolves the pod templates' env/envFrom references (ConfigMaps,
    # Secrets) into `ComponentResources.env` before `apply`, as a kubelet would. A runtime
    # whose kubelet does that itself (Kubernetes) says False.
    needs_resolved_env: bool

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def apply(self, spec: ClusterSpec) -> None: ...

    async def delete(self, ref: ClusterRef) -> None: ...

    async def observe(self, ref: ClusterRef) -> ClusterObservation: ...

    async def logs(
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str: ...

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        """The local file `logs` reads (it may not exist yet), or None when there is none."""
        ...

    def defaults(self, ref: ClusterRef) -> dict[str, str]:
        """Flink configuration this runtime applies unless the spec says otherwise."""
        ...

    async def prepare_job(self, ref: ClusterRef, job: JobLaunch) -> PreparedJob:
        """Resolve (and fetch) a job's artifacts for submission to cluster `ref`."""
        ...

    async def latest_checkpoint(self, checkpoint_dir: str, job_id: str) -> str | None:
        """The newest complete retained checkpoint of `job_id` under `checkpoint_dir`."""
        ...

    async def dispose_snapshot(self, path: str) -> bool:
        """Delete a savepoint's or checkpoint's files; False if they were already gone."""
        ...

    async def check_savepoint(self, path: str) -> None:
        """Raise `ArtifactError` when a savepoint to start from is known not to exist."""
        ...

    async def check_job(
        self, jar_uri: str | None, entry_class: str | None, args: Sequence[str]
    ) -> None:
        """Raise `ArtifactError` when a job's jar or script cannot be resolved."""
        ...

    async def stop_all(self) -> None:
        """Stop every cluster's processes; the resources stay (`scurry down --all`)."""
        ...

    def on_change(self, callback: Callable[[ClusterRef], None]) -> None:
        """Be told when a cluster changes on its own (a process died, a job was submitted)."""
        ...


class FlinkApi(Protocol):
    """The JobManager REST operations the control plane uses."""

    async def overview(self) -> ClusterOverview: ...

    async def dashboard_config(self) -> DashboardConfig: ...

    async def jobmanager_config(self) -> dict[str, str]: ...

    async def jobs_overview(self) -> list[JobSummary]: ...

    async def job(self, job_id: str) -> JobDetails: ...

    async def job_exceptions(self, job_id: str) -> JobExceptions: ...

    async def upload_jar(self, path: str) -> JarUploadResult: ...

    async def run_jar(
        self,
        jar_id: str,
        *,
        entry_class: str | None,
        args: list[str],
        parallelism: int | None,
        job_id: str | None,
        savepoint_path: str | None,
        allow_non_restored_state: bool,
        flink_configuration: dict[str, str] | None = None,
    ) -> JarRunResult: ...

    async def cancel_job(self, job_id: str) -> None: ...

    async def stop_job(
        self,
        job_id: str,
        target_directory: str | None,
        drain: bool,
        *,
        trigger_id: str | None = None,
        format_type: str | None = None,
    ) -> str: ...

    async def trigger_savepoint(
        self,
        job_id: str,
        target_directory: str | None,
        cancel_job: bool,
        format_type: str,
        *,
        trigger_id: str | None = None,
    ) -> str: ...

    async def savepoint_status(self, job_id: str, trigger_id: str) -> OperationResult: ...

    async def trigger_checkpoint(
        self, job_id: str, checkpoint_type: str, *, trigger_id: str | None = None
    ) -> str: ...

    async def checkpoint_status(self, job_id: str, trigger_id: str) -> OperationResult: ...

    async def checkpoints(self, job_id: str) -> CheckpointStatistics: ...

    async def job_metrics(self, job_id: str, names: builtins.list[str]) -> dict[str, str]: ...

    async def taskmanagers(self) -> TaskManagerList: ...

    async def job_plan(self, job_id: str) -> JobPlan: ...

    async def vertex_metrics(
        self, job_id: str, vertex_id: str, names: builtins.list[str] | None = None
    ) -> builtins.list[AggregatedMetric]: ...

    async def set_parallelism(self, job_id: str, parallelism: dict[str, int]) -> None: ...

    async def close(self) -> None: ...


FlinkApiFactory = Callable[[str], FlinkApi]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SqlEngine(Protocol):
    """Where SQL statements are parsed, planned and (for queries) executed.

    A `context` is everything a statement sees, as plain JSON: `setup` (the
    DDL replayed before it), `properties` (sql.current-catalog / -database)
    and `configuration` (the table configuration). Flink's refusals raise
    `StatementRefused` with Flink's message; rows already dropped raise `Gone`.
    """

    async def analyze(self, context: dict[str, Any], statement: str) -> dict[str, Any]: ...

    async def execute(
        self, context: dict[str, Any], statement: str, *, max_rows: int, catalog: bool
    ) -> dict[str, Any]: ...

    async def start_query(self, query_id: str, body: dict[str, Any]) -> dict[str, Any]: ...

    async def query(self, query_id: str) -> dict[str, Any] | None: ...

    async def rows(self, query_id: str, offset: int, limit: int) -> dict[str, Any]: ...

    async def drop_query(self, query_id: str) -> None: ...

    async def close(self) -> None: ...

    async def stop(self) -> None:
        """Stop whatever process the engine runs (`scurry down --all`)."""
        ...
