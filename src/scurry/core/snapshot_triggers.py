"""Snapshots a running job's resource asks for: manual (nonces), periodic, upgrade,
and the cleanup of their history (FKO's SnapshotUtils and SnapshotObserver).

With snapshot resources on (`kubernetes.operator.snapshot.resource.enabled`, the
default) each snapshot is a FlinkStateSnapshot created here and carried out by
its own controller; with them off, savepoints are triggered directly and kept
in the legacy `savepointInfo` / `checkpointInfo` status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from scurry.config.flinkconf import duration_option, is_true
from scurry.config.schedule import next_due
from scurry.core import transitions as tr
from scurry.core.observation import OperationObservation, OperationState, SnapshotSummary
from scurry.core.plan import DisposeSnapshot, TriggerCheckpoint, TriggerSavepoint
from scurry.core.reconciled import SpecT
from scurry.core.savepoints import JobStep, record_savepoint
from scurry.core.upgrade import savepoint_format
from scurry.core.validation import SAVEPOINT_DIR_KEYS
from scurry.models.enums import (
    CheckpointType,
    SavepointFormatType,
    SnapshotTriggerType,
)
from scurry.models.resources import FLINK_API_VERSION, FLINK_STATE_SNAPSHOT
from scurry.models.status import Checkpoint, CheckpointInfo, SavepointInfo

RESOURCES_ENABLED = "kubernetes.operator.snapshot.resource.enabled"
PERIODIC_SAVEPOINT = "kubernetes.operator.periodic.savepoint.interval"
PERIODIC_CHECKPOINT = "kubernetes.operator.periodic.checkpoint.interval"
DISPOSE_ON_DELETE = "kubernetes.operator.savepoint.dispose-on-delete"
CLEANUP_ENABLED = "kubernetes.operator.savepoint.cleanup.enabled"
HISTORY_MAX_COUNT = "kubernetes.operator.savepoint.history.max.count"
HISTORY_MAX_AGE = "kubernetes.operator.savepoint.history.max.age"
CHECKPOINTS_RETAINED = ("execution.checkpointing.num-retained", "state.checkpoints.num-retained")


def resources_enabled(config: Mapping[str, str]) -> bool:
    return is_true(config, RESOURCES_ENABLED, True)


def snapshot_manifest(
    step: JobStep,
    owner_kind: str,
    *,
    savepoint: bool,
    trigger: SnapshotTriggerType,
    path: str | None = None,
    already_exists: bool = False,
) -> dict[str, Any]:
    """A FlinkStateSnapshot named as FKO names them: `<resource>-<type>-<trigger>-<millis>`."""
    meta = step.resource.metadata
    kind = "savepoint" if savepoint else "checkpoint"
    name = f"{meta.name}-{kind}-{trigger.value.lower()}-{tr.epoch_ms(step.now)}"
    body: dict[str, Any] = {"jobReference": {"kind": owner_kind, "name": meta.name}}
    if savepoint:
        body["savepoint"] = {
            "formatType": savepoint_format(step.config_map),
            "disposeOnDelete": is_true(step.config_map, DISPOSE_ON_DELETE, False),
            "alreadyExists": already_exists,
            **({"path": path} if path else {}),
        }
    else:
        body["checkpoint"] = {}
    return {
        "apiVersion": FLINK_API_VERSION,
        "kind": FLINK_STATE_SNAPSHOT.kind,
        "metadata": {
            "name": name,
            "namespace": meta.namespace,
            "labels": {"snapshot.trigger-type": trigger.value},
        },
        "spec": body,
    }


def record_upgrade_snapshot(step: JobStep, owner_kind: str, location: str) -> None:
    """The savepoint an upgrade took, as a FlinkStateSnapshot that already exists."""
    if resources_enabled(step.config_map):
        step.plan.create.append(
            snapshot_manifest(
                step,
                owner_kind,
                savepoint=True,
                trigger=SnapshotTriggerType.UPGRADE,
                path=location,
                already_exists=True,
            )
        )


def request_snapshots(
    step: JobStep,
    owner_kind: str,
    spec_type: type[SpecT],
    spec: SpecT,
    last: SpecT,
    rest_url: str | None,
) -> None:
    """Manual and periodic snapshots of a RUNNING job, savepoints first (one per pass)."""
    assert spec.job is not None
    assert last.job is not None
    status = step.status
    if _legacy_in_flight(status.job_status.savepoint_info, status.job_status.checkpoint_info):
        return
    savepoint_nonce = spec.job.savepoint_trigger_nonce
    if savepoint_nonce is not None and savepoint_nonce != last.job.savepoint_trigger_nonce:
        _snapshot(step, owner_kind, True, SnapshotTriggerType.MANUAL, rest_url)
        tr.record_nonce(status, spec_type, "savepoint_trigger_nonce", savepoint_nonce)
        return
    checkpoint_nonce = spec.job.checkpoint_trigger_nonce
    if checkpoint_nonce is not None and checkpoint_nonce != last.job.checkpoint_trigger_nonce:
        _snapshot(step, owner_kind, False, SnapshotTriggerType.MANUAL, rest_url)
        tr.record_nonce(status, spec_type, "checkpoint_trigger_nonce", checkpoint_nonce)
        return
    if _periodic_due(step, True):
        _snapshot(step, owner_kind, True, SnapshotTriggerType.PERIODIC, rest_url)
    elif _periodic_due(step, False):
        _snapshot(step, owner_kind, False, SnapshotTriggerType.PERIODIC, rest_url)


def _legacy_in_flight(info: SavepointInfo | None, cinfo: CheckpointInfo | None) -> bool:
    return bool((info and info.trigger_id) or (cinfo and cinfo.trigger_id))


def _periodic_due(step: JobStep, savepoint: bool) -> bool:
    status = step.status
    key = PERIODIC_SAVEPOINT if savepoint else PERIODIC_CHECKPOINT
    if savepoint:
        last_ms = (
            status.job_status.savepoint_info or SavepointInfo()
        ).last_periodic_savepoint_timestamp
    else:
        last_ms = (
            status.job_status.checkpoint_info or CheckpointInfo()
        ).last_periodic_checkpoint_timestamp
    created = _created(step)
    last = (
        max(created, datetime.fromtimestamp(last_ms / 1000, tz=created.tzinfo))
        if last_ms
        else created
    )
    try:
        due = next_due(step.config_map.get(key), last)
    except ValueError:
        return False
    return due is not None and due <= step.now


def _created(step: JobStep) -> datetime:
    text = step.resource.metadata.creation_timestamp
    if text:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    return step.now


def _snapshot(
    step: JobStep,
    owner_kind: str,
    savepoint: bool,
    trigger: SnapshotTriggerType,
    rest_url: str | None,
) -> None:
    status, now_ms = step.status, tr.epoch_ms(step.now)
    if trigger is SnapshotTriggerType.PERIODIC:
        if savepoint:
            info = status.job_status.savepoint_info or SavepointInfo()
            info.last_periodic_savepoint_timestamp = now_ms
            status.job_status.savepoint_info = info
        else:
            cinfo = status.job_status.checkpoint_info or CheckpointInfo()
            cinfo.last_periodic_checkpoint_timestamp = now_ms
            status.job_status.checkpoint_info = cinfo
    if resources_enabled(step.config_map):
        step.plan.create.append(
            snapshot_manifest(step, owner_kind, savepoint=savepoint, trigger=trigger)
        )
    else:
        _trigger_legacy(step, savepoint, trigger, rest_url)


def _trigger_legacy(
    step: JobStep, savepoint: bool, trigger: SnapshotTriggerType, rest_url: str | None
) -> None:
    status, job_id = step.status, step.status.job_status.job_id
    if not rest_url or not job_id:
        return
    trigger_id = tr.new_job_id(step.resource.metadata.uid or "", step.now, trigger.value)
    if savepoint:
        info = status.job_status.savepoint_info or SavepointInfo()
        info.trigger_id, info.trigger_type = trigger_id, trigger
        info.trigger_timestamp = tr.epoch_ms(step.now)
        info.format_type = SavepointFormatType(savepoint_format(step.config_map))
        status.job_status.savepoint_info = info
        directory = next(
            (step.config_map[k] for k in SAVEPOINT_DIR_KEYS if step.config_map.get(k)), None
        )
        step.plan.action = TriggerSavepoint(
            rest_url, job_id, trigger_id, directory, info.format_type.value
        )
        return
    cinfo = status.job_status.checkpoint_info or CheckpointInfo()
    cinfo.trigger_id, cinfo.trigger_type = trigger_id, trigger
    cinfo.trigger_timestamp = tr.epoch_ms(step.now)
    cinfo.format_type = CheckpointType.FULL
    status.job_status.checkpoint_info = cinfo
    step.plan.action = TriggerCheckpoint(rest_url, job_id, trigger_id, "FULL")


def follow_legacy(
    step: JobStep,
    savepoint: OperationObservation | None,
    checkpoint: OperationObservation | None,
) -> None:
    """Legacy manual/periodic triggers: record the result, or the error, in status."""
    status = step.status
    info = status.job_status.savepoint_info
    if info and info.trigger_id and info.trigger_type is not SnapshotTriggerType.UPGRADE:
        if savepoint is not None and savepoint.state is OperationState.COMPLETED:
            assert savepoint.location is not None
            record_savepoint(
                status,
                savepoint.location,
                info.trigger_type or SnapshotTriggerType.UNKNOWN,
                step.now,
            )
        elif savepoint is not None and savepoint.state in (
            OperationState.FAILED,
            OperationState.UNKNOWN,
        ):
            info.trigger_id, info.trigger_type, info.trigger_timestamp = None, None, None
            step.plan.emit("Warning", "SavepointError", savepoint.failure or "savepoint was lost")
    cinfo = status.job_status.checkpoint_info
    if cinfo and cinfo.trigger_id and checkpoint is not None:
        if checkpoint.state is OperationState.COMPLETED:
            cinfo.last_checkpoint = Checkpoint(
                time_stamp=tr.epoch_ms(step.now),
                trigger_type=cinfo.trigger_type,
                format_type=cinfo.format_type,
            )
        elif checkpoint.state is OperationState.FAILED:
            step.plan.emit("Warning", "CheckpointError", checkpoint.failure or "checkpoint failed")
        if checkpoint.state is not OperationState.IN_PROGRESS:
            cinfo.trigger_id, cinfo.trigger_type, cinfo.trigger_timestamp = None, None, None


def clean_history(step: JobStep, snapshots: Sequence[SnapshotSummary]) -> None:
    """Delete old PERIODIC and UPGRADE snapshots beyond the history limits, always
    keeping the newest completed one; legacy history entries are disposed likewise."""
    config = step.config_map
    if not is_true(config, CLEANUP_ENABLED, True):
        return
    max_count = max(1, int(config.get(HISTORY_MAX_COUNT, "10") or 10))
    max_age = duration_option(config, HISTORY_MAX_AGE, 86400.0)
    retained = next((config[k] for k in CHECKPOINTS_RETAINED if config.get(k)), "1")
    for savepoint in (True, False):
        limit = max_count if savepoint else max(1, int(retained))
        age = timedelta(seconds=max_age) if savepoint else None
        for name in _expired(step.now, snapshots, savepoint, limit, age):
            step.plan.delete.append(
                (FLINK_STATE_SNAPSHOT.kind, step.resource.metadata.namespace or "default", name)
            )
    _clean_legacy(step, max_count, timedelta(seconds=max_age))


def _expired(
    now: datetime,
    snapshots: Sequence[SnapshotSummary],
    savepoint: bool,
    limit: int,
    max_age: timedelta | None,
) -> list[str]:
    candidates = sorted(
        (
            s
            for s in snapshots
            if s.savepoint == savepoint and s.trigger_type in ("PERIODIC", "UPGRADE")
        ),
        key=lambda s: s.created,
    )
    completed = [s for s in candidates if s.state == "COMPLETED"]
    keep = completed[-1].name if completed else None
    doomed: list[str] = []
    remaining = len(candidates)
    for snapshot in candidates:
        if snapshot.name == keep or remaining <= 1:
            continue
        too_many = remaining > limit
        too_old = max_age is not None and now - snapshot.created > max_age
        if too_many or too_old:
            doomed.append(snapshot.name)
            remaining -= 1
    return doomed


def _clean_legacy(step: JobStep, max_count: int, max_age: timedelta) -> None:
    """One disposal per pass: the oldest entry over the count or the age (never the last)."""
    info = step.status.job_status.savepoint_info
    if info is None or len(info.savepoint_history) <= 1 or step.plan.action is not None:
        return
    oldest = info.savepoint_history[0]
    age = step.now - datetime.fromtimestamp(oldest.time_stamp / 1000, tz=step.now.tzinfo)
    if len(info.savepoint_history) > max_count or age > max_age:
        info.savepoint_history = info.savepoint_history[1:]
        if oldest.location and not resources_enabled(step.config_map):
            step.plan.action = DisposeSnapshot(oldest.location)
