"""Statuses of the FKO kinds: the fields users and tools read."""

from __future__ import annotations

from pydantic import Field

from scurry.models.base import WireModel
from scurry.models.enums import (
    CheckpointType,
    FlinkJobState,
    JobManagerDeploymentStatus,
    LifecycleState,
    ReconciliationState,
    SavepointFormatType,
    SnapshotState,
    SnapshotTriggerType,
)


class Savepoint(WireModel):
    time_stamp: int = Field(default=0, alias="timeStamp")
    location: str | None = None
    trigger_type: SnapshotTriggerType | None = None
    format_type: SavepointFormatType | None = None
    trigger_nonce: int | None = None


class SavepointInfo(WireModel):
    last_savepoint: Savepoint | None = None
    trigger_id: str | None = None
    trigger_timestamp: int | None = None
    trigger_type: SnapshotTriggerType | None = None
    format_type: SavepointFormatType | None = None
    savepoint_history: list[Savepoint] = Field(default_factory=list)
    last_periodic_savepoint_timestamp: int = 0


class Checkpoint(WireModel):
    time_stamp: int = Field(default=0, alias="timeStamp")
    trigger_type: SnapshotTriggerType | None = None
    format_type: CheckpointType | None = None
    trigger_nonce: int | None = None


class CheckpointInfo(WireModel):
    last_checkpoint: Checkpoint | None = None
    trigger_id: str | None = None
    trigger_timestamp: int | None = None
    trigger_type: SnapshotTriggerType | None = None
    format_type: CheckpointType | None = None
    last_periodic_checkpoint_timestamp: int = 0


class JobStatus(WireModel):
    job_name: str | None = None
    job_id: str | None = None
    state: FlinkJobState | None = None
    start_time: str | None = None
    update_time: str | None = None
    upgrade_savepoint_path: str | None = None
    savepoint_info: SavepointInfo | None = None
    checkpoint_info: CheckpointInfo | None = None


class ReconciliationStatus(WireModel):
    reconciliation_timestamp: int = 0
    last_reconciled_spec: str | None = None
    last_stable_spec: str | None = None
    state: ReconciliationState = ReconciliationState.UPGRADING


class Condition(WireModel):
    # Optional, as in the CRD schema (and fabric8's Condition): a stored status may lack them.
    type: str | None = None
    status: str | None = None
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None
    observed_generation: int | None = None


class TaskManagerInfo(WireModel):
    label_selector: str = ""
    replicas: int = 0


class CommonStatus(WireModel):
    job_status: JobStatus = Field(default_factory=JobStatus)
    error: str | None = None
    observed_generation: int | None = None
    lifecycle_state: LifecycleState | None = None
    reconciliation_status: ReconciliationStatus = Field(default_factory=ReconciliationStatus)


class FlinkDeploymentStatus(CommonStatus):
    cluster_info: dict[str, str] = Field(default_factory=dict)
    job_manager_deployment_status: JobManagerDeploymentStatus = JobManagerDeploymentStatus.MISSING
    task_manager: TaskManagerInfo | None = None
    conditions: list[Condition] = Field(default_factory=list)


class FlinkSessionJobStatus(CommonStatus):
    pass


class FlinkStateSnapshotStatus(WireModel):
    state: SnapshotState = SnapshotState.TRIGGER_PENDING
    trigger_id: str | None = None
    trigger_timestamp: str | None = None
    result_timestamp: str | None = None
    path: str | None = None
    error: str | None = None
    failures: int = 0
