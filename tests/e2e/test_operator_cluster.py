"""Opt-in: `scurry operator` (kopf, the Lease, the Kubernetes store and runtime) on a real
cluster, the FlinkDeployment itself a custom resource there.

Skipped unless `SCURRY_E2E_KUBECONFIG` names a kubeconfig, and unless the cluster has
FKO's CRDs (`kubectl apply -f deploy/helm/scurry/crds/`; the Helm chart installs them).
The operator runs in this process, outside the cluster (JobManagers' REST through
port-forwards), watching one fresh namespace `scurry-op-e2e-<random>` that also holds its
Lease; the test applies a FlinkDeployment with the `kubernetes` client, waits for the
job to run, changes the spec, deletes the resource and checks that nothing is left.

    SCURRY_E2E_KUBECONFIG=~/.kube/config .venv/bin/pytest tests/e2e -q
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scurry.config.settings import Settings
from scurry.operator.kubeop.main import build_operator
from scurry.testing.kube.operators import OperatorThread

KUBECONFIG = os.path.expanduser(os.environ.get("SCURRY_E2E_KUBECONFIG") or "") or None
IMAGE = os.environ.get("SCURRY_E2E_FLINK_IMAGE", "flink:2.2")
DEADLINE = float(os.environ.get("SCURRY_E2E_DEADLINE", "600"))
GROUP, VERSION, PLURAL, NAME = "flink.apache.org", "v1beta1", "flinkdeployments", "e2e"

pytestmark = pytest.mark.skipif(
    not KUBECONFIG, reason="set SCURRY_E2E_KUBECONFIG to run against a real cluster"
)


def manifest(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
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


def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while not (found := check()):
        assert time.monotonic() < deadline, f"not reached in {DEADLINE}s: {what}"
        time.sleep(2.0)
    return found


@pytest.fixture
def cluster(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    assert KUBECONFIG is not None
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    api = config.new_client_from_config(config_file=KUBECONFIG)
    try:
        client.ApiextensionsV1Api(api).read_custom_resource_definition(f"{PLURAL}.{GROUP}")
    except ApiException:
        pytest.skip("FKO's CRDs are not installed: kubectl apply -f deploy/helm/scurry/crds/")
    namespace = f"scurry-op-e2e-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    monkeypatch.setenv("KUBECONFIG", KUBECONFIG)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    settings = Settings(
        home=tmp_path / "home",
        watch_namespaces=namespace,
        operator_namespace=namespace,
        pod_name=f"e2e-{uuid.uuid4().hex[:6]}",
        operator_probe_port=0,
        kubernetes_port_forward="true",
    )
    operator = OperatorThread(lambda: build_operator(settings)).start()
    try:
        yield api, namespace
    finally:
        operator.stop()
        core.delete_namespace(namespace)
        api.close()


def test_the_operator_runs_a_flink_deployment_on_a_real_cluster(
    cluster: tuple[Any, str],
) -> None:
    from kubernetes import client

    api, namespace = cluster
    custom, apps = client.CustomObjectsApi(api), client.AppsV1Api(api)

    def status() -> dict[str, Any]:
        found = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, NAME)
        return dict(found.get("status") or {})

    def settled(generation: int) -> bool:
        now = status()
        return (
            now.get("lifecycleState") == "STABLE"
            and now.get("observedGeneration") == generation
            and now.get("jobStatus", {}).get("state") == "RUNNING"
        )

    custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, manifest(namespace))
    until(lambda: settled(1), "the job runs")
    first_job = status()["jobStatus"]["jobId"]

    patch = {"spec": {"job": {"parallelism": 2}}}
    custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, NAME, patch)
    until(lambda: settled(2), "the upgraded job runs")
    assert status()["jobStatus"]["jobId"] != first_job

    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, NAME)

    def gone() -> bool:
        listed = custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
        return not listed.get("items")

    until(gone, "the resource is finalized")
    until(lambda: not apps.list_namespaced_deployment(namespace).items, "no Deployments left")
