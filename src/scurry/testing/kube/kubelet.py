"""What a cluster's Deployment controller and kubelet would do, for tests on the fake
API server (which runs no controllers): a pod for a Deployment, and the statuses."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from scurry.testing.kube.background import FakeKubernetes

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

Obj = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"


def run_pods(kube: FakeKubernetes, deployment: Obj, *, ready: bool = True) -> Obj:
    """Start one pod of `deployment` (owned by it) and report it and the Deployment ready."""
    meta, template = deployment["metadata"], deployment["spec"]["template"]
    namespace = meta["namespace"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{meta['name']}-pod-{meta['resourceVersion']}",
            "namespace": namespace,
            "labels": template["metadata"].get("labels") or {},
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
    status: Obj = {
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [{"name": "flink-main-container", "ready": ready}],
    }
    replicas = 1 if ready else 0
    available = {"status": {"availableReplicas": replicas, "readyReplicas": replicas}}
    with kube.api_client() as client:
        created = _call(client, "POST", f"/api/v1/namespaces/{namespace}/pods", pod)
        pod_path = f"/api/v1/namespaces/{namespace}/pods/{created['metadata']['name']}/status"
        _call(client, "PATCH", pod_path, {"status": status}, MERGE_PATCH)
        deployment_path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{meta['name']}/status"
        _call(client, "PATCH", deployment_path, available, MERGE_PATCH)
    return created


def _call(
    client: ApiClient, method: str, path: str, body: Obj, content_type: str = "application/json"
) -> Obj:
    response = client.call_api(
        path,
        method,
        header_params={"Accept": "application/json", "Content-Type": content_type},
        body=body,
        _preload_content=False,
    )
    answer: Obj = json.loads(response.data)
    return answer
