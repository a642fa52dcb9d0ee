"""Replicas of the Kubernetes operator against the fake API server, with fake Flink."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import kubernetes.client

from scurry.config.defaults import profile_defaults
from scurry.core.observation import ControlConfig
from scurry.operator.kubeop.cmfapi import CmfApi
from scurry.operator.kubeop.run import KubeOperator, OperatorOptions
from scurry.ports import FlinkApiFactory, Runtime
from scurry.testing.fake_runtime import FakeRuntime
from scurry.testing.kube import FakeKubernetes, find
from scurry.testing.kube.operators import OperatorThread

TIMEOUT = 60.0
GROUP, VERSION, PLURAL = "flink.apache.org", "v1beta1", "flinkdeployments"


def until(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll `condition` until it is truthy; its value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def manifest(name: str, namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "FlinkDeployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "flinkVersion": "v2_3",
            "serviceAccount": "flink",
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1280m", "cpu": 1}},
            "job": {"jarURI": "https://artifacts.example/job.jar", "parallelism": 1},
        },
    }


def quick(config: ControlConfig) -> ControlConfig:
    """Progress checked often: a test waits for steps, not for FKO's production pace."""
    interval = {"kubernetes.operator.observer.progress-check.interval": "200 ms"}
    return replace(config, defaults={**config.defaults, **interval})


class Cluster:
    """The fake API server and the client a user (kubectl) would use."""

    def __init__(self, kube: FakeKubernetes) -> None:
        self.kube = kube
        self.client = kube.api_client()
        self.custom = kubernetes.client.CustomObjectsApi(self.client)

    def apply(self, name: str, namespace: str = "default") -> None:
        self.custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, manifest(name, namespace)
        )

    def delete(self, name: str, namespace: str = "default") -> None:
        self.custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)

    def deployment(self, name: str, namespace: str = "default") -> dict[str, Any] | None:
        for obj in find(self.kube, "FlinkDeployment", namespace):
            if obj["metadata"]["name"] == name:
                return obj
        return None

    def status(self, name: str, namespace: str = "default") -> dict[str, Any]:
        return dict((self.deployment(name, namespace) or {}).get("status") or {})

    def calls(self) -> list[tuple[str, str, dict[str, str]]]:
        """(method, path, query) of every request the API server answered so far."""
        assert self.kube.handler is not None
        return list(self.kube.handler.calls)

    def lease_holder(self) -> str | None:
        leases = find(self.kube, "Lease")
        return leases[0]["spec"].get("holderIdentity") if leases else None


class Replica:
    """One operator replica: its own loop, fake runtime and fake Flink."""

    def __init__(
        self,
        kube: FakeKubernetes,
        identity: str,
        namespaces: Sequence[str] | None = None,
        lease_seconds: float = 2.0,
        runtime: Callable[[], Runtime] | None = None,
        flink_api: FlinkApiFactory | None = None,
        config: ControlConfig | None = None,
        cmf_url: str | None = None,
    ) -> None:
        """By default the runtime is a `FakeRuntime` (`self.runtime`) with its fake Flink."""
        self.runtime = FakeRuntime(startup_polls=1)
        make_runtime = runtime or (lambda: self.runtime)
        flink = flink_api or self.runtime.flink_api
        config = config or quick(ControlConfig(defaults=profile_defaults("kubernetes")))
        options = OperatorOptions(
            identity=identity,
            namespaces=namespaces,
            lease_seconds=lease_seconds,
            probe_host="127.0.0.1",
            probe_port=0,
            restart_delay=0.2,
        )

        def make() -> KubeOperator:
            return KubeOperator(
                kube.api_client(),
                make_runtime(),
                flink,
                lambda: config,
                lambda: datetime.now(UTC),
                options,
                cmf=CmfApi.connect(cmf_url) if cmf_url else None,
            )

        self.thread = OperatorThread(make, name=f"operator-{identity}")

    def applied(self) -> list[str]:
        return self.thread.call(lambda _: [spec.ref.name for spec in self.runtime.applied])

    def deleted(self) -> list[str]:
        return self.thread.call(lambda _: [ref.name for ref in self.runtime.deleted])

    def leading(self) -> bool:
        return self.thread.leading()

    def probe_port(self) -> int:
        port = self.thread.call(lambda operator: operator.probe_port)
        assert port is not None
        return port


@contextmanager
def replicas(*started: Replica) -> Iterator[None]:
    try:
        for replica in started:
            replica.thread.start()
        yield
    finally:
        for replica in started:
            replica.thread.stop()
