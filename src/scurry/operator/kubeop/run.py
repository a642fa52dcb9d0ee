"""The Kubernetes operator: kopf's watches feeding the one controller, under a Lease.

Every replica watches (so a standby is warm and its readiness means
something), but only the holder of the `scurry-controller` Lease reconciles:
the controller ignores changes while it does not lead and lists everything
when it takes the lease. A replica that loses the lease (it could not renew
in time) stops its controller and waits for the lease again, so two
replicas never act at once for longer than a renew interval.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import kopf
from aiohttp import web
from kubernetes.client import ApiClient
from prometheus_client import Gauge

from scurry import __version__
from scurry.bootstrap import resource_counts
from scurry.core.observation import ControlConfig
from scurry.operator.controller import ENV_SOURCES, KINDS, LEASE_SECONDS, Controller
from scurry.operator.kubeop.cfk import KINDS as CFK_KINDS
from scurry.operator.kubeop.cfk import CfkReconciler
from scurry.operator.kubeop.cmfapi import CmfApi
from scurry.operator.kubeop.handlers import Feed, build_registry
from scurry.operator.kubeop.login import connection_info
from scurry.operator.kubeop.probes import ProbeState, bound_port, start_probes
from scurry.ports import FlinkApiFactory, Runtime, WatchEvent
from scurry.store.kubernetes import KubernetesStore, open_kubernetes_store
from scurry.store.kubernetes.kinds import kube_kind
from scurry.telemetry import Metrics

log = logging.getLogger(__name__)
RESTART_DELAY = 5.0
KOPF_STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class OperatorOptions:
    identity: str  # this replica's name in the Lease: the pod name
    namespaces: Sequence[str] | None = None  # watchNamespaces; None: the whole cluster
    lease_namespace: str = "default"  # where the Lease lives: the operator's own namespace
    lease_seconds: float = LEASE_SECONDS
    probe_host: str = "0.0.0.0"
    probe_port: int | None = 8085  # None: no probe server
    workers: int = 8
    restart_delay: float = RESTART_DELAY


class KubeOperator:
    def __init__(
        self,
        client: ApiClient,
        runtime: Runtime,
        flink_api: FlinkApiFactory,
        control: Callable[[], ControlConfig],
        now: Callable[[], datetime],
        options: OperatorOptions,
        metrics: Metrics | None = None,
        cmf: CmfApi | None = None,
    ) -> None:
        """With `cmf` (the management plane's API), CFK resources are reconciled too."""
        self.client, self.runtime, self.flink_api = client, runtime, flink_api
        self.control, self.now, self.options = control, now, options
        self.metrics = metrics or Metrics(version=__version__)
        self.controller: Controller | None = None
        self.cmf = cmf
        self.cfk: CfkReconciler | None = None
        self.store: KubernetesStore | None = None
        self.watching = threading.Event()  # kopf has listed every watched resource
        self.probe_port: int | None = None
        self._parts: list[asyncio.Task[None]] = []
        Gauge(
            "scurry_controller_leader",
            "1 while this replica holds the controller Lease and reconciles.",
            registry=self.metrics.registry,
        ).set_function(lambda: float(self.leading))

    @property
    def leading(self) -> bool:
        return self.controller is not None and self.controller.leading.is_set()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set (or a part fails for good)."""
        self.store = await open_kubernetes_store(
            self.client,
            namespaces=self.options.namespaces,
            lease_namespace=self.options.lease_namespace,
        )
        self.metrics.resources.source = partial(resource_counts, self.store)
        if self.cmf is not None:
            self.cfk = CfkReconciler(self.store, self.cmf, lambda: self.leading)
            self.cfk.start()
        probes = await self._start_probes()
        try:
            self._parts = [
                asyncio.create_task(self._watch(), name="kopf"),
                asyncio.create_task(self._control_forever(self.store), name="controller"),
            ]
            waiting = asyncio.create_task(stop.wait())
            await asyncio.wait([waiting, *self._parts], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
        finally:
            for part in self._parts:
                part.cancel()
            await asyncio.gather(*self._parts, return_exceptions=True)
            if probes is not None:
                await probes.cleanup()
            if self.cfk is not None:
                await self.cfk.stop()
            if self.cmf is not None:
                await self.cmf.close()
            await self.store.close()

    def alive(self) -> bool:
        return bool(self._parts) and not any(part.done() for part in self._parts)

    async def _feed(self, event: WatchEvent) -> None:
        if event.object.get("kind") in CFK_KINDS:
            if self.cfk is not None:
                await self.cfk.handle(event)
            return
        controller = self.controller
        if controller is not None:
            await controller.handle(event)

    async def _watch(self) -> None:
        """kopf on a thread and loop of its own, handing each change over to this loop.

        kopf treats every task of its loop that it did not find at its start as its
        own, and cancels them when it stops: the controller's tasks must not be there.
        """
        loop = asyncio.get_running_loop()

        async def feed(event: WatchEvent) -> None:  # on kopf's loop
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._feed(event), loop))

        stopping = threading.Event()
        thread = threading.Thread(
            target=lambda: asyncio.run(self._kopf(feed, stopping)), name="kopf", daemon=True
        )
        thread.start()
        try:
            await asyncio.to_thread(thread.join)
        finally:
            stopping.set()
            await asyncio.shield(asyncio.to_thread(thread.join, KOPF_STOP_TIMEOUT))

    async def _kopf(self, feed: Feed, stopping: threading.Event) -> None:
        cfk = CFK_KINDS if self.cfk is not None else ()
        kinds = [kube_kind(kind) for kind in (*KINDS, *ENV_SOURCES, *cfk)]
        registry = build_registry(kinds, feed, lambda: connection_info(self.client))
        settings = kopf.OperatorSettings()
        settings.scanning.disabled = True  # no CRD or Namespace watches: less RBAC to grant
        settings.posting.enabled = False  # events are the controller's, written by the store
        namespaces = self.options.namespaces
        await kopf.operator(
            registry=registry,
            settings=settings,
            standalone=True,  # kopf's peering pauses peers; the Lease decides who acts
            clusterwide=namespaces is None,
            namespaces=tuple(namespaces or ()),
            ready_flag=self.watching,
            stop_flag=stopping,
        )

    async def _control_forever(self, store: KubernetesStore) -> None:
        """A controller that stops (the lease lost, a bug) starts again and waits for the lease."""
        while True:
            self.controller = Controller(
                store,
                self.runtime,
                self.flink_api,
                self.control,
                self.now,
                workers=self.options.workers,
                metrics=self.metrics,
                watch_store=False,
                identity=self.options.identity,
                lease_seconds=self.options.lease_seconds,
            )
            follower = asyncio.create_task(self._on_lead(self.controller))
            try:
                await self.controller.run()
            except Exception:
                log.exception("controller stopped; starting again")
            finally:
                follower.cancel()
            await asyncio.sleep(self.options.restart_delay)

    async def _on_lead(self, controller: Controller) -> None:
        """What leading adds to the controller's own start: every CFK resource looked at."""
        await controller.leading.wait()
        if self.cfk is not None:
            await self.cfk.enqueue_all()

    async def _start_probes(self) -> web.AppRunner | None:
        if self.options.probe_port is None:
            return None
        state = ProbeState(
            self.alive, self.watching.is_set, self.metrics.registry, self.metrics.refresh
        )
        runner = await start_probes(state, self.options.probe_host, self.options.probe_port)
        self.probe_port = bound_port(runner)
        return runner
