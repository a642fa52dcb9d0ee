"""Stateful upgrades on fakes, mirroring FKO's ApplicationReconcilerUpgradeModeTest,
DeploymentRecoveryTest and FailedDeploymentRestartTest.

The fake JobManager takes savepoints and checkpoints as Flink reports them; the
fake runtime keeps a deleted cluster's latest checkpoint as the disk would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.core.upgrade import MSG_TERMINAL_UNKNOWN
from scurry.models.enums import FlinkJobState
from scurry.models.enums import LifecycleState as Life
from scurry.models.resources import FlinkDeployment
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

NAME = "stateful"
MODES = ["stateless", "savepoint", "last-state"]


def manifest(mode: str, **job: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "job": {
                "jarURI": "local:///opt/flink/usrlib/job.jar",
                "parallelism": 2,
                "upgradeMode": mode,
                **job,
            },
        },
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    store = await open_sql_store("sqlite://")
    yield ControllerHarness(store, FakeRuntime(startup_polls=0))
    await store.close()


def running(resource: FlinkDeployment) -> bool:
    return resource.status.job_status.state is FlinkJobState.RUNNING


def stable_running(resource: FlinkDeployment) -> bool:
    return running(resource) and resource.status.lifecycle_state is Life.STABLE


async def deploy(h: ControllerHarness, mode: str, **job: Any) -> FlinkDeployment:
    await h.create(manifest(mode, **job))
    return await h.reconcile_until(NAME, stable_running)


def run_request(h: ControllerHarness, job_id: str | None) -> dict[str, Any]:
    assert job_id is not None
    request: dict[str, Any] = h.runtime.job(h.ref(NAME)).jobs[job_id].request
    return request


async def upgrade(h: ControllerHarness, **job: Any) -> FlinkDeployment:
    before = await h.get(NAME)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3, **job))
    return await h.reconcile_until(
        NAME,
        lambda r: (
            stable_running(r) and r.status.job_status.job_id != before.status.job_status.job_id
        ),
    )


@pytest.mark.parametrize("target", MODES)
@pytest.mark.parametrize("source", MODES)
async def test_upgrade_mode_matrix(harness: ControllerHarness, source: str, target: str) -> None:
    """From any mode to any mode: the new spec's mode decides how the job stops."""
    h = harness
    first = await deploy(h, source)
    old_job = first.status.job_status.job_id
    assert old_job is not None
    checkpoint = h.runtime.job(h.ref(NAME)).complete_checkpoint(old_job)
    fake = h.runtime.job(h.ref(NAME))

    after = await upgrade(h, upgradeMode=target)
    restored_from = run_request(h, after.status.job_status.job_id).get("savepointPath")
    if target == "stateless":
        assert restored_from is None
        assert "stop_job" not in fake.calls
    elif target == "savepoint":
        assert "stop_job" in fake.calls
        assert restored_from is not None
        assert "/savepoint-" in restored_from
        assert after.status.job_status.upgrade_savepoint_path == restored_from
        info = after.status.job_status.savepoint_info
        assert info is not None
        assert info.last_savepoint is not None
        assert info.last_savepoint.location == restored_from
        assert info.last_savepoint.trigger_type == "UPGRADE"
        assert info.trigger_id is None
    else:
        assert "stop_job" not in fake.calls
        assert restored_from is not None
        assert restored_from.endswith(f"/checkpoints/{old_job}/chk-{checkpoint}")
    assert after.status.error is None
    assert len(h.runtime.applied) == 2


async def test_savepoint_upgrade_waits_for_the_savepoint(harness: ControllerHarness) -> None:
    h = harness
    first = await deploy(h, "savepoint")
    fake = h.runtime.job(h.ref(NAME))
    fake.operation_polls = 2  # the savepoint takes a while
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3))

    await h.reconcile(NAME)  # trigger recorded, stop requested
    pending = await h.get(NAME)
    info = pending.status.job_status.savepoint_info
    assert info is not None
    assert info.trigger_id is not None
    assert info.trigger_type == "UPGRADE"
    assert pending.status.reconciliation_status.state == "DEPLOYED"  # nothing recorded yet
    assert h.ref(NAME) in h.runtime.clusters

    await h.reconcile(NAME)  # in progress: still waiting
    assert h.ref(NAME) in h.runtime.clusters
    assert not h.runtime.deleted

    after = await h.reconcile_until(
        NAME,
        lambda r: (
            stable_running(r) and r.status.job_status.job_id != first.status.job_status.job_id
        ),
    )
    assert run_request(h, after.status.job_status.job_id)["savepointPath"] == (
        after.status.job_status.upgrade_savepoint_path
    )
    assert fake.calls.count("stop_job") == 1


@pytest.mark.parametrize("crash_after", [1, 2, 3, 4])
async def test_a_new_control_plane_finishes_a_savepoint_upgrade(
    harness: ControllerHarness, crash_after: int
) -> None:
    """Killed after any step: one cluster at the end, restored from the one savepoint."""
    h = harness
    await deploy(h, "savepoint")
    fake = h.runtime.job(h.ref(NAME))
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3))
    await h.reconcile(NAME, times=crash_after)

    successor = ControllerHarness(h.store, h.runtime, h.clock)
    after = await successor.reconcile_until(
        NAME, lambda r: stable_running(r) and r.status.observed_generation == 2
    )
    savepoints = [s for s in fake.jobs[next(iter(fake.jobs))].snapshots if s["is_savepoint"]]
    assert len(savepoints) == 1
    assert (
        run_request(h, after.status.job_status.job_id)["savepointPath"]
        == (savepoints[0]["external_path"])
    )
    assert len(h.runtime.clusters) == 1
    assert len(h.runtime.applied) == 2


async def test_savepoint_failure_keeps_the_job_running(harness: ControllerHarness) -> None:
    h = harness
    first = await deploy(h, "savepoint")
    fake = h.runtime.job(h.ref(NAME))
    fake.fail_next["savepoint_result"] = (500, "Checkpoint was declined (tasks not ready)")
    before_ids = set(fake.jobs)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3))
    await h.reconcile(NAME, times=2)
    failed = await h.get(NAME)
    assert (failed.status.error or "").startswith("Savepoint Error")
    assert "SavepointError" in await h.reasons(NAME)
    assert failed.status.job_status.job_id == first.status.job_status.job_id
    assert set(fake.jobs) == before_ids
    assert failed.status.observed_generation == 2  # not stuck on the failed change


async def test_last_state_upgrade_without_a_checkpoint_takes_a_savepoint(
    harness: ControllerHarness,
) -> None:
    h = harness
    await deploy(h, "last-state")
    after = await upgrade(h)
    restored_from = run_request(h, after.status.job_status.job_id)["savepointPath"]
    assert "/savepoint-" in restored_from


async def test_jm_loss_recovers_from_the_latest_checkpoint(harness: ControllerHarness) -> None:
    h = harness
    first = await deploy(h, "last-state")
    old_job = first.status.job_status.job_id
    assert old_job is not None
    fake = h.runtime.job(h.ref(NAME))
    fake.complete_checkpoint(old_job)
    latest = fake.complete_checkpoint(old_job)
    h.runtime.lose_job_manager(h.ref(NAME))
    h.runtime.retained[old_job] = f"file:///fake/default/{NAME}/checkpoints/{old_job}/chk-{latest}"

    after = await h.reconcile_until(
        NAME, lambda r: running(r) and r.status.job_status.job_id != old_job
    )
    assert run_request(h, after.status.job_status.job_id)["savepointPath"].endswith(f"chk-{latest}")
    assert "RecoverDeployment" in await h.reasons(NAME)
    assert len(h.runtime.clusters) == 1


async def test_failed_job_is_restarted_when_asked(harness: ControllerHarness) -> None:
    h = ControllerHarness(
        harness.store,
        harness.runtime,
        harness.clock,
        defaults={"kubernetes.operator.job.restart.failed": "true"},
    )
    first = await deploy(h, "last-state")
    old_job = first.status.job_status.job_id
    assert old_job is not None
    fake = h.runtime.job(h.ref(NAME))
    checkpoint = fake.complete_checkpoint(old_job)
    fake.jobs[old_job].end("FAILED")
    after = await h.reconcile_until(
        NAME, lambda r: running(r) and r.status.job_status.job_id != old_job
    )
    assert run_request(h, after.status.job_status.job_id)["savepointPath"].endswith(
        f"chk-{checkpoint}"
    )
    assert "RestartFailedJob" in await h.reasons(NAME)


async def test_failed_job_stays_failed_by_default(harness: ControllerHarness) -> None:
    h = harness
    first = await deploy(h, "last-state")
    old_job = first.status.job_status.job_id
    assert old_job is not None
    h.runtime.job(h.ref(NAME)).jobs[old_job].end("FAILED")
    await h.reconcile(NAME, times=3)
    failed = await h.get(NAME)
    assert failed.status.lifecycle_state is Life.FAILED
    assert len(h.runtime.applied) == 1


async def test_terminal_job_without_state_refuses_but_never_blocks(
    harness: ControllerHarness,
) -> None:
    """FLINK-39043: an unknown last checkpoint must not block a later suspend or delete."""
    h = harness
    first = await deploy(h, "savepoint")
    old_job = first.status.job_status.job_id
    assert old_job is not None
    h.runtime.job(h.ref(NAME)).jobs[old_job].end("FINISHED")
    await h.reconcile(NAME)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3))
    await h.reconcile(NAME, times=2)
    refused = await h.get(NAME)
    assert refused.status.error == MSG_TERMINAL_UNKNOWN
    assert refused.status.observed_generation == 2

    await h.update_spec(NAME, lambda spec: spec["job"].update(upgradeMode="stateless"))
    after = await h.reconcile_until(NAME, stable_running)
    assert after.status.observed_generation == 3
    await h.delete(NAME)
    await h.reconcile(NAME, times=3)
    assert not await h.exists(NAME)


async def test_initial_savepoint_path_is_used_on_first_deploy(harness: ControllerHarness) -> None:
    h = harness
    start = "file:///backups/savepoint-abc123-0123456789ab"
    deployed = await deploy(h, "savepoint", initialSavepointPath=start)
    assert run_request(h, deployed.status.job_status.job_id)["savepointPath"] == start
    assert deployed.status.job_status.upgrade_savepoint_path == start


async def test_allow_non_restored_state_is_passed_on(harness: ControllerHarness) -> None:
    h = harness
    await deploy(h, "savepoint", allowNonRestoredState=True)
    after = await upgrade(h)
    assert run_request(h, after.status.job_status.job_id)["allowNonRestoredState"] is True
