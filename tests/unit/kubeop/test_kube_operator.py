"""`scurry operator` against the fake API server: kopf's watches feed the controller,
which runs unchanged on the Kubernetes store; real `kubernetes` client and kopf."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import kubernetes.client
import pytest
from cmfserver import management_plane
from kubeopkit import Cluster, Replica, replicas, until

from scurry.testing.kube import FakeKubernetes, find

FINALIZER = "flinkdeployments.flink.apache.org/finalizer"


def running(cluster: Cluster, name: str, namespace: str = "default") -> bool:
    state = cluster.status(name, namespace).get("jobStatus", {}).get("state")
    return bool(state == "RUNNING")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with FakeKubernetes() as kube:
        yield Cluster(kube)


def test_a_deployment_is_reconciled_and_deleted_through_its_finalizer(cluster: Cluster) -> None:
    replica = Replica(cluster.kube, "solo")
    with replicas(replica):
        cluster.apply("basic")

        until(lambda: running(cluster, "basic"), "the job runs")
        assert replica.applied() == ["basic"]
        stored = cluster.deployment("basic")
        assert stored is not None
        assert FINALIZER in stored["metadata"]["finalizers"]

        cluster.delete("basic")
        until(lambda: cluster.deployment("basic") is None, "the deployment is gone")
        assert replica.deleted() == ["basic"]


def test_only_the_lease_holder_reconciles_and_a_standby_takes_over(cluster: Cluster) -> None:
    first, second = Replica(cluster.kube, "first"), Replica(cluster.kube, "second")
    with replicas(first):
        until(first.leading, "the first replica leads")
        with replicas(second):
            until(lambda: second.thread.call(lambda op: op.watching.is_set()), "second watches")
            cluster.apply("one")
            until(lambda: running(cluster, "one"), "one runs")

            assert first.applied() == ["one"]
            assert second.applied() == []
            assert not second.leading()
            assert cluster.lease_holder() == "first"

            first.thread.freeze()  # hung: neither renews nor releases the Lease
            until(second.leading, "the standby takes the expired Lease")
            assert cluster.lease_holder() == "second"
            cluster.apply("two")
            until(lambda: "two" in second.applied(), "the new leader deploys two")
            until(lambda: running(cluster, "two"), "two runs")


def test_a_leader_that_shuts_down_hands_its_lease_over(cluster: Cluster) -> None:
    first = Replica(cluster.kube, "first", lease_seconds=9.0)
    second = Replica(cluster.kube, "second", lease_seconds=9.0)
    with replicas(first, second):
        until(lambda: first.leading() or second.leading(), "a replica leads")
        leader, standby = (first, second) if first.leading() else (second, first)
        leader.thread.stop()
        # Released on the way out, not left to expire: nobody holds it, or the standby does.
        assert cluster.lease_holder() in ("", standby.thread.name.removeprefix("operator-"))
        until(standby.leading, "the standby takes the released Lease")


def test_watch_namespaces_scope_the_operator(cluster: Cluster) -> None:
    replica = Replica(cluster.kube, "scoped", namespaces=["team-a"])
    with replicas(replica):
        until(replica.leading, "the replica leads")
        cluster.apply("outside", namespace="team-b")
        cluster.apply("inside", namespace="team-a")

        until(lambda: running(cluster, "inside", "team-a"), "inside runs")
        assert replica.applied() == ["inside"]
        assert cluster.status("outside", "team-b") == {}
        assert not any(
            path.startswith("/apis/flink.apache.org/v1beta1/flinkdeployments")
            for _, path, _ in cluster.calls()
        ), "a namespace-scoped operator needs no cluster-wide list or watch"


def test_health_readiness_and_metrics(cluster: Cluster) -> None:
    replica = Replica(cluster.kube, "probed")
    with replicas(replica):
        until(replica.leading, "the replica leads")
        base = f"http://127.0.0.1:{replica.probe_port()}"
        until(lambda: httpx.get(f"{base}/readyz").status_code == 200, "ready")
        assert httpx.get(f"{base}/healthz").status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert "scurry_controller_leader 1.0" in metrics


def test_cfk_resources_reach_the_management_plane_through_kopf(
    cluster: Cluster, tmp_path: Path
) -> None:
    with management_plane(tmp_path / "home") as url:
        replica = Replica(cluster.kube, "cfk", cmf_url=url)
        with replicas(replica):
            until(replica.leading, "the replica leads")
            cfk = kubernetes.client.CustomObjectsApi(cluster.client)
            cfk.create_namespaced_custom_object(
                "platform.confluent.io", "v1beta1", "default", "flinkenvironments", CFK_ENVIRONMENT
            )

            def created() -> bool:
                (env,) = find(cluster.kube, "FlinkEnvironment", "default")
                return bool((env.get("status") or {}).get("state") == "CREATED")

            until(created, "the FlinkEnvironment is created in the management plane")
            answer = httpx.get(f"{url}/cmf/api/v1/environments/laptop")
            assert answer.status_code == 200
            assert answer.json()["kubernetesNamespace"] == "flink"


CFK_ENVIRONMENT = {
    "apiVersion": "platform.confluent.io/v1beta1",
    "kind": "FlinkEnvironment",
    "metadata": {"name": "laptop", "namespace": "default"},
    "spec": {"kubernetesNamespace": "flink", "cmfRestClassRef": {"name": "default"}},
}
