"""Stopping and restarting an application's job with its state, in steps.

A savepoint upgrade is three reconciles: record the trigger and ask Flink to
stop with a savepoint; once the savepoint is complete, record where it is and
delete the cluster; deploy the successor from it. Every step writes the status
first, so a control plane killed anywhere resumes without losing the savepoint
or starting a cluster twice.
"""

from __future__ import annotations

from scurry.config.flinkconf import is_true
from scurry.core import transitions as tr
from scurry.core.deployment_step import (
    Step,
    after_cluster_deletion,
    delete_leftover_cluster,
    deploy,
)
from scurry.core.observation import OperationState
from scurry.core.plan import StopJob
from scurry.core.upgrade import (
    DRAIN_ON_SAVEPOINT,
    Pending,
    Refused,
    Suspend,
    Upgrade,
    choose_upgrade,
    restore_path,
    savepoint_format,
)
from scurry.core.validation import SAVEPOINT_DIR_KEYS
from scurry.models.enums import (
    FlinkJobState,
    JobState,
    ReconciliationState,
    SavepointFormatType,
    SnapshotTriggerType,
    UpgradeMode,
)
from scurry.models.enums import JobManagerDeploymentStatus as JmStatus
from scurry.models.spec import FlinkDeploymentSpec
from scurry.models.status import Savepoint, SavepointInfo

MSG_SUSPENDED = "Suspending existing deployment."
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
    if upgrade_trigger(step) is not None:
        continue_savepoint(step, spec)
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
        start_savepoint(step)
    else:
        record_suspension(step, spec, choice)


def refuse(step: Step, reason: str, message: str) -> None:
    """The change cannot be carried out: say so, and still count the generation as seen,
    so a later suspend, spec change or delete is never blocked by this one."""
    if step.status.error != message:
        step.plan.emit("Warning", reason, message)
    step.status.error = message
    step.status.observed_generation = step.generation
    step.plan.requeue(step.options.reconcile_interval)


def upgrade_trigger(step: Step) -> str | None:
    info = step.status.job_status.savepoint_info
    if info is None or not info.trigger_id or info.trigger_type is not SnapshotTriggerType.UPGRADE:
        return None
    return info.trigger_id


def start_savepoint(step: Step) -> None:
    """Record the trigger, then ask Flink to stop the job with a savepoint."""
    status = step.status
    job_id, rest_url = status.job_status.job_id, step.obs.cluster.rest_url
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
    _stop(step, job_id, rest_url, trigger_id)


def _stop(step: Step, job_id: str, rest_url: str, trigger_id: str) -> None:
    directory = next(
        (step.config_map[k] for k in SAVEPOINT_DIR_KEYS if step.config_map.get(k)), None
    )
    step.plan.action = StopJob(
        rest_url=rest_url,
        job_id=job_id,
        trigger_id=trigger_id,
        target_directory=directory,
        format_type=savepoint_format(step.config_map),
        drain=is_true(step.config_map, DRAIN_ON_SAVEPOINT),
    )
    step.plan.requeue(step.options.progress_check_interval)


def continue_savepoint(step: Step, spec: FlinkDeploymentSpec) -> None:
    """Follow the stop-with-savepoint recorded in status until it is done or failed."""
    trigger_id = upgrade_trigger(step)
    assert trigger_id is not None
    seen = step.obs.savepoint_trigger
    status = step.status
    if seen is None or seen.state is OperationState.IN_PROGRESS:
        if status.job_manager_deployment_status in (JmStatus.MISSING, JmStatus.ERROR):
            _savepoint_failed(step, "the JobManager was lost during the savepoint")
        else:
            step.plan.requeue(step.options.progress_check_interval)
        return
    if seen.state is OperationState.UNKNOWN:
        job_id, rest_url = status.job_status.job_id, step.obs.cluster.rest_url
        if status.job_status.state is FlinkJobState.RUNNING and job_id and rest_url:
            _stop(step, job_id, rest_url, trigger_id)  # Flink never got it: ask again, same id
        else:
            _savepoint_failed(step, "the job stopped before the savepoint was taken")
        return
    if seen.state is OperationState.FAILED:
        _savepoint_failed(step, seen.failure or "unknown cause")
        return
    assert seen.location is not None
    record_savepoint(step, seen.location, SnapshotTriggerType.UPGRADE)
    status.job_status.upgrade_savepoint_path = seen.location
    record_suspension(step, spec, Upgrade(Suspend.NOTHING, UpgradeMode.SAVEPOINT), announce=False)


def _savepoint_failed(step: Step, cause: str) -> None:
    info = step.status.job_status.savepoint_info
    if info is not None:
        info.trigger_id, info.trigger_timestamp, info.trigger_type = None, None, None
    refuse(step, "SavepointError", f"Savepoint Error: {cause}")


def record_savepoint(step: Step, location: str, trigger: SnapshotTriggerType) -> None:
    """A completed savepoint goes into status before anything else happens to the job."""
    info = step.status.job_status.savepoint_info or SavepointInfo()
    savepoint = Savepoint(
        time_stamp=tr.epoch_ms(step.now),
        location=location,
        trigger_type=trigger,
        format_type=info.format_type or SavepointFormatType.CANONICAL,
        trigger_nonce=None,
    )
    info.last_savepoint = savepoint
    info.savepoint_history = [*info.savepoint_history, savepoint]
    info.trigger_id, info.trigger_timestamp, info.trigger_type = None, None, None
    step.status.job_status.savepoint_info = info


def record_suspension(
    step: Step, spec: FlinkDeploymentSpec, upgrade: Upgrade, *, announce: bool = True
) -> None:
    """The job is (being) stopped: record what restores it, then delete the cluster."""
    assert spec.job is not None
    if announce and upgrade.suspend is not Suspend.NOTHING:
        step.plan.emit("Normal", "Suspended", MSG_SUSPENDED)
    recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=upgrade.restore)
    if spec.job.state is JobState.RUNNING:
        tr.before_deployment(
            step.status, recorded, generation=step.generation, now=step.now, first=False
        )
    else:
        tr.deployed(
            step.status,
            recorded,
            generation=step.generation,
            now=step.now,
            job_state=JobState.SUSPENDED,
            first=False,
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
