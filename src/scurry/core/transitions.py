"""Reconciliation-status transitions (FKO's ReconciliationUtils), on a status copy."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TypeVar

from scurry.core import reconciled
from scurry.models.enums import JobState, ReconciliationState
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec
from scurry.models.status import CommonStatus

AnySpec = FlinkDeploymentSpec | FlinkSessionJobSpec
SpecT = TypeVar("SpecT", FlinkDeploymentSpec, FlinkSessionJobSpec)


def epoch_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def rfc3339(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_job_id(uid: str, now: datetime, salt: str = "") -> str:
    """A fresh Flink JobID (32 hex), derived so that a decision stays a pure function."""
    return hashlib.sha256(f"{uid}:{now.isoformat()}:{salt}".encode()).hexdigest()[:32]


def deploy_token(status: CommonStatus) -> str:
    """Names the deploy attempt the status recorded: the runtime echoes it back."""
    recon = status.reconciliation_status
    return f"{status.observed_generation or 0}-{recon.reconciliation_timestamp}"


def with_job_state(spec: SpecT, state: JobState, **job_changes: object) -> SpecT:
    if spec.job is None:
        return spec.model_copy(deep=True)
    job = spec.job.model_copy(update={"state": state, **job_changes})
    return spec.model_copy(update={"job": job}, deep=True)


def is_first_deployment(status: CommonStatus, spec_type: type[SpecT]) -> bool:
    last = reconciled.deserialize(status.reconciliation_status.last_reconciled_spec, spec_type)
    return last is None or last.first_deployment


def before_deployment(
    status: CommonStatus, spec: SpecT, *, generation: int, now: datetime, first: bool
) -> None:
    """Record the intent to deploy `spec`: UPGRADING, recorded job state suspended.

    A control plane that dies after this write reads "suspended, to be restored",
    never "running" for a cluster that was not started.
    """
    recon = status.reconciliation_status
    if recon.state is not ReconciliationState.ROLLING_BACK:
        recon.state = ReconciliationState.UPGRADING
    recorded = keep_trigger_nonces(status, with_job_state(spec, JobState.SUSPENDED))
    recon.last_reconciled_spec = reconciled.serialize(recorded, first_deployment=first)
    recon.reconciliation_timestamp = epoch_ms(now)
    status.observed_generation = generation
    status.error = None


def deployed(
    status: CommonStatus,
    spec: SpecT,
    *,
    generation: int,
    now: datetime,
    job_state: JobState | None,
    first: bool,
) -> None:
    """Record that `spec` is what runs now (updateStatusForDeployedSpec)."""
    recon = status.reconciliation_status
    recorded = with_job_state(spec, job_state) if job_state else spec
    recon.state = (
        ReconciliationState.ROLLED_BACK
        if recon.state is ReconciliationState.ROLLING_BACK
        else ReconciliationState.DEPLOYED
    )
    recon.last_reconciled_spec = reconciled.serialize(recorded, first_deployment=first)
    recon.reconciliation_timestamp = epoch_ms(now)
    status.observed_generation = generation
    if job_state is JobState.SUSPENDED:
        mark_stable(status)


def stopped(
    status: CommonStatus, recorded: SpecT, *, desired: JobState, generation: int, now: datetime
) -> None:
    """Record a job being stopped: toward a restart (UPGRADING, `desired` running) or
    for good (DEPLOYED and suspended, which is stable by definition)."""
    if desired is JobState.RUNNING:
        before_deployment(status, recorded, generation=generation, now=now, first=False)
    else:
        deployed(
            status,
            recorded,
            generation=generation,
            now=now,
            job_state=JobState.SUSPENDED,
            first=False,
        )


def mark_stable(status: CommonStatus) -> None:
    recon = status.reconciliation_status
    recon.last_stable_spec = recon.last_reconciled_spec


def is_stable(status: CommonStatus) -> bool:
    recon = status.reconciliation_status
    return recon.last_reconciled_spec is not None and (
        recon.last_reconciled_spec == recon.last_stable_spec
    )


def absorb_ignored_changes(
    status: CommonStatus, spec: SpecT, spec_type: type[SpecT], generation: int
) -> None:
    """Record IGNORE-only changes (upgradeMode, nonces) without touching the job."""
    last = reconciled.deserialize(status.reconciliation_status.last_reconciled_spec, spec_type)
    if last is None:
        return
    job_state = last.spec.job.state if last.spec.job else None
    recorded = with_job_state(spec, job_state) if job_state else spec
    recorded = keep_trigger_nonces(status, recorded)
    text = reconciled.serialize(recorded, first_deployment=last.first_deployment)
    recon = status.reconciliation_status
    was_stable = is_stable(status)
    recon.last_reconciled_spec = text
    if was_stable:
        mark_stable(status)
    status.observed_generation = generation


NONCES = ("savepoint_trigger_nonce", "checkpoint_trigger_nonce")


def keep_trigger_nonces(status: CommonStatus, spec: SpecT) -> SpecT:
    """A manual snapshot nonce is recorded only when its snapshot is triggered, so a spec
    change or restart in between never loses a pending manual trigger (as FKO)."""
    last_text = status.reconciliation_status.last_reconciled_spec
    if spec.job is None or not last_text:
        return spec
    last = reconciled.deserialize(last_text, type(spec))
    if last is None or last.spec.job is None:
        return spec
    kept = {name: getattr(last.spec.job, name) for name in NONCES}
    job = spec.job.model_copy(update=kept)
    return spec.model_copy(update={"job": job})


def record_nonce(
    status: CommonStatus, spec_type: type[SpecT], name: str, value: int | None
) -> None:
    """Record a triggered manual snapshot's nonce in lastReconciledSpec (and stable spec)."""
    recon = status.reconciliation_status
    last = reconciled.deserialize(recon.last_reconciled_spec, spec_type)
    if last is None or last.spec.job is None:
        return
    was_stable = is_stable(status)
    job = last.spec.job.model_copy(update={name: value})
    spec = last.spec.model_copy(update={"job": job})
    recon.last_reconciled_spec = reconciled.serialize(spec, first_deployment=last.first_deployment)
    if was_stable:
        mark_stable(status)
