"""The top-level FKO resources and the table of kinds scurry serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from scurry.models.base import WireModel
from scurry.models.corev1 import ConfigMap, Secret
from scurry.models.meta import ObjectMeta
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec, FlinkStateSnapshotSpec
from scurry.models.status import (
    FlinkDeploymentStatus,
    FlinkSessionJobStatus,
    FlinkStateSnapshotStatus,
)

FLINK_GROUP = "flink.apache.org"
FLINK_VERSION = "v1beta1"
FLINK_API_VERSION = f"{FLINK_GROUP}/{FLINK_VERSION}"


class FlinkDeployment(WireModel):
    api_version: str = FLINK_API_VERSION
    kind: Literal["FlinkDeployment"] = "FlinkDeployment"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: FlinkDeploymentSpec = Field(default_factory=FlinkDeploymentSpec)
    status: FlinkDeploymentStatus = Field(default_factory=FlinkDeploymentStatus)


class FlinkSessionJob(WireModel):
    api_version: str = FLINK_API_VERSION
    kind: Literal["FlinkSessionJob"] = "FlinkSessionJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: FlinkSessionJobSpec = Field(default_factory=FlinkSessionJobSpec)
    status: FlinkSessionJobStatus = Field(default_factory=FlinkSessionJobStatus)


class FlinkStateSnapshot(WireModel):
    api_version: str = FLINK_API_VERSION
    kind: Literal["FlinkStateSnapshot"] = "FlinkStateSnapshot"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: FlinkStateSnapshotSpec = Field(default_factory=FlinkStateSnapshotSpec)
    status: FlinkStateSnapshotStatus = Field(default_factory=FlinkStateSnapshotStatus)


FlinkResource = FlinkDeployment | FlinkSessionJob | FlinkStateSnapshot


@dataclass(frozen=True)
class KindInfo:
    """What the API and the CLI need to know about a kind."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    model: type[WireModel]
    namespaced: bool = True
    has_spec: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def names(self) -> tuple[str, ...]:
        """Every name kubectl accepts for this kind, lower-cased."""
        base = (self.kind.lower(), self.plural, self.singular, *self.short_names)
        if not self.group:
            return base
        return (*base, f"{self.plural}.{self.group}", f"{self.singular}.{self.group}")

    def parse(self, data: dict[str, Any]) -> Any:
        return self.model.model_validate(data)


FLINK_DEPLOYMENT = KindInfo(
    FLINK_GROUP,
    FLINK_VERSION,
    "FlinkDeployment",
    "flinkdeployments",
    "flinkdeployment",
    ("flinkdep",),
    FlinkDeployment,
)
FLINK_SESSION_JOB = KindInfo(
    FLINK_GROUP,
    FLINK_VERSION,
    "FlinkSessionJob",
    "flinksessionjobs",
    "flinksessionjob",
    ("sessionjob",),
    FlinkSessionJob,
)
FLINK_STATE_SNAPSHOT = KindInfo(
    FLINK_GROUP,
    FLINK_VERSION,
    "FlinkStateSnapshot",
    "flinkstatesnapshots",
    "flinkstatesnapshot",
    ("flinksnp",),
    FlinkStateSnapshot,
)

# core/v1 objects that pod templates refer to (env, envFrom); they have data, not a spec.
CONFIG_MAP = KindInfo(
    "", "v1", "ConfigMap", "configmaps", "configmap", ("cm",), ConfigMap, has_spec=False
)
SECRET = KindInfo("", "v1", "Secret", "secrets", "secret", (), Secret, has_spec=False)

KINDS: tuple[KindInfo, ...] = (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    CONFIG_MAP,
    SECRET,
)
