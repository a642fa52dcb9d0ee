"""End to end on the fake API server: a FlinkDeployment applied with the `kubernetes`
client becomes the Kubernetes runtime's Deployments, Services and ConfigMap through
`scurry operator` (kopf, the Lease, the unchanged controller); the test plays the
kubelet and the JobManager's REST API; a spec change replaces the cluster; deleting
the resource leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubeopkit import GROUP, PLURAL, VERSION, Cluster, Replica, quick, replicas, until

from scurry.runtimes.kubernetes.kubeapi import KubeApi
from scurry.runtimes.kubernetes.manifests import control_config
from scurry.runtimes.kubernetes.runtime import KubernetesOptions, KubernetesRuntime
from scurry.testing.fake_flink import FakeFlinkCluster, FakeJob
from scurry.testing.kube import FakeKubernetes, find
from scurry.testing.kube.kubelet import run_pods

Obj = dict[str, Any]
NS, NAME = "default", "orders"
TOKEN_ANNOTATION = "scurry.io/deploy-token"
JOB_ANNOTATION = "scurry.io/job-id"
GENERATION_ANNOTATION = "flinkdeployment.flink.apache.org/generation"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with FakeKubernetes() as kube:
        yield Cluster(kube)


def objects(cluster: Cluster) -> list[tuple[str, str]]:
    return sorted(
        (kind, obj["metadata"]["name"])
        for kind in ("ConfigMap", "Service", "Deployment", "Pod")
        for obj in find(cluster.kube, kind, NS)
    )


def jobmanager(cluster: Cluster, generation: str) -> Obj | None:
    for found in find(cluster.kube, "Deployment", NS):
        notes = found["metadata"].get("annotations") or {}
        if found["metadata"]["name"] == NAME and notes.get(GENERATION_ANNOTATION) == generation:
            return found
    return None


def start(replica: Replica, cluster: Cluster, flink: FakeFlinkCluster, generation: str) -> Obj:
    """The pods of the JobManager Deployment run; its JobManager answers for its job."""
    deployment = until(lambda: jobmanager(cluster, generation), f"JobManager gen {generation}")
    run_pods(cluster.kube, deployment)
    notes = deployment["metadata"]["annotations"]

    def answer(_: object) -> None:  # on the operator's loop, where the fake Flink is read
        flink.config = {"scurry.cluster.deploy-id": notes[TOKEN_ANNOTATION]}
        job = FakeJob(jid=notes[JOB_ANNOTATION], parallelism=2)
        flink.jobs = {notes[JOB_ANNOTATION]: job}

    replica.thread.call(answer)
    assert isinstance(deployment, dict)
    return deployment


def settled(cluster: Cluster, generation: int) -> bool:
    status = cluster.status(NAME)
    return (
        status.get("lifecycleState") == "STABLE"
        and status.get("observedGeneration") == generation
        and status.get("jobStatus", {}).get("state") == "RUNNING"
    )


def test_a_flink_deployment_becomes_kubernetes_objects_and_goes_away(cluster: Cluster) -> None:
    flink = FakeFlinkCluster()
    options = KubernetesOptions(
        rest_url="http://{name}-rest.{namespace}:{port}", shutdown_timeout=10, poll_interval=0.05
    )
    client = cluster.kube.api_client()
    replica = Replica(
        cluster.kube,
        "e2e",
        runtime=lambda: KubernetesRuntime(KubeApi(client), flink.client, options),
        flink_api=flink.client,
        config=quick(control_config()),
    )
    with replicas(replica):
        cluster.custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, manifest())
        first = start(replica, cluster, flink, "1")
        until(lambda: settled(cluster, 1), "STABLE and RUNNING")
        assert [name for kind, name in objects(cluster) if kind != "Pod"] == [
            "flink-config-orders",
            "orders",
            "orders-taskmanager",
            "orders",
            "orders-rest",
        ]
        owner = first["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"]) == ("FlinkDeployment", NAME)

        cluster.custom.patch_namespaced_custom_object(
            GROUP, VERSION, NS, PLURAL, NAME, {"spec": {"taskManager": {"replicas": 3}}}
        )
        second = start(replica, cluster, flink, "2")
        assert second["metadata"]["uid"] != first["metadata"]["uid"]
        until(lambda: settled(cluster, 2), "the upgraded cluster runs")
        (taskmanager,) = [
            d for d in find(cluster.kube, "Deployment", NS) if d["metadata"]["name"] != NAME
        ]
        assert taskmanager["spec"]["replicas"] == 3

        cluster.delete(NAME)
        until(lambda: cluster.deployment(NAME) is None, "the FlinkDeployment is gone")
        assert objects(cluster) == []


def manifest() -> Obj:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "FlinkDeployment",
        "metadata": {"name": NAME, "namespace": NS},
        "spec": {
            "image": "flink:2.2",
            "flinkVersion": "v2_2",
            "serviceAccount": "flink",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {
                "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "parallelism": 2,
                "upgradeMode": "stateless",
            },
        },
    }
