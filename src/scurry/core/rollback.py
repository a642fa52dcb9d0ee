"""Rollback to lastStableSpec when an upgrade does not become stable in time
(`kubernetes.operator.deployment.rollback.enabled`, FKO's shouldRollBack).

lastReconciledSpec keeps the user's (failed) spec, so the resource stays
ROLLED_BACK until the user changes the spec; what runs is lastStableSpec,
restored from its latest checkpoint (or empty, for a stateless job).
"""

from __future__ import annotations

from scurry.config.flinkconf import duration_option, is_true
from scurry.core import reconciled
from scurry.core import transitions as tr
from scurry.core.deployment_step import (
    Step,
    after_cluster_deletion,
    delete_leftover_cluster,
    deploy_spec,
)
from scurry.core.upgrade import restore_path
from scurry.models.enums import JobState, ReconciliationState, UpgradeMode
from scurry.models.spec import FlinkDeploymentSpec

ROLLBACK_ENABLED = "kubernetes.operator.deployment.rollback.enabled"
READINESS_TIMEOUT = "kubernetes.operator.deployment.readiness.timeout"
MSG_ROLLBACK = "Rolling back failed deployment."


def _stable(step: Step) -> FlinkDeploymentSpec | None:
    text = step.status.reconciliation_status.last_stable_spec
    stable = reconciled.deserialize(text, FlinkDeploymentSpec)
    return stable.spec if stable else None


def should_roll_back(step: Step, last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec) -> bool:
    """The deployed spec did not become stable within the readiness timeout."""
    status = step.status
    recon = status.reconciliation_status
    if recon.state is ReconciliationState.ROLLING_BACK:
        return True
    if not is_true(step.config_map, ROLLBACK_ENABLED) or spec.job is None:
        return False
    if recon.state is ReconciliationState.ROLLED_BACK or tr.is_stable(status):
        return False
    stable = _stable(step)
    if stable is None or stable.job is None or stable.job.state is JobState.SUSPENDED:
        return False
    if stable.flink_version is not last.flink_version:
        return False
    timeout = duration_option(step.config_map, READINESS_TIMEOUT, 300.0)
    elapsed = tr.epoch_ms(step.now) - recon.reconciliation_timestamp
    if elapsed < timeout * 1000:
        return False
    stateless = stable.job.upgrade_mode is UpgradeMode.STATELESS
    has_state = bool(step.obs.latest_checkpoint or status.job_status.upgrade_savepoint_path)
    return stateless or has_state  # "Rollback is not possible due to missing HA metadata"


def start_rollback(step: Step) -> None:
    """Stop what runs, then deploy lastStableSpec; the observer marks it ROLLED_BACK."""
    status = step.status
    recon = status.reconciliation_status
    stable = _stable(step)
    assert stable is not None
    assert stable.job is not None
    if recon.state is not ReconciliationState.ROLLING_BACK:
        recon.state = ReconciliationState.ROLLING_BACK
        step.plan.emit("Normal", "Rollback", MSG_ROLLBACK)
        after_cluster_deletion(step)
        delete_leftover_cluster(step)
        return
    if delete_leftover_cluster(step):
        return
    mode = UpgradeMode.STATELESS
    if stable.job.upgrade_mode is not UpgradeMode.STATELESS:
        mode = UpgradeMode.LAST_STATE
    path, error = restore_path(
        mode, status.job_status.upgrade_savepoint_path, step.obs.latest_checkpoint
    )
    if error:
        status.error = error
        return
    if path:
        status.job_status.upgrade_savepoint_path = path
    recon.reconciliation_timestamp = tr.epoch_ms(step.now)
    deploy_spec(step, tr.with_job_state(stable, JobState.SUSPENDED), savepoint=path)
