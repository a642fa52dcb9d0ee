"""decide() for FlinkDeployment: observe -> validate -> reconcile, as one pure function.

Follows FKO's FlinkDeploymentController / AbstractFlinkResourceReconciler /
AbstractJobReconciler, cut into steps: each call records the next intent in the
status and names at most one action; the next call sees its effect.
"""

from __future__ import annotations

from datetime import datetime

from scurry.core import health, lifecycle
from scurry.core import transitions as tr
from scurry.core.clusterspec import effective_config
from scurry.core.deployment_jobs import (
    MSG_RECOVER,
    continue_savepoint,
    recover_job,
    redeploy_from_savepoint,
    restart_from_state,
    restore_job,
    suspend_job,
)
from scurry.core.deployment_step import (
    Step,
    after_cluster_deletion,
    delete_leftover_cluster,
    deploy,
)
from scurry.core.jobstatus import BUSY_STATES
from scurry.core.observation import ControlConfig, DeploymentObservation
from scurry.core.observe_deployment import observe_deployment
from scurry.core.plan import DeleteCluster, FinalizerChange, Plan
from scurry.core.rollback import should_roll_back, start_rollback
from scurry.core.savepoints import upgrade_trigger
from scurry.core.snapshot_triggers import clean_history, follow_legacy, request_snapshots
from scurry.core.specdiff import diff_specs
from scurry.core.validation import validate_deployment
from scurry.models.enums import (
    DeploymentMode,
    DiffType,
    FlinkJobState,
    JobState,
    LifecycleState,
    ReconciliationState,
    UpgradeMode,
)
from scurry.models.enums import (
    JobManagerDeploymentStatus as JmStatus,
)
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.models.status import FlinkDeploymentStatus

FINALIZER = "flinkdeployments.flink.apache.org/finalizer"
MSG_SPEC_CHANGED = "{type} change(s) detected ({diff}), starting reconciliation."
MSG_CLEANUP = "Cleaning up FlinkDeployment"


def decide_deployment(
    resource: FlinkDeployment, obs: DeploymentObservation, now: datetime, config: ControlConfig
) -> Plan[FlinkDeploymentStatus]:
    """The next status, events and action for one FlinkDeployment."""
    step = Step(resource, obs, now, config)
    if resource.metadata.deletion_timestamp:
        _cleanup(step)
        return _finish(step)
    if FINALIZER not in (resource.metadata.finalizers or []):
        step.plan.finalizer = FinalizerChange.ADD
    version = resource.spec.flink_version
    if version is not None and not version.is_supported:
        step.plan.emit(
            "Warning",
            "UnsupportedFlinkVersion",
            f"Flink version {version.dotted} is not supported by this operator version",
        )
        step.plan.status = resource.status.model_copy(deep=True)
        step.plan.requeue(step.options.reconcile_interval)
        return step.plan
    observe_deployment(resource, obs, step.plan, now, step.defaults)
    _clear_error_if_healthy(step)
    spec = _validated_spec(step)
    if spec is not None:
        _reconcile(step, spec)
    return _finish(step)


def _validated_spec(step: Step) -> FlinkDeploymentSpec | None:
    """The spec to act on: the user's if valid, else the last good one (or None)."""
    last = step.last()
    spec = step.resource.spec
    config = effective_config(step.defaults, spec)
    error = validate_deployment(
        step.resource, config, last.spec if last else None, step.config.validation
    )
    if error is None:
        return spec
    if step.status.error != error:
        step.plan.emit("Warning", "ValidationError", error)
    step.status.error = error
    if last is None:
        return None
    step.generation = step.status.observed_generation or 0
    if (
        step.status.reconciliation_status.state
        in (
            ReconciliationState.UPGRADING,
            ReconciliationState.ROLLING_BACK,
        )
        and last.spec.job is not None
    ):
        return tr.with_job_state(last.spec, JobState.RUNNING)  # finish the upgrade in flight
    return last.spec


def _reconcile(step: Step, spec: FlinkDeploymentSpec) -> None:
    last = step.last()
    if last is None:
        _first_deployment(step, spec)
        return
    mode = spec.mode or DeploymentMode.NATIVE
    diff = diff_specs(last.spec, spec, mode)
    upgrading = step.status.reconciliation_status.state is ReconciliationState.UPGRADING
    # While UPGRADING the recorded job state is the intent's "suspended", not a user change.
    shown = diff_specs(_as_desired(last.spec, spec), spec, mode) if upgrading else diff
    if shown.type is not DiffType.IGNORE:
        text = MSG_SPEC_CHANGED.format(type=shown.type.name, diff=shown.describe("FlinkDeployment"))
        step.plan.emit("Normal", "SpecChanged", text)
    if diff.type is DiffType.SAVEPOINT_REDEPLOY and spec.job is not None:
        redeploy_from_savepoint(step, spec)
        return
    if diff.type is not DiffType.IGNORE or upgrading:
        _reconcile_spec_change(step, last.spec, spec)
        return
    if should_roll_back(step, last.spec, spec):
        start_rollback(step)
        return
    tr.absorb_ignored_changes(step.status, spec, FlinkDeploymentSpec, step.generation)
    _reconcile_other_changes(step, last.spec, spec)


def _as_desired(last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec) -> FlinkDeploymentSpec:
    if last.job is None or spec.job is None:
        return last
    return tr.with_job_state(last, spec.job.state, upgrade_mode=spec.job.upgrade_mode)


def _first_deployment(step: Step, spec: FlinkDeploymentSpec) -> None:
    if spec.job is not None and spec.job.state is JobState.SUSPENDED:
        step.plan.requeue(step.options.reconcile_interval)
        return
    initial = spec.job.initial_savepoint_path if spec.job else None
    mode = UpgradeMode.SAVEPOINT if initial else UpgradeMode.STATELESS
    recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=mode)
    step.status.job_status.upgrade_savepoint_path = initial
    deploy(step, recorded, savepoint=initial, first=True)


def _reconcile_spec_change(
    step: Step, last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec
) -> None:
    if spec.job is None or last.job is None:
        _redeploy_session(step, spec)
        return
    current, desired = last.job.state, spec.job.state
    if current is JobState.RUNNING:
        suspend_job(step, spec)
    elif desired is JobState.RUNNING:
        restore_job(step, last, spec)
    else:
        recorded = tr.with_job_state(spec, JobState.SUSPENDED)
        tr.stopped(
            step.status,
            recorded,
            desired=JobState.SUSPENDED,
            generation=step.generation,
            now=step.now,
        )
        delete_leftover_cluster(step)


def _redeploy_session(step: Step, spec: FlinkDeploymentSpec) -> None:
    """Session clusters: any change redeploys the cluster (SessionReconciler)."""
    if step.status.reconciliation_status.state is not ReconciliationState.UPGRADING:
        tr.before_deployment(
            step.status, spec, generation=step.generation, now=step.now, first=False
        )
        after_cluster_deletion(step)
    if delete_leftover_cluster(step):
        return
    deploy(step, spec, savepoint=None, first=False)


def _reconcile_other_changes(
    step: Step, last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec
) -> None:
    """No spec change: converge (suspended means no cluster), take the snapshots asked
    for, restart failed jobs when asked to, and recover a lost JobManager."""
    status = step.status
    if last.job is not None and last.job.state is JobState.SUSPENDED:
        delete_leftover_cluster(step)
        return
    if last.job is not None and upgrade_trigger(step.status) is not None:
        continue_savepoint(step, last)  # a savepoint upgrade interrupted by a restart
        return
    failed = status.job_status.state is FlinkJobState.FAILED
    if last.job is not None and failed and step.options.job_restart_failed:
        status.error = None
        restart_from_state(step, last, "RestartFailedJob", "Restarting failed job")
        return
    missing = status.job_manager_deployment_status is JmStatus.MISSING
    if missing and step.options.jm_deployment_recovery:
        recover_job(step, last, "RecoverDeployment", MSG_RECOVER)
        return
    if last.job is not None and _restart_if_unhealthy(step, last):
        return
    if last.job is not None and spec.job is not None:
        _snapshots(step, last, spec)


def _restart_if_unhealthy(step: Step, last: FlinkDeploymentSpec) -> bool:
    """The health check (when on): a running job that keeps restarting or stops
    checkpointing is redeployed from its latest state."""
    sample, status = step.obs.health, step.status
    if not health.enabled(step.config_map) or sample is None:
        return False
    if status.job_status.state is not FlinkJobState.RUNNING:
        return False  # a terminally failed job is not the health check's to restart
    previous = health.HealthInfo.parse(status.cluster_info.get(health.INFO_KEY))
    info, reason = health.evaluate(previous, sample, tr.epoch_ms(step.now), step.config_map)
    status.cluster_info[health.INFO_KEY] = info.dump()
    if reason is None or not _restorable(step, last):
        return False
    restart_from_state(step, last, "RestartUnhealthyJob", reason)
    return True


def _restorable(step: Step, last: FlinkDeploymentSpec) -> bool:
    stateless = last.job is None or last.job.upgrade_mode is UpgradeMode.STATELESS
    return stateless or bool(
        step.obs.latest_checkpoint or step.status.job_status.upgrade_savepoint_path
    )


def _snapshots(step: Step, last: FlinkDeploymentSpec, spec: FlinkDeploymentSpec) -> None:
    obs = step.obs
    follow_legacy(step, obs.savepoint_trigger, obs.checkpoint_trigger)
    ready = step.status.job_manager_deployment_status is JmStatus.READY
    if ready and step.status.job_status.state is FlinkJobState.RUNNING:
        request_snapshots(
            step, "FlinkDeployment", FlinkDeploymentSpec, spec, last, obs.cluster.rest_url
        )
    clean_history(step, obs.snapshots)


def _cleanup(step: Step) -> None:
    finalizers = step.resource.metadata.finalizers or []
    if FINALIZER not in finalizers:
        return
    if step.status.lifecycle_state is not LifecycleState.DELETING:
        step.plan.emit("Normal", "Cleanup", MSG_CLEANUP)
    step.status.lifecycle_state = LifecycleState.DELETING
    blocked = _session_deletion_blocked(step)
    if blocked:
        step.plan.emit("Warning", "CleanupFailed", blocked)
        step.plan.requeue(step.options.progress_check_interval)
        return
    if step.obs.cluster.exists:
        step.plan.action = DeleteCluster(step.ref)
        step.plan.requeue(step.options.progress_check_interval)
        return
    after_cluster_deletion(step)
    step.status.lifecycle_state = LifecycleState.DELETED
    step.plan.finalizer = FinalizerChange.REMOVE


def _session_deletion_blocked(step: Step) -> str | None:
    """A session cluster outlives its jobs (FKO's block-on-session/unmanaged-jobs)."""
    if step.resource.spec.job is not None or not step.obs.cluster.exists:
        return None
    if step.options.block_on_session_jobs and step.obs.session_jobs:
        names = ", ".join(step.obs.session_jobs)
        return f"The session jobs [{names}] should be deleted first"
    if step.options.block_on_unmanaged_jobs and step.obs.unmanaged_jobs:
        ids = ", ".join(step.obs.unmanaged_jobs)
        return f"The session cluster has non terminated jobs [{ids}] that should be cancelled first"
    return None


def _finish(step: Step) -> Plan[FlinkDeploymentStatus]:
    """Derived fields, error clearing and the reschedule interval."""
    status, plan = step.status, step.plan
    if step.resource.metadata.deletion_timestamp is None:
        status.lifecycle_state = lifecycle.lifecycle_state(status, FlinkDeploymentSpec)
        condition = lifecycle.running_condition(
            status, step.resource.spec.job is not None, step.generation, tr.rfc3339(step.now)
        )
        status.conditions = [c for c in status.conditions if c.type != "Running"] + [condition]
    plan.requeue(_interval(step))
    return plan


def _clear_error_if_healthy(step: Step) -> None:
    status = step.status
    if (
        status.error
        and status.job_manager_deployment_status is not JmStatus.ERROR
        and status.job_status.state is not FlinkJobState.FAILED
        and tr.is_stable(status)
        and status.job_manager_deployment_status is not JmStatus.MISSING
        and status.observed_generation == step.resource.metadata.generation
    ):
        status.error = None


def _interval(step: Step) -> float:
    status, options = step.status, step.options
    jm = status.job_manager_deployment_status
    if status.reconciliation_status.state in (
        ReconciliationState.UPGRADING,
        ReconciliationState.ROLLING_BACK,
    ):
        return options.progress_check_interval
    if jm is JmStatus.DEPLOYING:
        return options.progress_check_interval
    if jm is JmStatus.DEPLOYED_NOT_READY:
        return options.rest_ready_delay
    if jm is JmStatus.READY and status.job_status.state in BUSY_STATES:
        return options.progress_check_interval
    return options.reconcile_interval
