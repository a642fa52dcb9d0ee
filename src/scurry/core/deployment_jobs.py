"""Stopping and restarting an application's job with its state, in steps.

A savepoint upgrade is three reconciles: record the trigger and ask Flink to
stop with a savepoint; once the savepoint is complete, record where it is and
delete the cluster; deploy the successor from it. Every step writes the status
first, so a control plane killed anywhere resumes without losing the savepoint
or starting a cluster twice.
"""

from __future__ import annotations

from scurry.core import transitions as tr
from scurry.core.deployment_step import (
    Step,
    after_cluster_deletion,
    delete_leftover_cluster,
    deploy,
)
from scurry.core.savepoints import (
    MSG_SUSPENDED,
    follow_savepoint,
    pending_snapshot,
    refuse,
    start_savepoint,
    upgrade_trigger,
    wait_for_snapshot,
)
from scurry.core.snapshot_triggers import record_upgrade_snapshot
from scurry.core.upgrade import (
    Pending,
    Refused,
    Suspend,
    Upgrade,
    choose_upgrade,
    restore_path,
)
from scurry.models.enums import JobManagerDeploymentStatus as JmStatus
from scurry.models.enums import (
    JobState,
    ReconciliationState,
    UpgradeMode,
)
from scurry.models.spec import FlinkDeploymentSpec

MSG_RECOVER = "Recovering lost deployment"
MSG_NO_HA = (
    "JobManager deployment is missing and HA metadata is not available to make stateful "
    "upgrades. It is possible that the job has finished or terminally failed, or the "
    "configmaps have been deleted.Manual restore required."
)


def state_available(step: Step) -> bool:
    """scurry's stand-in for HA metadata: a retained checkpoint or a known savepoint."""
    return bool(step.obs.latest_checkpoint or step.status.job_status.upgrade_savepoint_path)


def suspend_job(step: Step, spec: FlinkDeploymentSpec) -> None:
    """Stop the running job as the new spec's upgrade mode says (FKO getJobUpgrade)."""
    assert spec.job is not None
    if upgrade_trigger(step.status) is not None:
        continue_savepoint(step, spec)
        return
    in_progress = sum(1 for s in step.obs.snapshots if s.state == "IN_PROGRESS")
    pending = pending_snapshot(step, in_progress)
    if pending is not None:
        wait_for_snapshot(step, pending)
        return
    status = step.status
    choice = choose_upgrade(
        spec.job.upgrade_mode,
        status.job_status.state,
        status.job_manager_deployment_status is JmStatus.READY,
        state_available(step),
        step.config_map,
    )
    if isinstance(choice, Pending):
        step.plan.requeue(step.options.progress_check_interval)
    elif isinstance(choice, Refused):
        refuse(step, choice.reason, choice.message)
    elif choice.suspend is Suspend.SAVEPOINT:
        start_savepoint(step, step.obs.cluster.rest_url)
    else:
        record_suspension(step, spec, choice)


def continue_savepoint(step: Step, spec: FlinkDeploymentSpec) -> None:
    """Follow the stop-with-savepoint in status; once done, delete the cluster."""
    lost = step.status.job_manager_deployment_status in (JmStatus.MISSING, JmStatus.ERROR)
    seen = step.obs.savepoint_trigger
    location = follow_savepoint(step, seen, step.obs.cluster.rest_url, lost)
    if location is not None:
        record_upgrade_snapshot(step, "FlinkDeployment", location)
        upgrade = Upgrade(Suspend.NOTHING, UpgradeMode.SAVEPOINT)
        record_suspension(step, spec, upgrade, announce=False)


def record_suspension(
    step: Step, spec: FlinkDeploymentSpec, upgrade: Upgrade, *, announce: bool = True
) -> None:
    """The job is (being) stopped: record what restores it, then delete the cluster."""
    assert spec.job is not None
    if announce and upgrade.suspend is not Suspend.NOTHING:
        step.plan.emit("Normal", "Suspended", MSG_SUSPENDED)
    recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=upgrade.restore)
    tr.stopped(
        step.status, recorded, desired=spec.job.state, generation=step.generation, now=step.now
    )
    after_cluster_deletion(step)
    delete_leftover_cluster(step)
    step.plan.requeue(step.options.progress_check_interval)


def restore_job(step: Step, last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec) -> None:
    """Start the suspended job again, from state as its recorded upgrade mode says."""
    if delete_leftover_cluster(step):
        return
    assert spec.job is not None
    assert last.job is not None
    mode = last.job.upgrade_mode
    if spec.job.upgrade_mode is UpgradeMode.STATELESS:
        mode = UpgradeMode.STATELESS
    status = step.status
    path, error = restore_path(
        mode, status.job_status.upgrade_savepoint_path, step.obs.latest_checkpoint
    )
    if error:
        refuse(step, "RestoreFailed", error)
        return
    if path:
        status.job_status.upgrade_savepoint_path = path
    recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=mode)
    upgrading = status.reconciliation_status.state is ReconciliationState.UPGRADING
    first = upgrading and tr.is_first_deployment(status, FlinkDeploymentSpec)
    deploy(step, recorded, savepoint=path, first=first)


def recover_job(step: Step, last: FlinkDeploymentSpec, reason: str, message: str) -> None:
    """Redeploy a job whose cluster was lost (or that failed), from its latest state.

    Fresh TaskManagers come with the new cluster: surviving ones would wait out their
    heartbeat for a JobManager that is gone.
    """
    mode = last.job.upgrade_mode if last.job else UpgradeMode.STATELESS
    path: str | None = None
    if mode is not UpgradeMode.STATELESS:
        upgrade_path = step.status.job_status.upgrade_savepoint_path
        path, error = restore_path(UpgradeMode.LAST_STATE, upgrade_path, step.obs.latest_checkpoint)
        if error:
            step.status.error = MSG_NO_HA
            return
    if delete_leftover_cluster(step):
        return
    step.plan.emit("Warning", reason, message)
    if path:
        step.status.job_status.upgrade_savepoint_path = path
    recorded = tr.with_job_state(last, JobState.SUSPENDED)
    deploy(step, recorded, savepoint=path, first=False)


def redeploy_from_savepoint(step: Step, spec: FlinkDeploymentSpec) -> None:
    """savepointRedeployNonce: drop the running job (no savepoint) and start over from
    initialSavepointPath; "rollback is not possible after redeployment" (FKO)."""
    assert spec.job is not None
    status = step.status
    status.job_status.upgrade_savepoint_path = spec.job.initial_savepoint_path
    redeploy = Upgrade(Suspend.DELETE, UpgradeMode.SAVEPOINT)
    record_suspension(step, spec, redeploy)
    tr.mark_stable(status)


def restart_from_state(step: Step, last: FlinkDeploymentSpec, reason: str, message: str) -> None:
    """Stop a running (or failed) job and start it again from its latest state, as an
    upgrade to the same spec: the job is stopped first, so no checkpoint completes
    after the one it restores from."""
    step.plan.emit("Warning", reason, message)
    stateless = last.job is None or last.job.upgrade_mode is UpgradeMode.STATELESS
    restart = Upgrade(
        Suspend.DELETE if stateless else Suspend.KEEP_CHECKPOINTS,
        UpgradeMode.STATELESS if stateless else UpgradeMode.LAST_STATE,
    )
    record_suspension(step, tr.with_job_state(last, JobState.RUNNING), restart, announce=False)
