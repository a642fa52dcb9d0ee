"""`.../flinkdeployments/{name}/vertices` (what `scurry top` shows): per job vertex,
parallelism and the rates Flink reports, read from the fake Flink of a running job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scurry.bootstrap import Container, control_config
from scurry.cli.top import rows_of
from scurry.config.settings import Settings
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_flink import FakeVertex
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

PATH = "/apis/flink.apache.org/v1beta1/namespaces/default/flinkdeployments/{}/vertices"


def manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "job": {"jarURI": "local:///opt/flink/usrlib/j.jar", "parallelism": 1},
        },
    }


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[ControllerHarness, httpx.AsyncClient]]:
    store = await open_sql_store("sqlite://")
    runtime = FakeRuntime(startup_polls=0)
    settings = Settings(home=tmp_path, defaults_file=tmp_path / "defaults.yaml")
    container = Container(settings, store, runtime, runtime.flink_api, control_config(settings))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://scurry") as client:
        yield ControllerHarness(store, runtime), client
    await store.close()


async def test_vertices_of_a_running_job(
    served: tuple[ControllerHarness, httpx.AsyncClient],
) -> None:
    harness, client = served
    await harness.create(manifest("top"))
    await harness.reconcile_until(
        "top", lambda r: r.status.job_status.state == FlinkJobState.RUNNING
    )
    (job,) = harness.runtime.job(ClusterRef(namespace="default", name="top")).jobs.values()
    job.vertices = [
        FakeVertex(
            "a",
            "Source: numbers",
            parallelism=1,
            metrics={
                "numRecordsOutPerSecond": {"sum": 120.0, "max": 120.0},
                "Source__numbers.numRecordsOutPerSecond": {"sum": 120.0, "max": 120.0},
                "Source__numbers.pendingRecords": {"sum": 42.0, "max": 42.0},
                "backPressuredTimeMsPerSecond": {"sum": 250.0, "max": 250.0},
            },
        ),
        FakeVertex(
            "b",
            "work",
            parallelism=2,
            inputs=[("a", "HASH")],
            metrics={
                "busyTimeMsPerSecond": {"sum": 1200.0, "max": 800.0},
                "numRecordsInPerSecond": {"sum": 120.0, "max": 60.0},
            },
        ),
    ]
    answer = (await client.get(PATH.format("top"))).json()
    assert answer["state"] == "RUNNING"
    source, work = answer["vertices"]
    assert (source["name"], source["recordsInPerSecond"], source["pendingRecords"]) == (
        "Source: numbers",
        120.0,
        42.0,
    )
    assert source["backpressuredRatio"] == 0.25
    assert (work["parallelism"], work["busyRatio"], work["recordsInPerSecond"]) == (2, 0.8, 120.0)
    rows = rows_of([{"namespace": "default", "name": "top", **answer}], all_namespaces=False)
    assert rows[1] == ["top", "work", "2/128", "120.0", "0.0", "80%", "0%", ""]


async def test_no_job_no_vertices(served: tuple[ControllerHarness, httpx.AsyncClient]) -> None:
    harness, client = served
    await harness.create(manifest("idle"))
    answer = (await client.get(PATH.format("idle"))).json()
    assert answer["vertices"] == []
    assert (await client.get(PATH.format("missing"))).status_code == 404
