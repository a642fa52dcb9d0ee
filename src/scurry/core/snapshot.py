"""decide() for FlinkStateSnapshot (FKO's FlinkStateSnapshotController).

TRIGGER_PENDING -> IN_PROGRESS -> COMPLETED | FAILED | ABANDONED. The trigger id
is chosen here and recorded (IN_PROGRESS) before Flink is asked, so a repeated
request is the same savepoint. Failures are retried with backoff
(10 s * 2^(failures-1)) until `backoffLimit`; deleting a completed savepoint
disposes its files when `disposeOnDelete` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scurry.core import transitions as tr
from scurry.core.observation import OperationObservation, OperationState
from scurry.core.options import OperatorOptions
from scurry.core.plan import (
    DisposeSnapshot,
    FinalizerChange,
    Plan,
    TriggerCheckpoint,
    TriggerSavepoint,
)
from scurry.core.validation import SAVEPOINT_DIR_KEYS
from scurry.models.enums import FlinkJobState, SnapshotState
from scurry.models.resources import FlinkStateSnapshot
from scurry.models.status import FlinkStateSnapshotStatus

FINALIZER = "flinkstatesnapshots.flink.apache.org/finalizer"
CHECKPOINT_TYPE = "kubernetes.operator.checkpoint.type"
LABEL_TYPE = "snapshot.type"
LABEL_TRIGGER = "snapshot.trigger-type"
LABEL_STATE = "snapshot.state"
LABEL_KIND = "job-reference.kind"
LABEL_NAME = "job-reference.name"
MSG_EXACTLY_ONE = "Exactly one of checkpoint or savepoint configurations has to be set."
MSG_NO_REFERENCE = "Job reference must be supplied for this snapshot"
MSG_NO_DIR = (
    "Either the savepoint path in the spec or configuration state.savepoints.dir in the Flink "
    "resource has to be supplied"
)


@dataclass(frozen=True)
class SnapshotObservation:
    """The snapshot's target job, as its resource and Flink report it."""

    target_found: bool = False
    job_id: str | None = None
    job_state: FlinkJobState | None = None
    rest_url: str | None = None
    config: Mapping[str, str] = field(default_factory=dict)  # the target's effective config
    trigger: OperationObservation | None = None
    checkpoint_path: str | None = None  # where a completed checkpoint trigger landed


class _Step:
    def __init__(
        self, snapshot: FlinkStateSnapshot, obs: SnapshotObservation, now: datetime
    ) -> None:
        self.snapshot, self.obs, self.now = snapshot, obs, now
        self.plan: Plan[FlinkStateSnapshotStatus] = Plan(
            status=snapshot.status.model_copy(deep=True)
        )
        self.options = OperatorOptions.from_config(obs.config)

    @property
    def status(self) -> FlinkStateSnapshotStatus:
        return self.plan.status

    @property
    def is_savepoint(self) -> bool:
        return self.snapshot.spec.savepoint is not None

    @property
    def target_text(self) -> str:
        meta, ref = self.snapshot.metadata, self.snapshot.spec.job_reference
        return f"{meta.namespace}/{ref.name if ref else ''}"


def decide_snapshot(
    snapshot: FlinkStateSnapshot, obs: SnapshotObservation, now: datetime
) -> Plan[FlinkStateSnapshotStatus]:
    step = _Step(snapshot, obs, now)
    if snapshot.metadata.deletion_timestamp:
        _cleanup(step)
        return step.plan
    if FINALIZER not in (snapshot.metadata.finalizers or []):
        step.plan.finalizer = FinalizerChange.ADD
    if step.status.state is SnapshotState.IN_PROGRESS:
        _observe(step)
    error = validate_snapshot(snapshot, obs)
    if error:
        if step.status.error != error:
            step.plan.emit("Warning", "ValidationError", error, "Snapshot")
        step.status.error = error
    else:
        _retry_when_due(step)
        if step.status.state is SnapshotState.TRIGGER_PENDING:
            _trigger(step)
    step.plan.labels = labels(snapshot, step.status.state)
    if step.status.state not in (SnapshotState.COMPLETED, SnapshotState.ABANDONED):
        step.plan.requeue(_interval(step))
    return step.plan


def validate_snapshot(snapshot: FlinkStateSnapshot, obs: SnapshotObservation) -> str | None:
    spec = snapshot.spec
    if (spec.savepoint is None) == (spec.checkpoint is None):
        return MSG_EXACTLY_ONE
    if spec.savepoint is not None and spec.savepoint.already_exists:
        return None
    if spec.job_reference is None or not spec.job_reference.name:
        return MSG_NO_REFERENCE
    pending = snapshot.status.state is SnapshotState.TRIGGER_PENDING
    if pending and not obs.target_found:
        meta = snapshot.metadata
        return f"Target for snapshot {meta.namespace}/{meta.name} was not found"
    return None


def labels(snapshot: FlinkStateSnapshot, state: SnapshotState) -> dict[str, str]:
    """FKO's labels: type, trigger type (MANUAL unless set), state and the job reference."""
    current = snapshot.metadata.labels or {}
    result = {
        LABEL_TYPE: "SAVEPOINT" if snapshot.spec.savepoint is not None else "CHECKPOINT",
        LABEL_TRIGGER: current.get(LABEL_TRIGGER, "MANUAL"),
        LABEL_STATE: state.value,
    }
    ref = snapshot.spec.job_reference
    if ref is not None and ref.name:
        result[LABEL_KIND] = ref.kind.value if ref.kind else "FlinkDeployment"
        result[LABEL_NAME] = ref.name
    return result


def _trigger(step: _Step) -> None:
    spec, status, obs = step.snapshot.spec, step.status, step.obs
    if spec.savepoint is not None and spec.savepoint.already_exists:
        stamp = tr.rfc3339(step.now)
        status.state, status.path = SnapshotState.COMPLETED, spec.savepoint.path
        status.trigger_timestamp = status.result_timestamp = stamp
        return
    if not obs.target_found:
        _abandon(
            step,
            f"Secondary resource {step.target_text} for savepoint "
            f"{step.snapshot.metadata.name} was not found",
        )
        return
    if obs.job_state is not FlinkJobState.RUNNING or not obs.job_id or not obs.rest_url:
        _abandon(
            step,
            f"Secondary resource {step.target_text} for savepoint "
            f"{step.snapshot.metadata.name} is not running",
        )
        return
    directory = None
    if spec.savepoint is not None:
        directory = spec.savepoint.path or next(
            (obs.config[k] for k in SAVEPOINT_DIR_KEYS if obs.config.get(k)), None
        )
        if directory is None:
            _failed(step, MSG_NO_DIR)
            return
    trigger_id = tr.new_job_id(step.snapshot.metadata.uid or "", step.now, f"{status.failures}")
    status.state, status.trigger_id = SnapshotState.IN_PROGRESS, trigger_id
    status.trigger_timestamp = tr.rfc3339(step.now)
    status.error = None
    if spec.savepoint is not None:
        step.plan.action = TriggerSavepoint(
            rest_url=obs.rest_url,
            job_id=obs.job_id,
            trigger_id=trigger_id,
            target_directory=directory,
            format_type=spec.savepoint.format_type.value,
        )
    else:
        kind = obs.config.get(CHECKPOINT_TYPE, "FULL").strip().upper() or "FULL"
        step.plan.action = TriggerCheckpoint(
            rest_url=obs.rest_url, job_id=obs.job_id, trigger_id=trigger_id, checkpoint_type=kind
        )


def _observe(step: _Step) -> None:
    obs, seen = step.obs, step.obs.trigger
    stopped = not obs.target_found or obs.job_state is not FlinkJobState.RUNNING
    if stopped and (seen is None or seen.state is not OperationState.COMPLETED):
        _abandon(step, f"Job of {step.target_text} is not running")
        return
    if seen is None or seen.state is OperationState.IN_PROGRESS:
        return
    if seen.state is OperationState.UNKNOWN:
        step.status.state = SnapshotState.TRIGGER_PENDING  # Flink never got it: ask again
        return
    if seen.state is OperationState.FAILED:
        _failed(step, seen.failure or "unknown cause")
        return
    path = seen.location if step.is_savepoint else obs.checkpoint_path
    step.status.state, step.status.path = SnapshotState.COMPLETED, path or ""
    step.status.result_timestamp = tr.rfc3339(step.now)
    step.status.error = None
    if not step.is_savepoint and not path:
        step.plan.emit(
            "Warning",
            "CheckpointError",
            "Checkpoint completed but its path is unknown; raise web.checkpoints.history",
            "Snapshot",
        )


def _abandon(step: _Step, message: str) -> None:
    step.status.state, step.status.error = SnapshotState.ABANDONED, message
    step.status.result_timestamp = tr.rfc3339(step.now)
    step.plan.emit("Warning", "SnapshotAbandoned", message, "Snapshot")


def _failed(step: _Step, cause: str) -> None:
    status = step.status
    status.state, status.error = SnapshotState.FAILED, cause
    status.failures += 1
    status.result_timestamp = tr.rfc3339(step.now)
    status.trigger_id = None
    reason = "SavepointError" if step.is_savepoint else "CheckpointError"
    step.plan.emit("Warning", reason, cause, "Snapshot")


def _backoff(failures: int) -> timedelta:
    return timedelta(seconds=10 * 2 ** max(0, failures - 1))


def _retry_when_due(step: _Step) -> None:
    """FAILED goes back to TRIGGER_PENDING after the backoff, while backoffLimit allows."""
    status, limit = step.status, step.snapshot.spec.backoff_limit
    if status.state is not SnapshotState.FAILED:
        return
    if limit >= 0 and status.failures > limit:
        return
    failed_at = _parse_time(status.result_timestamp)
    if failed_at is None or step.now >= failed_at + _backoff(status.failures):
        status.state = SnapshotState.TRIGGER_PENDING


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _interval(step: _Step) -> float:
    status = step.status
    if status.state is SnapshotState.IN_PROGRESS:
        return step.options.progress_check_interval
    if status.state is SnapshotState.FAILED:
        return _backoff(status.failures).total_seconds()
    return step.options.reconcile_interval


def _cleanup(step: _Step) -> None:
    """Dispose a completed savepoint's files if asked to; wait for one in progress."""
    snapshot, status = step.snapshot, step.status
    if FINALIZER not in (snapshot.metadata.finalizers or []):
        return
    if status.state is SnapshotState.IN_PROGRESS:
        step.plan.requeue(step.options.progress_check_interval)
        return
    savepoint = snapshot.spec.savepoint
    dispose = (
        savepoint is not None
        and savepoint.dispose_on_delete
        and snapshot.spec.job_reference is not None
        and status.state is SnapshotState.COMPLETED
        and bool(status.path)
    )
    if dispose and status.path:
        step.plan.action = DisposeSnapshot(status.path)
    step.plan.finalizer = FinalizerChange.REMOVE
