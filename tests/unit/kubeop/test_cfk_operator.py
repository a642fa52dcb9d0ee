"""CFK resources on the Kubernetes API reconciled through the management plane's CMF API.

The CRs live in the fake API server (through the Kubernetes store); the CMF API is the
real server app over its own SQL store (`cmfkit`); the reconciler gets the changes the
way kopf hands them over, from a watch of the CFK kinds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from cmfkit import Cmf, serving
from scurry.operator.kubeop.cfk import FINALIZER, KINDS, CfkReconciler
from scurry.operator.kubeop.cmfapi import CmfApi
from scurry.ports import InvolvedObject
from scurry.store.kubernetes import KubernetesStore, open_kubernetes_store
from scurry.testing.kube import FakeKubernetes

Obj = dict[str, Any]
NS = "operator"
TIMEOUT = 30.0


def environment(name: str = "flink-env1") -> Obj:
    return {
        "apiVersion": "platform.confluent.io/v1beta1",
        "kind": "FlinkEnvironment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "kubernetesNamespace": "default",
            "flinkApplicationDefaults": {
                "spec": {"flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"}}
            },
            "cmfRestClassRef": {"name": "default", "namespace": NS},
        },
    }


def application(name: str = "flink-app1", env: str = "flink-env1") -> Obj:
    return {
        "apiVersion": "platform.confluent.io/v1beta1",
        "kind": "FlinkApplication",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "flinkEnvironment": env,
            "image": "confluentinc/cp-flink:1.19.1-cp1",
            "flinkVersion": "v1_19",
            "serviceAccount": "flink",
            "jobManager": {"resource": {"memory": "1048m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1048m", "cpu": 1}},
            "job": {
                "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "state": "running",
                "parallelism": 3,
                "upgradeMode": "stateless",
            },
        },
    }


@pytest.fixture
async def cmf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Cmf]:
    for name in ("SCURRY_SERVER", "SCURRY_HOST", "SCURRY_PORT", "SCURRY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    async with serving(tmp_path / "home") as running:
        yield running


@pytest.fixture
async def store() -> AsyncIterator[KubernetesStore]:
    with FakeKubernetes() as kube:
        store = await open_kubernetes_store(kube.api_client())
        yield store
        await store.close()


@pytest.fixture
async def reconciler(store: KubernetesStore, cmf: Cmf) -> AsyncIterator[CfkReconciler]:
    reconciler = CfkReconciler(store, CmfApi(cmf.client), lambda: True, resync=0.2)
    reconciler.start()

    async def feed() -> None:  # what kopf's watch of the CFK kinds does in the operator
        async for event in store.watch(KINDS):
            await reconciler.handle(event)

    feeding = asyncio.create_task(feed())
    yield reconciler
    feeding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await feeding
    await reconciler.stop()


async def until(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    try:
        async with asyncio.timeout(TIMEOUT):
            while not (found := await check()):
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out waiting until {what}") from None
    return found


async def status(store: KubernetesStore, kind: str, name: str) -> Obj:
    return dict((await store.get(kind, NS, name)).get("status") or {})


async def cmf_has(cmf: Cmf, path: str) -> bool:
    return (await cmf.client.get(f"/cmf/api/v1/environments/{path}")).status_code == 200


async def test_environment_and_application_reach_the_management_plane(
    store: KubernetesStore, cmf: Cmf, reconciler: CfkReconciler
) -> None:
    await store.create(environment())
    await store.create(application())

    async def created(kind: str, name: str) -> bool:
        return (await status(store, kind, name)).get("state") == "CREATED"

    await until(lambda: created("FlinkEnvironment", "flink-env1"), "the environment")
    await until(lambda: created("FlinkApplication", "flink-app1"), "the application")
    env = (await cmf.client.get("/cmf/api/v1/environments/flink-env1")).json()
    assert env["kubernetesNamespace"] == "default"
    app = await cmf.client.get("/cmf/api/v1/environments/flink-env1/applications/flink-app1")
    assert app.json()["spec"]["job"]["parallelism"] == 3
    stored = await store.get("FlinkApplication", NS, "flink-app1")
    assert FINALIZER in stored["metadata"]["finalizers"]
    assert stored["status"]["observedGeneration"] == 1
    assert "applicationStatus" in stored["status"]

    await store.delete("FlinkApplication", NS, "flink-app1")

    async def gone() -> bool:
        return not await cmf_has(cmf, "flink-env1/applications/flink-app1")

    await until(gone, "the CMF application is deleted")
    await until(lambda: absent(store, "FlinkApplication", "flink-app1"), "the CR is gone")


async def absent(store: KubernetesStore, kind: str, name: str) -> bool:
    return not [o for o in await store.list(kind, NS) if o["metadata"]["name"] == name]


async def test_an_application_without_its_environment_fails_until_it_exists(
    store: KubernetesStore, cmf: Cmf, reconciler: CfkReconciler
) -> None:
    await store.create(application("orphan", env="later"))

    async def failed() -> Obj | None:
        found = await status(store, "FlinkApplication", "orphan")
        return found if found.get("state") == "FAILED" else None

    found = await until(failed, "the application fails")
    assert "later" in found["error"]
    about = InvolvedObject("FlinkApplication", NS, "orphan")
    events = await store.list_events(NS, about)
    assert [e["reason"] for e in events] == ["Rejected"]

    await store.create(environment("later"))

    async def created() -> bool:
        return (await status(store, "FlinkApplication", "orphan")).get("state") == "CREATED"

    await until(created, "the application is created once its environment exists")
    assert await cmf_has(cmf, "later/applications/orphan")


async def test_a_resource_the_mapping_refuses_changes_nothing(
    store: KubernetesStore, cmf: Cmf, reconciler: CfkReconciler
) -> None:
    bad = environment("no-namespace")
    del bad["spec"]["kubernetesNamespace"]
    await store.create(bad)

    async def failed() -> Obj | None:
        found = await status(store, "FlinkEnvironment", "no-namespace")
        return found if found.get("state") == "FAILED" else None

    found = await until(failed, "the environment is refused")
    assert "spec.kubernetesNamespace" in found["error"]
    assert not await cmf_has(cmf, "no-namespace")
    stored = await store.get("FlinkEnvironment", NS, "no-namespace")
    assert FINALIZER not in (stored["metadata"].get("finalizers") or [])
