"""Helpers for the dashboard's page tests: the real app (API and dashboard) on fakes.

The store is the SQL store in memory, the runtime a `FakeRuntime` with its fake
Flink REST API, and a `ControllerHarness` plays the controller when a test
needs a deployment to move. Pages are fetched over httpx's ASGI transport, as
a browser would (htmx requests carry `HX-Request: true`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from scurry import web
from scurry.bootstrap import Container, build
from scurry.config.settings import Settings
from scurry.ports import ResourceStore
from scurry.server.app import create_app
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

JAR = "local:///opt/flink/examples/streaming/StateMachineExample.jar"
HTMX = {"HX-Request": "true"}


def deployment(name: str, namespace: str = "default", **job: Any) -> dict[str, Any]:
    """A small valid FlinkDeployment manifest."""
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "flinkVersion": "v1_19",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": JAR, "parallelism": 1, "upgradeMode": "stateless", **job},
        },
    }


def application(name: str) -> dict[str, Any]:
    body = deployment(name)
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": name},
        "spec": body["spec"],
    }


@dataclass
class Dashboard:
    client: httpx.AsyncClient
    store: ResourceStore
    runtime: FakeRuntime
    harness: ControllerHarness
    container: Container

    async def page(self, path: str, status: int = 200, **kwargs: Any) -> str:
        response = await self.client.get(path, **kwargs)
        assert response.status_code == status, response.text
        return response.text

    async def post(
        self, path: str, status: int = 204, data: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**HTMX, **kwargs.pop("headers", {})}
        response = await self.client.post(path, data=data, headers=headers, **kwargs)
        assert response.status_code == status, response.text
        return response

    async def apply_api(self, manifest: dict[str, Any]) -> None:
        """A manifest through the FKO API (not the dashboard)."""
        namespace = manifest["metadata"]["namespace"]
        path = f"/apis/flink.apache.org/v1beta1/namespaces/{namespace}/flinkdeployments"
        response = await self.client.post(path, content=yaml.safe_dump(manifest))
        assert response.status_code == 201, response.text

    async def cmf(self, path: str, body: dict[str, Any]) -> None:
        response = await self.client.post(f"/cmf/api/v1{path}", json=body)
        assert response.status_code in (200, 201), response.text


@contextlib.asynccontextmanager
async def dashboard(home: Path, **settings: Any) -> AsyncIterator[Dashboard]:
    clock = FakeClock()
    store = await open_sql_store("sqlite://", clock=clock.now)
    runtime = FakeRuntime()
    harness = ControllerHarness(store, runtime, clock)
    container = await build(
        Settings(home=home, defaults_file=None, **settings),
        store=store,
        runtime=runtime,
        flink_api=runtime.flink_api,
    )
    container.now = clock.now
    app = create_app(container, extensions=[web.install])
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://scurry.test") as client:
            yield Dashboard(client, store, runtime, harness, container)
    finally:
        await store.close()
