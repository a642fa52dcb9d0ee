"""The upgrade savepoint, shared by application deployments and session jobs.

Stop-with-savepoint is a step across reconciles: the trigger id (chosen here,
so a repeated request is the same operation in Flink) goes into
`jobStatus.savepointInfo` before Flink is asked; later reconciles follow it
until the savepoint is complete, and its path goes into the status before
anything else happens to the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from scurry.config.flinkconf import is_true
from scurry.core import transitions as tr
from scurry.core.observation import OperationObservation, OperationState
from scurry.core.options import OperatorOptions
from scurry.core.plan import Plan, StopJob
from scurry.core.upgrade import DRAIN_ON_SAVEPOINT, savepoint_format
from scurry.core.validation import SAVEPOINT_DIR_KEYS
from scurry.models.enums import FlinkJobState, SavepointFormatType, SnapshotTriggerType
from scurry.models.meta import ObjectMeta
from scurry.models.status import CommonStatus, Savepoint, SavepointInfo

MSG_SUSPENDED = "Suspending existing deployment."


class _Resource(Protocol):
    @property
    def metadata(self) -> ObjectMeta: ...


class JobStep(Protocol):
    """What the savepoint steps need of a decision in the making."""

    plan: Plan[Any]
    now: datetime
    generation: int
    config_map: dict[str, str]
    options: OperatorOptions

    @property
    def resource(self) -> _Resource: ...

    @property
    def status(self) -> CommonStatus: ...


def refuse(step: JobStep, reason: str, message: str) -> None:
    """The change cannot be carried out: say so once, and still count the generation as
    seen, so a later suspend, spec change or delete is never blocked by this one."""
    if step.status.error != message:
        step.plan.emit("Warning", reason, message)
    step.status.error = message
    step.status.observed_generation = step.generation
    step.plan.requeue(step.options.reconcile_interval)


def upgrade_trigger(status: CommonStatus) -> str | None:
    info = status.job_status.savepoint_info
    if info is None or not info.trigger_id or info.trigger_type is not SnapshotTriggerType.UPGRADE:
        return None
    return info.trigger_id


def start_savepoint(step: JobStep, rest_url: str | None) -> None:
    """Record the trigger, then ask Flink to stop the job with a savepoint."""
    status = step.status
    job_id = status.job_status.job_id
    if not job_id or not rest_url:
        step.plan.requeue(step.options.progress_check_interval)
        return
    trigger_id = tr.new_job_id(step.resource.metadata.uid or "", step.now, "upgrade-savepoint")
    info = status.job_status.savepoint_info or SavepointInfo()
    info.trigger_id = trigger_id
    info.trigger_timestamp = tr.epoch_ms(step.now)
    info.trigger_type = SnapshotTriggerType.UPGRADE
    info.format_type = SavepointFormatType(savepoint_format(step.config_map))
    status.job_status.savepoint_info = info
    step.plan.emit("Normal", "Suspended", MSG_SUSPENDED)
    stop(step, job_id, rest_url, trigger_id)


def stop(step: JobStep, job_id: str, rest_url: str, trigger_id: str) -> None:
    config = step.config_map
    directory = next((config[key] for key in SAVEPOINT_DIR_KEYS if config.get(key)), None)
    step.plan.action = StopJob(
        rest_url=rest_url,
        job_id=job_id,
        trigger_id=trigger_id,
        target_directory=directory,
        format_type=savepoint_format(config),
        drain=is_true(config, DRAIN_ON_SAVEPOINT),
    )
    step.plan.requeue(step.options.progress_check_interval)


def follow_savepoint(
    step: JobStep, seen: OperationObservation | None, rest_url: str | None, job_lost: bool
) -> str | None:
    """The savepoint's location once complete; None while waiting (or after a failure)."""
    trigger_id = upgrade_trigger(step.status)
    assert trigger_id is not None
    status = step.status
    if seen is None or seen.state is OperationState.IN_PROGRESS:
        if job_lost:
            _failed(step, "the job was lost during the savepoint")
        else:
            step.plan.requeue(step.options.progress_check_interval)
        return None
    if seen.state is OperationState.UNKNOWN:
        job_id = status.job_status.job_id
        if status.job_status.state is FlinkJobState.RUNNING and job_id and rest_url:
            stop(step, job_id, rest_url, trigger_id)  # Flink never got it: ask again, same id
        else:
            _failed(step, "the job stopped before the savepoint was taken")
        return None
    if seen.state is OperationState.FAILED:
        _failed(step, seen.failure or "unknown cause")
        return None
    assert seen.location is not None
    record_savepoint(status, seen.location, SnapshotTriggerType.UPGRADE, step.now)
    status.job_status.upgrade_savepoint_path = seen.location
    return seen.location


def _failed(step: JobStep, cause: str) -> None:
    info = step.status.job_status.savepoint_info
    if info is not None:
        info.trigger_id, info.trigger_timestamp, info.trigger_type = None, None, None
    refuse(step, "SavepointError", f"Savepoint Error: {cause}")


def record_savepoint(
    status: CommonStatus, location: str, trigger: SnapshotTriggerType, now: datetime
) -> None:
    """A completed savepoint: last savepoint, history, and the trigger cleared."""
    info = status.job_status.savepoint_info or SavepointInfo()
    savepoint = Savepoint(
        time_stamp=tr.epoch_ms(now),
        location=location,
        trigger_type=trigger,
        format_type=info.format_type or SavepointFormatType.CANONICAL,
    )
    info.last_savepoint = savepoint
    info.savepoint_history = [*info.savepoint_history, savepoint]
    info.trigger_id, info.trigger_timestamp, info.trigger_type = None, None, None
    status.job_status.savepoint_info = info


IGNORE_PENDING = "kubernetes.operator.job.upgrade.ignore-pending-savepoint"


def pending_snapshot(step: JobStep, snapshots_in_progress: int) -> str | None:
    """A manual or periodic snapshot still running: an upgrade waits for it (FKO),
    unless `kubernetes.operator.job.upgrade.ignore-pending-savepoint` is set."""
    if is_true(step.config_map, IGNORE_PENDING):
        return None
    info = step.status.job_status.savepoint_info
    if (
        info is not None
        and info.trigger_id
        and info.trigger_type is not SnapshotTriggerType.UPGRADE
    ):
        return f"savepoint {info.trigger_id}"
    checkpoint = step.status.job_status.checkpoint_info
    if checkpoint is not None and checkpoint.trigger_id:
        return f"checkpoint {checkpoint.trigger_id}"
    if snapshots_in_progress:
        return f"{snapshots_in_progress} FlinkStateSnapshot(s) in progress"
    return None


def wait_for_snapshot(step: JobStep, pending: str) -> None:
    message = f"The upgrade waits for the pending {pending} to complete"
    step.plan.emit("Normal", "UpgradeWaiting", message)
    step.plan.requeue(step.options.progress_check_interval)
