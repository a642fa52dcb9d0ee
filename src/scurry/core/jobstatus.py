"""Job status observation shared by application deployments and session jobs.

FKO's JobStatusObserver: a found job updates state, name and start time with a
`JobStatusChanged` event; a FAILED job puts its exception in `status.error`;
a missing job is reported once; a CANCELED job marks the spec suspended.
"""

from __future__ import annotations

from datetime import datetime

from scurry.core import reconciled
from scurry.core import transitions as tr
from scurry.core.observation import JobLookup, JobObservation
from scurry.core.plan import JobStatusT, Plan
from scurry.core.reconciled import SpecT
from scurry.models.cluster import SubmissionState
from scurry.models.enums import FlinkJobState, JobState, ReconciliationState
from scurry.models.status import CommonStatus

MSG_JOB_NOT_FOUND = "Job Not Found"
# Job states that settle within seconds: look again soon.
BUSY_STATES = frozenset(
    {
        FlinkJobState.RECONCILING,
        FlinkJobState.INITIALIZING,
        FlinkJobState.CREATED,
        FlinkJobState.CANCELLING,
        FlinkJobState.RESTARTING,
    }
)


def is_terminal(state: FlinkJobState | None) -> bool:
    return state is not None and state.is_globally_terminal


def observe_job(
    plan: Plan[JobStatusT],
    job: JobObservation,
    submission: SubmissionState,
    submission_message: str | None,
    spec_type: type[SpecT],
    now: datetime,
) -> None:
    """Fold one job lookup into `plan.status`."""
    status = plan.status
    if job.lookup is JobLookup.FOUND and job.state is not None:
        _found(plan, job, spec_type, now)
    elif job.lookup is JobLookup.NOT_FOUND:
        _not_found(plan, submission, submission_message, now)
    elif job.lookup is JobLookup.UNREACHABLE and status.job_status.state is FlinkJobState.RUNNING:
        status.job_status.state = FlinkJobState.RECONCILING


def set_job_state(plan: Plan[JobStatusT], new: FlinkJobState, now: datetime) -> None:
    status = plan.status
    old = status.job_status.state
    if old is new:
        return
    status.job_status.state = new
    status.job_status.update_time = str(tr.epoch_ms(now))
    text = (
        f"Job status changed from {old.value} to {new.value}"
        if old
        else f"Job status changed to {new.value}"
    )
    plan.emit("Normal", "JobStatusChanged", text, "Job")


def _found(
    plan: Plan[JobStatusT], job: JobObservation, spec_type: type[SpecT], now: datetime
) -> None:
    assert job.state is not None
    status = plan.status
    if job.name:
        status.job_status.job_name = job.name
    if job.start_time and job.start_time > 0:
        status.job_status.start_time = str(job.start_time)
    changed = status.job_status.state is not job.state
    set_job_state(plan, job.state, now)
    if changed and job.state is FlinkJobState.CANCELED:
        mark_suspended(status, spec_type)
    if changed and job.state is FlinkJobState.FAILED:
        status.error = job.failure or "Job failed"
        plan.emit("Warning", "Error", status.error, "Job")


def mark_suspended(status: CommonStatus, spec_type: type[SpecT]) -> None:
    """The job ended without us: record it as suspended, to be restored by a spec change."""
    last = reconciled.deserialize(status.reconciliation_status.last_reconciled_spec, spec_type)
    if last is None:
        return
    spec = tr.with_job_state(last.spec, JobState.SUSPENDED)
    status.reconciliation_status.last_reconciled_spec = reconciled.serialize(
        spec, first_deployment=last.first_deployment
    )


def _not_found(
    plan: Plan[JobStatusT], submission: SubmissionState, message: str | None, now: datetime
) -> None:
    status = plan.status
    if submission is SubmissionState.PENDING:
        return
    if submission is SubmissionState.FAILED:
        if status.job_status.state is not FlinkJobState.FAILED:
            status.error = message or "Job submission failed"
            plan.emit("Warning", "Error", status.error, "Job")
        set_job_state(plan, FlinkJobState.FAILED, now)
        return
    if status.job_status.state is not FlinkJobState.RECONCILING:
        plan.emit("Warning", "Missing", MSG_JOB_NOT_FOUND, "Job")
        status.error = MSG_JOB_NOT_FOUND
    set_job_state(plan, FlinkJobState.RECONCILING, now)


def check_stable(status: CommonStatus, job_expected: bool) -> None:
    """checkAndUpdateStableSpec: a running (or finished) job makes the spec stable."""
    if status.reconciliation_status.state is not ReconciliationState.DEPLOYED:
        return
    state = status.job_status.state
    if not job_expected or state in (FlinkJobState.RUNNING, FlinkJobState.FINISHED):
        tr.mark_stable(status)
