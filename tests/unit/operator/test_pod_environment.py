"""Pod template env/envFrom through the real controller: resolved from the store's
ConfigMaps and Secrets into the runtime's ClusterSpec, or reported like a container
that cannot be configured (and retried when the object appears)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.operator.controller import Key
from scurry.store.sql import open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

NAME = "envy"


def manifest(merge_by_name: bool = True) -> dict[str, Any]:
    main = {
        "name": "flink-main-container",
        "envFrom": [{"configMapRef": {"name": "flink-app-cm"}}],
        "env": [
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
            },
            {"name": "MODE", "value": "mode-of-$(APP_ENV)"},
        ],
    }
    task_manager_only = {"name": "flink-main-container", "env": [{"name": "ROLE", "value": "tm"}]}
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {
                "kubernetes.operator.pod-template.merge-arrays-by-name": str(merge_by_name).lower()
            },
            "podTemplate": {"spec": {"containers": [main]}},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {
                "resource": {"memory": "1280m", "cpu": 1},
                "podTemplate": {"spec": {"containers": [task_manager_only]}},
            },
            "job": {
                "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "parallelism": 1,
                "upgradeMode": "stateless",
            },
        },
    }


CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "flink-app-cm", "namespace": "default"},
    "data": {"APP_ENV": "staging", "MODE": "from-config-map"},
}
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db", "namespace": "default"},
    "data": {"password": base64.b64encode(b"s3cr3t").decode()},
}


@pytest.fixture
async def harness() -> AsyncIterator[ControllerHarness]:
    store = await open_sql_store("sqlite://")
    yield ControllerHarness(store, FakeRuntime(startup_polls=1))
    await store.close()


async def test_references_become_the_processes_environment(harness: ControllerHarness) -> None:
    await harness.store.create(CONFIG_MAP)
    await harness.store.create(SECRET)
    await harness.create(manifest())

    await harness.reconcile(NAME, times=2)

    [spec] = harness.runtime.applied
    expected = {
        "APP_ENV": "staging",
        "MODE": "mode-of-staging",
        "DB_PASSWORD": "s3cr3t",
    }
    assert spec.job_manager.env == expected
    assert spec.task_manager.env == {**expected, "ROLE": "tm"}, "TM template merged in"


async def test_templates_merged_by_position_can_clash_as_on_kubernetes(
    harness: ControllerHarness,
) -> None:
    """FKO merges env lists element by element unless told to merge by name: here the
    TaskManager's first entry lands on the top template's secretKeyRef entry."""
    await harness.store.create(CONFIG_MAP)
    await harness.store.create(SECRET)
    await harness.create(manifest(merge_by_name=False))

    await harness.reconcile(NAME, times=2)

    assert harness.runtime.applied == []
    assert (
        "Warning",
        "DeploymentFailed",
        "env ROLE: valueFrom may not be specified when value is not empty",
    ) in await harness.events(NAME)


async def test_a_missing_config_map_stops_the_deploy_until_it_appears(
    harness: ControllerHarness,
) -> None:
    await harness.store.create(SECRET)
    await harness.create(manifest())

    await harness.reconcile(NAME, times=3)

    assert harness.runtime.applied == []
    events = await harness.events(NAME)
    assert ("Warning", "CreateContainerConfigError", 'configmap "flink-app-cm" not found') in events
    assert (await harness.get(NAME)).status.error == 'configmap "flink-app-cm" not found'

    await harness.store.create(CONFIG_MAP)
    await harness.reconcile(NAME, times=2)

    [spec] = harness.runtime.applied
    assert spec.job_manager.env["APP_ENV"] == "staging"


async def test_a_missing_key_is_named(harness: ControllerHarness) -> None:
    await harness.store.create(CONFIG_MAP)
    await harness.store.create({**SECRET, "data": {"other": "eA=="}})
    await harness.create(manifest())

    await harness.reconcile(NAME, times=2)

    assert harness.runtime.applied == []
    assert (
        "Warning",
        "CreateContainerConfigError",
        "couldn't find key password in Secret default/db",
    ) in await harness.events(NAME)


async def test_a_referenced_object_that_appears_wakes_its_deployment(
    harness: ControllerHarness,
) -> None:
    await harness.create(manifest())
    unrelated = manifest()
    unrelated["metadata"]["name"] = "unrelated"
    del unrelated["spec"]["podTemplate"], unrelated["spec"]["taskManager"]["podTemplate"]
    await harness.create(unrelated)
    controller = harness.controller
    controller.leading.set()  # only the leader follows changes
    watching = asyncio.create_task(controller._watch())
    await asyncio.sleep(0)  # the watch is registered before the write
    try:
        await harness.store.create(CONFIG_MAP)
        async with asyncio.timeout(10):
            while not controller.queue.waiting(Key("FlinkDeployment", "default", NAME)):
                await asyncio.sleep(0.01)
    finally:
        watching.cancel()
    assert not controller.queue.waiting(Key("FlinkDeployment", "default", "unrelated"))
