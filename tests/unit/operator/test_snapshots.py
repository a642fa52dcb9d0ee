"""FlinkStateSnapshot and the snapshots a deployment asks for, on fakes — mirroring
FKO's FlinkStateSnapshotControllerTest, SnapshotObserverTest and the trigger cases
of ApplicationReconcilerTest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.errors import NotFound
from scurry.models.enums import FlinkJobState, SnapshotState
from scurry.models.enums import LifecycleState as Life
from scurry.models.resources import FlinkDeployment, FlinkStateSnapshot
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

SNAPSHOT = "FlinkStateSnapshot"
NAME = "job"


def deployment(mode: str = "savepoint", **config: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1", **config},
            "job": {
                "jarURI": "local:///opt/flink/usrlib/j.jar",
                "parallelism": 1,
                "upgradeMode": mode,
            },
        },
    }


def snapshot(name: str, *, checkpoint: bool = False, **savepoint: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"jobReference": {"kind": "FlinkDeployment", "name": NAME}}
    if checkpoint:
        spec["checkpoint"] = {}
    else:
        spec["savepoint"] = savepoint
    spec.update(savepoint.pop("extra", {}))
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": SNAPSHOT,
        "metadata": {"name": name},
        "spec": spec,
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    clock = FakeClock()  # the store stamps creation times with the same clock
    store = await open_sql_store("sqlite://", clock=clock.now)
    yield ControllerHarness(store, FakeRuntime(startup_polls=0), clock)
    await store.close()


async def running(h: ControllerHarness, **config: str) -> FlinkDeployment:
    await h.create(deployment(**config))
    return await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.state is FlinkJobState.RUNNING
            and r.status.lifecycle_state is Life.STABLE
        ),
    )


async def get_snapshot(h: ControllerHarness, name: str) -> FlinkStateSnapshot:
    return FlinkStateSnapshot.model_validate(await h.store.get(SNAPSHOT, "default", name))


async def snapshot_until(
    h: ControllerHarness, name: str, state: SnapshotState
) -> FlinkStateSnapshot:
    for _ in range(10):
        await h.reconcile(name, kind=SNAPSHOT)
        found = await get_snapshot(h, name)
        if found.status.state is state:
            return found
        h.clock.advance(h.last_delay or 1.0)
    raise AssertionError(f"{name} never reached {state}")


async def test_manual_savepoint_completes_with_its_path_and_labels(
    harness: ControllerHarness,
) -> None:
    h = harness
    await running(h)
    await h.create(snapshot("sp-1"))
    await h.reconcile("sp-1", kind=SNAPSHOT)
    pending = await get_snapshot(h, "sp-1")
    assert pending.status.state is SnapshotState.IN_PROGRESS
    assert pending.status.trigger_id
    done = await snapshot_until(h, "sp-1", SnapshotState.COMPLETED)
    assert "/savepoints/savepoint-" in (done.status.path or "")
    assert done.metadata.labels == {
        "snapshot.type": "SAVEPOINT",
        "snapshot.trigger-type": "MANUAL",
        "snapshot.state": "COMPLETED",
        "job-reference.kind": "FlinkDeployment",
        "job-reference.name": NAME,
    }


async def test_checkpoint_snapshot_reports_the_checkpoint_path(harness: ControllerHarness) -> None:
    h = harness
    await running(h)
    await h.create(snapshot("chk-1", checkpoint=True))
    done = await snapshot_until(h, "chk-1", SnapshotState.COMPLETED)
    assert "/checkpoints/" in (done.status.path or "")
    assert (done.metadata.labels or {})["snapshot.type"] == "CHECKPOINT"


async def test_already_existing_savepoint_needs_no_job(harness: ControllerHarness) -> None:
    h = harness
    manifest = snapshot("old", alreadyExists=True, path="file:///sp/savepoint-1")
    manifest["spec"].pop("jobReference")
    await h.create(manifest)
    done = await snapshot_until(h, "old", SnapshotState.COMPLETED)
    assert done.status.path == "file:///sp/savepoint-1"


async def test_missing_target_is_a_validation_error(harness: ControllerHarness) -> None:
    h = harness
    await h.create(snapshot("orphan"))
    await h.reconcile("orphan", kind=SNAPSHOT)
    found = await get_snapshot(h, "orphan")
    assert found.status.state is SnapshotState.TRIGGER_PENDING
    assert found.status.error == "Target for snapshot default/orphan was not found"
    assert "ValidationError" in await h.reasons("orphan", kind=SNAPSHOT)


async def test_snapshot_of_a_stopped_job_is_abandoned(harness: ControllerHarness) -> None:
    h = harness
    await running(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(state="suspended"))
    await h.reconcile_until(NAME, lambda r: r.status.lifecycle_state is Life.SUSPENDED)
    await h.create(snapshot("late"))
    found = await snapshot_until(h, "late", SnapshotState.ABANDONED)
    assert "is not running" in (found.status.error or "")
    assert "SnapshotAbandoned" in await h.reasons("late", kind=SNAPSHOT)


@pytest.mark.parametrize(
    ("limit", "final"), [(0, SnapshotState.FAILED), (-1, SnapshotState.COMPLETED)]
)
async def test_failures_retry_with_backoff(
    harness: ControllerHarness, limit: int, final: SnapshotState
) -> None:
    h = harness
    await running(h)
    h.runtime.job(h.ref(NAME)).fail_next["savepoint_result"] = (500, "declined")
    await h.create(snapshot("flaky", extra={"backoffLimit": limit}))
    failed = await snapshot_until(h, "flaky", SnapshotState.FAILED)
    assert failed.status.failures == 1
    assert failed.status.error is not None
    assert "declined" in failed.status.error
    await h.reconcile("flaky", kind=SNAPSHOT)  # before the backoff: still FAILED
    assert (await get_snapshot(h, "flaky")).status.state is SnapshotState.FAILED
    h.clock.advance(11)
    await h.reconcile("flaky", kind=SNAPSHOT, times=3)
    assert (await get_snapshot(h, "flaky")).status.state is final


async def test_deleting_a_completed_savepoint_disposes_it(harness: ControllerHarness) -> None:
    h = harness
    await running(h)
    await h.create(snapshot("keep-not", disposeOnDelete=True))
    done = await snapshot_until(h, "keep-not", SnapshotState.COMPLETED)
    await h.store.delete(SNAPSHOT, "default", "keep-not")
    await h.reconcile("keep-not", kind=SNAPSHOT)
    assert h.runtime.disposed == [done.status.path]
    with pytest.raises(NotFound):
        await h.store.get(SNAPSHOT, "default", "keep-not")


async def test_savepoint_nonce_creates_a_manual_snapshot(harness: ControllerHarness) -> None:
    h = harness
    await running(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(savepointTriggerNonce=1))
    await h.reconcile(NAME, times=2)
    created = await h.store.list(SNAPSHOT, "default")
    assert len(created) == 1
    assert created[0]["metadata"]["name"].startswith(f"{NAME}-savepoint-manual-")
    assert created[0]["metadata"]["labels"]["snapshot.trigger-type"] == "MANUAL"
    assert '"savepointTriggerNonce":1' in (
        (await h.get(NAME)).status.reconciliation_status.last_reconciled_spec or ""
    )
    await h.reconcile(NAME, times=2)  # recorded: no second snapshot
    assert len(await h.store.list(SNAPSHOT, "default")) == 1


async def test_legacy_savepoint_nonce_updates_savepoint_info(harness: ControllerHarness) -> None:
    h = harness
    await running(h, **{"kubernetes.operator.snapshot.resource.enabled": "false"})
    await h.update_spec(NAME, lambda spec: spec["job"].update(savepointTriggerNonce=7))
    await h.reconcile(NAME, times=3)
    info = (await h.get(NAME)).status.job_status.savepoint_info
    assert info is not None
    assert info.last_savepoint is not None
    assert info.last_savepoint.trigger_type == "MANUAL"
    assert "/savepoint-" in (info.last_savepoint.location or "")
    assert not await h.store.list(SNAPSHOT, "default")


async def test_periodic_savepoints_and_their_history(harness: ControllerHarness) -> None:
    h = harness
    await running(
        h,
        **{
            "kubernetes.operator.periodic.savepoint.interval": "1 min",
            "kubernetes.operator.savepoint.history.max.count": "2",
        },
    )
    for _ in range(4):
        h.clock.advance(61)
        await h.reconcile(NAME)
        for obj in await h.store.list(SNAPSHOT, "default"):
            await h.reconcile(obj["metadata"]["name"], kind=SNAPSHOT, times=3)
    await h.reconcile(NAME)
    for obj in await h.store.list(SNAPSHOT, "default"):  # deleted ones let go of finalizers
        await h.reconcile(obj["metadata"]["name"], kind=SNAPSHOT)
    left = await h.store.list(SNAPSHOT, "default")
    assert 1 <= len(left) <= 2
    assert all(o["metadata"]["labels"]["snapshot.trigger-type"] == "PERIODIC" for o in left)


async def test_upgrade_savepoint_is_recorded_as_a_snapshot(harness: ControllerHarness) -> None:
    h = harness
    first = await running(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=2))
    await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.job_id != first.status.job_status.job_id
            and r.status.job_status.state is FlinkJobState.RUNNING
        ),
    )
    upgrade = [
        o
        for o in await h.store.list(SNAPSHOT, "default")
        if o["metadata"]["labels"]["snapshot.trigger-type"] == "UPGRADE"
    ]
    assert len(upgrade) == 1
    assert upgrade[0]["spec"]["savepoint"]["alreadyExists"] is True
    path = upgrade[0]["spec"]["savepoint"]["path"]
    assert path == (await h.get(NAME)).status.job_status.upgrade_savepoint_path


async def test_an_upgrade_waits_for_a_pending_savepoint(harness: ControllerHarness) -> None:
    h = harness
    first = await running(h)
    fake = h.runtime.job(h.ref(NAME))
    fake.operation_polls = 3  # the manual savepoint takes a few polls
    await h.create(snapshot("slow"))
    await h.reconcile("slow", kind=SNAPSHOT)
    assert (await get_snapshot(h, "slow")).status.state is SnapshotState.IN_PROGRESS
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=2))
    await h.reconcile(NAME)
    waiting = await h.get(NAME)
    assert waiting.status.job_status.job_id == first.status.job_status.job_id
    assert "stop_job" not in fake.calls
    assert "UpgradeWaiting" in await h.reasons(NAME)
    await snapshot_until(h, "slow", SnapshotState.COMPLETED)
    after = await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.job_id != first.status.job_status.job_id
            and r.status.job_status.state is FlinkJobState.RUNNING
        ),
    )
    assert after.status.error is None
