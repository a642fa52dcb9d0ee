"""Specs of FlinkDeployment, FlinkSessionJob and FlinkStateSnapshot.

Defaults follow FKO's Java classes. Fields scurry does not act on locally (pod
templates, ingress, image, ...) are kept as given so they round-trip.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from scurry.models.base import WireModel
from scurry.models.enums import (
    DeploymentMode,
    FlinkVersion,
    JobKind,
    JobState,
    SavepointFormatType,
    UpgradeMode,
)

Quantity = int | float | str


class JobSpec(WireModel):
    jar_uri: str | None = Field(default=None, alias="jarURI")
    parallelism: int | None = None
    entry_class: str | None = None
    args: list[str] = Field(default_factory=list)
    state: JobState = JobState.RUNNING
    savepoint_trigger_nonce: int | None = None
    initial_savepoint_path: str | None = None
    checkpoint_trigger_nonce: int | None = None
    upgrade_mode: UpgradeMode = UpgradeMode.STATELESS
    allow_non_restored_state: bool | None = None
    savepoint_redeploy_nonce: int | None = None
    autoscaler_reset_nonce: int | None = None

    @field_validator("args", mode="before")
    @classmethod
    def _args_none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class Resource(WireModel):
    """The deprecated `resource` block: cpu as a number, memory as a Flink size."""

    cpu: float | None = None
    memory: str | None = None
    ephemeral_storage: str | None = None


class ResourceRequirements(WireModel):
    """Kubernetes ResourceRequirements (`resources`), kept as quantities."""

    requests: dict[str, Quantity] | None = None
    limits: dict[str, Quantity] | None = None
    claims: list[dict[str, Any]] | None = None


class JobManagerSpec(WireModel):
    resource: Resource | None = None
    resources: ResourceRequirements | None = None
    replicas: int = 1
    pod_template: dict[str, Any] | None = None


class TaskManagerSpec(WireModel):
    resource: Resource | None = None
    resources: ResourceRequirements | None = None
    replicas: int | None = None
    pod_template: dict[str, Any] | None = None


class IngressSpec(WireModel):
    template: str | None = None
    class_name: str | None = None
    annotations: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    tls: list[dict[str, Any]] | None = None


class _FlinkSpecBase(WireModel):
    job: JobSpec | None = None
    restart_nonce: int | None = None
    flink_configuration: dict[str, Any] | None = None

    @field_validator("flink_configuration", mode="before")
    @classmethod
    def _config_is_a_map(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            raise ValueError("flinkConfiguration must be a map of keys to values")
        return value


class FlinkDeploymentSpec(_FlinkSpecBase):
    image: str | None = None
    image_pull_policy: str | None = None
    service_account: str | None = None
    flink_version: FlinkVersion | None = None
    ingress: IngressSpec | None = None
    pod_template: dict[str, Any] | None = None
    job_manager: JobManagerSpec | None = None
    task_manager: TaskManagerSpec | None = None
    log_configuration: dict[str, str] | None = None
    mode: DeploymentMode | None = None

    @property
    def is_application(self) -> bool:
        return self.job is not None


class FlinkSessionJobSpec(_FlinkSpecBase):
    deployment_name: str | None = None


class JobReference(WireModel):
    kind: JobKind | None = None
    name: str | None = None


class SavepointSpec(WireModel):
    path: str | None = None
    format_type: SavepointFormatType = SavepointFormatType.CANONICAL
    dispose_on_delete: bool = True
    already_exists: bool = False


class CheckpointSpec(WireModel):
    pass


class FlinkStateSnapshotSpec(WireModel):
    job_reference: JobReference | None = None
    savepoint: SavepointSpec | None = None
    checkpoint: CheckpointSpec | None = None
    backoff_limit: int = -1
