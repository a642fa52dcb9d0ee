"""explain: what an apply would do, on plain data (fko-semantics.md §a diff types, §c upgrades)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.core.explain import (
    Action,
    ChangePlan,
    Snapshot,
    StatusFacts,
    explain,
    facts_of,
)
from scurry.core.explain_snapshot import explain_snapshot
from scurry.core.reconciled import serialize
from scurry.core.upgrade import MSG_TERMINAL_UNKNOWN, Suspend
from scurry.models.enums import DiffType, FlinkJobState, UpgradeMode
from scurry.models.resources import FlinkDeployment, FlinkSessionJob, FlinkStateSnapshot
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec, FlinkStateSnapshotSpec
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

JAR = "local:///opt/flink/usrlib/job.jar"
SP = "file:///tmp/savepoints/savepoint-1"
RUNNING, FAILED = FlinkJobState.RUNNING, FlinkJobState.FAILED
BASE: dict[str, Any] = {
    "flinkVersion": "v2_3",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
    "job": {"jarURI": JAR, "parallelism": 2, "upgradeMode": "savepoint"},
}


def spec(**changes: Any) -> dict[str, Any]:
    """BASE with `job` entries merged and other top-level keys replaced."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key == "job":
            data["job"].update(value)
        else:
            data[key] = value
    return data


def running_job(**job: Any) -> dict[str, Any]:
    return {"state": "RUNNING", "jobId": "j1", "startTime": "1767225600000", **job}


def deployment(
    last: dict[str, Any] | None,
    *,
    stored: dict[str, Any] | None = None,
    job: dict[str, Any] | None = None,
    jm: str = "READY",
    recon: str = "DEPLOYED",
    generation: int = 1,
    error: str | None = None,
) -> FlinkDeployment:
    """A stored FlinkDeployment whose lastReconciledSpec is `last` (None: never deployed)."""
    recorded = {}
    if last is not None:
        text = serialize(FlinkDeploymentSpec.model_validate(last), first_deployment=False)
        recorded = {"lastReconciledSpec": text}
    status: dict[str, Any] = {
        "jobManagerDeploymentStatus": jm,
        "jobStatus": running_job() if job is None else job,
        "reconciliationStatus": {"state": recon, **recorded},
        "observedGeneration": 1,
        **({"error": error} if error else {}),
    }
    return FlinkDeployment.model_validate(
        {
            "metadata": {"name": "app", "namespace": "default", "generation": generation},
            "spec": stored if stored is not None else (last or spec()),
            "status": status,
        }
    )


def plan_of(
    existing: FlinkDeployment | None,
    desired: dict[str, Any],
    facts: StatusFacts | None = None,
    **kwargs: Any,
) -> ChangePlan:
    return explain(existing, FlinkDeploymentSpec.model_validate(desired), facts, **kwargs)


def shape(plan: ChangePlan) -> tuple[Any, ...]:
    return (plan.action, plan.stops_job, plan.suspend, plan.snapshot, plan.restore)


# --- new resources ----------------------------------------------------------------------


def test_create_is_a_first_deployment_from_empty_state() -> None:
    plan = plan_of(None, spec())

    assert shape(plan) == (Action.CREATE, False, None, None, UpgradeMode.STATELESS)
    assert plan.summary == "CREATE (first deployment, empty state)"
    assert plan.diff_type is None


def test_create_from_initial_savepoint_path() -> None:
    plan = plan_of(None, spec(job={"initialSavepointPath": SP}))

    assert shape(plan) == (Action.CREATE, False, None, Snapshot.SAVEPOINT, UpgradeMode.SAVEPOINT)
    assert plan.restore_path == SP
    assert plan.summary == f"CREATE (first deployment from initialSavepointPath {SP})"


def test_create_suspended_deploys_nothing() -> None:
    plan = plan_of(None, spec(job={"state": "suspended"}))

    assert shape(plan) == (Action.CREATE, False, None, None, None)
    assert plan.summary == "CREATE (suspended: nothing is deployed)"


def test_create_session_cluster() -> None:
    assert plan_of(None, spec() | {"job": None}).summary == "CREATE (session cluster)"


def test_stored_but_never_deployed_is_a_first_deployment() -> None:
    existing = deployment(None, error="Flink Version must be defined.")

    plan = plan_of(existing, spec())

    assert plan.action is Action.DEPLOY
    assert plan.summary == "DEPLOY (first deployment, empty state)"
    assert any("Flink Version must be defined." in note for note in plan.notes)


# --- diff types ---------------------------------------------------------------------------


def test_no_change() -> None:
    plan = plan_of(deployment(spec()), spec())

    assert (plan.action, plan.diff_type, plan.changes, plan.summary) == (
        Action.NONE,
        DiffType.IGNORE,
        (),
        "no change",
    )
    assert not plan.stops_job


def test_ignored_changes_are_recorded_without_touching_the_job() -> None:
    desired = spec(
        job={"upgradeMode": "last-state", "initialSavepointPath": SP},
        flinkConfiguration={
            "taskmanager.numberOfTaskSlots": "2",
            "kubernetes.operator.savepoint.history.max.count": "3",
        },
    )

    plan = plan_of(deployment(spec()), desired)

    assert plan.action is Action.NONE
    assert not plan.stops_job
    assert {c.path for c in plan.changes} == {
        "job.upgradeMode",
        "job.initialSavepointPath",
        "flinkConfiguration.kubernetes.operator.savepoint.history.max.count",
    }
    assert all(c.type is DiffType.IGNORE for c in plan.changes)
    assert plan.summary == "no change to the job (3 field(s) recorded without acting)"
    assert "upgradeMode takes effect at the next upgrade" in plan.notes


def test_a_trigger_nonce_takes_a_snapshot_of_the_running_job() -> None:
    plan = plan_of(deployment(spec()), spec(job={"savepointTriggerNonce": 7}))

    assert (plan.action, plan.stops_job, plan.snapshot) == (
        Action.NONE,
        False,
        Snapshot.SAVEPOINT,
    )
    assert plan.summary == "no change to the job (a savepoint is taken)"


def test_upgrade_lists_the_fields_that_cause_it() -> None:
    plan = plan_of(deployment(spec()), spec(job={"parallelism": 4}))

    assert plan.diff_type is DiffType.UPGRADE
    assert [(c.path, c.old, c.new, c.type) for c in plan.changes] == [
        ("job.parallelism", 2, 4, DiffType.UPGRADE)
    ]


def test_scale_is_carried_out_as_an_upgrade() -> None:
    standalone = spec(mode="standalone")

    plan = plan_of(deployment(standalone), spec(mode="standalone", job={"parallelism": 4}))

    assert plan.diff_type is DiffType.SCALE
    assert shape(plan) == (
        Action.SCALE,
        True,
        Suspend.SAVEPOINT,
        Snapshot.SAVEPOINT,
        UpgradeMode.SAVEPOINT,
    )
    assert plan.summary == "SCALE (carried out as an upgrade: stop with savepoint, restore from it)"


def test_scale_in_place_when_the_control_plane_can() -> None:
    standalone = spec(mode="standalone")

    plan = plan_of(
        deployment(standalone),
        spec(mode="standalone", job={"parallelism": 4}),
        in_place_scaling=True,
    )

    assert (plan.action, plan.stops_job, plan.summary) == (Action.SCALE, False, "SCALE (in place)")


def test_savepoint_redeploy_drops_state_and_starts_from_the_initial_savepoint() -> None:
    desired = spec(job={"savepointRedeployNonce": 1, "initialSavepointPath": SP})

    plan = plan_of(deployment(spec()), desired)

    assert plan.diff_type is DiffType.SAVEPOINT_REDEPLOY
    assert shape(plan) == (
        Action.SAVEPOINT_REDEPLOY,
        True,
        Suspend.DELETE,
        Snapshot.SAVEPOINT,
        UpgradeMode.SAVEPOINT,
    )
    assert plan.restore_path == SP
    assert plan.summary == (
        f"SAVEPOINT REDEPLOY (delete dropping state, restore from initialSavepointPath {SP})"
    )
    assert "rollback is not possible after a savepoint redeployment" in plan.notes


def test_restart_nonce_restarts_the_job_as_an_upgrade() -> None:
    plan = plan_of(deployment(spec()), spec(restartNonce=1))

    assert [c.path for c in plan.changes] == ["restartNonce"]
    assert plan.action is Action.UPGRADE
    assert plan.suspend is Suspend.SAVEPOINT


def test_session_cluster_change_redeploys_the_cluster() -> None:
    session = spec() | {"job": None}
    changed = session | {"image": "flink:2.3"}

    plan = plan_of(deployment(session, job={}), changed)

    assert (plan.action, plan.stops_job) == (Action.UPGRADE, True)
    assert plan.summary == "UPGRADE (the session cluster is redeployed)"


# --- upgrade mode x job state --------------------------------------------------------------

STOP_SP = (Suspend.SAVEPOINT, Snapshot.SAVEPOINT, UpgradeMode.SAVEPOINT)
KEEP = (Suspend.KEEP_CHECKPOINTS, Snapshot.CHECKPOINT, UpgradeMode.LAST_STATE)
DROP = (Suspend.DELETE, None, UpgradeMode.STATELESS)
ENDED_LAST = (Suspend.NOTHING, Snapshot.CHECKPOINT, UpgradeMode.LAST_STATE)
ENDED_FRESH = (Suspend.NOTHING, None, UpgradeMode.STATELESS)
WAITS = (None, None, None)

UPGRADE_TABLE: list[tuple[str, str, StatusFacts, tuple[Any, ...], str]] = [
    # (id, upgradeMode, facts, (suspend, snapshot, restore), summary)
    (
        "stateless-running",
        "stateless",
        StatusFacts(RUNNING, True, has_run=True),
        DROP,
        "UPGRADE (delete dropping state, start from empty state)",
    ),
    (
        "stateless-failed",
        "stateless",
        StatusFacts(FAILED, True, has_run=True),
        ENDED_FRESH,
        "UPGRADE (the job already ended, start from empty state)",
    ),
    (
        "savepoint-running",
        "savepoint",
        StatusFacts(RUNNING, True, has_run=True),
        STOP_SP,
        "UPGRADE (stop with savepoint, restore from it)",
    ),
    (
        "savepoint-restarting-falls-back-to-last-state",
        "savepoint",
        StatusFacts(FlinkJobState.RESTARTING, True, has_run=True, upgrade_savepoint_path=SP),
        KEEP,
        "UPGRADE (cancel keeping checkpoints, restore from the latest checkpoint)",
    ),
    (
        "savepoint-cancelling-waits",
        "savepoint",
        StatusFacts(FlinkJobState.CANCELLING, True, has_run=True),
        WAITS,
        "UPGRADE (waits: the job is being cancelled)",
    ),
    (
        "last-state-running-known-checkpoint",
        "last-state",
        StatusFacts(RUNNING, True, has_run=True, latest_checkpoint="file:///c/chk-7"),
        KEEP,
        "UPGRADE (cancel keeping checkpoints, restore from checkpoint file:///c/chk-7)",
    ),
    (
        "last-state-running-never-checkpointed",
        "last-state",
        StatusFacts(RUNNING, True, has_run=False),
        STOP_SP,
        "UPGRADE (stop with savepoint, restore from it)",
    ),
    (
        "last-state-finished",
        "last-state",
        StatusFacts(FlinkJobState.FINISHED, True, has_run=True, upgrade_savepoint_path=SP),
        ENDED_LAST,
        "UPGRADE (the job already ended, restore from the latest checkpoint)",
    ),
    (
        "last-state-failed-without-state",
        "last-state",
        StatusFacts(FAILED, True, has_run=False),
        WAITS,
        "UPGRADE (refused by the controller)",
    ),
]


@pytest.mark.parametrize(
    ("mode", "facts", "expected", "summary"),
    [case[1:] for case in UPGRADE_TABLE],
    ids=[case[0] for case in UPGRADE_TABLE],
)
def test_upgrade_by_mode_and_job_state(
    mode: str, facts: StatusFacts, expected: tuple[Any, ...], summary: str
) -> None:
    last = spec(job={"upgradeMode": mode})

    plan = plan_of(deployment(last), spec(job={"upgradeMode": mode, "parallelism": 3}), facts)

    assert (plan.suspend, plan.snapshot, plan.restore) == expected
    assert plan.summary == summary
    assert plan.stops_job is (expected[0] is not Suspend.NOTHING and "refused" not in summary)


def test_savepoint_mode_says_when_it_falls_back_to_last_state() -> None:
    facts = StatusFacts(FlinkJobState.RESTARTING, True, has_run=True, upgrade_savepoint_path=SP)

    plan = plan_of(deployment(spec()), spec(job={"parallelism": 3}), facts)

    assert any("last-state fallback" in note for note in plan.notes)


def test_refusal_carries_fkos_message() -> None:
    last = spec(job={"upgradeMode": "last-state"})

    desired = spec(job={"upgradeMode": "last-state", "parallelism": 3})

    plan = plan_of(deployment(last), desired, StatusFacts(FAILED, True))

    assert plan.errors == [f"UpgradeFailed: {MSG_TERMINAL_UNKNOWN}"]


def test_a_checkpoint_the_status_cannot_vouch_for_is_said() -> None:
    last = spec(job={"upgradeMode": "last-state"})

    plan = plan_of(deployment(last), spec(job={"upgradeMode": "last-state", "parallelism": 3}))

    assert plan.suspend is Suspend.KEEP_CHECKPOINTS
    assert any(
        "assumes a checkpoint of the job is retained at upgrade time" in note
        and "a savepoint is taken instead" in note
        for note in plan.notes
    )
    assert not plan.errors


def test_a_savepoint_already_under_way_is_used() -> None:
    job = running_job(
        savepointInfo={"triggerId": "t1", "triggerType": "UPGRADE", "triggerTimestamp": 1}
    )

    plan = plan_of(deployment(spec(), job=job), spec(job={"parallelism": 3}))

    assert (plan.suspend, plan.restore) == (Suspend.SAVEPOINT, UpgradeMode.SAVEPOINT)
    assert any("under way" in note for note in plan.notes)


def test_the_new_specs_upgrade_mode_decides() -> None:
    last = spec(job={"upgradeMode": "stateless"})

    plan = plan_of(deployment(last), spec(job={"upgradeMode": "savepoint", "parallelism": 3}))

    assert plan.suspend is Suspend.SAVEPOINT
    assert ("job.upgradeMode", "stateless", "savepoint", DiffType.IGNORE) in [
        (c.path, c.old, c.new, c.type) for c in plan.changes
    ]


# --- suspend / resume -------------------------------------------------------------------


def test_suspend_stops_the_job_and_says_what_resume_restores() -> None:
    plan = plan_of(deployment(spec()), spec(job={"state": "suspended"}))

    assert shape(plan) == (Action.SUSPEND, True, Suspend.SAVEPOINT, Snapshot.SAVEPOINT, None)
    assert plan.summary == "SUSPEND (stop with savepoint)"
    assert "on resume the job restores from the upgrade savepoint" in plan.notes


def test_suspend_of_a_stateless_job_drops_its_state() -> None:
    last = spec(job={"upgradeMode": "stateless"})

    plan = plan_of(deployment(last), spec(job={"upgradeMode": "stateless", "state": "suspended"}))

    assert plan.summary == "SUSPEND (delete dropping state)"


def suspended(mode: str, path: str | None = None) -> FlinkDeployment:
    """Suspended by the controller: the recorded upgradeMode is the restore mode."""
    last = spec(job={"upgradeMode": mode, "state": "suspended"})
    job = {
        "state": "FINISHED",
        "startTime": "1",
        **({"upgradeSavepointPath": path} if path else {}),
    }
    return deployment(last, stored=spec(job={"state": "suspended"}), job=job, jm="MISSING")


def test_resume_from_the_savepoint_taken_on_suspend() -> None:
    plan = plan_of(suspended("savepoint", SP), spec())

    assert shape(plan) == (Action.RESUME, False, None, Snapshot.SAVEPOINT, UpgradeMode.SAVEPOINT)
    assert plan.restore_path == SP
    assert plan.summary == f"RESUME (restore from savepoint {SP})"
    assert [c.path for c in plan.changes] == ["job.state"]


def test_resume_without_a_recorded_savepoint_fails() -> None:
    plan = plan_of(suspended("savepoint"), spec())

    assert len(plan.errors) == 1
    assert plan.errors[0].startswith("RestoreFailed: ")


def test_resume_from_the_latest_checkpoint() -> None:
    plan = plan_of(suspended("last-state"), spec(job={"parallelism": 3}))

    assert (plan.action, plan.restore, plan.restore_path) == (
        Action.RESUME,
        UpgradeMode.LAST_STATE,
        None,
    )
    assert "the job starts with the other changes too" in plan.notes
    assert any("one must exist by then" in note for note in plan.notes)


def test_resume_as_stateless_starts_empty() -> None:
    plan = plan_of(suspended("savepoint", SP), spec(job={"upgradeMode": "stateless"}))

    assert (plan.restore, plan.summary) == (
        UpgradeMode.STATELESS,
        "RESUME (start from empty state)",
    )


def test_changing_a_suspended_job_starts_nothing() -> None:
    plan = plan_of(suspended("savepoint", SP), spec(job={"state": "suspended", "parallelism": 4}))

    assert (plan.action, plan.stops_job, plan.restore) == (Action.NONE, False, None)
    assert plan.diff_type is DiffType.UPGRADE


# --- what the diff is against ----------------------------------------------------------


def test_the_diff_base_is_what_runs_not_what_is_stored() -> None:
    """A stored change the controller has not acted on yet is part of the plan."""
    existing = deployment(spec(), stored=spec(job={"parallelism": 4}), generation=2)

    plan = plan_of(existing, spec(job={"parallelism": 4}))

    assert [(c.path, c.old, c.new) for c in plan.changes] == [("job.parallelism", 2, 4)]
    assert any("not acted on yet" in note for note in plan.notes)


def test_the_recorded_restore_mode_is_not_a_user_change() -> None:
    """The first deployment records upgradeMode stateless; the user never wrote that."""
    recorded = spec(job={"upgradeMode": "stateless"})

    plan = plan_of(deployment(recorded, stored=spec()), spec())

    assert (plan.action, plan.changes) == (Action.NONE, ())


def test_after_a_rollback_the_diff_is_against_the_spec_rolled_back_from() -> None:
    existing = deployment(spec(job={"parallelism": 3}), recon="ROLLED_BACK")

    same = plan_of(existing, spec(job={"parallelism": 3}))
    fixed = plan_of(existing, spec(job={"parallelism": 4}))

    assert same.action is Action.NONE
    assert fixed.action is Action.UPGRADE
    assert any(note.startswith("rolled back: the last stable spec runs") for note in same.notes)


def test_an_upgrade_in_progress_starts_the_job_with_the_new_spec() -> None:
    last = spec(job={"state": "suspended"})
    job = {"state": "FINISHED", "upgradeSavepointPath": SP, "startTime": "1"}
    existing = deployment(last, stored=spec(), job=job, recon="UPGRADING", jm="MISSING")

    same = plan_of(existing, spec())
    changed = plan_of(existing, spec(job={"parallelism": 5}))

    assert (same.action, same.restore_path) == (Action.NONE, SP)
    assert same.summary == f"no change (an upgrade is in progress, restore from savepoint {SP})"
    assert changed.action is Action.UPGRADE
    assert changed.summary.startswith("UPGRADE (joins the upgrade in progress")


# --- session jobs -----------------------------------------------------------------------


def session_job(upgrade_mode: str, **job: Any) -> dict[str, Any]:
    return {
        "deploymentName": "session",
        "job": {"jarURI": JAR, "parallelism": 1, "upgradeMode": upgrade_mode, **job},
    }


def stored_session_job(last: dict[str, Any]) -> FlinkSessionJob:
    text = serialize(FlinkSessionJobSpec.model_validate(last), first_deployment=False)
    return FlinkSessionJob.model_validate(
        {
            "metadata": {"name": "sj", "namespace": "default", "generation": 1},
            "spec": last,
            "status": {
                "jobStatus": running_job(),
                "reconciliationStatus": {"state": "DEPLOYED", "lastReconciledSpec": text},
                "observedGeneration": 1,
            },
        }
    )


def session(jm: str) -> FlinkDeployment:
    return FlinkDeployment.model_validate(
        {"metadata": {"name": "session"}, "status": {"jobManagerDeploymentStatus": jm}}
    )


def test_session_job_create() -> None:
    plan = explain(None, FlinkSessionJobSpec.model_validate(session_job("stateless")))

    assert plan.summary == "CREATE (first deployment, empty state)"
    assert "submitted to the session cluster session" in plan.notes


@pytest.mark.parametrize(
    ("mode", "summary"),
    [
        ("stateless", "UPGRADE (cancel dropping state, start from empty state)"),
        ("savepoint", "UPGRADE (stop with savepoint, restore from it)"),
    ],
)
def test_session_job_upgrade(mode: str, summary: str) -> None:
    stored = stored_session_job(session_job(mode))
    desired = FlinkSessionJobSpec.model_validate(session_job(mode, parallelism=2))

    plan = explain(stored, desired, facts_of(stored, session("READY")))

    assert (plan.action, plan.summary) == (Action.UPGRADE, summary)


def test_session_job_on_a_cluster_that_is_not_ready_falls_back_to_last_state() -> None:
    stored = stored_session_job(session_job("savepoint"))
    desired = FlinkSessionJobSpec.model_validate(session_job("savepoint", parallelism=2))

    plan = explain(stored, desired, facts_of(stored, session("DEPLOYING")))

    assert plan.suspend is Suspend.KEEP_CHECKPOINTS


# --- facts and snapshots -----------------------------------------------------------------


def test_facts_of_a_deployment() -> None:
    existing = deployment(spec(), job=running_job(upgradeSavepointPath=SP))

    assert facts_of(existing) == StatusFacts(
        RUNNING, True, has_run=True, upgrade_savepoint_path=SP, savepoint_in_flight=False
    )


def test_a_fresh_submission_has_not_run() -> None:
    existing = deployment(spec(), job={"state": "RECONCILING", "jobId": "j1"}, jm="DEPLOYING")

    facts = facts_of(existing)

    assert (facts.has_run, facts.job_manager_ready) == (False, False)


def snapshot_spec(**savepoint: Any) -> FlinkStateSnapshotSpec:
    return FlinkStateSnapshotSpec.model_validate(
        {"jobReference": {"kind": "FlinkDeployment", "name": "app"}, "savepoint": savepoint}
    )


def test_snapshot_create_triggers_once() -> None:
    plan = explain_snapshot(None, snapshot_spec(path="file:///sp"))

    assert (plan.action, plan.snapshot) == (Action.CREATE, Snapshot.SAVEPOINT)
    assert plan.summary == "CREATE (savepoint of FlinkDeployment/app)"
    assert plan.notes == ["triggered into file:///sp if the job is RUNNING, else ABANDONED"]


def test_snapshot_change_is_not_acted_on() -> None:
    existing = FlinkStateSnapshot.model_validate(
        {"spec": snapshot_spec(path="file:///a").to_wire(), "status": {"state": "COMPLETED"}}
    )

    same = explain_snapshot(existing, snapshot_spec(path="file:///a"))
    other = explain_snapshot(existing, snapshot_spec(path="file:///b"))

    assert (same.action, same.summary) == (Action.NONE, "no change")
    assert other.action is Action.NONE
    assert [(c.path, c.old, c.new) for c in other.changes] == [
        ("savepoint.path", "file:///a", "file:///b")
    ]
    assert "COMPLETED" in other.notes[0]


# --- the plan agrees with the controller -------------------------------------------------


def app(mode: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "app"},
        "spec": spec(job={"upgradeMode": mode}),
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    store = await open_sql_store("sqlite://")
    yield ControllerHarness(store, FakeRuntime(startup_polls=0))
    await store.close()


@pytest.mark.parametrize("mode", ["stateless", "savepoint", "last-state"])
async def test_the_plan_is_what_the_controller_does(harness: ControllerHarness, mode: str) -> None:
    h = harness
    await h.create(app(mode))
    first = await h.reconcile_until("app", lambda r: r.status.lifecycle_state == "STABLE")
    old_job = first.status.job_status.job_id
    assert old_job is not None
    fake = h.runtime.job(h.ref("app"))
    fake.complete_checkpoint(old_job)
    desired = spec(job={"upgradeMode": mode, "parallelism": 3})

    plan = explain(first, FlinkDeploymentSpec.model_validate(desired))
    await h.update_spec("app", lambda s: s["job"].update(parallelism=3))
    after = await h.reconcile_until(
        "app",
        lambda r: r.status.lifecycle_state == "STABLE" and r.status.job_status.job_id != old_job,
    )

    job_id = after.status.job_status.job_id
    assert job_id is not None
    restored_from = h.runtime.job(h.ref("app")).jobs[job_id].request.get("savepointPath")
    assert ("stop_job" in fake.calls) is (plan.suspend is Suspend.SAVEPOINT)
    expected = {
        UpgradeMode.STATELESS: None,
        UpgradeMode.SAVEPOINT: after.status.job_status.upgrade_savepoint_path,
        UpgradeMode.LAST_STATE: fake.jobs[old_job].snapshots[-1]["external_path"],
    }
    assert plan.restore is not None
    assert restored_from == expected[plan.restore]


async def test_without_a_checkpoint_the_controller_takes_a_savepoint_as_the_plan_warns(
    harness: ControllerHarness,
) -> None:
    h = harness
    await h.create(app("last-state"))
    first = await h.reconcile_until("app", lambda r: r.status.lifecycle_state == "STABLE")
    fake = h.runtime.job(h.ref("app"))
    desired = spec(job={"upgradeMode": "last-state", "parallelism": 3})

    plan = explain(first, FlinkDeploymentSpec.model_validate(desired))
    await h.update_spec("app", lambda s: s["job"].update(parallelism=3))
    await h.reconcile_until("app", lambda r: r.status.job_status.upgrade_savepoint_path)

    assert any("without one a savepoint is taken instead" in note for note in plan.notes)
    assert "stop_job" in fake.calls


async def test_a_savepoint_redeploy_is_what_the_controller_does(harness: ControllerHarness) -> None:
    h = harness
    await h.create(app("savepoint"))
    first = await h.reconcile_until("app", lambda r: r.status.lifecycle_state == "STABLE")
    old_job = first.status.job_status.job_id
    fake = h.runtime.job(h.ref("app"))
    redeploy = {"savepointRedeployNonce": 1, "initialSavepointPath": SP}

    plan = explain(first, FlinkDeploymentSpec.model_validate(spec(job=redeploy)))
    await h.update_spec("app", lambda s: s["job"].update(redeploy))
    after = await h.reconcile_until(
        "app",
        lambda r: r.status.lifecycle_state == "STABLE" and r.status.job_status.job_id != old_job,
    )

    job_id = after.status.job_status.job_id
    assert job_id is not None
    restored_from = h.runtime.job(h.ref("app")).jobs[job_id].request.get("savepointPath")
    assert (plan.suspend, plan.restore_path) == (Suspend.DELETE, SP)
    assert "stop_job" not in fake.calls
    assert restored_from == SP
