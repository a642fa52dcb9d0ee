"""A status write that loses a race on the Kubernetes API (409: the user changed the spec
since the controller read it) is decided again on the newer object, not lost or crashed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from kubeopkit import manifest, quick

from scurry.config.defaults import profile_defaults
from scurry.core.observation import ControlConfig
from scurry.operator.controller import Controller
from scurry.store.kubernetes import KubernetesStore, open_kubernetes_store
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.kube import FakeKubernetes

Obj = dict[str, Any]
TIMEOUT = 60.0


class RacedStore(KubernetesStore):
    """Before its first status write, a user (another client) changes the spec."""

    user: KubernetesStore
    raced = False

    async def update_status(self, obj: Obj) -> Obj:
        if not self.raced:
            self.raced = True
            current = await self.user.get("FlinkDeployment", "default", "raced")
            current["spec"]["job"]["parallelism"] = 2
            await self.user.update(current)
        return await super().update_status(obj)


async def test_a_status_write_that_lost_a_race_is_decided_again() -> None:
    with FakeKubernetes() as kube:
        store = RacedStore(kube.api_client())
        await store.start()
        store.user = await open_kubernetes_store(kube.api_client())
        runtime = FakeRuntime(startup_polls=1)
        config = quick(ControlConfig(defaults=profile_defaults("kubernetes")))
        controller = Controller(
            store, runtime, runtime.flink_api, config, lambda: datetime.now(UTC)
        )
        running = asyncio.create_task(controller.run())
        try:
            await asyncio.wait_for(controller.leading.wait(), TIMEOUT)
            await store.user.create(manifest("raced"))

            async def settled() -> Obj:
                while True:
                    obj = await store.get("FlinkDeployment", "default", "raced")
                    status = obj.get("status") or {}
                    if status.get("jobStatus", {}).get("state") == "RUNNING":
                        return obj
                    await asyncio.sleep(0.05)

            obj = await asyncio.wait_for(settled(), TIMEOUT)
            assert store.raced
            assert obj["status"]["observedGeneration"] == 2
            assert [spec.job.parallelism for spec in runtime.applied if spec.job] == [2]
            conflicts = controller.metrics.registry.get_sample_value(
                "scurry_reconcile_total", {"kind": "FlinkDeployment", "result": "conflict"}
            )
            assert conflicts == 1.0
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await store.user.close()
            await store.close()
