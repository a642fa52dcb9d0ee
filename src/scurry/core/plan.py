"""What one reconcile decides: a status to record, events, at most one action.

The executor writes the status first (the intent), then the events, then
carries out the action, then reschedules. Everything here is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from scurry.models.cluster import ClusterRef, ClusterSpec
from scurry.models.status import FlinkDeploymentStatus

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


Action = DeployCluster | DeleteCluster


class FinalizerChange(StrEnum):
    ADD = "add"
    REMOVE = "remove"


@dataclass
class Plan:
    status: FlinkDeploymentStatus
    events: list[EventIntent] = field(default_factory=list)
    action: Action | None = None
    requeue_after: float | None = None
    finalizer: FinalizerChange | None = None

    def emit(
        self, type_: EventType, reason: str, message: str, component: str = "Operator"
    ) -> None:
        self.events.append(EventIntent(type_, reason, message, component))

    def requeue(self, seconds: float) -> None:
        """Ask to be reconciled again within `seconds` (the soonest request wins)."""
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds
