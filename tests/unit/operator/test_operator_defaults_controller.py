"""Operator defaults reach the clusters the controller deploys, scoped as FKO scopes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from scurry.config.operator_defaults import OperatorDefaults
from scurry.core.observation import ControlConfig
from scurry.models.enums import LifecycleState
from scurry.models.resources import FlinkDeployment
from scurry.store.sql import SqlStore, open_sql_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.harness import ControllerHarness

NS = "kubernetes.operator.default-configuration.namespace"
V = "kubernetes.operator.default-configuration.flink-version"
BACKEND = "state.backend.type"
DEFAULTS = OperatorDefaults.parse(
    f"""
restart-strategy.type: fixed-delay
{NS}.team-a.{BACKEND}: rocksdb
{NS}.team-a.pipeline.object-reuse: "true"
{V}.v2_3.pipeline.object-reuse: "false"
"""
)


def manifest(namespace: str, name: str = "app", **flink_config: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2", **flink_config},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 2},
        },
    }


def stable(resource: FlinkDeployment) -> bool:
    return resource.status.lifecycle_state is LifecycleState.STABLE


@pytest.fixture
async def store() -> AsyncIterator[SqlStore]:
    store = await open_sql_store("sqlite://")
    yield store
    await store.close()


async def deployed_config(h: ControllerHarness, manifest: dict[str, Any]) -> dict[str, str]:
    await h.create(manifest)
    meta = manifest["metadata"]
    await h.reconcile_until(meta["name"], stable, namespace=meta["namespace"])
    return dict(h.runtime.applied[-1].flink_config)


async def test_a_namespace_default_reaches_the_cluster_spec(store: SqlStore) -> None:
    h = ControllerHarness(store, FakeRuntime(startup_polls=1), operator_defaults=DEFAULTS)

    config = await deployed_config(h, manifest("team-a"))

    assert h.runtime.applied[-1].ref.namespace == "team-a"
    assert config[BACKEND] == "rocksdb"
    assert config["restart-strategy.type"] == "fixed-delay"  # the plain key, over scurry's
    assert config["pipeline.object-reuse"] == "false"  # the v2_3 default wins, as in FKO


async def test_other_namespaces_do_not_get_it_and_the_resource_wins(store: SqlStore) -> None:
    h = ControllerHarness(store, FakeRuntime(startup_polls=1), operator_defaults=DEFAULTS)

    other = await deployed_config(h, manifest("team-b"))
    own = await deployed_config(h, manifest("team-a", "own", **{BACKEND: "hashmap"}))

    assert BACKEND not in other
    assert other["restart-strategy.type"] == "fixed-delay"
    assert own[BACKEND] == "hashmap"


async def test_the_controller_uses_the_defaults_current_at_each_reconcile(
    store: SqlStore,
) -> None:
    h = ControllerHarness(store, FakeRuntime(startup_polls=1))
    before = await deployed_config(h, manifest("team-a", "first"))

    h.config = ControlConfig(defaults=h.config.defaults, operator_defaults=DEFAULTS)
    after = await deployed_config(h, manifest("team-a", "second"))

    assert BACKEND not in before
    assert after[BACKEND] == "rocksdb"
