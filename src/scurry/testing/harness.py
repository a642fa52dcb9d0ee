"""Drive the real controller one reconcile at a time, on fakes and a fake clock.

The store is the real SQL store (in memory), the runtime a `FakeRuntime`, the
clock a `FakeClock`: tests see exactly what a user would read from the API
after each reconcile, without timers or threads.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scurry.config.defaults import profile_defaults
from scurry.config.operator_defaults import OperatorDefaults
from scurry.core.observation import ControlConfig
from scurry.errors import NotFound
from scurry.models.cluster import ClusterRef
from scurry.models.manifest import normalize
from scurry.models.resources import FlinkDeployment, FlinkSessionJob
from scurry.operator.controller import Controller, Key
from scurry.operator.executor import ActionFailed
from scurry.ports import InvolvedObject, ResourceStore
from scurry.telemetry import Metrics
from scurry.testing.fake_runtime import FakeRuntime

KIND = "FlinkDeployment"
SESSION_JOB = "FlinkSessionJob"


@dataclass
class FakeClock:
    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class ControllerHarness:
    def __init__(
        self,
        store: ResourceStore,
        runtime: FakeRuntime | None = None,
        clock: FakeClock | None = None,
        defaults: dict[str, str] | None = None,
        *,
        operator_defaults: OperatorDefaults | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """`defaults` add to scurry's; `operator_defaults` are an installation's defaults file."""
        self.store = store
        self.runtime = runtime or FakeRuntime()
        self.clock = clock or FakeClock()
        self.config = ControlConfig(
            defaults={**profile_defaults("local"), **(defaults or {})},
            operator_defaults=operator_defaults or OperatorDefaults(),
        )
        self.controller = Controller(
            store,
            self.runtime,
            self.runtime.flink_api,
            lambda: self.config,
            self.clock.now,
            metrics=metrics,
        )
        self.last_delay: float | None = None

    async def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = await self.store.create(normalize(copy.deepcopy(manifest)))
        return created

    async def update_spec(
        self, name: str, change: Any, namespace: str = "default", kind: str = KIND
    ) -> None:
        """Apply `change(spec_dict)` to the stored spec, as `kubectl edit` would."""
        obj = await self.store.get(kind, namespace, name)
        change(obj["spec"])
        await self.store.update(normalize(obj))

    async def delete(self, name: str, namespace: str = "default", kind: str = KIND) -> None:
        await self.store.delete(kind, namespace, name)

    async def reconcile(
        self, name: str, times: int = 1, namespace: str = "default", kind: str = KIND
    ) -> None:
        for _ in range(times):
            try:
                self.last_delay = await self.controller._reconcile(Key(kind, namespace, name))
            except ActionFailed:  # recorded in status and events; the controller backs off
                self.last_delay = 1.0
            except NotFound:  # gone: the controller forgets the key
                self.last_delay = None
                return

    async def reconcile_until(
        self, name: str, predicate: Any, limit: int = 20, namespace: str = "default"
    ) -> FlinkDeployment:
        for _ in range(limit):
            await self.reconcile(name, namespace=namespace)
            resource = await self.get(name, namespace)
            if predicate(resource):
                return resource
            self.clock.advance(self.last_delay or 1.0)
        raise AssertionError(f"{name} did not reach the expected state in {limit} reconciles")

    async def reconcile_job_until(
        self, name: str, predicate: Any, limit: int = 20, namespace: str = "default"
    ) -> FlinkSessionJob:
        """Reconcile a session job (and its cluster, as the watch would) until `predicate`."""
        for _ in range(limit):
            await self.reconcile(name, namespace=namespace, kind=SESSION_JOB)
            job = await self.get_job(name, namespace)
            if predicate(job):
                return job
            if job.spec.deployment_name and await self.exists(job.spec.deployment_name, namespace):
                await self.reconcile(job.spec.deployment_name, namespace=namespace)
            self.clock.advance(self.last_delay or 1.0)
        raise AssertionError(f"{name} did not reach the expected state in {limit} reconciles")

    async def get_job(self, name: str, namespace: str = "default") -> FlinkSessionJob:
        return FlinkSessionJob.model_validate(await self.store.get(SESSION_JOB, namespace, name))

    async def get(self, name: str, namespace: str = "default") -> FlinkDeployment:
        return FlinkDeployment.model_validate(await self.store.get(KIND, namespace, name))

    async def exists(self, name: str, namespace: str = "default", kind: str = KIND) -> bool:
        try:
            await self.store.get(kind, namespace, name)
        except NotFound:
            return False
        return True

    async def events(
        self, name: str, namespace: str = "default", kind: str = KIND
    ) -> list[tuple[str, str, str]]:
        """(type, reason, message) of every event about `name`, oldest first.

        Equal events are counted, as Kubernetes does: each appears `count` times here.
        """
        about = InvolvedObject(kind=kind, namespace=namespace, name=name)
        return [
            (e["type"], e["reason"], e["message"])
            for e in await self.store.list_events(namespace, about)
            for _ in range(int(e.get("count") or 1))
        ]

    async def reasons(self, name: str, namespace: str = "default", kind: str = KIND) -> list[str]:
        return [reason for _, reason, _ in await self.events(name, namespace, kind)]

    @staticmethod
    def ref(name: str, namespace: str = "default") -> ClusterRef:
        return ClusterRef(namespace=namespace, name=name)
