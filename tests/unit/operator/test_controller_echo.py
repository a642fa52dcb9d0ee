"""The watch echo of the controller's own status write is not a reason to reconcile again.

The status (the intent) is written before a slow action; its echo arrives while the
action still runs. Were it taken for an outside change, every failing step would be
retried at once instead of after the delay its plan asks for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from scurry.config.defaults import profile_defaults
from scurry.core.observation import ControlConfig
from scurry.errors import RuntimeFailure
from scurry.models.cluster import ClusterSpec
from scurry.models.manifest import normalize
from scurry.operator.controller import Controller
from scurry.store.sql import SqlStore, open_sql_store
from scurry.testing.fake_runtime import FakeRuntime


class SlowFailingRuntime(FakeRuntime):
    """Every deploy fails, after the watch has had time to deliver the status echo."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def apply(self, spec: ClusterSpec) -> None:
        self.attempts += 1
        await asyncio.sleep(0.3)
        raise RuntimeFailure("the cluster cannot start")


MANIFEST = {
    "apiVersion": "flink.apache.org/v1beta1",
    "kind": "FlinkDeployment",
    "metadata": {"name": "echo", "namespace": "default"},
    "spec": {
        "flinkVersion": "v2_3",
        "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
        "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
        "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 1},
    },
}


@pytest.fixture
async def store() -> AsyncIterator[SqlStore]:
    store = await open_sql_store("sqlite://")
    yield store
    await store.close()


async def test_a_failing_deploy_waits_for_its_backoff(store: SqlStore) -> None:
    runtime = SlowFailingRuntime()
    config = ControlConfig(defaults=profile_defaults("local"))
    controller = Controller(store, runtime, runtime.flink_api, config, lambda: datetime.now(UTC))
    task = asyncio.create_task(controller.run())
    try:
        await asyncio.wait_for(controller.leading.wait(), 30)
        await store.create(normalize(MANIFEST))
        while runtime.attempts < 1:
            await asyncio.sleep(0.05)
        # The backoff after the first failure is one second: at most a second attempt fits.
        await asyncio.sleep(1.5)
        assert runtime.attempts <= 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
