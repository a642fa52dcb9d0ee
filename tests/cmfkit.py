"""Helpers for the CMF API tests: the real app over httpx's ASGI transport, on fakes.

The store is the real SQL store (in memory), the runtime a `FakeRuntime`, and
a `ControllerHarness` over the same store plays the controller when a test
needs a deployment to move (one reconcile at a time, on a fake clock).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scurry.bootstrap import Container, build, secret_box
from scurry.config.settings import Settings
from scurry.ports import ResourceStore
from scurry.server.app import create_app
from scurry.server.cmf.deps import cmf_context
from scurry.services.cmf.context import CmfContext
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness, FakeClock

V1 = "/cmf/api/v1"
JAR = "local:///opt/flink/examples/streaming/StateMachineExample.jar"
# A CMF API test that also runs on PostgreSQL (the `cmf` fixture of tests/unit/cmfapi).
ALSO_ON_POSTGRES = pytest.mark.parametrize("cmf", ["sqlite", "postgres"], indirect=True)


def application(name: str, **job: Any) -> dict[str, Any]:
    """A small valid FlinkApplication body."""
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v1_19",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": JAR, "parallelism": 1, "upgradeMode": "stateless", **job},
        },
    }


@dataclass
class Cmf:
    client: httpx.AsyncClient
    store: ResourceStore
    runtime: FakeRuntime
    harness: ControllerHarness
    home: Path
    container: Container

    def context(self) -> CmfContext:
        """The services' context, as the routes build it."""
        return cmf_context(self.container)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """The JSON answer of a request that must succeed with `status`."""
        response = await self.client.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    async def error(self, method: str, path: str, status: int, **kwargs: Any) -> str:
        """The message of a request that must fail with `status` (in CMF's error shape)."""
        response = await self.client.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"errors"}, body
        assert body["errors"], body
        return " | ".join(e["message"] for e in body["errors"])

    async def environment(
        self, name: str = "prod", namespace: str = "flink-prod", **extra: Any
    ) -> Any:
        body = {"name": name, "kubernetesNamespace": namespace, **extra}
        return await self.ok("POST", f"{V1}/environments", json=body)

    async def application(self, env: str, body: dict[str, Any]) -> Any:
        return await self.ok("POST", f"{V1}/environments/{env}/applications", 201, json=body)

    async def reconcile(self, name: str, namespace: str, times: int = 1) -> None:
        await self.harness.reconcile(name, times=times, namespace=namespace)

    async def deployment(self, name: str, namespace: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.store.get("FlinkDeployment", namespace, name)
        return found


@contextlib.asynccontextmanager
async def serving(
    home: Path, database: str = "sqlite://", *, seal_secrets: bool = False, **settings: Any
) -> AsyncIterator[Cmf]:
    """The API over `database` (in memory unless given), a fake runtime and one fake clock;
    `seal_secrets` seals Secrets at rest in the store, as a server does."""
    clock = FakeClock()
    box = secret_box(Settings(home=home, **settings)) if seal_secrets else None
    store = await open_sql_store(database, clock=clock.now, secrets=box)
    runtime = FakeRuntime()
    harness = ControllerHarness(store, runtime, clock)
    container = await build(
        Settings(home=home, **settings), store=store, runtime=runtime, flink_api=runtime.flink_api
    )
    container.now = harness.clock.now
    transport = httpx.ASGITransport(app=create_app(container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://cmf.test") as client:
            yield Cmf(client, store, runtime, harness, home, container)
    finally:
        await store.close()
