"""The FlinkDeployment control loop on fakes, mirroring FKO's FlinkDeploymentControllerTest.

Each step is one real reconcile (observe, validate, decide, execute) against
the SQL store in memory and a FakeRuntime; assertions read what a user reads.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.core.deployment import FINALIZER
from scurry.core.deployment_jobs import MSG_NO_HA
from scurry.errors import ArtifactError
from scurry.models.enums import (
    FlinkJobState,
    ReconciliationState,
)
from scurry.models.enums import (
    JobManagerDeploymentStatus as Jm,
)
from scurry.models.enums import (
    LifecycleState as Life,
)
from scurry.models.resources import FlinkDeployment
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

NAME = "basic"


def manifest(**job: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
            "job": {
                "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "parallelism": 2,
                "upgradeMode": "stateless",
                **job,
            },
        },
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    store = await open_sql_store("sqlite://")
    yield ControllerHarness(store, FakeRuntime(startup_polls=1))
    await store.close()


def running(resource: FlinkDeployment) -> bool:
    return resource.status.job_status.state is FlinkJobState.RUNNING


def stable(resource: FlinkDeployment) -> bool:
    return resource.status.lifecycle_state is Life.STABLE


async def deploy(h: ControllerHarness, **job: Any) -> FlinkDeployment:
    await h.create(manifest(**job))
    return await h.reconcile_until(NAME, stable)


async def test_basic_reconcile_loop(harness: ControllerHarness) -> None:
    h = harness
    await h.create(manifest())

    await h.reconcile(NAME)
    first = await h.get(NAME)
    assert FINALIZER in (first.metadata.finalizers or [])
    assert first.status.lifecycle_state is Life.UPGRADING
    assert first.status.job_manager_deployment_status is Jm.DEPLOYING
    assert first.status.job_status.state is FlinkJobState.RECONCILING
    assert first.status.job_status.job_id
    assert len(h.runtime.applied) == 1
    assert h.runtime.applied[0].job is not None
    assert h.runtime.applied[0].job.job_id == first.status.job_status.job_id
    assert h.runtime.applied[0].flink_config["parallelism.default"] == "2"
    assert h.runtime.applied[0].task_manager.replicas == 1  # ceil(2 / 2 slots)

    await h.reconcile(NAME)
    deployed = await h.get(NAME)
    assert deployed.status.lifecycle_state is Life.DEPLOYED
    assert deployed.status.reconciliation_status.state is ReconciliationState.DEPLOYED

    await h.reconcile(NAME)
    assert (await h.get(NAME)).status.job_manager_deployment_status is Jm.DEPLOYED_NOT_READY

    await h.reconcile(NAME)
    done = await h.get(NAME)
    assert done.status.job_manager_deployment_status is Jm.READY
    assert done.status.job_status.state is FlinkJobState.RUNNING
    assert done.status.lifecycle_state is Life.STABLE
    assert done.status.observed_generation == 1
    recon = done.status.reconciliation_status
    assert recon.last_stable_spec == recon.last_reconciled_spec
    assert json.loads(recon.last_reconciled_spec or "")["spec"]["job"]["state"] == "running"
    assert done.status.cluster_info["flink-version"] == "2.3.0"
    condition = next(c for c in done.status.conditions if c.type == "Running")
    assert (condition.status, condition.reason) == ("True", "Running")
    assert done.status.task_manager is not None
    assert done.status.task_manager.label_selector == f"component=taskmanager,app={NAME}"
    assert await h.reasons(NAME) == ["Submit", "JobStatusChanged"]
    assert len(h.runtime.applied) == 1


async def test_invalid_update_keeps_the_running_job(harness: ControllerHarness) -> None:
    h = harness
    before = await deploy(h)
    await h.update_spec(NAME, lambda spec: spec.pop("job"))

    await h.reconcile(NAME, times=2)
    after = await h.get(NAME)
    assert after.status.error == "Cannot switch from job to session cluster"
    assert after.status.job_status.state is FlinkJobState.RUNNING
    assert after.status.job_status.job_id == before.status.job_status.job_id
    assert (
        after.status.reconciliation_status.last_stable_spec
        == before.status.reconciliation_status.last_stable_spec
    )
    assert after.spec.job is None  # the user's spec is untouched
    assert (await h.reasons(NAME)).count("ValidationError") == 1
    assert len(h.runtime.applied) == 1
    assert not h.runtime.deleted

    await h.update_spec(NAME, lambda spec: spec.update(manifest()["spec"]))
    healed = await h.reconcile_until(NAME, lambda r: r.status.error is None and stable(r))
    assert healed.status.job_status.job_id == before.status.job_status.job_id


async def test_stateless_upgrade_on_parallelism_change(harness: ControllerHarness) -> None:
    h = harness
    before = await deploy(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=4))

    await h.reconcile(NAME)
    upgrading = await h.get(NAME)
    assert upgrading.status.lifecycle_state is Life.UPGRADING
    assert h.runtime.deleted == [h.ref(NAME)]
    events = await h.events(NAME)
    assert any(
        r == "SpecChanged" and "job.parallelism : 2 -> 4" in m and m.startswith("UPGRADE")
        for _, r, m in events
    )
    assert "Suspended" in await h.reasons(NAME)

    after = await h.reconcile_until(NAME, stable)
    assert after.status.job_status.job_id != before.status.job_status.job_id
    assert after.status.observed_generation == 2
    assert h.runtime.applied[-1].flink_config["parallelism.default"] == "4"
    assert h.runtime.applied[-1].task_manager.replicas == 2
    assert len(h.runtime.applied) == 2
    assert (await h.reasons(NAME)).count("SpecChanged") == 1


async def test_suspend_and_resume(harness: ControllerHarness) -> None:
    h = harness
    before = await deploy(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(state="suspended"))

    suspended = await h.reconcile_until(NAME, lambda r: r.status.lifecycle_state is Life.SUSPENDED)
    assert h.ref(NAME) not in h.runtime.clusters
    assert suspended.status.job_manager_deployment_status is Jm.MISSING
    assert suspended.status.job_status.state is FlinkJobState.FINISHED
    await h.reconcile(NAME, times=3)  # stays suspended, no cluster comes back
    assert h.ref(NAME) not in h.runtime.clusters
    assert (await h.get(NAME)).status.lifecycle_state is Life.SUSPENDED

    await h.update_spec(NAME, lambda spec: spec["job"].update(state="running"))
    resumed = await h.reconcile_until(NAME, stable)
    assert running(resumed)
    assert resumed.status.job_status.job_id != before.status.job_status.job_id
    reasons = await h.reasons(NAME)
    assert (reasons.count("Submit"), reasons.count("Suspended")) == (2, 1)


async def test_initially_suspended_deployment_waits(harness: ControllerHarness) -> None:
    h = harness
    await h.create(manifest(state="suspended"))
    await h.reconcile(NAME, times=3)
    created = await h.get(NAME)
    assert created.status.lifecycle_state is Life.CREATED
    assert created.status.reconciliation_status.last_reconciled_spec is None
    assert not h.runtime.applied

    await h.update_spec(NAME, lambda spec: spec["job"].update(state="running"))
    assert running(await h.reconcile_until(NAME, stable))


async def test_delete_cleans_up_behind_the_finalizer(harness: ControllerHarness) -> None:
    h = harness
    await deploy(h)
    await h.delete(NAME)
    assert await h.exists(NAME)  # the finalizer holds it

    await h.reconcile(NAME)
    deleting = await h.get(NAME)
    assert deleting.status.lifecycle_state is Life.DELETING
    assert h.runtime.deleted == [h.ref(NAME)]
    await h.reconcile(NAME)
    assert not await h.exists(NAME)
    assert "Cleanup" in await h.reasons(NAME)


async def test_lost_job_manager_is_recovered_for_stateless_jobs(harness: ControllerHarness) -> None:
    h = harness
    before = await deploy(h)
    h.runtime.lose_job_manager(h.ref(NAME))

    await h.reconcile(NAME)
    lost = await h.get(NAME)
    assert lost.status.job_manager_deployment_status in (Jm.MISSING, Jm.DEPLOYING)
    assert "Missing" in await h.reasons(NAME)

    after = await h.reconcile_until(NAME, lambda r: running(r) and stable(r))
    assert "RecoverDeployment" in await h.reasons(NAME)
    assert after.status.job_status.job_id != before.status.job_status.job_id
    assert after.status.error is None


async def test_lost_job_manager_without_state_tracking_needs_a_human(
    harness: ControllerHarness,
) -> None:
    h = harness
    await deploy(h, upgradeMode="savepoint")
    h.runtime.lose_job_manager(h.ref(NAME))

    failed = await h.reconcile_until(NAME, lambda r: r.status.lifecycle_state is Life.FAILED)
    assert failed.status.error == MSG_NO_HA
    assert failed.status.job_manager_deployment_status is Jm.MISSING
    assert len(h.runtime.applied) == 1


async def test_deploy_failure_is_reported_and_retried(harness: ControllerHarness) -> None:
    h = harness
    h.runtime.fail_next_apply = ArtifactError("jarURI local:///x.jar: file /x.jar does not exist")
    await h.create(manifest())
    await h.reconcile(NAME)
    failed = await h.get(NAME)
    assert failed.status.error is not None
    assert "does not exist" in failed.status.error
    assert "DeploymentFailed" in await h.reasons(NAME)
    assert not h.runtime.applied

    recovered = await h.reconcile_until(NAME, stable)
    assert recovered.status.error is None
    assert len(h.runtime.applied) == 1


async def test_job_manager_that_cannot_start_is_an_error(harness: ControllerHarness) -> None:
    h = harness
    h.runtime.fail_start.add(h.ref(NAME))
    await h.create(manifest())
    errored = await h.reconcile_until(
        NAME, lambda r: r.status.job_manager_deployment_status is Jm.ERROR
    )
    assert "BindException" in (errored.status.error or "")
    assert "DeploymentFailed" in await h.reasons(NAME)


async def test_failed_job_makes_the_lifecycle_failed(harness: ControllerHarness) -> None:
    h = harness
    deployed = await deploy(h)
    job_id = deployed.status.job_status.job_id
    assert job_id
    fake = h.runtime.job(h.ref(NAME))
    fake.jobs[job_id].end("FAILED")
    fake.jobs[job_id].exceptions.append(
        {
            "exceptionName": "java.lang.RuntimeException",
            "stacktrace": "RuntimeException: boom\n\tat x",
            "timestamp": 1,
        }
    )
    await h.reconcile(NAME)
    failed = await h.get(NAME)
    assert failed.status.job_status.state is FlinkJobState.FAILED
    assert failed.status.lifecycle_state is Life.FAILED
    assert failed.status.error == "RuntimeException: boom"
    assert "Error" in await h.reasons(NAME)
    condition = next(c for c in failed.status.conditions if c.type == "Running")
    assert (condition.status, condition.reason) == ("False", "Failed")


async def test_unsupported_flink_version_changes_nothing(harness: ControllerHarness) -> None:
    h = harness
    spec = manifest()
    spec["spec"]["flinkVersion"] = "v1_14"
    await h.create(spec)
    await h.reconcile(NAME)
    resource = await h.get(NAME)
    assert resource.status.lifecycle_state is None
    assert not h.runtime.applied
    assert await h.reasons(NAME) == ["UnsupportedFlinkVersion"]


async def test_validation_error_before_first_deploy_fails_the_resource(
    harness: ControllerHarness,
) -> None:
    h = harness
    spec = manifest()
    spec["spec"]["flinkConfiguration"]["kubernetes.cluster-id"] = "x"
    await h.create(spec)
    await h.reconcile(NAME)
    resource = await h.get(NAME)
    assert resource.status.error == "Forbidden Flink config key: kubernetes.cluster-id"
    assert resource.status.lifecycle_state is Life.FAILED
    assert not h.runtime.applied


async def test_a_new_controller_resumes_an_upgrade_in_flight(harness: ControllerHarness) -> None:
    """Killed after recording the intent: the next control plane deploys exactly once."""
    h = harness
    await deploy(h)
    await h.update_spec(NAME, lambda spec: spec["job"].update(parallelism=3))
    h.runtime.fail_next_apply = None
    await h.reconcile(NAME)  # suspend step: intent recorded, old cluster deleted
    successor = ControllerHarness(h.store, h.runtime, h.clock)
    after = await successor.reconcile_until(NAME, stable)
    assert running(after)
    assert len(h.runtime.applied) == 2
    assert h.runtime.applied[-1].flink_config["parallelism.default"] == "3"


async def test_ignored_changes_are_recorded_without_a_restart(harness: ControllerHarness) -> None:
    h = harness
    before = await deploy(h)
    await h.update_spec(
        NAME, lambda spec: spec["flinkConfiguration"].update({"kubernetes.operator.x": "1"})
    )
    await h.reconcile(NAME)
    after = await h.get(NAME)
    assert after.status.observed_generation == 2
    assert after.status.lifecycle_state is Life.STABLE
    assert after.status.job_status.job_id == before.status.job_status.job_id
    assert len(h.runtime.applied) == 1
    assert "kubernetes.operator.x" in (
        after.status.reconciliation_status.last_reconciled_spec or ""
    )
