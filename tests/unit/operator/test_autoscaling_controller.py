"""The autoscaler in the controller, on fakes: a deployment with job.autoscaler.enabled
is sampled through Flink's REST API each reconcile; a saturated vertex is rescaled in
place through the adaptive scheduler; the state lives in the ConfigMap
`autoscaler-<name>`; a cluster without the adaptive scheduler is told why not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.errors import NotFound
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.store.sql import open_sql_store
from scurry.testing.fake_flink import FakeJob, FakeVertex
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

NAME = "scaled"
REF = ClusterRef(namespace="default", name=NAME)
WINDOWS = {
    "job.autoscaler.enabled": "true",
    "job.autoscaler.metrics.window": "60 s",
    "job.autoscaler.stabilization.interval": "20 s",
    "job.autoscaler.restart.time": "5 s",
    "job.autoscaler.catch-up.duration": "60 s",
}


def deployment(**config: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "4", **config},
            "job": {"jarURI": "local:///opt/flink/usrlib/j.jar", "parallelism": 1},
        },
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    clock = FakeClock()
    store = await open_sql_store("sqlite://", clock=clock.now)
    yield ControllerHarness(store, FakeRuntime(startup_polls=0), clock)
    await store.close()


def pipeline(job: FakeJob, since_ms: int) -> None:
    """A source at 100/s with a growing backlog feeding a map that is busy all the time."""
    job.running_since = since_ms
    job.vertices = [
        FakeVertex(
            "src",
            "Source: numbers",
            metrics={
                "busyTimeMsPerSecond": {"sum": 100.0, "max": 100.0},
                "backPressuredTimeMsPerSecond": {"sum": 900.0, "max": 900.0},
                "numRecordsInPerSecond": {"sum": 0.0, "max": 0.0},
                "numRecordsOutPerSecond": {"sum": 100.0, "max": 100.0},
                "Source__numbers.numRecordsOutPerSecond": {"sum": 100.0, "max": 100.0},
                "Source__numbers.pendingRecords": {"sum": 50.0, "max": 50.0},
            },
        ),
        FakeVertex(
            "map",
            "Map -> Sink",
            inputs=[("src", "HASH")],
            metrics={
                "busyTimeMsPerSecond": {"sum": 1000.0, "max": 1000.0},
                "backPressuredTimeMsPerSecond": {"sum": 0.0, "max": 0.0},
                "numRecordsInPerSecond": {"sum": 100.0, "max": 100.0},
                "numRecordsOutPerSecond": {"sum": 100.0, "max": 100.0},
            },
        ),
    ]


async def running_job(harness: ControllerHarness, **config: str) -> FakeJob:
    await harness.create(deployment(**config))
    await harness.reconcile_until(
        NAME, lambda r: r.status.job_status.state == FlinkJobState.RUNNING
    )
    (job,) = harness.runtime.job(REF).jobs.values()
    pipeline(job, int(harness.clock.now().timestamp() * 1000))
    return job


async def autoscaler_state(harness: ControllerHarness) -> dict[str, str]:
    cm = await harness.store.get("ConfigMap", "default", f"autoscaler-{NAME}")
    return dict(cm["data"])


async def run_for(harness: ControllerHarness, seconds: float, job: FakeJob) -> None:
    """Reconcile every 10 s (the autoscaler's sampling interval) until a rescale or timeout."""
    for _ in range(int(seconds // 10)):
        harness.clock.advance(10)
        await harness.reconcile(NAME)
        if job.rescales:
            return


async def test_saturated_vertex_is_rescaled_in_place(harness: ControllerHarness) -> None:
    job = await running_job(harness, **WINDOWS, **{"jobmanager.scheduler": "adaptive"})
    await run_for(harness, 200, job)
    # map: true rate 100/s; target 100 + backlog growth, at 0.7 utilisation, plus restart and
    # catch-up: more than 2x; keyed, so aligned to a divisor of its 128 key groups.
    assert len(job.rescales) == 1
    wanted = job.rescales[0]
    assert wanted["src"] == 1
    assert wanted["map"] >= 2
    assert 128 % wanted["map"] == 0
    data = await autoscaler_state(harness)
    assert data["pipeline.jobvertex-parallelism-overrides"] == f"map:{wanted['map']},src:1"
    evaluated = {v["vertexId"]: v for v in json.loads(data["lastEvaluation"])}
    assert evaluated["map"]["trueProcessingRate"] == 100.0
    assert evaluated["map"]["load"] == 1.0
    history = json.loads(data["scalingHistory"])
    assert [(h["vertexId"], h["old"], h["new"]) for h in history] == [("map", 1, wanted["map"])]
    reasons = [reason for _, reason, _ in await harness.events(NAME)]
    assert "ScalingReport" in reasons
    assert "Scaling" in reasons


async def test_no_decision_before_the_window_is_full(harness: ControllerHarness) -> None:
    job = await running_job(harness, **WINDOWS, **{"jobmanager.scheduler": "adaptive"})
    await run_for(harness, 70, job)  # stabilisation 20 s + window 60 s not yet over
    assert job.rescales == []
    assert (await autoscaler_state(harness))["lastResult"] == "collecting"


async def test_without_adaptive_scheduler_the_job_is_upgraded_with_the_overrides(
    harness: ControllerHarness,
) -> None:
    job = await running_job(harness, **WINDOWS)
    for _ in range(20):
        harness.clock.advance(10)
        await harness.reconcile(NAME)
        if "pipeline.jobvertex-parallelism-overrides" in await autoscaler_state(harness):
            break
    assert job.rescales == []  # no in-place rescale without the adaptive scheduler
    overrides = (await autoscaler_state(harness))["pipeline.jobvertex-parallelism-overrides"]
    await harness.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.state == FlinkJobState.RUNNING and len(harness.runtime.applied) == 2
        ),
    )
    redeployed = harness.runtime.applied[-1]
    assert redeployed.flink_config["pipeline.jobvertex-parallelism-overrides"] == overrides
    stored = await harness.get(NAME)
    assert "pipeline.jobvertex-parallelism-overrides" not in stored.spec.flink_configuration
    messages = [m for _, reason, m in await harness.events(NAME) if reason == "Scaling"]
    assert any("upgrade" in m for m in messages)


async def test_disabling_the_autoscaler_drops_its_state(harness: ControllerHarness) -> None:
    job = await running_job(harness, **WINDOWS)
    await run_for(harness, 30, job)
    assert await autoscaler_state(harness)

    def disable(spec: dict[str, Any]) -> None:
        spec["flinkConfiguration"]["job.autoscaler.enabled"] = "false"

    await harness.update_spec(NAME, disable)
    await harness.reconcile(NAME, times=2)
    with pytest.raises(NotFound):
        await autoscaler_state(harness)


async def test_sampled_job_metrics_are_re_exported(harness: ControllerHarness) -> None:
    from prometheus_client import generate_latest

    job = await running_job(harness, **WINDOWS)
    await run_for(harness, 30, job)
    text = generate_latest(harness.controller.metrics.registry).decode()
    labels = f'deployment="{NAME}",namespace="default",vertex="map"'
    assert f"scurry_job_vertex_busy_ratio{{{labels}}} 1.0" in text
    assert f"scurry_job_vertex_records_in_per_second{{{labels}}} 100.0" in text
    src = f'deployment="{NAME}",namespace="default",vertex="src"'
    assert f"scurry_job_vertex_pending_records{{{src}}} 50.0" in text


OVERRIDES = "pipeline.jobvertex-parallelism-overrides"


async def test_beyond_the_free_slots_the_cluster_is_upgraded_with_more_task_managers(
    harness: ControllerHarness,
) -> None:
    # One slot per TaskManager: whatever the map is scaled to needs more TaskManagers.
    config = {"jobmanager.scheduler": "adaptive", "taskmanager.numberOfTaskSlots": "1"}
    job = await running_job(harness, **WINDOWS, **config)
    for _ in range(20):
        harness.clock.advance(10)
        await harness.reconcile(NAME)
        if OVERRIDES in await autoscaler_state(harness):
            break
    assert job.rescales == []  # not in place: the scheduler would find no free slots
    overrides = (await autoscaler_state(harness))[OVERRIDES]
    wanted = max(int(entry.split(":")[1]) for entry in overrides.split(","))
    assert wanted >= 2
    await harness.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.state == FlinkJobState.RUNNING and len(harness.runtime.applied) == 2
        ),
    )
    redeployed = harness.runtime.applied[-1]
    assert redeployed.flink_config[OVERRIDES] == overrides
    assert redeployed.task_manager.replicas == wanted
    assert harness.runtime.applied[0].task_manager.replicas == 1
    messages = [m for _, reason, m in await harness.events(NAME) if reason == "Scaling"]
    assert any(f"{wanted} slots needed, the cluster has 1" in m for m in messages)
    # Deployed with the overrides: further reconciles leave the cluster as it is.
    await harness.reconcile(NAME, times=3)
    assert len(harness.runtime.applied) == 2


async def test_a_users_upgrade_of_an_in_place_scaled_job_keeps_the_overrides(
    harness: ControllerHarness,
) -> None:
    job = await running_job(harness, **WINDOWS, **{"jobmanager.scheduler": "adaptive"})
    await run_for(harness, 200, job)
    assert len(job.rescales) == 1
    await harness.reconcile(NAME, times=3)
    assert len(harness.runtime.applied) == 1  # rescaled in place: no upgrade
    overrides = (await autoscaler_state(harness))[OVERRIDES]

    def change(spec: dict[str, Any]) -> None:
        spec["flinkConfiguration"]["pipeline.object-reuse"] = "true"

    await harness.update_spec(NAME, change)
    await harness.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_status.state == FlinkJobState.RUNNING and len(harness.runtime.applied) == 2
        ),
    )
    redeployed = harness.runtime.applied[-1]
    assert redeployed.flink_config["pipeline.object-reuse"] == "true"
    assert redeployed.flink_config[OVERRIDES] == overrides
    await harness.reconcile(NAME, times=3)
    assert len(harness.runtime.applied) == 2
