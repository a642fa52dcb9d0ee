"""The enumerations of flink.apache.org/v1beta1, spelled as on the wire."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class FlinkVersion(StrEnum):
    v1_13 = "v1_13"
    v1_14 = "v1_14"
    v1_15 = "v1_15"
    v1_16 = "v1_16"
    v1_17 = "v1_17"
    v1_18 = "v1_18"
    v1_19 = "v1_19"
    v1_20 = "v1_20"
    v2_0 = "v2_0"
    v2_1 = "v2_1"
    v2_2 = "v2_2"
    v2_3 = "v2_3"
    v2_4 = "v2_4"

    @property
    def is_supported(self) -> bool:
        """FKO supports 1.15 and newer; 1.13 and 1.14 only load."""
        return self not in (FlinkVersion.v1_13, FlinkVersion.v1_14)

    @property
    def dotted(self) -> str:
        return self.value[1:].replace("_", ".")


class JobState(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"


class UpgradeMode(StrEnum):
    STATELESS = "stateless"
    SAVEPOINT = "savepoint"
    LAST_STATE = "last-state"


class DeploymentMode(StrEnum):
    NATIVE = "native"
    STANDALONE = "standalone"


class FlinkJobState(StrEnum):
    """Flink's own job states (org.apache.flink.api.common.JobStatus)."""

    INITIALIZING = "INITIALIZING"
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    FAILING = "FAILING"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELED = "CANCELED"
    FINISHED = "FINISHED"
    RESTARTING = "RESTARTING"
    SUSPENDED = "SUSPENDED"
    RECONCILING = "RECONCILING"

    @property
    def is_globally_terminal(self) -> bool:
        return self in (FlinkJobState.FAILED, FlinkJobState.CANCELED, FlinkJobState.FINISHED)


class JobManagerDeploymentStatus(StrEnum):
    READY = "READY"
    DEPLOYED_NOT_READY = "DEPLOYED_NOT_READY"
    DEPLOYING = "DEPLOYING"
    MISSING = "MISSING"
    ERROR = "ERROR"

    @property
    def reason(self) -> str:
        """The condition reason FKO attaches to each status."""
        return _JM_REASONS[self]


_JM_REASONS = {
    JobManagerDeploymentStatus.READY: "JobManagerReady",
    JobManagerDeploymentStatus.DEPLOYED_NOT_READY: "DeployedNotReady",
    JobManagerDeploymentStatus.DEPLOYING: "JobManagerIsDeploying",
    JobManagerDeploymentStatus.MISSING: "JobManagerDeploymentMissing",
    JobManagerDeploymentStatus.ERROR: "Error",
}


class ReconciliationState(StrEnum):
    DEPLOYED = "DEPLOYED"
    UPGRADING = "UPGRADING"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"


class LifecycleState(StrEnum):
    CREATED = "CREATED"
    SUSPENDED = "SUSPENDED"
    UPGRADING = "UPGRADING"
    DEPLOYED = "DEPLOYED"
    STABLE = "STABLE"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"
    FAILED = "FAILED"
    DELETING = "DELETING"
    DELETED = "DELETED"


class SnapshotTriggerType(StrEnum):
    MANUAL = "MANUAL"
    PERIODIC = "PERIODIC"
    UPGRADE = "UPGRADE"
    UNKNOWN = "UNKNOWN"


class SavepointFormatType(StrEnum):
    CANONICAL = "CANONICAL"
    NATIVE = "NATIVE"
    UNKNOWN = "UNKNOWN"


class CheckpointType(StrEnum):
    FULL = "FULL"
    INCREMENTAL = "INCREMENTAL"
    UNKNOWN = "UNKNOWN"


class SnapshotState(StrEnum):
    TRIGGER_PENDING = "TRIGGER_PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    ABANDONED = "ABANDONED"


class JobKind(StrEnum):
    FLINK_DEPLOYMENT = "FlinkDeployment"
    FLINK_SESSION_JOB = "FlinkSessionJob"


class DiffType(IntEnum):
    """How much a spec change demands, ordered: the aggregate of diffs is their max."""

    IGNORE = 0
    SCALE = 1
    UPGRADE = 2
    SAVEPOINT_REDEPLOY = 3
