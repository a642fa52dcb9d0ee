"""What applying a spec would do, said before it is applied (`scurry plan`).

The controller's own rules on the facts the status records: the diff against
the last reconciled spec (what runs, not what is stored), FKO's getJobUpgrade
for how the job stops and what its successor starts from. What the status
cannot tell (a checkpoint completing before the upgrade) is said in a note,
never assumed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from scurry.core.reconciled import deserialize
from scurry.core.specdiff import FieldChange, diff_specs
from scurry.core.upgrade import (
    LAST_STATE_FALLBACK,
    Pending,
    Refused,
    Suspend,
    Upgrade,
    choose_upgrade,
    restore_path,
)
from scurry.models.enums import (
    DeploymentMode,
    DiffType,
    FlinkJobState,
    JobState,
    ReconciliationState,
    SnapshotTriggerType,
    UpgradeMode,
)
from scurry.models.enums import JobManagerDeploymentStatus as JmStatus
from scurry.models.resources import FlinkDeployment, FlinkSessionJob
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec

AnySpec = FlinkDeploymentSpec | FlinkSessionJobSpec
Choice = Upgrade | Pending | Refused
FALLBACK = f"last-state fallback ({LAST_STATE_FALLBACK})"
# Job states that mean the job has run, so retained checkpoints may exist.
_HAS_RUN = frozenset(FlinkJobState) - {
    FlinkJobState.INITIALIZING,
    FlinkJobState.CREATED,
    FlinkJobState.RECONCILING,
}
_IGNORED_NOTES = {
    "job.upgradeMode": "upgradeMode takes effect at the next upgrade",
    "job.initialSavepointPath": (
        "initialSavepointPath is used only on the first deployment and on a "
        "savepointRedeployNonce change"
    ),
    "job.savepointTriggerNonce": (
        "savepointTriggerNonce (deprecated): a manual savepoint is taken while the job runs; "
        "`scurry savepoint NAME` does the same"
    ),
    "job.checkpointTriggerNonce": (
        "checkpointTriggerNonce (deprecated): a manual checkpoint is taken while the job runs; "
        "`scurry checkpoint NAME` does the same"
    ),
    "job.autoscalerResetNonce": "autoscalerResetNonce resets the autoscaler's history",
}

_ROLLBACK_NOTES = {
    ReconciliationState.ROLLED_BACK: (
        "rolled back: the last stable spec runs; the diff is against the spec rolled back from"
    ),
    ReconciliationState.ROLLING_BACK: "a rollback to the last stable spec is in progress",
}
_TRIGGERS = {"job.savepointTriggerNonce": "savepoint", "job.checkpointTriggerNonce": "checkpoint"}


class Action(StrEnum):
    CREATE = "create"  # a new resource
    DEPLOY = "deploy"  # stored before, never deployed: its first deployment
    NONE = "none"
    SCALE = "scale"
    UPGRADE = "upgrade"
    SAVEPOINT_REDEPLOY = "savepoint-redeploy"
    SUSPEND = "suspend"
    RESUME = "resume"


class Snapshot(StrEnum):
    SAVEPOINT = "savepoint"  # a savepoint is taken
    CHECKPOINT = "checkpoint"  # the latest retained checkpoint carries the state


@dataclass(frozen=True)
class StatusFacts:
    """What the status says about the job, as the upgrade decision needs it."""

    job_state: FlinkJobState | None = None
    job_manager_ready: bool = False
    has_run: bool = False
    upgrade_savepoint_path: str | None = None
    latest_checkpoint: str | None = None  # known only to an observer of the cluster
    savepoint_in_flight: bool = False  # a stop-with-savepoint for an upgrade is under way

    @property
    def state_known(self) -> bool:
        """State to restore from exists for certain."""
        return bool(self.upgrade_savepoint_path or self.latest_checkpoint)

    @property
    def state_available(self) -> bool:
        """The plan's stand-in for scurry's tracking: known state, or a job that has run."""
        return self.state_known or self.has_run


@dataclass
class ChangePlan:
    """What an apply would do to one resource; built up by `explain`, then read."""

    action: Action
    summary: str = ""  # one line: `UPGRADE (stop with savepoint, restore from it)`
    diff_type: DiffType | None = None
    changes: tuple[FieldChange, ...] = ()
    stops_job: bool = False
    suspend: Suspend | None = None  # how the running job is stopped
    snapshot: Snapshot | None = None  # what carries its state over
    restore: UpgradeMode | None = None  # what the job starts from; None: it does not start
    restore_path: str | None = None
    errors: list[str] = field(default_factory=list)  # what the controller would refuse
    notes: list[str] = field(default_factory=list)


def facts_of(
    resource: FlinkDeployment | FlinkSessionJob, session: FlinkDeployment | None = None
) -> StatusFacts:
    """The facts in `resource`'s status; a session job's JobManager is its `session`'s."""
    job = resource.status.job_status
    if isinstance(resource, FlinkDeployment):
        ready = resource.status.job_manager_deployment_status is JmStatus.READY
    elif session is not None:
        ready = session.status.job_manager_deployment_status is JmStatus.READY
    else:
        ready = job.state is FlinkJobState.RUNNING
    info = job.savepoint_info
    in_flight = bool(info and info.trigger_id and info.trigger_type is SnapshotTriggerType.UPGRADE)
    return StatusFacts(
        job_state=job.state,
        job_manager_ready=ready,
        has_run=bool(job.start_time) or job.state in _HAS_RUN,
        upgrade_savepoint_path=job.upgrade_savepoint_path,
        savepoint_in_flight=in_flight,
    )


def explain(
    existing: FlinkDeployment | FlinkSessionJob | None,
    desired: AnySpec,
    facts: StatusFacts | None = None,
    config: Mapping[str, str] | None = None,
    *,
    in_place_scaling: bool = False,
) -> ChangePlan:
    """What applying `desired` over `existing` would do; `config` is its effective config."""
    session_job = isinstance(desired, FlinkSessionJobSpec)
    if existing is None:
        return _finish(_first(Action.CREATE, desired, session_job), session_job)
    last = _last_reconciled(existing, desired)
    if last is None:
        plan = _first(Action.DEPLOY, desired, session_job)
        if existing.status.error:
            plan.notes.append(f"never deployed so far; status.error: {existing.status.error}")
        return _finish(plan, session_job)
    facts = facts or facts_of(existing)
    upgrading = existing.status.reconciliation_status.state is ReconciliationState.UPGRADING
    mode = (
        desired.mode or DeploymentMode.NATIVE
        if isinstance(desired, FlinkDeploymentSpec)
        else DeploymentMode.NATIVE
    )
    diff = diff_specs(_diff_base(last, existing.spec, desired, upgrading), desired, mode)
    plan = ChangePlan(Action.NONE, diff_type=diff.type, changes=diff.changes)
    _context_notes(plan, existing)
    _decide(plan, last, desired, facts, config or {}, upgrading, in_place_scaling)
    return _finish(plan, session_job)


def _finish(plan: ChangePlan, session_job: bool) -> ChangePlan:
    plan.summary = plan.summary or _summary(plan, session_job)
    return plan


def _decide(
    plan: ChangePlan,
    last: AnySpec,
    desired: AnySpec,
    facts: StatusFacts,
    config: Mapping[str, str],
    upgrading: bool,
    in_place_scaling: bool,
) -> None:
    kind = plan.diff_type or DiffType.IGNORE
    if kind is DiffType.IGNORE and not upgrading:
        _unchanged(plan)
    elif desired.job is None or last.job is None:
        _session_cluster(plan)
    elif upgrading:
        _in_flight(plan, last, desired, facts)
    elif kind is DiffType.SAVEPOINT_REDEPLOY:
        _redeploy(plan, last, desired, facts)
    elif kind is DiffType.SCALE and in_place_scaling and last.job.state is JobState.RUNNING:
        plan.action, plan.summary = Action.SCALE, "SCALE (in place)"
        plan.notes.append("rescaled in place; an upgrade follows only if Flink refuses")
    else:
        _spec_change(plan, last, desired, facts, config)


def _last_reconciled(
    existing: FlinkDeployment | FlinkSessionJob, desired: AnySpec
) -> AnySpec | None:
    text = existing.status.reconciliation_status.last_reconciled_spec
    if isinstance(desired, FlinkDeploymentSpec):
        deployment = deserialize(text, FlinkDeploymentSpec)
        return deployment.spec if deployment else None
    job = deserialize(text, FlinkSessionJobSpec)
    return job.spec if job else None


def _diff_base(last: AnySpec, stored: AnySpec, desired: AnySpec, upgrading: bool) -> AnySpec:
    """The last reconciled spec without the controller's bookkeeping in it.

    Its upgradeMode is the restore mode the controller recorded, not the user's: the
    stored spec's stands in. While UPGRADING its job state is the intent's `suspended`.
    """
    if last.job is None or desired.job is None:
        return last
    mode = stored.job.upgrade_mode if stored.job else desired.job.upgrade_mode
    state = desired.job.state if upgrading else last.job.state
    job = last.job.model_copy(update={"upgrade_mode": mode, "state": state})
    return last.model_copy(update={"job": job}, deep=True)


def _context_notes(plan: ChangePlan, existing: FlinkDeployment | FlinkSessionJob) -> None:
    meta, status = existing.metadata, existing.status
    pending = meta.generation is not None and status.observed_generation != meta.generation
    if pending:
        plan.notes.append(
            "the stored spec has changes the controller has not acted on yet; "
            "they are part of this plan (the diff is against what runs)"
        )
    if status.error:
        plan.notes.append(f"status.error: {status.error}")
    rollback = _ROLLBACK_NOTES.get(status.reconciliation_status.state)
    if rollback:
        plan.notes.append(rollback)
    redeploy = plan.diff_type is DiffType.SAVEPOINT_REDEPLOY
    for change in plan.changes:
        note = _IGNORED_NOTES.get(change.path)
        used = redeploy and change.path == "job.initialSavepointPath"  # the redeploy uses it
        if change.type is DiffType.IGNORE and note and not used:
            plan.notes.append(note)


def _first(action: Action, desired: AnySpec, session_job: bool) -> ChangePlan:
    plan = ChangePlan(action)
    verb = "CREATE" if action is Action.CREATE else "DEPLOY"
    job = desired.job
    if job is None:
        plan.summary = f"{verb} (session cluster)" if not session_job else verb
        return plan
    if job.state is JobState.SUSPENDED:
        plan.summary = f"{verb} (suspended: nothing is deployed)"
        plan.notes.append("nothing is deployed until spec.job.state is running")
        return plan
    if job.initial_savepoint_path:
        plan.restore, plan.restore_path = UpgradeMode.SAVEPOINT, job.initial_savepoint_path
        plan.snapshot = Snapshot.SAVEPOINT
        plan.summary = (
            f"{verb} (first deployment from initialSavepointPath {job.initial_savepoint_path})"
        )
    else:
        plan.restore = UpgradeMode.STATELESS
        plan.summary = f"{verb} (first deployment, empty state)"
    if isinstance(desired, FlinkSessionJobSpec):
        plan.notes.append(f"submitted to the session cluster {desired.deployment_name}")
    return plan


def _unchanged(plan: ChangePlan) -> None:
    """Only fields the controller records without touching the job (or a snapshot nonce)."""
    triggers = [c for c in plan.changes if c.path in _TRIGGERS and c.new is not None]
    if triggers:
        plan.snapshot = Snapshot(_TRIGGERS[triggers[0].path])
        plan.summary = f"no change to the job (a {plan.snapshot} is taken)"
    elif plan.changes:
        count = len(plan.changes)
        plan.summary = f"no change to the job ({count} field(s) recorded without acting)"
    else:
        plan.summary = "no change"


def _session_cluster(plan: ChangePlan) -> None:
    """Session clusters: any change redeploys the cluster (FKO's SessionReconciler)."""
    plan.action = Action.UPGRADE
    plan.stops_job = True
    plan.summary = "UPGRADE (the session cluster is redeployed)"
    plan.notes.append("jobs running on the session cluster stop with it")


def _in_flight(plan: ChangePlan, last: AnySpec, desired: AnySpec, facts: StatusFacts) -> None:
    """An upgrade is under way (UPGRADING): its second half starts the job with this spec."""
    assert desired.job is not None
    mode = _restore_mode(last, desired)
    if desired.job.state is JobState.SUSPENDED:
        plan.action, plan.stops_job = Action.SUSPEND, True
        plan.summary = "SUSPEND (the upgrade in progress ends with the job suspended)"
        plan.notes.append(f"on resume the job restores from {_restore_phrase(mode, None)}")
        return
    changed = plan.diff_type not in (None, DiffType.IGNORE)
    plan.action = Action.UPGRADE if changed else Action.NONE
    _restore(plan, mode, facts)
    how = "joins the upgrade in progress" if changed else "an upgrade is in progress"
    plan.summary = f"{_verb(plan.action)} ({how}, {_restore_text(plan)})"
    plan.notes.append("the upgrade in progress (UPGRADING) starts the job with this spec")


def _restore_mode(last: AnySpec, desired: AnySpec) -> UpgradeMode:
    """The mode recorded when the job was stopped, unless the new spec says stateless."""
    assert last.job is not None
    assert desired.job is not None
    if desired.job.upgrade_mode is UpgradeMode.STATELESS:
        return UpgradeMode.STATELESS
    return last.job.upgrade_mode


def _restore(
    plan: ChangePlan, mode: UpgradeMode, facts: StatusFacts, *, vetted: bool = False
) -> None:
    """Where a starting job's state comes from, as restore_path will find it.

    `vetted`: the upgrade decision already judged the state available.
    """
    plan.restore = mode
    if mode is UpgradeMode.STATELESS:
        return
    plan.snapshot = Snapshot.SAVEPOINT if mode is UpgradeMode.SAVEPOINT else Snapshot.CHECKPOINT
    path, error = restore_path(mode, facts.upgrade_savepoint_path, facts.latest_checkpoint)
    if mode is UpgradeMode.LAST_STATE and not facts.latest_checkpoint:
        path = None  # the latest checkpoint at restore time comes first
        if facts.upgrade_savepoint_path:
            plan.notes.append(
                "restores from the latest retained checkpoint, else from "
                f"{facts.upgrade_savepoint_path}"
            )
        elif facts.has_run or vetted:
            error = None
            if not vetted:
                plan.notes.append(
                    "restores from the latest retained checkpoint: one must exist by then, "
                    "else the restore fails (Manual restore required)"
                )
    plan.restore_path = path
    if error:
        plan.errors.append(f"RestoreFailed: {error}")


def _redeploy(plan: ChangePlan, last: AnySpec, desired: AnySpec, facts: StatusFacts) -> None:
    """savepointRedeployNonce: drop the job and its state, start from initialSavepointPath."""
    assert last.job is not None
    assert desired.job is not None
    plan.action = Action.SAVEPOINT_REDEPLOY
    if last.job.state is JobState.RUNNING:
        ended = facts.job_state is not None and facts.job_state.is_globally_terminal
        plan.suspend = Suspend.NOTHING if ended else Suspend.DELETE
        plan.stops_job = not ended
    path = desired.job.initial_savepoint_path
    if desired.job.state is JobState.RUNNING:
        plan.restore = UpgradeMode.SAVEPOINT if path else UpgradeMode.STATELESS
        plan.restore_path = path
        plan.snapshot = Snapshot.SAVEPOINT if path else None
    plan.notes.append("the job's current state is dropped, not saved")
    plan.notes.append("rollback is not possible after a savepoint redeployment")


def _spec_change(
    plan: ChangePlan,
    last: AnySpec,
    desired: AnySpec,
    facts: StatusFacts,
    config: Mapping[str, str],
) -> None:
    """FKO's reconcileSpecChange: stop a running job, start a suspended one, or record."""
    assert last.job is not None
    assert desired.job is not None
    current, wanted = last.job.state, desired.job.state
    if current is JobState.RUNNING:
        _stop(plan, desired, facts, config)
    elif wanted is JobState.RUNNING:
        plan.action = Action.RESUME
        _restore(plan, _restore_mode(last, desired), facts)
        if any(c.path != "job.state" and c.type is not DiffType.IGNORE for c in plan.changes):
            plan.notes.append("the job starts with the other changes too")
    else:
        plan.summary = "no change (the job stays suspended; the changes apply on resume)"


def _stop(
    plan: ChangePlan, desired: AnySpec, facts: StatusFacts, config: Mapping[str, str]
) -> None:
    """Stop the running job as the new spec's upgrade mode says (getJobUpgrade)."""
    assert desired.job is not None
    start = desired.job.state is JobState.RUNNING
    scale = plan.diff_type is DiffType.SCALE
    plan.action = (Action.SCALE if scale else Action.UPGRADE) if start else Action.SUSPEND
    if scale and start:
        plan.notes.append(
            "no in-place rescaling here: the SCALE change is carried out as an upgrade"
        )
    if facts.savepoint_in_flight:
        choice: Choice = Upgrade(Suspend.SAVEPOINT, UpgradeMode.SAVEPOINT)
        plan.notes.append("a stop-with-savepoint for an earlier change is under way: it is used")
    else:
        choice = _choose(desired.job.upgrade_mode, facts, facts.state_available, config)
        _assumption_note(plan, desired.job.upgrade_mode, facts, config, choice)
        fell_back = isinstance(choice, Upgrade) and choice.restore is UpgradeMode.LAST_STATE
        if desired.job.upgrade_mode is UpgradeMode.SAVEPOINT and fell_back:
            plan.notes.append(f"no savepoint can be taken of a job that is not running: {FALLBACK}")
    _apply_choice(plan, choice, facts, start)


def _choose(
    mode: UpgradeMode, facts: StatusFacts, state_available: bool, config: Mapping[str, str]
) -> Choice:
    return choose_upgrade(mode, facts.job_state, facts.job_manager_ready, state_available, config)


def _apply_choice(plan: ChangePlan, choice: Choice, facts: StatusFacts, start: bool) -> None:
    verb = _verb(plan.action)
    if isinstance(choice, Pending):
        plan.stops_job = True
        plan.summary = f"{verb} (waits: {choice.reason})"
        return
    if isinstance(choice, Refused):
        plan.errors.append(f"{choice.reason}: {choice.message}")
        plan.summary = f"{verb} (refused by the controller)"
        return
    plan.suspend = choice.suspend
    plan.stops_job = choice.suspend is not Suspend.NOTHING
    if choice.suspend is Suspend.NOTHING:
        plan.notes.append(f"the job has already ended ({facts.job_state}): nothing to stop")
    elif choice.suspend is Suspend.SAVEPOINT:
        plan.snapshot = Snapshot.SAVEPOINT
    elif choice.suspend is Suspend.KEEP_CHECKPOINTS:
        plan.snapshot = Snapshot.CHECKPOINT
        plan.notes.append(
            "last-state: records processed since the latest checkpoint are reprocessed"
        )
    if not start:
        plan.notes.append(
            f"on resume the job restores from {_restore_phrase(choice.restore, None)}"
        )
    elif choice.suspend is Suspend.SAVEPOINT:
        plan.restore = UpgradeMode.SAVEPOINT
    else:
        _restore(plan, choice.restore, facts, vetted=True)


def _assumption_note(
    plan: ChangePlan,
    mode: UpgradeMode,
    facts: StatusFacts,
    config: Mapping[str, str],
    choice: Choice,
) -> None:
    """Say so when the plan rests on a checkpoint the status cannot vouch for."""
    if facts.state_known or not facts.has_run or mode is UpgradeMode.STATELESS:
        return
    without = _choose(mode, facts, False, config)
    if without == choice:
        return
    plan.notes.append(
        "this assumes a checkpoint of the job is retained at upgrade time (the job has run); "
        f"without one {_describe(without)}"
    )


def _describe(choice: Choice) -> str:
    if isinstance(choice, Pending):
        return f"the upgrade waits: {choice.reason}"
    if isinstance(choice, Refused):
        return f"the upgrade is refused: {choice.message}"
    if choice.suspend is Suspend.SAVEPOINT:
        return "a savepoint is taken instead"
    return f"the job is stopped ({_STOPS[choice.suspend]}) instead"


_STOPS = {
    Suspend.SAVEPOINT: "stop with savepoint",
    Suspend.KEEP_CHECKPOINTS: "cancel keeping checkpoints",
    Suspend.DELETE: "delete dropping state",
    Suspend.NOTHING: "the job already ended",
}


def _verb(action: Action) -> str:
    return "no change" if action is Action.NONE else action.name.replace("_", " ")


def _summary(plan: ChangePlan, session_job: bool) -> str:
    """`UPGRADE (stop with savepoint, restore from it)` and the like."""
    parts = []
    if plan.action is Action.SCALE:
        parts.append("carried out as an upgrade:")
    if plan.suspend is not None:
        stop = _STOPS[plan.suspend]
        if plan.suspend is Suspend.DELETE and session_job:
            stop = "cancel dropping state"
        parts.append(stop)
    if plan.restore is not None:
        parts.append(_restore_text(plan))
    if plan.errors:
        parts.append("would fail, see errors")
    text = ", ".join(parts).replace(":,", ":")
    return f"{_verb(plan.action)} ({text})" if text else _verb(plan.action)


def _restore_text(plan: ChangePlan) -> str:
    mode, path = plan.restore, plan.restore_path
    if mode is UpgradeMode.STATELESS or mode is None:
        return "start from empty state"
    if plan.suspend is Suspend.SAVEPOINT and mode is UpgradeMode.SAVEPOINT:
        return "restore from it"
    if plan.action is Action.SAVEPOINT_REDEPLOY and path:
        return f"restore from initialSavepointPath {path}"
    return f"restore from {_restore_phrase(mode, path)}"


def _restore_phrase(mode: UpgradeMode, path: str | None) -> str:
    """The state a job in `mode` starts from: a savepoint, a checkpoint, or none."""
    if mode is UpgradeMode.STATELESS:
        return "empty state"
    if mode is UpgradeMode.SAVEPOINT:
        return f"savepoint {path}" if path else "the upgrade savepoint"
    return f"checkpoint {path}" if path else "the latest checkpoint"
