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
from scurry.core.jobstatus import check_stable, is_terminal, observe_job
from scurry.core.observation import DeploymentObservation
from scurry.core.plan import Plan
from scurry.models.cluster import JobManagerState
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


def observe_deployment(
    resource: FlinkDeployment,
    obs: DeploymentObservation,
    plan: Plan[FlinkDeploymentStatus],
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
    if last.job is not None and not is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING


def _observe_job_manager(
    status: FlinkDeploymentStatus,
    last: FlinkDeploymentSpec,
    obs: DeploymentObservation,
    plan: Plan[FlinkDeploymentStatus],
) -> None:
    cluster, previous = obs.cluster, status.job_manager_deployment_status
    upgrading = status.reconciliation_status.state in (
        ReconciliationState.UPGRADING,
        ReconciliationState.ROLLING_BACK,
    )
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


def _job_manager_failed(
    status: FlinkDeploymentStatus, message: str, plan: Plan[FlinkDeploymentStatus]
) -> None:
    if status.job_manager_deployment_status is not JmStatus.ERROR:
        plan.emit("Warning", "DeploymentFailed", message, "JobManagerDeployment")
    status.job_manager_deployment_status = JmStatus.ERROR
    status.error = message
    if not is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING


def _job_manager_missing(
    status: FlinkDeploymentStatus, previous: JmStatus, plan: Plan[FlinkDeploymentStatus]
) -> None:
    status.job_manager_deployment_status = JmStatus.MISSING
    if not is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.RECONCILING
    if previous not in (JmStatus.MISSING, JmStatus.ERROR):
        status.error = MSG_MISSING_JM
        plan.emit("Warning", "Missing", MSG_MISSING_JM, "JobManagerDeployment")


def _observe_job(
    status: FlinkDeploymentStatus,
    obs: DeploymentObservation,
    plan: Plan[FlinkDeploymentStatus],
    now: datetime,
) -> None:
    if status.job_manager_deployment_status is not JmStatus.READY:
        return
    cluster = obs.cluster
    observe_job(plan, obs.job, cluster.submission, cluster.message, FlinkDeploymentSpec, now)


def _check_stable(status: FlinkDeploymentStatus, last: FlinkDeploymentSpec) -> None:
    check_stable(status, job_expected=last.job is not None)


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
