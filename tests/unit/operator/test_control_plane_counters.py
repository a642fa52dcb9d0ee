"""Control-plane counters after real reconciles on fakes: actions by result, upgrades
begun, snapshots finished by type and state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from scurry.models.enums import FlinkJobState
from scurry.models.enums import LifecycleState as Life
from scurry.store.sql import open_sql_store
from scurry.telemetry import Metrics
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

NAME = "counted"


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "job": {
                "jarURI": "local:///opt/flink/usrlib/j.jar",
                "parallelism": 1,
                "upgradeMode": "savepoint",
            },
        },
    }


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    clock = FakeClock()
    store = await open_sql_store("sqlite://", clock=clock.now)
    yield ControllerHarness(store, FakeRuntime(startup_polls=0), clock, metrics=Metrics())
    await store.close()


def value(h: ControllerHarness, name: str, **labels: str) -> float:
    text = generate_latest(h.controller.metrics.registry).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def stable(r: Any) -> bool:
    return (
        r.status.job_status.state is FlinkJobState.RUNNING
        and r.status.lifecycle_state is Life.STABLE
    )


async def test_upgrade_and_savepoint_are_counted(harness: ControllerHarness) -> None:
    h = harness
    await h.create(deployment())
    await h.reconcile_until(NAME, stable)
    assert value(h, "scurry_actions_total", action="DeployCluster", result="ok") == 1
    assert value(h, "scurry_upgrades_total", kind="FlinkDeployment") == 0

    def more_parallel(spec: dict[str, Any]) -> None:
        spec["job"]["parallelism"] = 2

    await h.update_spec(NAME, more_parallel)
    await h.reconcile_until(NAME, lambda r: stable(r) and len(h.runtime.applied) == 2, limit=40)
    assert value(h, "scurry_upgrades_total", kind="FlinkDeployment") == 1
    assert value(h, "scurry_actions_total", action="StopJob", result="ok") == 1
    assert value(h, "scurry_actions_total", action="DeployCluster", result="ok") == 2
    # The upgrade's savepoint is recorded as an UPGRADE snapshot, completed by its own
    # controller.
    for snapshot in await h.store.list("FlinkStateSnapshot", "default"):
        await h.reconcile(snapshot["metadata"]["name"], kind="FlinkStateSnapshot", times=2)
    assert value(h, "scurry_snapshot_results_total", type="savepoint", state="COMPLETED") == 1
