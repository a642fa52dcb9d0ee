"""Kubernetes clusters (the runtime as one cluster), system and resource information."""

from __future__ import annotations

from cmfkit import ALSO_ON_POSTGRES, V1, Cmf, application

CLUSTERS = f"{V1}/kubernetes-clusters"


def cluster_body(name: str, **spec: str) -> dict[str, object]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "KubernetesCluster",
        "metadata": {"name": name, "labels": {"site": "lab"}},
        "spec": spec,
    }


async def test_the_runtime_is_the_one_cluster(cmf: Cmf) -> None:
    listed = await cmf.ok("GET", CLUSTERS)
    [cluster] = listed["items"]
    name = cmf.runtime.name
    assert cluster["metadata"]["name"] == name
    assert cluster["spec"] == {"lifecycleState": "ACTIVE"}
    assert cluster["status"]["state"] == "CONNECTED"
    assert await cmf.ok("GET", f"{CLUSTERS}/{name}") == cluster
    await cmf.error("GET", f"{CLUSTERS}/elsewhere", 404)
    await cmf.error("PUT", f"{CLUSTERS}/elsewhere", 404, json=cluster_body("elsewhere"))


async def test_labels_and_lifecycle_can_be_changed(cmf: Cmf) -> None:
    name = cmf.runtime.name
    updated = await cmf.ok("PUT", f"{CLUSTERS}/{name}", json=cluster_body(name))
    assert updated["metadata"]["labels"] == {"site": "lab"}
    kept = await cmf.ok(
        "PUT", f"{CLUSTERS}/{name}", json={**cluster_body(name), "metadata": {"name": name}}
    )
    assert kept["metadata"]["labels"] == {"site": "lab"}  # left out: unchanged
    cleared = await cmf.ok(
        "PUT",
        f"{CLUSTERS}/{name}",
        json={**cluster_body(name), "metadata": {"name": name, "labels": {}}},
    )
    assert "labels" not in cleared["metadata"]
    await cmf.environment("prod", "flink-prod")
    body = cluster_body(name, lifecycleState="DECOMMISSIONED")
    message = await cmf.error("PUT", f"{CLUSTERS}/{name}", 400, json=body)
    assert "in use by environments: prod" in message
    await cmf.ok("DELETE", f"{V1}/environments/prod", 204)
    gone = await cmf.ok("PUT", f"{CLUSTERS}/{name}", json=body)
    assert gone["status"]["state"] == "DECOMMISSIONED"
    refused = await cmf.error(
        "POST", f"{V1}/environments", 400, json={"name": "prod", "kubernetesNamespace": "n"}
    )
    assert "decommissioned" in refused
    bad = await cmf.error(
        "PUT", f"{CLUSTERS}/{name}", 400, json=cluster_body(name, lifecycleState="GONE")
    )
    assert "spec.lifecycleState" in bad


async def test_system_information(cmf: Cmf) -> None:
    info = await cmf.ok("GET", f"{V1}/system-information")
    assert info["status"]["version"]
    revision = info["status"]["revision"]
    assert revision == "unknown" or len(revision) == 40


@ALSO_ON_POSTGRES
async def test_resource_information_counts_everything(cmf: Cmf) -> None:
    await cmf.environment("prod", "flink-prod")
    await cmf.application("prod", application("my-app"))
    await cmf.reconcile("my-app", "flink-prod", times=5)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "spec": {"data": {"a": "b"}},
    }
    await cmf.ok("POST", f"{V1}/secrets", json=secret)
    path = f"{V1}/environments/prod/applications/my-app/savepoints"
    await cmf.ok("POST", path, 201, json={"metadata": {"name": "sp-one"}})
    detached = {"metadata": {"name": "ds-one"}, "spec": {"path": "/sp"}}
    await cmf.ok("POST", f"{V1}/detached-savepoints", 201, json=detached)
    info = await cmf.ok("GET", f"{V1}/resource-information")
    assert info["status"]["resources"] == {
        "environments": 1,
        "applications": {"RUNNING": 1},
        "secrets": 1,
        "savepoints": 1,
        "detachedSavepoints": 1,
        "catalogs": 0,
        "computePools": 0,
        "statements": {},
        "kubernetesClusters": {"CONNECTED": 1},
    }
    assert info["status"]["resourceSummary"] == {"cpu": 2.0, "memory": 2 * 1024 * 2**20}
