"""Opt-in: the Kubernetes runtime and the controller against a real cluster.

Skipped unless `SCURRY_E2E_KUBECONFIG` names a kubeconfig (kind, minikube, a test
cluster: anything with a few CPUs and Docker Hub access). It is explicit on purpose:
a `KUBECONFIG` that happens to be set never makes the suite touch a cluster.

    SCURRY_E2E_KUBECONFIG=~/.kube/config .venv/bin/pytest tests/e2e -q

It creates a namespace `scurry-e2e-<random>`, deploys an application FlinkDeployment
(`SCURRY_E2E_FLINK_IMAGE`, default flink:2.2) with the operator's code running here
(REST through a port-forward, as an operator outside the cluster does), waits for the
job to run, changes the spec (the upgrade path), deletes the resource and checks that
nothing is left, then deletes the namespace.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from scurry.bootstrap import build_kubernetes_runtime, rest_client
from scurry.config.settings import Settings
from scurry.errors import NotFound
from scurry.models.enums import FlinkJobState, LifecycleState
from scurry.models.resources import FlinkDeployment
from scurry.runtimes.kubernetes.kubeapi import KubeApi
from scurry.runtimes.kubernetes.manifests import control_config
from scurry.runtimes.kubernetes.runtime import KubernetesRuntime
from scurry.store.sql import open_sql_store
from scurry.testing.harness import ControllerHarness, FakeClock

KUBECONFIG = os.path.expanduser(os.environ.get("SCURRY_E2E_KUBECONFIG") or "") or None
IMAGE = os.environ.get("SCURRY_E2E_FLINK_IMAGE", "flink:2.2")
DEADLINE = float(os.environ.get("SCURRY_E2E_DEADLINE", "600"))
NAME = "e2e"

pytestmark = pytest.mark.skipif(
    not KUBECONFIG, reason="set SCURRY_E2E_KUBECONFIG to run against a real cluster"
)


def manifest(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME, "namespace": namespace},
        "spec": {
            "image": IMAGE,
            "flinkVersion": "v2_2",
            "serviceAccount": "default",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "parallelism": 1,
                "upgradeMode": "stateless",
            },
        },
    }


class WallClock(FakeClock):
    """The harness's clock, but real: deploy timeouts and backoffs run as in production."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
async def cluster() -> AsyncIterator[tuple[ControllerHarness, str]]:
    assert KUBECONFIG is not None
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=KUBECONFIG, client_configuration=configuration)
    # As an operator outside the cluster: JobManagers' REST APIs through port-forwards.
    settings = Settings(runtime="kubernetes", kubernetes_port_forward="true")
    runtime = build_kubernetes_runtime(settings, rest_client, client.ApiClient(configuration))
    assert isinstance(runtime, KubernetesRuntime)
    api: KubeApi = runtime.api
    namespace = f"scurry-e2e-{uuid.uuid4().hex[:8]}"
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    await asyncio.to_thread(api.request, "POST", "/api/v1/namespaces", body=body)
    store = await open_sql_store("sqlite://")
    harness = ControllerHarness(store, runtime, WallClock())  # type: ignore[arg-type]  # any Runtime
    harness.config = control_config()
    try:
        yield harness, namespace
    finally:
        await runtime.close()
        await store.close()
        await asyncio.to_thread(api.request, "DELETE", f"/api/v1/namespaces/{namespace}")
        api.close()


async def reconcile_until(
    harness: ControllerHarness,
    namespace: str,
    done: Callable[[FlinkDeployment], bool],
) -> FlinkDeployment:
    """Reconcile as the controller would, on the real clock, until `done` or the deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        await harness.reconcile(NAME, namespace=namespace)
        resource = await harness.get(NAME, namespace)
        if done(resource):
            return resource
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {DEADLINE}s: {resource.status}")
        await asyncio.sleep(min(harness.last_delay or 2.0, 5.0))


async def test_deploy_upgrade_delete_on_a_real_cluster(
    cluster: tuple[ControllerHarness, str],
) -> None:
    harness, namespace = cluster
    runtime = harness.runtime
    assert isinstance(runtime, KubernetesRuntime)
    await harness.create(manifest(namespace))
    stable = await reconcile_until(
        harness, namespace, lambda r: r.status.lifecycle_state is LifecycleState.STABLE
    )
    assert stable.status.job_status.state is FlinkJobState.RUNNING

    await harness.update_spec(
        NAME, lambda spec: spec["job"].update(parallelism=2), namespace=namespace
    )
    upgraded = await reconcile_until(
        harness,
        namespace,
        lambda r: (
            r.status.lifecycle_state is LifecycleState.STABLE and r.status.observed_generation == 2
        ),
    )
    assert upgraded.status.job_status.job_id != stable.status.job_status.job_id

    await harness.delete(NAME, namespace=namespace)
    deadline = time.monotonic() + DEADLINE
    while await harness.exists(NAME, namespace):
        assert time.monotonic() < deadline, "the resource was not finalized"
        await harness.reconcile(NAME, namespace=namespace)
        await asyncio.sleep(1.0)
    for kind in ("Deployment", "Service", "ConfigMap", "Pod"):
        left = await asyncio.to_thread(runtime.api.list, kind, namespace, f"app={NAME}")
        assert left == [], kind
    with pytest.raises(NotFound):
        await harness.store.get("FlinkDeployment", namespace, NAME)
