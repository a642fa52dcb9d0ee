"""What one reconcile decides: a status to record, events, at most one action.

The executor writes the status first (the intent), then the events, then
carries out the action, then reschedules. Everything here is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from scurry.models.base import WireModel
from scurry.models.cluster import ClusterRef, ClusterSpec, JobLaunch
from scurry.models.status import CommonStatus

EventType = Literal["Normal", "Warning"]


@dataclass(frozen=True)
class EventIntent:
    type: EventType
    reason: str
    message: str
    component: str = "Operator"


@dataclass(frozen=True)
class DeployCluster:
    """Create the cluster, or replace the one there, as `spec` describes."""

    spec: ClusterSpec


@dataclass(frozen=True)
class DeleteCluster:
    ref: ClusterRef


@dataclass(frozen=True)
class SubmitJob:
    """Submit a job to a running session cluster, with the job id the status recorded."""

    cluster: ClusterRef
    rest_url: str
    job: JobLaunch


@dataclass(frozen=True)
class CancelJob:
    rest_url: str
    job_id: str


@dataclass(frozen=True)
class StopJob:
    """Stop-with-savepoint; the trigger id makes a repeated request the same operation."""

    rest_url: str
    job_id: str
    trigger_id: str
    target_directory: str | None
    format_type: str
    drain: bool = False


@dataclass(frozen=True)
class TriggerSavepoint:
    rest_url: str
    job_id: str
    trigger_id: str
    target_directory: str | None
    format_type: str


@dataclass(frozen=True)
class TriggerCheckpoint:
    rest_url: str
    job_id: str
    trigger_id: str
    checkpoint_type: str


@dataclass(frozen=True)
class DisposeSnapshot:
    """Delete a savepoint's files (the local runtime owns them; no cluster needed)."""

    path: str


Action = (
    DeployCluster
    | DeleteCluster
    | SubmitJob
    | CancelJob
    | StopJob
    | TriggerSavepoint
    | TriggerCheckpoint
    | DisposeSnapshot
)
StatusT = TypeVar("StatusT", bound=WireModel)
# Statuses with a job (deployments and session jobs), for code shared by both.
JobStatusT = TypeVar("JobStatusT", bound=CommonStatus)


class FinalizerChange(StrEnum):
    ADD = "add"
    REMOVE = "remove"


@dataclass
class Plan(Generic[StatusT]):
    status: StatusT
    events: list[EventIntent] = field(default_factory=list)
    action: Action | None = None
    requeue_after: float | None = None
    finalizer: FinalizerChange | None = None
    labels: dict[str, str] | None = None  # merged into metadata.labels before the status
    create: list[dict[str, Any]] = field(default_factory=list)  # derived objects to store
    delete: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ns, name)

    def emit(
        self, type_: EventType, reason: str, message: str, component: str = "Operator"
    ) -> None:
        self.events.append(EventIntent(type_, reason, message, component))

    def requeue(self, seconds: float) -> None:
        """Ask to be reconciled again within `seconds` (the soonest request wins)."""
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds
