"""Typed shapes of the Flink JobManager REST API responses scurry reads.

Field names follow Flink's JSON (kebab-case and snake_case as Flink writes them);
unknown fields are ignored so newer Flink versions keep working.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel


class _Flink(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ClusterOverview(_Flink):
    taskmanagers: int = 0
    slots_total: int = Field(0, alias="slots-total")
    slots_available: int = Field(0, alias="slots-available")
    jobs_running: int = Field(0, alias="jobs-running")
    flink_version: str | None = Field(None, alias="flink-version")
    flink_commit: str | None = Field(None, alias="flink-commit")


class DashboardConfig(_Flink):
    flink_version: str | None = Field(None, alias="flink-version")
    flink_revision: str | None = Field(None, alias="flink-revision")


class JobSummary(_Flink):
    jid: str
    name: str = ""
    state: str
    start_time: int = Field(-1, alias="start-time")
    end_time: int = Field(-1, alias="end-time")
    last_modification: int = Field(0, alias="last-modification")


class JobsOverview(_Flink):
    """`GET /jobs/overview`: every job the JobManager knows, running or terminated."""

    jobs: list[JobSummary] = Field(default_factory=list)


class JobVertex(_Flink):
    id: str
    name: str = ""
    parallelism: int = 0
    max_parallelism: int = Field(-1, alias="maxParallelism")
    status: str = ""


class PlanInput(_Flink):
    id: str
    ship_strategy: str = ""


class PlanNode(_Flink):
    """A vertex of `GET /jobs/<id>/plan`: its inputs and how records reach it."""

    id: str
    parallelism: int = 0
    description: str = ""
    inputs: list[PlanInput] = Field(default_factory=list)


class JobPlanBody(_Flink):
    nodes: list[PlanNode] = Field(default_factory=list)


class JobPlan(_Flink):
    plan: JobPlanBody = Field(default_factory=JobPlanBody)


class AggregatedMetric(_Flink):
    """One entry of `.../subtasks/metrics?get=...&agg=...`: a value per aggregation."""

    id: str
    min: float | None = None
    max: float | None = None
    avg: float | None = None
    sum: float | None = None


class JobDetails(_Flink):
    jid: str
    name: str = ""
    state: str
    start_time: int = Field(-1, alias="start-time")
    end_time: int = Field(-1, alias="end-time")
    duration: int = 0
    now: int = 0
    max_parallelism: int = Field(-1, alias="maxParallelism")
    vertices: list[JobVertex] = Field(default_factory=list)
    timestamps: dict[str, int] = Field(default_factory=dict)


class ExceptionEntry(_Flink):
    exception_name: str | None = Field(None, alias="exceptionName")
    stacktrace: str = ""
    timestamp: int = 0
    task_name: str | None = Field(None, alias="taskName")
    endpoint: str | None = None
    task_manager_id: str | None = Field(None, alias="taskManagerId")


class ExceptionHistory(_Flink):
    entries: list[ExceptionEntry] = Field(default_factory=list)
    truncated: bool = False


class JobExceptions(_Flink):
    exception_history: ExceptionHistory = Field(
        default_factory=ExceptionHistory, alias="exceptionHistory"
    )


class JarUploadResult(_Flink):
    filename: str
    status: str = ""

    @property
    def jar_id(self) -> str:
        return self.filename.rsplit("/", 1)[-1]


class JarRunResult(_Flink):
    jobid: str


class TriggerResponse(_Flink):
    request_id: str = Field(alias="request-id")


class OperationStatus(_Flink):
    id: str  # IN_PROGRESS | COMPLETED


class OperationResult(_Flink):
    status: OperationStatus
    operation: dict[str, Any] | None = None

    @property
    def completed(self) -> bool:
        return self.status.id == "COMPLETED"

    @property
    def location(self) -> str | None:
        value = (self.operation or {}).get("location")
        return value if isinstance(value, str) else None

    @property
    def checkpoint_id(self) -> int | None:
        value = (self.operation or {}).get("checkpointId")
        return value if isinstance(value, int) else None

    @property
    def failure(self) -> str | None:
        # Savepoint operations say "failure-cause", checkpoint operations "failureCause".
        operation = self.operation or {}
        cause = operation.get("failure-cause") or operation.get("failureCause")
        if not cause:
            return None
        if isinstance(cause, dict):
            return str(cause.get("stack-trace") or cause.get("class") or cause)
        return str(cause)


class CheckpointRef(_Flink):
    id: int
    status: str = ""
    is_savepoint: bool = False
    external_path: str | None = None
    latest_ack_timestamp: int = 0
    trigger_timestamp: int = 0


class RestoredCheckpoint(_Flink):
    id: int
    is_savepoint: bool = False
    external_path: str | None = None
    restore_timestamp: int = 0


class LatestCheckpoints(_Flink):
    completed: CheckpointRef | None = None
    savepoint: CheckpointRef | None = None
    failed: dict[str, Any] | None = None
    restored: RestoredCheckpoint | None = None


class CheckpointCounts(_Flink):
    restored: int = 0
    total: int = 0
    in_progress: int = 0
    completed: int = 0
    failed: int = 0


class CheckpointStatistics(_Flink):
    counts: CheckpointCounts = Field(default_factory=CheckpointCounts)
    latest: LatestCheckpoints = Field(default_factory=LatestCheckpoints)


class TaskManager(_Flink):
    id: str
    path: str = ""
    data_port: int = Field(0, alias="dataPort")
    slots_number: int = Field(0, alias="slotsNumber")
    free_slots: int = Field(0, alias="freeSlots")
    time_since_last_heartbeat: int = Field(0, alias="timeSinceLastHeartbeat")


class TaskManagerList(_Flink):
    taskmanagers: list[TaskManager] = Field(default_factory=list)


class ConfigEntry(_Flink):
    key: str
    value: str


class ConfigEntries(RootModel[list[ConfigEntry]]):
    """`GET /jobmanager/config`: the effective configuration as a list of key/value pairs."""

    def as_dict(self) -> dict[str, str]:
        return {entry.key: entry.value for entry in self.root}
