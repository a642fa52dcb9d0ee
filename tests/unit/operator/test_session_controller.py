"""Session clusters and session jobs on fakes, mirroring FKO's SessionReconcilerTest,
SessionJobReconcilerTest and FlinkSessionJobControllerTest basic loops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.models.enums import (
    FlinkJobState,
)
from scurry.models.enums import (
    JobManagerDeploymentStatus as Jm,
)
from scurry.models.enums import (
    LifecycleState as Life,
)
from scurry.models.resources import FlinkDeployment, FlinkSessionJob
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import SESSION_JOB, ControllerHarness

SESSION = "session"


def session_cluster(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": SESSION},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "taskManager": {"replicas": 2},
            **spec,
        },
    }


def session_job(name: str, target: str = SESSION, **job: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkSessionJob",
        "metadata": {"name": name},
        "spec": {
            "deploymentName": target,
            "job": {
                "jarURI": "local:///opt/flink/usrlib/job.jar",
                "entryClass": "com.example.Job",
                "parallelism": 1,
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


def ready(resource: FlinkDeployment) -> bool:
    return resource.status.job_manager_deployment_status is Jm.READY


def job_running(job: FlinkSessionJob) -> bool:
    return job.status.job_status.state is FlinkJobState.RUNNING


async def start_session(h: ControllerHarness) -> FlinkDeployment:
    await h.create(session_cluster())
    return await h.reconcile_until(SESSION, ready)


async def test_session_cluster_starts_and_becomes_stable(harness: ControllerHarness) -> None:
    h = harness
    cluster = await start_session(h)
    assert cluster.status.lifecycle_state is Life.STABLE
    assert cluster.status.job_status.job_id is None
    spec = h.runtime.applied[0]
    assert spec.job is None
    assert spec.task_manager.replicas == 2
    condition = next(c for c in cluster.status.conditions if c.type == "Running")
    assert (condition.status, condition.reason) == ("True", "JobManagerReady")


async def test_session_cluster_redeploys_on_spec_change(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.update_spec(SESSION, lambda spec: spec["flinkConfiguration"].update({"a.b": "c"}))
    cluster = await h.reconcile_until(
        SESSION, lambda r: ready(r) and r.status.lifecycle_state is Life.STABLE
    )
    assert h.runtime.deleted == [h.ref(SESSION)]
    assert len(h.runtime.applied) == 2
    assert h.runtime.applied[1].flink_config["a.b"] == "c"
    assert cluster.status.observed_generation == 2


async def test_session_job_basic_loop(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    job = await h.reconcile_job_until("job-a", job_running)
    assert job.metadata.labels == {"target.session": SESSION} or job.metadata.labels is None
    fake = h.runtime.job(h.ref(SESSION))
    assert job.status.job_status.job_id in fake.jobs
    run = fake.jobs[job.status.job_status.job_id].request
    assert run["entryClass"] == "com.example.Job"
    job = await h.reconcile_job_until("job-a", lambda j: j.status.lifecycle_state is Life.STABLE)
    assert await h.reasons("job-a", kind=SESSION_JOB) == ["Submit", "JobStatusChanged"]


async def test_session_job_waits_for_its_cluster(harness: ControllerHarness) -> None:
    h = harness
    await h.create(session_job("early"))
    await h.reconcile("early", kind=SESSION_JOB)
    waiting = await h.get_job("early")
    assert waiting.status.lifecycle_state is Life.CREATED
    assert "Missing" in await h.reasons("early", kind=SESSION_JOB)

    await h.create(session_cluster())
    job = await h.reconcile_job_until("early", job_running)
    assert job.status.job_status.job_id in h.runtime.job(h.ref(SESSION)).jobs


async def test_two_jobs_and_suspend_one(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    await h.create(session_job("job-b"))
    a = await h.reconcile_job_until("job-a", job_running)
    b = await h.reconcile_job_until("job-b", job_running)
    fake = h.runtime.job(h.ref(SESSION))

    await h.update_spec("job-a", lambda s: s["job"].update(state="suspended"), kind=SESSION_JOB)
    suspended = await h.reconcile_job_until(
        "job-a",
        lambda j: (
            j.status.lifecycle_state is Life.SUSPENDED
            and j.status.job_status.state is FlinkJobState.CANCELED
        ),
    )
    assert fake.jobs[a.status.job_status.job_id or ""].state == "CANCELED"
    assert fake.jobs[b.status.job_status.job_id or ""].state == "RUNNING"
    assert suspended.status.job_status.state is FlinkJobState.CANCELED

    await h.update_spec("job-a", lambda s: s["job"].update(state="running"), kind=SESSION_JOB)
    resumed = await h.reconcile_job_until("job-a", job_running)
    assert resumed.status.job_status.job_id != a.status.job_status.job_id
    assert fake.jobs[b.status.job_status.job_id or ""].state == "RUNNING"


async def test_session_job_stateless_upgrade_uses_a_new_job_id(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    before = await h.reconcile_job_until("job-a", job_running)
    await h.update_spec("job-a", lambda s: s["job"].update(parallelism=2), kind=SESSION_JOB)
    after = await h.reconcile_job_until(
        "job-a",
        lambda j: job_running(j) and j.status.job_status.job_id != before.status.job_status.job_id,
    )
    fake = h.runtime.job(h.ref(SESSION))
    assert fake.jobs[before.status.job_status.job_id or ""].state == "CANCELED"
    assert fake.jobs[after.status.job_status.job_id or ""].parallelism == 2
    assert "SpecChanged" in await h.reasons("job-a", kind=SESSION_JOB)


async def test_session_job_delete_cancels_the_job(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    job = await h.reconcile_job_until("job-a", job_running)
    await h.delete("job-a", kind=SESSION_JOB)
    for _ in range(5):
        if not await h.exists("job-a", kind=SESSION_JOB):
            break
        await h.reconcile("job-a", kind=SESSION_JOB)
    assert not await h.exists("job-a", kind=SESSION_JOB)
    assert (
        h.runtime.job(h.ref(SESSION)).jobs[job.status.job_status.job_id or ""].state == "CANCELED"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.update(deploymentName="Bad_Name"),
            "The FlinkDeployment name: Bad_Name is invalid",
        ),
        (lambda s: s.pop("job"), "The job spec should not be empty"),
    ],
    ids=["bad-deployment-name", "no-job"],
)
async def test_session_job_validation(
    harness: ControllerHarness, change: Any, message: str
) -> None:
    h = harness
    await start_session(h)
    manifest = session_job("bad")
    change(manifest["spec"])
    await h.create(manifest)
    await h.reconcile("bad", kind=SESSION_JOB)
    job = await h.get_job("bad")
    assert (job.status.error or "").startswith(message)
    assert job.status.lifecycle_state is Life.FAILED


async def test_session_job_on_an_application_cluster_is_refused(harness: ControllerHarness) -> None:
    h = harness
    app = session_cluster(job={"jarURI": "local:///x.jar", "parallelism": 1})
    app["metadata"]["name"] = "app"
    await h.create(app)
    await h.create(session_job("bad", target="app"))
    await h.reconcile("bad", kind=SESSION_JOB)
    job = await h.get_job("bad")
    assert job.status.error == "Can not submit session job to application cluster"


async def test_deployment_name_cannot_change(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    await h.reconcile_job_until("job-a", job_running)
    await h.update_spec("job-a", lambda s: s.update(deploymentName="other"), kind=SESSION_JOB)
    await h.reconcile("job-a", kind=SESSION_JOB)
    job = await h.get_job("job-a")
    assert job.status.error == "The deploymentName can't be changed"
    assert job.status.job_status.state is FlinkJobState.RUNNING


async def test_session_cluster_deletion_waits_for_its_jobs(harness: ControllerHarness) -> None:
    """block-on-session-jobs: the cluster keeps serving, then goes once the jobs are gone."""
    h = harness
    await start_session(h)
    await h.create(session_job("job-a"))
    job = await h.reconcile_job_until("job-a", job_running)
    await h.delete(SESSION)
    await h.reconcile(SESSION, times=2)
    assert await h.exists(SESSION)
    assert h.ref(SESSION) in h.runtime.clusters
    events = await h.events(SESSION)
    assert (
        "Warning",
        "CleanupFailed",
        "The session jobs [job-a] should be deleted first",
    ) in events
    fake = h.runtime.job(h.ref(SESSION))
    assert fake.jobs[job.status.job_status.job_id or ""].state == "RUNNING"

    await h.delete("job-a", kind=SESSION_JOB)
    for _ in range(6):  # no deadlock: the job is cancelled on the cluster being deleted
        await h.reconcile("job-a", kind=SESSION_JOB)
        await h.reconcile(SESSION)
    assert not await h.exists("job-a", kind=SESSION_JOB)
    assert not await h.exists(SESSION)
    assert h.ref(SESSION) not in h.runtime.clusters


async def test_session_cluster_deletion_can_ignore_session_jobs(harness: ControllerHarness) -> None:
    h = ControllerHarness(
        harness.store,
        harness.runtime,
        harness.clock,
        defaults={
            "kubernetes.operator.session.deletion.block-on-session-jobs": "false",
            "kubernetes.operator.session.deletion.block-on-unmanaged-jobs": "false",
        },
    )
    await start_session(h)
    await h.create(session_job("job-a"))
    await h.reconcile_job_until("job-a", job_running)
    await h.delete(SESSION)
    await h.reconcile(SESSION, times=2)
    assert not await h.exists(SESSION)
    await h.delete("job-a", kind=SESSION_JOB)
    await h.reconcile("job-a", kind=SESSION_JOB, times=2)
    assert not await h.exists("job-a", kind=SESSION_JOB)


async def test_session_job_savepoint_upgrade(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a", upgradeMode="savepoint"))
    before = await h.reconcile_job_until("job-a", job_running)
    await h.update_spec("job-a", lambda s: s["job"].update(parallelism=2), kind=SESSION_JOB)
    after = await h.reconcile_job_until(
        "job-a",
        lambda j: job_running(j) and j.status.job_status.job_id != before.status.job_status.job_id,
    )
    fake = h.runtime.job(h.ref(SESSION))
    assert fake.jobs[before.status.job_status.job_id or ""].state == "FINISHED"  # stopped
    restored = fake.jobs[after.status.job_status.job_id or ""].request["savepointPath"]
    assert "/savepoint-" in restored
    assert after.status.job_status.upgrade_savepoint_path == restored


async def test_session_job_last_state_upgrade(harness: ControllerHarness) -> None:
    h = harness
    await start_session(h)
    await h.create(session_job("job-a", upgradeMode="last-state"))
    before = await h.reconcile_job_until("job-a", job_running)
    old = before.status.job_status.job_id or ""
    fake = h.runtime.job(h.ref(SESSION))
    checkpoint = fake.complete_checkpoint(old)
    await h.update_spec("job-a", lambda s: s["job"].update(parallelism=2), kind=SESSION_JOB)
    after = await h.reconcile_job_until(
        "job-a", lambda j: job_running(j) and j.status.job_status.job_id != old
    )
    assert fake.jobs[old].state == "CANCELED"  # cancelled: its checkpoints are retained
    restored = fake.jobs[after.status.job_status.job_id or ""].request["savepointPath"]
    assert restored.endswith(f"/{old}/chk-{checkpoint}")
