"""The Kubernetes runtime under the real controller, against the fake API server.

The store is the SQL store in memory, the API server `scurry.testing.kube`
(kmock with the API server's semantics: resourceVersions, the status
subresource, owner-reference garbage collection) reached through the real
`kubernetes` client, and Flink's REST API the fake JobManager. The test plays
the kubelet and the Deployment controller: it makes the pods and sets the
statuses a cluster would.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from scurry.models.enums import FlinkJobState, LifecycleState
from scurry.models.enums import JobManagerDeploymentStatus as Jm
from scurry.runtimes.kubernetes.kubeapi import KubeApi, error_of
from scurry.runtimes.kubernetes.manifests import control_config
from scurry.runtimes.kubernetes.runtime import KubernetesOptions, KubernetesRuntime
from scurry.store.sql import open_sql_store
from scurry.testing.fake_flink import FakeFlinkCluster, FakeJob
from scurry.testing.harness import ControllerHarness
from scurry.testing.kube import FakeKubernetes, find

Obj = dict[str, Any]
NS, NAME = "default", "orders"
TOKEN_ANNOTATION = "scurry.io/deploy-token"
JOB_ANNOTATION = "scurry.io/job-id"


def manifest() -> Obj:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
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


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes() as server:
        yield server


@pytest.fixture
def flink() -> FakeFlinkCluster:
    return FakeFlinkCluster()


@pytest.fixture
def api(kube: FakeKubernetes) -> Iterator[KubeApi]:
    client = KubeApi(kube.api_client())
    yield client
    client.close()


@pytest.fixture
async def harness(api: KubeApi, flink: FakeFlinkCluster) -> AsyncIterator[ControllerHarness]:
    options = KubernetesOptions(
        rest_url="http://{name}-rest.{namespace}:{port}", shutdown_timeout=10, poll_interval=0.02
    )
    runtime = KubernetesRuntime(api, flink.client, options)
    store = await open_sql_store("sqlite://")
    harness = ControllerHarness(store, runtime)  # type: ignore[arg-type]  # any Runtime serves
    harness.config = control_config()
    yield harness
    await runtime.close()
    await store.close()


def jobmanager(kube: FakeKubernetes) -> Obj:
    (found,) = [d for d in find(kube, "Deployment", NS) if d["metadata"]["name"] == NAME]
    return found


def run_pods(
    api: KubeApi, deployment: Obj, *, ready: bool = True, container: Obj | None = None
) -> Obj:
    """What the Deployment controller and the kubelet would do: a pod, a status."""
    template = deployment["spec"]["template"]
    meta = deployment["metadata"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{meta['name']}-pod-{meta['resourceVersion']}",
            "namespace": NS,
            "labels": template["metadata"]["labels"],
            "annotations": template["metadata"].get("annotations") or {},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": meta["name"],
                    "uid": meta["uid"],
                }
            ],
        },
        "spec": copy.deepcopy(template["spec"]),
    }
    created = api.request("POST", f"/api/v1/namespaces/{NS}/pods", body=pod)
    status: Obj = {
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [container or {"name": "flink-main-container", "ready": ready}],
    }
    api.request(
        "PATCH",
        f"/api/v1/namespaces/{NS}/pods/{created['metadata']['name']}/status",
        body={"status": status},
        content_type="application/merge-patch+json",
    )
    replicas = 1 if ready else 0
    api.request(
        "PATCH",
        f"/apis/apps/v1/namespaces/{NS}/deployments/{meta['name']}/status",
        body={"status": {"availableReplicas": replicas, "readyReplicas": replicas}},
        content_type="application/merge-patch+json",
    )
    return created


def flink_answers_for(flink: FakeFlinkCluster, deployment: Obj) -> None:
    """The JobManager the Deployment started: its identity, and its application job."""
    notes = deployment["metadata"]["annotations"]
    flink.config = {"scurry.cluster.deploy-id": notes[TOKEN_ANNOTATION]}
    flink.jobs = {notes[JOB_ANNOTATION]: FakeJob(jid=notes[JOB_ANNOTATION], parallelism=2)}


async def test_deploy_runs_and_deleting_leaves_nothing(
    harness: ControllerHarness, kube: FakeKubernetes, api: KubeApi, flink: FakeFlinkCluster
) -> None:
    created = await harness.create(manifest())
    await harness.reconcile(NAME, times=2)

    kinds = sorted(
        (kind, obj["metadata"]["name"])
        for kind in ("ConfigMap", "Service", "Deployment")
        for obj in find(kube, kind, NS)
    )
    assert kinds == [
        ("ConfigMap", "flink-config-orders"),
        ("Deployment", "orders"),
        ("Deployment", "orders-taskmanager"),
        ("Service", "orders"),
        ("Service", "orders-rest"),
    ]
    deployment = jobmanager(kube)
    owner = deployment["metadata"]["ownerReferences"][0]
    assert owner["uid"] == created["metadata"]["uid"]
    assert owner["kind"] == "FlinkDeployment"
    status = (await harness.get(NAME)).status
    assert status.job_manager_deployment_status is Jm.DEPLOYING

    run_pods(api, deployment)
    flink_answers_for(flink, deployment)
    resource = await harness.reconcile_until(
        NAME, lambda r: r.status.lifecycle_state is LifecycleState.STABLE
    )
    assert resource.status.job_manager_deployment_status is Jm.READY
    assert resource.status.job_status.state is FlinkJobState.RUNNING
    assert (
        resource.status.job_status.job_id == deployment["metadata"]["annotations"][JOB_ANNOTATION]
    )

    await harness.delete(NAME)
    await harness.reconcile(NAME, times=3)
    for kind in ("ConfigMap", "Service", "Deployment", "Pod"):
        assert find(kube, kind, NS) == [], kind
    assert not await harness.exists(NAME)


async def test_a_spec_change_replaces_the_cluster(
    harness: ControllerHarness, kube: FakeKubernetes, api: KubeApi, flink: FakeFlinkCluster
) -> None:
    await harness.create(manifest())
    await harness.reconcile(NAME, times=2)
    first = jobmanager(kube)
    run_pods(api, first)
    flink_answers_for(flink, first)
    await harness.reconcile_until(NAME, lambda r: r.status.lifecycle_state is LifecycleState.STABLE)

    await harness.update_spec(NAME, lambda spec: spec["taskManager"].update(replicas=3))
    resource = await harness.reconcile_until(
        NAME,
        lambda r: (
            r.status.job_manager_deployment_status is Jm.DEPLOYING
            and r.status.observed_generation == 2
        ),
    )
    second = jobmanager(kube)
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    assert second["metadata"]["annotations"]["flinkdeployment.flink.apache.org/generation"] == "2"
    (taskmanager,) = [
        d for d in find(kube, "Deployment", NS) if d["metadata"]["name"].endswith("-taskmanager")
    ]
    assert taskmanager["spec"]["replicas"] == 3
    # The old pods went with the old Deployment (foreground deletion, garbage collection).
    old_pods = [
        p
        for p in find(kube, "Pod", NS)
        if p["metadata"]["ownerReferences"][0]["uid"] == first["metadata"]["uid"]
    ]
    assert old_pods == []
    assert resource.status.lifecycle_state is LifecycleState.UPGRADING

    run_pods(api, second)
    flink_answers_for(flink, second)
    await harness.reconcile_until(NAME, lambda r: r.status.lifecycle_state is LifecycleState.STABLE)


@pytest.mark.parametrize(
    ("container", "reason"),
    [
        (
            {
                "name": "flink-main-container",
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 5m0s restarting failed container",
                    }
                },
            },
            "CrashLoopBackOff",
        ),
        (
            {
                "name": "flink-main-container",
                "state": {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": 'Back-off pulling image "flink:nope"',
                    }
                },
            },
            "ImagePullBackOff",
        ),
        (
            {
                "name": "flink-main-container",
                "state": {
                    "waiting": {
                        "reason": "CreateContainerConfigError",
                        "message": 'secret "db" not found',
                    }
                },
            },
            "CreateContainerConfigError",
        ),
        (
            {
                "name": "flink-main-container",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
            },
            "OOMKilled",
        ),
    ],
)
async def test_a_jobmanager_that_cannot_start_is_an_error_with_an_event(
    harness: ControllerHarness, kube: FakeKubernetes, api: KubeApi, container: Obj, reason: str
) -> None:
    await harness.create(manifest())
    await harness.reconcile(NAME, times=2)
    run_pods(api, jobmanager(kube), ready=False, container=container)

    resource = await harness.reconcile_until(
        NAME, lambda r: r.status.job_manager_deployment_status is Jm.ERROR
    )
    assert reason in (resource.status.error or "")
    events = await harness.events(NAME)
    assert any(kind == "Warning" and reason in message for kind, _, message in events), events


async def test_a_replica_failure_is_an_error(
    harness: ControllerHarness, kube: FakeKubernetes, api: KubeApi
) -> None:
    await harness.create(manifest())
    await harness.reconcile(NAME, times=2)
    condition = {
        "type": "ReplicaFailure",
        "status": "True",
        "reason": "FailedCreate",
        "message": 'pods "orders-x" is forbidden: exceeded quota: compute, requested: cpu=1',
    }
    api.request(
        "PATCH",
        f"/apis/apps/v1/namespaces/{NS}/deployments/{NAME}/status",
        body={"status": {"conditions": [condition]}},
        content_type="application/merge-patch+json",
    )
    resource = await harness.reconcile_until(
        NAME, lambda r: r.status.job_manager_deployment_status is Jm.ERROR
    )
    assert "exceeded quota" in (resource.status.error or "")


class RefusingApi(KubeApi):
    """The API server's answer to a service account without the right to create Ingresses."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST" and path.endswith("/ingresses"):
            raise error_of(
                403,
                b'{"kind":"Status","reason":"Forbidden","message":"ingresses.networking.k8s.io '
                b'is forbidden: User \\"system:serviceaccount:ops:scurry\\" cannot create '
                b'resource \\"ingresses\\""}',
                f"{method} {path}",
            )
        return super().request(method, path, **kwargs)


async def test_an_object_the_api_server_refuses_is_a_status_error_not_a_crash(
    flink: FakeFlinkCluster,
) -> None:
    with FakeKubernetes() as kube:
        api = RefusingApi(kube.api_client())
        runtime = KubernetesRuntime(api, flink.client, KubernetesOptions(shutdown_timeout=5))
        store = await open_sql_store("sqlite://")
        harness = ControllerHarness(store, runtime)  # type: ignore[arg-type]  # any Runtime
        harness.config = control_config()
        try:
            body = manifest()
            body["spec"]["ingress"] = {"template": "{{name}}.example.com"}
            await harness.create(body)
            await harness.reconcile(NAME, times=3)  # each attempt fails and is recorded

            resource = await harness.get(NAME)
            assert "cannot create Ingress orders" in (resource.status.error or "")
            assert "is forbidden" in (resource.status.error or "")
            events = await harness.events(NAME)
            assert any("cannot create Ingress orders" in message for _, _, message in events)
            # The rest of the cluster was created; the next attempt finds it and goes on.
            assert [d["metadata"]["name"] for d in find(kube, "Deployment", NS)] == [
                "orders",
                "orders-taskmanager",
            ]
        finally:
            await runtime.close()
            await store.close()


async def test_a_session_job_jar_is_uploaded_by_the_operator(
    harness: ControllerHarness,
    kube: FakeKubernetes,
    api: KubeApi,
    flink: FakeFlinkCluster,
    tmp_path: Path,
) -> None:
    session = manifest()
    del session["spec"]["job"]
    await harness.create(session)
    await harness.reconcile(NAME, times=2)
    deployment = jobmanager(kube)
    assert JOB_ANNOTATION not in deployment["metadata"]["annotations"]
    run_pods(api, deployment)
    flink.config = {
        "scurry.cluster.deploy-id": deployment["metadata"]["annotations"][TOKEN_ANNOTATION]
    }
    await harness.reconcile_until(
        NAME, lambda r: r.status.job_manager_deployment_status is Jm.READY
    )

    jar = tmp_path / "wordcount.jar"
    jar.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: Flink's REST API gets the file
    await harness.create(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkSessionJob",
            "metadata": {"name": "wordcount", "namespace": NS},
            "spec": {
                "deploymentName": NAME,
                "job": {"jarURI": jar.as_uri(), "parallelism": 1, "upgradeMode": "stateless"},
            },
        }
    )
    job = await harness.reconcile_job_until(
        "wordcount", lambda j: j.status.job_status.state is FlinkJobState.RUNNING
    )
    assert "upload_jar" in flink.calls
    assert [path.endswith("_wordcount.jar") for path in flink.jars.values()] == [True]
    assert job.status.job_status.job_id in flink.jobs
