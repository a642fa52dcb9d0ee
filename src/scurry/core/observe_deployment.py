"""Fold what was observed into a FlinkDeployment's status (FKO's observers).

Runs before validation and reconciliation, on the plan's status copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from scurry.config.flinkconf import parse_memory
from scurry.core import reconciled
from scurry.core import transitions as tr
from scurry.core.clusterspec import (
    JM_MEMORY,
    TM_MEMORY,
    component_cpu,
    effective_config,
    task_manager_count,
)
from scurry.core.observation import DeploymentObservation, JobLookup, JobObservation
from scurry.core.plan import Plan
from scurry.models.cluster import JobManagerState, SubmissionState
from scurry.models.enums import (
    FlinkJobState,
    JobState,
    ReconciliationState,
)
from scurry.models.enums import (
    JobManagerDeploymentStatus as JmStatus,
)
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec
from scurry.models.status import FlinkDeploymentStatus, TaskManagerInfo

MSG_MISSING_JM = "Missing JobManager deployment"
MSG_JOB_NOT_FOUND = "Job Not Found"


def observe_deployment(
    resource: FlinkDeployment,
    obs: DeploymentObservation,
    plan: Plan,
    now: datetime,
    defaults: Mapping[str, str],
) -> None:
    status = plan.status
    last = reconciled.deserialize(
        status.reconciliation_status.last_reconciled_spec, FlinkDeploymentSpec
    )
    if last is None:
        return
    _check_already_upgraded(status, last.spec, obs, now)
    last = reconciled.deserialize(
        status.reconciliation_status.last_reconciled_spec, FlinkDeploymentSpec
    )
    assert last is not None
    _observe_job_manager(status, last.spec, obs, plan)
    if last.spec.job is not None and _job_should_run(last.spec):
        _observe_job(status, obs, plan, now)
        _check_stable(status, last.spec)
    elif last.spec.job is None and status.job_manager_deployment_status is JmStatus.READY:
        _check_stable(status, last.spec)
    _observe_cluster_info(status, resource.metadata.name or "", last.spec, obs, defaults)


def _job_should_run(spec: FlinkDeploymentSpec) -> bool:
    return spec.job is not None and spec.job.state is JobState.RUNNING


def _check_already_upgraded(
    status: FlinkDeploymentStatus,
    last: FlinkDeploymentSpec,
    obs: DeploymentObservation,
    now: datetime,
) -> None:
    """The deploy recorded as intent has happened: the runtime echoes its token."""
    recon = status.reconciliation_status
    if recon.state not in (ReconciliationState.UPGRADING, ReconciliationState.ROLLING_BACK):
        return
    if not obs.cluster.exists or obs.cluster.token != tr.deploy_token(status):
        return
    first = tr.is_first_deployment(status, FlinkDeploymentSpec)
    tr.deployed(
        status,
        last,
        generation=status.observed_generation or 0,
        now=now,
        job_state=JobState.RUNNING if last.job is not None else None,
        first=first,
    )
    if status.job_manager_deployment_status is not JmStatus.READY:
        status.job_manager_deployment_status = JmStatus.DEPLOYING
    if last.job is not None and not _is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING


def _is_terminal(state: FlinkJobState | None) -> bool:
    return state is not None and state.is_globally_terminal


def _observe_job_manager(
    status: FlinkDeploymentStatus, last: FlinkDeploymentSpec, obs: DeploymentObservation, plan: Plan
) -> None:
    cluster, previous = obs.cluster, status.job_manager_deployment_status
    upgrading = status.reconciliation_status.state is ReconciliationState.UPGRADING
    should_run = last.job is None or _job_should_run(last)
    state = cluster.job_manager if cluster.exists else JobManagerState.ABSENT
    if state is JobManagerState.READY:
        status.job_manager_deployment_status = (
            JmStatus.READY
            if previous is JmStatus.DEPLOYED_NOT_READY or previous is JmStatus.READY
            else JmStatus.DEPLOYED_NOT_READY
        )
    elif state is JobManagerState.STARTING:
        status.job_manager_deployment_status = JmStatus.DEPLOYING
    elif state is JobManagerState.FAILED:
        _job_manager_failed(status, cluster.message or "JobManager failed to start", plan)
    elif upgrading or not should_run:
        if not upgrading:
            status.job_manager_deployment_status = JmStatus.MISSING
    else:
        _job_manager_missing(status, previous, plan)


def _job_manager_failed(status: FlinkDeploymentStatus, message: str, plan: Plan) -> None:
    if status.job_manager_deployment_status is not JmStatus.ERROR:
        plan.emit("Warning", "DeploymentFailed", message, "JobManagerDeployment")
    status.job_manager_deployment_status = JmStatus.ERROR
    status.error = message
    if not _is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING


def _job_manager_missing(status: FlinkDeploymentStatus, previous: JmStatus, plan: Plan) -> None:
    status.job_manager_deployment_status = JmStatus.MISSING
    if not _is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING
    if previous not in (JmStatus.MISSING, JmStatus.ERROR):
        status.error = MSG_MISSING_JM
        plan.emit("Warning", "Missing", MSG_MISSING_JM, "JobManagerDeployment")


def _observe_job(
    status: FlinkDeploymentStatus, obs: DeploymentObservation, plan: Plan, now: datetime
) -> None:
    if status.job_manager_deployment_status is not JmStatus.READY:
        return
    job = obs.job
    if job.lookup is JobLookup.FOUND and job.state is not None:
        _job_found(status, job, plan, now)
    elif job.lookup is JobLookup.NOT_FOUND:
        _job_not_found(status, obs, plan, now)
    elif job.lookup is JobLookup.UNREACHABLE and status.job_status.state is FlinkJobState.RUNNING:
        status.job_status.state = FlinkJobState.RECONCILING


def _set_job_state(
    status: FlinkDeploymentStatus, new: FlinkJobState, plan: Plan, now: datetime
) -> None:
    old = status.job_status.state
    if old is new:
        return
    status.job_status.state = new
    status.job_status.update_time = str(tr.epoch_ms(now))
    text = (
        f"Job status changed from {old.value} to {new.value}"
        if old
        else (f"Job status changed to {new.value}")
    )
    plan.emit("Normal", "JobStatusChanged", text, "Job")


def _job_found(
    status: FlinkDeploymentStatus, job: JobObservation, plan: Plan, now: datetime
) -> None:
    assert job.state is not None
    if job.name:
        status.job_status.job_name = job.name
    if job.start_time and job.start_time > 0:
        status.job_status.start_time = str(job.start_time)
    changed = status.job_status.state is not job.state
    _set_job_state(status, job.state, plan, now)
    if changed and job.state is FlinkJobState.CANCELED:
        _mark_suspended(status)
    if changed and job.state is FlinkJobState.FAILED:
        status.error = job.failure or "Job failed"
        plan.emit("Warning", "Error", status.error, "Job")


def _mark_suspended(status: FlinkDeploymentStatus) -> None:
    last = reconciled.deserialize(
        status.reconciliation_status.last_reconciled_spec, FlinkDeploymentSpec
    )
    if last is None:
        return
    spec = tr.with_job_state(last.spec, JobState.SUSPENDED)
    status.reconciliation_status.last_reconciled_spec = reconciled.serialize(
        spec, first_deployment=last.first_deployment
    )


def _job_not_found(
    status: FlinkDeploymentStatus, obs: DeploymentObservation, plan: Plan, now: datetime
) -> None:
    submission = obs.cluster.submission
    if submission is SubmissionState.PENDING:
        return
    if submission is SubmissionState.FAILED:
        if status.job_status.state is not FlinkJobState.FAILED:
            status.error = obs.cluster.message or "Job submission failed"
            plan.emit("Warning", "Error", status.error, "Job")
        _set_job_state(status, FlinkJobState.FAILED, plan, now)
        return
    if status.job_status.state is not FlinkJobState.RECONCILING:
        plan.emit("Warning", "Missing", MSG_JOB_NOT_FOUND, "Job")
        status.error = MSG_JOB_NOT_FOUND
    _set_job_state(status, FlinkJobState.RECONCILING, plan, now)


def _check_stable(status: FlinkDeploymentStatus, last: FlinkDeploymentSpec) -> None:
    """checkAndUpdateStableSpec: a running job (or ready session) makes the spec stable."""
    if status.reconciliation_status.state is not ReconciliationState.DEPLOYED:
        return
    state = status.job_status.state
    if last.job is None or state is FlinkJobState.RUNNING or state is FlinkJobState.FINISHED:
        tr.mark_stable(status)


def _observe_cluster_info(
    status: FlinkDeploymentStatus,
    name: str,
    last: FlinkDeploymentSpec,
    obs: DeploymentObservation,
    defaults: Mapping[str, str],
) -> None:
    cluster = obs.cluster
    if cluster.flink_version:
        status.cluster_info["flink-version"] = cluster.flink_version
    if cluster.flink_revision:
        status.cluster_info["flink-revision"] = cluster.flink_revision
    config = effective_config(defaults, last)
    tms = task_manager_count(last, config)
    jm_cpu, tm_cpu = component_cpu(last.job_manager) or 1.0, component_cpu(last.task_manager) or 1.0
    jm_mem = parse_memory(config.get(JM_MEMORY, "0"))
    tm_mem = parse_memory(config.get(TM_MEMORY, "0"))
    status.cluster_info["total-cpu"] = str(jm_cpu + tm_cpu * tms)
    status.cluster_info["total-memory"] = str(jm_mem + tm_mem * tms)
    running = status.job_status.state is FlinkJobState.RUNNING or last.job is None
    selector = f"component=taskmanager,app={name}"
    status.task_manager = (
        TaskManagerInfo(label_selector=selector, replicas=cluster.task_managers_ready)
        if running and cluster.exists
        else TaskManagerInfo()
    )
