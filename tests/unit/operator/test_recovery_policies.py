"""Rollback, the cluster health check and savepoint redeploys on fakes — mirroring FKO's
RollbackTest, UnhealthyDeploymentRestartTest and ApplicationReconcilerTest#testSavepointRedeploy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.models.enums import FlinkJobState, ReconciliationState
from scurry.models.enums import LifecycleState as Life
from scurry.models.resources import FlinkDeployment
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

NAME = "policy"


def manifest(mode: str = "last-state", **config: str) -> dict[str, Any]:
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


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    clock = FakeClock()
    store = await open_sql_store("sqlite://", clock=clock.now)
    yield ControllerHarness(store, FakeRuntime(startup_polls=0), clock)
    await store.close()


def stable(r: FlinkDeployment) -> bool:
    return (
        r.status.lifecycle_state is Life.STABLE
        and r.status.job_status.state is FlinkJobState.RUNNING
    )


async def test_rollback_to_the_last_stable_spec(harness: ControllerHarness) -> None:
    h = harness
    await h.create(manifest(**{"kubernetes.operator.deployment.rollback.enabled": "true"}))
    good = await h.reconcile_until(NAME, stable)
    good_job = good.status.job_status.job_id or ""
    checkpoint = h.runtime.job(h.ref(NAME)).complete_checkpoint(good_job)

    # The new spec's job fails right away: it never becomes stable.
    await h.update_spec(NAME, lambda spec: spec["job"].update(args=["--broken"]))
    bad = await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.job_id not in (None, good_job)
            and r.status.reconciliation_status.state is ReconciliationState.DEPLOYED
        ),
    )
    bad_job = bad.status.job_status.job_id or ""
    h.runtime.job(h.ref(NAME)).jobs[bad_job].state = "RESTARTING"
    await h.reconcile(NAME, times=2)
    assert (await h.get(NAME)).status.lifecycle_state is Life.DEPLOYED

    h.clock.advance(301)  # past kubernetes.operator.deployment.readiness.timeout (5 min)
    await h.reconcile_until(NAME, lambda r: r.status.lifecycle_state is Life.ROLLED_BACK)
    assert "Rollback" in await h.reasons(NAME)
    await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.state is FlinkJobState.RUNNING
            and r.status.lifecycle_state is Life.ROLLED_BACK
        ),
    )
    deployed = h.runtime.applied[-1]
    assert deployed.job is not None
    assert deployed.job.args == ()  # the stable spec runs again
    assert deployed.job.savepoint_path is not None
    assert deployed.job.savepoint_path.endswith(f"{good_job}/chk-{checkpoint}")
    # The user's spec is still the failed one; nothing flips back to it.
    await h.reconcile(NAME, times=3)
    assert (await h.get(NAME)).status.lifecycle_state is Life.ROLLED_BACK
    assert len(h.runtime.clusters) == 1


async def test_no_rollback_unless_enabled(harness: ControllerHarness) -> None:
    h = harness
    await h.create(manifest())
    good = await h.reconcile_until(NAME, stable)
    await h.update_spec(NAME, lambda spec: spec["job"].update(args=["--broken"]))
    bad = await h.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.job_id != good.status.job_status.job_id
            and r.status.reconciliation_status.state is ReconciliationState.DEPLOYED
        ),
    )
    h.runtime.job(h.ref(NAME)).jobs[bad.status.job_status.job_id or ""].state = "RESTARTING"
    h.clock.advance(600)
    await h.reconcile(NAME, times=3)
    assert (await h.get(NAME)).status.lifecycle_state is Life.DEPLOYED
    assert "Rollback" not in await h.reasons(NAME)


async def test_health_check_restarts_a_job_stuck_in_restarts(harness: ControllerHarness) -> None:
    h = harness
    await h.create(
        manifest(
            **{
                "kubernetes.operator.cluster.health-check.enabled": "true",
                "kubernetes.operator.cluster.health-check.restarts.threshold": "5",
                "kubernetes.operator.cluster.health-check.checkpoint-progress.enabled": "false",
            }
        )
    )
    first = await h.reconcile_until(NAME, stable)
    job_id = first.status.job_status.job_id or ""
    fake = h.runtime.job(h.ref(NAME))
    checkpoint = fake.complete_checkpoint(job_id)
    await h.reconcile(NAME)  # first look: the window starts
    fake.jobs[job_id].metrics["numRestarts"] = "20"
    h.clock.advance(30)
    after = await h.reconcile_until(
        NAME, lambda r: r.status.job_status.job_id not in (None, job_id) and stable(r)
    )
    assert "RestartUnhealthyJob" in await h.reasons(NAME)
    restored = h.runtime.applied[-1].job
    assert restored is not None
    assert restored.savepoint_path is not None
    assert restored.savepoint_path.endswith(f"chk-{checkpoint}")
    assert "ClusterHealthInfo" in after.status.cluster_info


async def test_health_check_leaves_healthy_jobs_alone(harness: ControllerHarness) -> None:
    h = harness
    await h.create(manifest(**{"kubernetes.operator.cluster.health-check.enabled": "true"}))
    first = await h.reconcile_until(NAME, stable)
    for _ in range(5):
        h.clock.advance(30)
        h.runtime.job(h.ref(NAME)).complete_checkpoint(first.status.job_status.job_id or "")
        await h.reconcile(NAME)
    assert (await h.get(NAME)).status.job_status.job_id == first.status.job_status.job_id
    assert len(h.runtime.applied) == 1


async def test_savepoint_redeploy_starts_over_from_the_initial_savepoint(
    harness: ControllerHarness,
) -> None:
    h = harness
    await h.create(manifest("savepoint"))
    first = await h.reconcile_until(NAME, stable)
    target = "file:///backups/savepoint-aaaaaa-bbbbbbbbbbbb"
    await h.update_spec(
        NAME, lambda spec: spec["job"].update(initialSavepointPath=target, savepointRedeployNonce=1)
    )
    after = await h.reconcile_until(
        NAME, lambda r: r.status.job_status.job_id != first.status.job_status.job_id and stable(r)
    )
    fake = h.runtime.job(h.ref(NAME))
    assert "stop_job" not in fake.calls  # no savepoint of the old job
    job = h.runtime.applied[-1].job
    assert job is not None
    assert job.savepoint_path == target
    assert after.status.job_status.upgrade_savepoint_path == target
