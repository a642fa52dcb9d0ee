"""What the controller saw before deciding: the runtime's report and the job's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from scurry.core.validation import ValidationContext
from scurry.models.cluster import ClusterObservation
from scurry.models.enums import FlinkJobState


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
    # Session clusters being deleted: who still uses them.
    session_jobs: tuple[str, ...] = ()
    unmanaged_jobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlConfig:
    """Installation-wide inputs to every decision."""

    defaults: Mapping[str, str]
    validation: ValidationContext = field(default_factory=ValidationContext)
