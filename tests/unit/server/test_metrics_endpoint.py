"""`/metrics`: what a Prometheus scrape of a real app sees after real reconciles."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import psutil
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from scurry import __version__
from scurry.bootstrap import Container, control_config, register_runtime_metrics
from scurry.config.settings import Settings
from scurry.errors import Conflict, RuntimeFailure
from scurry.operator.controller import Key
from scurry.runtimes.local.layout import ProcessRecord
from scurry.runtimes.local.metrics import ClusterProcessCollector
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.telemetry import Metrics, SnapshotGauge
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

KIND = "FlinkDeployment"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": KIND,
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 2},
        },
    }


class Setup:
    def __init__(self, container: Container, client: httpx.AsyncClient) -> None:
        assert isinstance(container.runtime, FakeRuntime)
        self.container, self.client, self.runtime = container, client, container.runtime
        self.h = ControllerHarness(container.store, self.runtime, metrics=container.metrics)

    async def reconcile(self, name: str, times: int = 1) -> None:
        """Through `Controller.reconcile`, as the work queue runs it (timing and counting)."""
        for _ in range(times):
            await self.h.controller.reconcile(Key(KIND, "default", name))
            self.h.clock.advance(1.0)

    async def scrape(self) -> Samples:
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    store = await open_sql_store("sqlite://")
    runtime = FakeRuntime(startup_polls=1)
    settings = Settings(home=tmp_path, defaults_file=tmp_path / "defaults.yaml")
    container = Container(settings, store, runtime, runtime.flink_api, control_config(settings))
    container.metrics.resources.ttl = 0.0  # every scrape reads the store
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://scurry") as client:
        setup = Setup(container, client)
        yield setup
        await setup.h.controller.queue.stop()
    await store.close()


async def test_reconciles_events_and_resources_show_in_a_scrape(setup: Setup) -> None:
    before = await setup.scrape()
    assert value(before, "scurry_build_info", version=__version__) == 1.0
    assert value(before, "scurry_reconcile_total", kind=KIND, result="ok") == 0.0
    assert value(before, "scurry_workqueue_depth") == 0.0
    assert not [name for name, _ in before if name == "scurry_resources"]

    await setup.h.create(manifest("basic"))
    await setup.reconcile("basic", times=4)
    after = await setup.scrape()

    assert value(after, "scurry_reconcile_total", kind=KIND, result="ok") == 4.0
    assert value(after, "scurry_reconcile_duration_seconds_count", kind=KIND) == 4.0
    assert value(after, "scurry_reconcile_duration_seconds_sum", kind=KIND) > 0.0
    assert value(after, "scurry_reconcile_duration_seconds_bucket", kind=KIND, le="+Inf") == 4.0
    assert value(after, "scurry_events_total", reason="Submit", type="Normal") == 1.0
    state = (await setup.h.get("basic")).status.lifecycle_state
    assert state is not None
    resources = {"kind": KIND, "namespace": "default", "lifecycle_state": state.value}
    assert value(after, "scurry_resources", **resources) == 1.0


async def test_failed_actions_errors_and_conflicts_are_counted_apart(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup.h.create(manifest("broken"))
    setup.runtime.fail_next_apply = RuntimeFailure("no room for the cluster")
    await setup.reconcile("broken", times=2)  # add the finalizer, then the failed deploy
    samples = await setup.scrape()
    assert value(samples, "scurry_reconcile_total", kind=KIND, result="action_failed") == 1.0
    assert value(samples, "scurry_events_total", reason="DeploymentFailed", type="Warning") == 1

    async def fail(*_: object, **__: object) -> Any:
        raise RuntimeError("observer bug")

    monkeypatch.setattr(setup.runtime, "observe", fail)
    await setup.reconcile("broken")
    monkeypatch.undo()

    async def conflict(*_: object, **__: object) -> Any:
        raise Conflict("the object has been modified")

    monkeypatch.setattr(setup.container.store, "update_status", conflict)
    await setup.reconcile("broken")
    samples = await setup.scrape()

    assert value(samples, "scurry_reconcile_total", kind=KIND, result="error") == 1.0
    assert value(samples, "scurry_reconcile_total", kind=KIND, result="conflict") == 1.0
    assert value(samples, "scurry_workqueue_depth") == 1.0  # the conflicting key, queued again


async def test_resources_are_counted_by_namespace_and_state(setup: Setup) -> None:
    await setup.h.create(manifest("a"))
    await setup.h.create({**manifest("b"), "metadata": {"name": "b", "namespace": "team"}})

    samples = await setup.scrape()

    for namespace in ("default", "team"):
        labels = {"kind": KIND, "namespace": namespace, "lifecycle_state": "CREATED"}
        assert value(samples, "scurry_resources", **labels) == 1.0


def test_two_apps_in_one_process_keep_their_own_metrics() -> None:
    first, second = Metrics(version="1"), Metrics(version="2")
    first.reconciled(KIND, "ok", 0.1)
    assert first.registry is not second.registry
    assert b'result="ok"} 1.0' in generate_latest(first.registry)
    assert b'result="ok"}' not in generate_latest(second.registry)


async def test_a_slow_store_does_not_hold_up_a_scrape() -> None:
    gauge = SnapshotGauge("g", "a gauge", ["x"], ttl=0.0, timeout=0.05)

    async def fast() -> dict[tuple[str, ...], float]:
        return {("a",): 1.0}

    async def slow() -> dict[tuple[str, ...], float]:
        await asyncio.sleep(30)
        return {}

    gauge.source = fast
    await gauge.refresh()
    gauge.source = slow
    started = time.monotonic()
    await gauge.refresh()

    assert time.monotonic() - started < 5
    assert [s.value for family in gauge.collect() for s in family.samples] == [1.0]


def test_cluster_processes_of_the_local_runtime_alive_and_dead() -> None:
    me = psutil.Process(os.getpid()).create_time()

    def record(role: str, index: int, create_time: float) -> ProcessRecord:
        return ProcessRecord(
            role=role, index=index, pid=os.getpid(), create_time=create_time, log="", started_at=0
        )

    cluster = SimpleNamespace(
        processes=lambda: [
            record("jobmanager", 0, me),
            record("taskmanager", 1, me),
            record("taskmanager", 2, me - 1000),  # the PID now belongs to another process
        ]
    )
    registry = CollectorRegistry()
    runtime: Any = SimpleNamespace(clusters={"c": cluster})
    registry.register(ClusterProcessCollector(runtime))

    samples = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }

    assert samples == {
        (("role", "jobmanager"), ("state", "alive")): 1.0,
        (("role", "jobmanager"), ("state", "dead")): 0.0,
        (("role", "taskmanager"), ("state", "alive")): 1.0,
        (("role", "taskmanager"), ("state", "dead")): 1.0,
    }


def test_only_the_local_runtime_reports_processes() -> None:
    metrics = Metrics()
    register_runtime_metrics(FakeRuntime(), metrics)
    assert b"scurry_cluster_processes" not in generate_latest(metrics.registry)
