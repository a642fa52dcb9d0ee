"""Resources of the CMF management plane (`/cmf/api/v1`), camelCase as in its OpenAPI spec.

Request bodies are parsed with these models, so a wrong type is refused with
the field's wire name; responses are built with them, so every answer has
the spec's shape. The Environment is the spec's odd one out: a flat body with
snake_case timestamps. FlinkApplication's metadata, spec and status are free
objects in the spec (a FlinkDeployment spec underneath) and stay dicts here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from scurry.models.enums import SavepointFormatType

CMF_API_VERSION = "cmf.confluent.io/v1"
CMF_EVENTS_API_VERSION = "cmf.confluent.io/v1alpha1"
MASK = "****"

StringMap = dict[str, str]


class CmfModel(BaseModel):
    """camelCase on the wire; unknown fields ignored, as CMF's JSON binding does."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ResourceMetadata(CmfModel):
    """The metadata every V2 resource carries (ComputePool-, Secret-, Savepoint-Metadata...)."""

    name: str | None = None
    creation_timestamp: str | None = None
    update_timestamp: str | None = None
    uid: str | None = None
    labels: StringMap | None = None
    annotations: StringMap | None = None


class Resource(CmfModel):
    """ResourceBaseV2: apiVersion and kind are required in requests."""

    api_version: str
    kind: str


# -- environments -------------------------------------------------------------------


class StatementDefaultsGroup(CmfModel):
    flink_configuration: dict[str, str] | None = None


class StatementDefaults(CmfModel):
    detached: StatementDefaultsGroup | None = None
    interactive: StatementDefaultsGroup | None = None


class EnvironmentMetadata(CmfModel):
    name: str | None = None
    creation_timestamp: str | None = None
    update_timestamp: str | None = None
    labels: StringMap | None = None
    annotations: StringMap | None = None


class PostEnvironment(CmfModel):
    """The create-or-update body: `name` (deprecated) or `metadata.name`."""

    name: str | None = None
    metadata: EnvironmentMetadata | None = None
    kubernetes_namespace: str | None = None
    kubernetes_cluster_name: str | None = None
    flink_application_defaults: dict[str, Any] | None = None
    compute_pool_defaults: dict[str, Any] | None = None
    statement_defaults: StatementDefaults | None = None


class ResourceUsage(CmfModel):
    cpu: float = 0.0
    memory: int = 0
    count: int = 0


class ResourceUsageSummary(CmfModel):
    job_manager: ResourceUsage = Field(default_factory=ResourceUsage)
    task_manager: ResourceUsage = Field(default_factory=ResourceUsage)


class ResourcesByStatus(CmfModel):
    applications: dict[str, int] = Field(default_factory=dict)
    statements: dict[str, int] | None = None


class KubernetesClusterStatus(CmfModel):
    state: Literal["CONNECTED", "DISCONNECTED", "DECOMMISSIONED"]
    message: str | None = None
    last_heartbeat_timestamp: str | None = None
    kubernetes_version: str | None = None


class EnvironmentStatus(CmfModel):
    resources: ResourcesByStatus = Field(default_factory=ResourcesByStatus)
    resource_summary: ResourceUsageSummary = Field(default_factory=ResourceUsageSummary)
    kubernetes_cluster: KubernetesClusterStatus | None = None


class Environment(PostEnvironment):
    created_time: str | None = Field(default=None, alias="created_time")
    updated_time: str | None = Field(default=None, alias="updated_time")
    secrets: StringMap | None = None
    status: EnvironmentStatus | None = None


# -- applications -------------------------------------------------------------------


class FlinkApplication(Resource):
    metadata: dict[str, Any]
    spec: dict[str, Any]
    status: dict[str, Any] | None = None


class InstanceJobStatus(CmfModel):
    job_id: str | None = None
    state: str | None = None


class InstanceStatus(CmfModel):
    spec: dict[str, Any] | None = None
    job_status: InstanceJobStatus | None = None


class FlinkApplicationInstance(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "FlinkApplicationInstance"
    metadata: ResourceMetadata
    status: InstanceStatus


class EventMetadata(CmfModel):
    name: str | None = None
    uid: str | None = None
    creation_timestamp: str | None = None
    flink_application_instance: str | None = None
    labels: StringMap | None = None
    annotations: StringMap | None = None


class EventStatus(CmfModel):
    message: str | None = None
    type: str | None = None
    data: dict[str, str] | None = None  # never set: see services/cmf/events.py


class FlinkApplicationEvent(CmfModel):
    api_version: str = CMF_EVENTS_API_VERSION
    kind: str = "FlinkApplicationEvent"
    metadata: EventMetadata
    status: EventStatus


# -- savepoints ---------------------------------------------------------------------


class SavepointSpec(CmfModel):
    path: str | None = None
    backoff_limit: int = Field(default=-1, ge=-1, le=2**31 - 1)
    format_type: SavepointFormatType = SavepointFormatType.CANONICAL


class SavepointStatus(CmfModel):
    state: str | None = None
    path: str | None = None
    trigger_timestamp: str | None = None
    result_timestamp: str | None = None
    failures: int | None = None
    error: str | None = None
    pending_deletion: bool | None = None
    warning: str | None = None


class SavepointRequest(CmfModel):
    """A savepoint as posted: apiVersion and kind may be left out (the CLI sends neither)."""

    api_version: str | None = None
    kind: str | None = None
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    spec: SavepointSpec = Field(default_factory=SavepointSpec)


class Savepoint(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "Savepoint"
    metadata: ResourceMetadata
    spec: SavepointSpec
    status: SavepointStatus | None = None


# -- secrets ------------------------------------------------------------------------


class SecretSpec(CmfModel):
    data: StringMap | None = None


class SecretStatus(CmfModel):
    version: str | None = None
    environments: list[str] = Field(default_factory=list)


class SecretRequest(Resource):
    metadata: ResourceMetadata
    spec: SecretSpec


class Secret(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "Secret"
    metadata: ResourceMetadata
    spec: SecretSpec
    status: SecretStatus | None = None


class SecretMappingSpec(CmfModel):
    secret_name: str


class SecretMappingRequest(Resource):
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    spec: SecretMappingSpec


class EnvironmentSecretMapping(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "EnvironmentSecretMapping"
    metadata: ResourceMetadata
    spec: SecretMappingSpec


# -- Kubernetes clusters and information ----------------------------------------------


class KubernetesClusterSpec(CmfModel):
    lifecycle_state: Literal["ACTIVE", "DECOMMISSIONED"] | None = None


class KubernetesClusterRequest(Resource):
    metadata: ResourceMetadata
    spec: KubernetesClusterSpec


class KubernetesCluster(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "KubernetesCluster"
    metadata: ResourceMetadata
    spec: KubernetesClusterSpec
    status: KubernetesClusterStatus | None = None


class SystemInformationStatus(CmfModel):
    version: str
    revision: str


class SystemInformation(CmfModel):
    status: SystemInformationStatus


class ResourceCounts(CmfModel):
    environments: int = 0
    applications: dict[str, int] = Field(default_factory=dict)
    secrets: int = 0
    savepoints: int = 0
    detached_savepoints: int = 0
    catalogs: int = 0  # Kafka catalogs
    compute_pools: int = 0
    statements: dict[str, int] = Field(default_factory=dict)  # by phase
    kubernetes_clusters: dict[str, int] = Field(default_factory=dict)


class ResourceSummary(CmfModel):
    cpu: float = 0.0
    memory: int = 0


class ResourceInformationStatus(CmfModel):
    resources: ResourceCounts
    resource_summary: ResourceSummary


class ResourceInformation(CmfModel):
    status: ResourceInformationStatus


# -- pages --------------------------------------------------------------------------


class Sort(CmfModel):
    sorted: bool
    unsorted: bool
    empty: bool


class Pageable(CmfModel):
    page: int
    size: int
    sort: Sort


class PageMetadata(CmfModel):
    size: int


class Page(CmfModel):
    """Every list's envelope; `metadata.size` is the number of matching items (all pages)."""

    pageable: Pageable
    metadata: PageMetadata
    items: list[dict[str, Any]]
