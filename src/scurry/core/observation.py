"""What the controller saw before deciding: the runtime's report and the job's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from scurry.config.flinkconf import FlatConfig, overlay
from scurry.config.operator_defaults import Layer, OperatorDefaults
from scurry.core.health import HealthSample
from scurry.core.validation import ValidationContext
from scurry.models.cluster import ClusterObservation
from scurry.models.enums import FlinkJobState


@dataclass(frozen=True)
class SnapshotSummary:
    """A FlinkStateSnapshot of a resource, as history cleanup needs to see it."""

    name: str
    savepoint: bool
    trigger_type: str  # MANUAL | PERIODIC | UPGRADE
    state: str
    created: datetime


class OperationState(StrEnum):
    UNKNOWN = "UNKNOWN"  # Flink does not know the trigger (never sent, or forgotten)
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class OperationObservation:
    """A savepoint or checkpoint trigger, as Flink reports it."""

    state: OperationState
    location: str | None = None
    failure: str | None = None
    checkpoint_id: int | None = None


class JobLookup(StrEnum):
    FOUND = "FOUND"
    NOT_FOUND = "NOT_FOUND"
    UNREACHABLE = "UNREACHABLE"
    SKIPPED = "SKIPPED"  # no REST API to ask, or no job to ask about


@dataclass(frozen=True)
class JobObservation:
    lookup: JobLookup = JobLookup.SKIPPED
    state: FlinkJobState | None = None
    name: str | None = None
    start_time: int | None = None
    failure: str | None = None  # the root exception when the job FAILED


@dataclass(frozen=True)
class DeploymentObservation:
    cluster: ClusterObservation
    job: JobObservation = field(default_factory=JobObservation)
    runtime_defaults: Mapping[str, str] = field(default_factory=dict)
    # The highest retained checkpoint (chk-N with _metadata) of the recorded job.
    latest_checkpoint: str | None = None
    # The triggers recorded in status.jobStatus.savepointInfo / checkpointInfo, if any.
    savepoint_trigger: OperationObservation | None = None
    checkpoint_trigger: OperationObservation | None = None
    # Restarts and completed checkpoints, when the health check is on.
    health: HealthSample | None = None
    # This resource's FlinkStateSnapshots (for history cleanup).
    snapshots: tuple[SnapshotSummary, ...] = ()
    # Session clusters being deleted: who still uses them.
    session_jobs: tuple[str, ...] = ()
    unmanaged_jobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlConfig:
    """Installation-wide inputs to every decision.

    `defaults` are scurry's own (the runtime's profile); `operator_defaults` the
    installation's (FKO's default configuration), plain or scoped.
    """

    defaults: Mapping[str, str]
    validation: ValidationContext = field(default_factory=ValidationContext)
    operator_defaults: OperatorDefaults = field(default_factory=OperatorDefaults)

    def layers(
        self,
        namespace: str | None,
        flink_version: str | None,
        runtime: Mapping[str, str] | None = None,
    ) -> list[Layer]:
        """(source, keys) lowest first: scurry, runtime, defaults, namespace, flink-version."""
        return [
            ("scurry", self.defaults),
            ("runtime", runtime or {}),
            *self.operator_defaults.layers(namespace, flink_version),
        ]

    def defaults_for(
        self,
        namespace: str | None,
        flink_version: str | None,
        runtime: Mapping[str, str] | None = None,
    ) -> FlatConfig:
        """The defaults of a resource in `namespace` running `flink_version` (e.g. `v2_3`)."""
        merged: FlatConfig = {}
        for _, layer in self.layers(namespace, flink_version, runtime):
            merged = overlay(merged, layer)
        return merged
