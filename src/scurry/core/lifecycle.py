"""Derived status: lifecycleState and the `Running` condition, as FKO computes them."""

from __future__ import annotations

from scurry.core.reconciled import SpecT, deserialize
from scurry.models.enums import (
    FlinkJobState,
    JobManagerDeploymentStatus,
    JobState,
    LifecycleState,
    ReconciliationState,
)
from scurry.models.status import CommonStatus, Condition, FlinkDeploymentStatus

# status.error texts that mean a job cannot come back without a human.
TERMINAL_ERRORS = (
    "Manual restore required.",
    "It is possible that the job has finished or terminally failed, or the configmaps have "
    "been deleted.",
    "HA metadata is not available",
)

# FKO's condition messages per JobManagerDeploymentStatus (session mode).
_JM_MESSAGES = {
    JobManagerDeploymentStatus.READY: "JobManager is running and ready to receive REST API calls",
    JobManagerDeploymentStatus.DEPLOYED_NOT_READY: (
        "JobManager is running but not ready yet to receive REST API calls"
    ),
    JobManagerDeploymentStatus.DEPLOYING: "JobManager process is starting up",
    JobManagerDeploymentStatus.MISSING: "JobManager deployment not found",
    JobManagerDeploymentStatus.ERROR: "JobManager deployment failed",
}


def lifecycle_state(status: CommonStatus, spec_type: type[SpecT]) -> LifecycleState:
    """CommonStatus.getLifecycleState, in FKO's order of precedence."""
    if status.lifecycle_state in (LifecycleState.DELETING, LifecycleState.DELETED):
        return status.lifecycle_state
    reconciled = deserialize(status.reconciliation_status.last_reconciled_spec, spec_type)
    if reconciled is None:
        return LifecycleState.FAILED if status.error else LifecycleState.CREATED
    recon = status.reconciliation_status
    if recon.state is ReconciliationState.UPGRADING:
        return LifecycleState.UPGRADING
    if recon.state is ReconciliationState.ROLLING_BACK:
        return LifecycleState.ROLLING_BACK
    job = reconciled.spec.job
    if job is not None and job.state is JobState.SUSPENDED:
        return LifecycleState.SUSPENDED
    if status.job_status.state is FlinkJobState.FAILED:
        return LifecycleState.FAILED
    if isinstance(status, FlinkDeploymentStatus) and _jm_lost_for_good(status):
        return LifecycleState.FAILED
    if recon.state is ReconciliationState.ROLLED_BACK:
        return LifecycleState.ROLLED_BACK
    if recon.last_reconciled_spec == recon.last_stable_spec:
        return LifecycleState.STABLE
    return LifecycleState.DEPLOYED


def _jm_lost_for_good(status: FlinkDeploymentStatus) -> bool:
    lost = status.job_manager_deployment_status in (
        JobManagerDeploymentStatus.MISSING,
        JobManagerDeploymentStatus.ERROR,
    )
    return lost and any(text in (status.error or "") for text in TERMINAL_ERRORS)


def running_condition(
    status: FlinkDeploymentStatus, application: bool, generation: int | None, now_text: str
) -> Condition:
    """The `Running` condition; lastTransitionTime survives while the status holds."""
    if application:
        state = status.job_status.state
        running = state is FlinkJobState.RUNNING
        reason = (state.value if state else "Unknown").capitalize()
        message = f"Job status {state.value if state else 'UNKNOWN'}"
    else:
        jm = status.job_manager_deployment_status
        running = jm is JobManagerDeploymentStatus.READY
        reason, message = jm.reason, _JM_MESSAGES[jm]
    value = "True" if running else "False"
    previous = next((c for c in status.conditions if c.type == "Running"), None)
    since = previous.last_transition_time if previous and previous.status == value else now_text
    return Condition(
        type="Running",
        status=value,
        reason=reason,
        message=message,
        last_transition_time=since,
        observed_generation=generation,
    )
