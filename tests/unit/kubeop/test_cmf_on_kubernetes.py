"""With SCURRY_CMF_FKO_STORE=kubernetes the management plane writes the FlinkDeployments it
derives from CMF applications into the Kubernetes API, where `scurry operator` runs them;
CMF's own records stay in SQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from scurry.bootstrap import build
from scurry.config.settings import Settings
from scurry.server.app import create_app
from scurry.store.kubernetes import open_kubernetes_store
from scurry.store.sql import SqlStore, open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.kube import FakeKubernetes, find

ENV = {"name": "prod", "kubernetesNamespace": "flink"}
APP = {
    "apiVersion": "cmf.confluent.io/v1",
    "kind": "FlinkApplication",
    "metadata": {"name": "orders"},
    "spec": {
        "image": "flink:2.2",
        "flinkVersion": "v2_2",
        "serviceAccount": "flink",
        "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
        "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
        "job": {
            "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
            "parallelism": 1,
            "upgradeMode": "stateless",
        },
    },
}


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes() as server:
        yield server


@pytest.fixture
async def sql() -> AsyncIterator[SqlStore]:
    store = await open_sql_store("sqlite://")
    yield store
    await store.close()


async def test_cmf_applications_become_custom_resources(
    kube: FakeKubernetes, sql: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCURRY_SERVER", raising=False)
    runtime = FakeRuntime()
    fko = await open_kubernetes_store(kube.api_client())
    container = await build(
        Settings(home=tmp_path / "home", runtime="kubernetes", cmf_fko_store="kubernetes"),
        store=sql,
        runtime=runtime,
        flink_api=runtime.flink_api,
        fko_store=fko,
    )
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://cmf.test") as api:
            created = await api.post("/cmf/api/v1/environments", json=ENV)
            assert created.status_code in (200, 201), created.text
            answer = await api.post("/cmf/api/v1/environments/prod/applications", json=APP)
            assert answer.status_code in (200, 201), answer.text

            (deployment,) = find(kube, "FlinkDeployment", "flink")
            assert deployment["metadata"]["name"] == "orders"
            assert deployment["spec"]["job"]["parallelism"] == 1
            assert await sql.list("FlinkDeployment") == []

            shown = await api.get("/cmf/api/v1/environments/prod/applications/orders")
            assert shown.status_code == 200
            assert shown.json()["spec"]["job"]["parallelism"] == 1
    finally:
        await fko.close()
