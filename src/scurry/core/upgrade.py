"""How to stop a job and how to start its successor: FKO's getJobUpgrade, locally.

Locally there is no HA metadata. What stands in for it is scurry's own tracking:
the job id in status, the checkpoint directory of the effective configuration,
checkpoints retained on cancellation, and at restore the highest `chk-N` that
has a `_metadata` file. "HA metadata available" below means that tracking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from scurry.config.flinkconf import is_true
from scurry.models.enums import FlinkJobState, UpgradeMode

LAST_STATE_FALLBACK = "kubernetes.operator.job.upgrade.last-state-fallback.enabled"
DRAIN_ON_SAVEPOINT = "kubernetes.operator.job.drain-on-savepoint-deletion"
SAVEPOINT_FORMAT = "kubernetes.operator.savepoint.format.type"
MSG_TERMINAL_UNKNOWN = (
    "Job is in terminal state but last checkpoint is unknown, possibly due to an "
    "unrecoverable restore error. Manual restore required."
)
MSG_NO_STATE = (
    "HA metadata is not available to restore from last state. It is possible that the job "
    "has finished or terminally failed, or the configmaps have been deleted. "
    "Manual restore required."
)


class Suspend(StrEnum):
    NOTHING = "NOTHING"  # the job already ended: nothing to stop
    DELETE = "DELETE"  # drop the job and its state (stateless)
    SAVEPOINT = "SAVEPOINT"  # stop-with-savepoint
    KEEP_CHECKPOINTS = "KEEP_CHECKPOINTS"  # stop the processes; retained checkpoints stay


@dataclass(frozen=True)
class Upgrade:
    suspend: Suspend
    restore: UpgradeMode  # what the successor starts from


@dataclass(frozen=True)
class Pending:
    """The job cannot be upgraded right now (e.g. it is being cancelled); look again."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The job cannot be upgraded without a human: FKO's UpgradeFailureException."""

    reason: str
    message: str


def choose_upgrade(
    mode: UpgradeMode,
    job_state: FlinkJobState | None,
    job_manager_ready: bool,
    state_available: bool,
    config: Mapping[str, str],
) -> Upgrade | Pending | Refused:
    """The suspend and restore modes for an upgrade of a running (or ended) job."""
    if mode is UpgradeMode.STATELESS:
        terminal = job_state is not None and job_state.is_globally_terminal
        return Upgrade(Suspend.NOTHING if terminal else Suspend.DELETE, UpgradeMode.STATELESS)
    if job_state is not None and job_state.is_globally_terminal:
        if not state_available:
            return Refused("UpgradeFailed", MSG_TERMINAL_UNKNOWN)
        return Upgrade(Suspend.NOTHING, UpgradeMode.LAST_STATE)
    if job_state is FlinkJobState.CANCELLING:
        return Pending("the job is being cancelled")
    running = job_state is FlinkJobState.RUNNING and job_manager_ready
    if mode is UpgradeMode.SAVEPOINT:
        if running:
            return Upgrade(Suspend.SAVEPOINT, UpgradeMode.SAVEPOINT)
        if not is_true(config, LAST_STATE_FALLBACK, True):
            return Pending("the job is not running and last-state fallback is disabled")
    if state_available:
        return Upgrade(Suspend.KEEP_CHECKPOINTS, UpgradeMode.LAST_STATE)
    if running:
        # No retained checkpoint yet: a savepoint is the only way to keep the state.
        return Upgrade(Suspend.SAVEPOINT, UpgradeMode.SAVEPOINT)
    return Refused("UpgradeFailed", MSG_NO_STATE)


def restore_path(
    mode: UpgradeMode, upgrade_savepoint: str | None, latest_checkpoint: str | None
) -> tuple[str | None, str | None]:
    """(savepoint path to start from, error) for a restore in `mode`."""
    if mode is UpgradeMode.STATELESS:
        return None, None
    if mode is UpgradeMode.SAVEPOINT:
        if upgrade_savepoint:
            return upgrade_savepoint, None
        return None, "Job could not be restored: the upgrade savepoint path is unknown. " + (
            "Manual restore required."
        )
    path = latest_checkpoint or upgrade_savepoint
    return (path, None) if path else (None, MSG_NO_STATE)


def savepoint_format(config: Mapping[str, str]) -> str:
    value = config.get(SAVEPOINT_FORMAT, "CANONICAL").strip().upper()
    return value if value in ("CANONICAL", "NATIVE") else "CANONICAL"
