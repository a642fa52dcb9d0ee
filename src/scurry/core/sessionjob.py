"""decide() for FlinkSessionJob: a job submitted to a session cluster (FKO's
FlinkSessionJobController / SessionJobReconciler), in steps like deployments.

The job id is chosen here and recorded before the submission, so a retried
submission cannot run the job twice (Flink refuses a known job id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from scurry.config.flinkconf import flatten
from scurry.core import lifecycle, reconciled
from scurry.core import transitions as tr
from scurry.core.configs import session_job_config
from scurry.core.jobstatus import (
    BUSY_STATES,
    check_stable,
    is_terminal,
    observe_job,
    set_job_state,
)
from scurry.core.observation import (
    ControlConfig,
    JobLookup,
    JobObservation,
    OperationObservation,
    SnapshotSummary,
)
from scurry.core.options import OperatorOptions
from scurry.core.plan import CancelJob, FinalizerChange, Plan, SubmitJob
from scurry.core.savepoints import (
    MSG_SUSPENDED,
    follow_savepoint,
    pending_snapshot,
    refuse,
    start_savepoint,
    upgrade_trigger,
    wait_for_snapshot,
)
from scurry.core.snapshot_triggers import (
    clean_history,
    follow_legacy,
    record_upgrade_snapshot,
    request_snapshots,
)
from scurry.core.specdiff import diff_specs
from scurry.core.upgrade import Pending, Refused, Suspend, choose_upgrade, restore_path
from scurry.core.validation import validate_session_job
from scurry.models.cluster import ClusterObservation, ClusterRef, JobLaunch, SubmissionState
from scurry.models.enums import (
    DiffType,
    FlinkJobState,
    JobManagerDeploymentStatus,
    JobState,
    LifecycleState,
    ReconciliationState,
    UpgradeMode,
)
from scurry.models.resources import FlinkDeployment, FlinkSessionJob
from scurry.models.spec import FlinkSessionJobSpec
from scurry.models.status import FlinkSessionJobStatus

FINALIZER = "flinksessionjobs.flink.apache.org/finalizer"
MSG_NO_SESSION = "Session cluster deployment is not found"
MSG_CLEANUP = "Cleaning up FlinkSessionJob"
MSG_SPEC_CHANGED = "{type} change(s) detected ({diff}), starting reconciliation."


@dataclass(frozen=True)
class SessionJobObservation:
    session: FlinkDeployment | None
    cluster: ClusterObservation = field(default_factory=ClusterObservation.absent)
    job: JobObservation = field(default_factory=JobObservation)
    runtime_defaults: Mapping[str, str] = field(default_factory=dict)
    latest_checkpoint: str | None = None
    savepoint_trigger: OperationObservation | None = None
    checkpoint_trigger: OperationObservation | None = None
    snapshots: tuple[SnapshotSummary, ...] = ()


class _Step:
    def __init__(
        self,
        resource: FlinkSessionJob,
        obs: SessionJobObservation,
        now: datetime,
        config: ControlConfig,
    ) -> None:
        self.resource, self.obs, self.now, self.config = resource, obs, now, config
        self.plan: Plan[FlinkSessionJobStatus] = Plan(status=resource.status.model_copy(deep=True))
        self.config_map = self._effective_config()
        self.options = OperatorOptions.from_config(self.config_map)
        self.generation = resource.metadata.generation or 0

    def _effective_config(self) -> dict[str, str]:
        """Defaults <- the session cluster's configuration <- the job's own (FKO).

        The defaults are those of the session cluster (its namespace and Flink version).
        """
        session = self.obs.session
        return session_job_config(
            self.config,
            self.resource.metadata.namespace or "default",
            session.spec if session else None,
            self.resource.spec,
            self.obs.runtime_defaults,
        )

    @property
    def status(self) -> FlinkSessionJobStatus:
        return self.plan.status

    @property
    def ready(self) -> bool:
        """The session cluster exists and its REST API is up (readyToReconcile)."""
        session = self.obs.session
        return (
            session is not None
            and session.metadata.deletion_timestamp is None
            and session.status.job_manager_deployment_status is JobManagerDeploymentStatus.READY
            and self.obs.cluster.rest_url is not None
        )

    @property
    def cluster_ref(self) -> ClusterRef:
        meta = self.resource.metadata
        name = self.resource.spec.deployment_name or ""
        return ClusterRef(namespace=meta.namespace or "default", name=name)

    def last(self) -> reconciled.ReconciledSpec[FlinkSessionJobSpec] | None:
        text = self.status.reconciliation_status.last_reconciled_spec
        return reconciled.deserialize(text, FlinkSessionJobSpec)

    def job_alive(self) -> bool:
        """The recorded job still runs (or is still being cancelled) on the cluster."""
        job = self.obs.job
        return job.lookup is JobLookup.FOUND and not is_terminal(job.state)


def decide_session_job(
    resource: FlinkSessionJob, obs: SessionJobObservation, now: datetime, config: ControlConfig
) -> Plan[FlinkSessionJobStatus]:
    step = _Step(resource, obs, now, config)
    if resource.metadata.deletion_timestamp:
        _cleanup(step)
        return _finish(step)
    if FINALIZER not in (resource.metadata.finalizers or []):
        step.plan.finalizer = FinalizerChange.ADD
    _observe(step)
    spec = _validated_spec(step)
    if spec is None:
        return _finish(step)
    if not step.ready:
        if obs.session is None and step.status.lifecycle_state is not LifecycleState.CREATED:
            step.plan.emit("Warning", "Missing", MSG_NO_SESSION)
        step.plan.requeue(step.options.progress_check_interval)
        return _finish(step)
    _reconcile(step, spec)
    return _finish(step)


def _observe(step: _Step) -> None:
    last = step.last()
    if last is None or not step.ready:
        return
    status = step.status
    upgrading = status.reconciliation_status.state is ReconciliationState.UPGRADING
    job = step.obs.job
    submitted = status.job_status.state is FlinkJobState.RECONCILING  # set by _submit
    if (
        upgrading
        and submitted
        and job.lookup is JobLookup.FOUND
        and job.state not in (FlinkJobState.CANCELLING, FlinkJobState.CANCELED)
    ):
        # The submission recorded as intent went through (checkIfAlreadyUpgraded).
        first = tr.is_first_deployment(status, FlinkSessionJobSpec)
        tr.deployed(
            status,
            last.spec,
            generation=status.observed_generation or 0,
            now=step.now,
            job_state=JobState.RUNNING,
            first=first,
        )
        last = step.last()
        assert last is not None
    if last.spec.job is None or last.spec.job.state is not JobState.RUNNING:
        if job.lookup is JobLookup.FOUND and job.state is not None:
            set_job_state(step.plan, job.state, step.now)  # a suspended job winding down
        return
    submission = SubmissionState.PENDING if upgrading else SubmissionState.SUBMITTED
    observe_job(step.plan, job, submission, None, FlinkSessionJobSpec, step.now)
    check_stable(status, job_expected=True)
    if (
        status.error
        and status.job_status.state is not FlinkJobState.FAILED
        and tr.is_stable(status)
        and status.observed_generation == step.resource.metadata.generation
    ):
        status.error = None


def _validated_spec(step: _Step) -> FlinkSessionJobSpec | None:
    last = step.last()
    error = validate_session_job(
        step.resource,
        step.obs.session,
        step.config_map,
        last.spec if last else None,
        step.config.validation,
    )
    if error is None:
        return step.resource.spec
    if step.status.error != error:
        step.plan.emit("Warning", "ValidationError", error)
    step.status.error = error
    if last is None:
        return None
    step.generation = step.status.observed_generation or 0
    if step.status.reconciliation_status.state is ReconciliationState.UPGRADING:
        return tr.with_job_state(last.spec, JobState.RUNNING)
    return last.spec


def _reconcile(step: _Step, spec: FlinkSessionJobSpec) -> None:
    last = step.last()
    if last is None:
        if spec.job is not None and spec.job.state is JobState.SUSPENDED:
            step.plan.requeue(step.options.reconcile_interval)
            return
        initial = spec.job.initial_savepoint_path if spec.job else None
        mode = UpgradeMode.SAVEPOINT if initial else UpgradeMode.STATELESS
        recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=mode)
        step.status.job_status.upgrade_savepoint_path = initial
        _submit(step, recorded, savepoint=initial, first=True)
        return
    upgrading = step.status.reconciliation_status.state is ReconciliationState.UPGRADING
    diff = diff_specs(last.spec, spec)
    shown = diff_specs(_as_desired(last.spec, spec), spec) if upgrading else diff
    if shown.type is not DiffType.IGNORE:
        text = MSG_SPEC_CHANGED.format(type=shown.type.name, diff=shown.describe("FlinkSessionJob"))
        step.plan.emit("Normal", "SpecChanged", text)
    if diff.type is not DiffType.IGNORE or upgrading:
        _reconcile_spec_change(step, last.spec, spec)
        return
    tr.absorb_ignored_changes(step.status, spec, FlinkSessionJobSpec, step.generation)
    if last.spec.job is None or last.spec.job.state is not JobState.RUNNING:
        return
    if upgrade_trigger(step.status) is not None:
        _suspend(step, last.spec)  # a savepoint upgrade interrupted by a restart
        return
    obs = step.obs
    follow_legacy(step, obs.savepoint_trigger, obs.checkpoint_trigger)
    if step.status.job_status.state is FlinkJobState.RUNNING:
        rest_url = obs.cluster.rest_url
        request_snapshots(step, "FlinkSessionJob", FlinkSessionJobSpec, spec, last.spec, rest_url)
    clean_history(step, obs.snapshots)


def _as_desired(last: FlinkSessionJobSpec, spec: FlinkSessionJobSpec) -> FlinkSessionJobSpec:
    if last.job is None or spec.job is None:
        return last
    return tr.with_job_state(last, spec.job.state, upgrade_mode=spec.job.upgrade_mode)


def _reconcile_spec_change(
    step: _Step, last: FlinkSessionJobSpec, spec: FlinkSessionJobSpec
) -> None:
    assert spec.job is not None
    assert last.job is not None
    current, desired = last.job.state, spec.job.state
    if current is JobState.RUNNING:
        _suspend(step, spec)
    elif desired is JobState.RUNNING:
        if step.job_alive():
            _cancel(step)  # the previous job must end before its successor starts
            return
        mode = last.job.upgrade_mode
        if spec.job.upgrade_mode is UpgradeMode.STATELESS:
            mode = UpgradeMode.STATELESS
        savepoint, error = restore_path(
            mode, step.status.job_status.upgrade_savepoint_path, step.obs.latest_checkpoint
        )
        if error:
            refuse(step, "RestoreFailed", error)
            return
        if savepoint:
            step.status.job_status.upgrade_savepoint_path = savepoint
        recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=mode)
        upgrading = step.status.reconciliation_status.state is ReconciliationState.UPGRADING
        first = upgrading and tr.is_first_deployment(step.status, FlinkSessionJobSpec)
        _submit(step, recorded, savepoint=savepoint, first=first)
    else:
        recorded = tr.with_job_state(spec, JobState.SUSPENDED)
        tr.stopped(
            step.status,
            recorded,
            desired=JobState.SUSPENDED,
            generation=step.generation,
            now=step.now,
        )
        if step.job_alive():
            _cancel(step)


def _suspend(step: _Step, spec: FlinkSessionJobSpec) -> None:
    """Stop the job as the new spec's upgrade mode says; the cluster keeps running."""
    assert spec.job is not None
    status = step.status
    if upgrade_trigger(status) is not None:
        seen = step.obs.savepoint_trigger
        lost = not step.ready and step.obs.session is None
        location = follow_savepoint(step, seen, step.obs.cluster.rest_url, lost)
        if location is not None:
            record_upgrade_snapshot(step, "FlinkSessionJob", location)
            _record_suspension(step, spec, UpgradeMode.SAVEPOINT, announce=False)
        return
    in_progress = sum(1 for s in step.obs.snapshots if s.state == "IN_PROGRESS")
    pending = pending_snapshot(step, in_progress)
    if pending is not None:
        wait_for_snapshot(step, pending)
        return
    state_available = bool(step.obs.latest_checkpoint or status.job_status.upgrade_savepoint_path)
    choice = choose_upgrade(
        spec.job.upgrade_mode, status.job_status.state, step.ready, state_available, step.config_map
    )
    if isinstance(choice, Pending):
        step.plan.requeue(step.options.progress_check_interval)
    elif isinstance(choice, Refused):
        refuse(step, choice.reason, choice.message)
    elif choice.suspend is Suspend.SAVEPOINT:
        start_savepoint(step, step.obs.cluster.rest_url)
    else:
        _record_suspension(
            step, spec, choice.restore, announce=choice.suspend is not Suspend.NOTHING
        )


def _record_suspension(
    step: _Step, spec: FlinkSessionJobSpec, restore: UpgradeMode, *, announce: bool
) -> None:
    """Record what restores the job, then cancel it (retained checkpoints stay)."""
    assert spec.job is not None
    if announce:
        step.plan.emit("Normal", "Suspended", MSG_SUSPENDED)
    recorded = tr.with_job_state(spec, JobState.SUSPENDED, upgrade_mode=restore)
    tr.stopped(
        step.status, recorded, desired=spec.job.state, generation=step.generation, now=step.now
    )
    if step.job_alive():
        _cancel(step)
    step.plan.requeue(step.options.progress_check_interval)


def _cancel(step: _Step) -> None:
    job_id = step.status.job_status.job_id
    rest_url = step.obs.cluster.rest_url
    if job_id and rest_url and step.obs.job.state is not FlinkJobState.CANCELLING:
        step.plan.action = CancelJob(rest_url=rest_url, job_id=job_id)
    step.plan.requeue(step.options.progress_check_interval)


def _submit(
    step: _Step, recorded: FlinkSessionJobSpec, *, savepoint: str | None, first: bool
) -> None:
    status = step.status
    tr.before_deployment(status, recorded, generation=step.generation, now=step.now, first=first)
    job = recorded.job
    assert job is not None
    job_id = tr.new_job_id(step.resource.metadata.uid or "", step.now)
    status.job_status.job_id = job_id
    status.job_status.state = FlinkJobState.RECONCILING
    status.job_status.start_time = None
    status.job_status.update_time = str(tr.epoch_ms(step.now))
    step.plan.emit("Normal", "Submit", "Starting deployment")
    rest_url = step.obs.cluster.rest_url
    assert rest_url is not None
    launch = JobLaunch(
        jar_uri=job.jar_uri,
        entry_class=job.entry_class,
        args=tuple(job.args),
        parallelism=job.parallelism or int(step.config_map.get("parallelism.default", "1")),
        job_id=job_id,
        savepoint_path=savepoint,
        allow_non_restored_state=bool(job.allow_non_restored_state),
        flink_config=flatten(recorded.flink_configuration),
    )
    step.plan.action = SubmitJob(cluster=step.cluster_ref, rest_url=rest_url, job=launch)
    step.plan.requeue(step.options.progress_check_interval)


def _cleanup(step: _Step) -> None:
    """Cancel the job unless it already ended or its cluster is gone, then let go."""
    if FINALIZER not in (step.resource.metadata.finalizers or []):
        return
    status = step.status
    if status.lifecycle_state is not LifecycleState.DELETING:
        step.plan.emit("Normal", "Cleanup", MSG_CLEANUP)
    status.lifecycle_state = LifecycleState.DELETING
    cluster_up = step.obs.cluster.exists and step.obs.cluster.rest_url is not None
    starting = step.obs.cluster.exists and not cluster_up
    if cluster_up and (step.job_alive() or step.obs.job.lookup is JobLookup.UNREACHABLE):
        _cancel(step)  # an unreachable REST API is asked again, never assumed empty
        return
    if starting and step.obs.session is not None and status.job_status.job_id:
        step.plan.requeue(step.options.progress_check_interval)  # cannot tell yet
        return
    if status.job_status.state is not None and not is_terminal(status.job_status.state):
        status.job_status.state = FlinkJobState.CANCELED
    status.lifecycle_state = LifecycleState.DELETED
    step.plan.finalizer = FinalizerChange.REMOVE


def _finish(step: _Step) -> Plan[FlinkSessionJobStatus]:
    status = step.status
    if step.resource.metadata.deletion_timestamp is None:
        status.lifecycle_state = lifecycle.lifecycle_state(status, FlinkSessionJobSpec)
    interval = step.options.reconcile_interval
    upgrading = status.reconciliation_status.state is ReconciliationState.UPGRADING
    if upgrading or status.job_status.state in BUSY_STATES:
        interval = step.options.progress_check_interval
    step.plan.requeue(interval)
    return step.plan
