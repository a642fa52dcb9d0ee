"""The fake API server of scurry.testing.kube, through the real `kubernetes` client:
what it must answer as an API server does for the store, the runtime and kopf."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from scurry.testing.kube import FakeKubernetes, find


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes() as server:
        yield server


@pytest.fixture
def api(kube: FakeKubernetes) -> Iterator[client.ApiClient]:
    api_client = kube.api_client()
    yield api_client
    api_client.close()


def deployment(name: str = "web", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, **meta},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"spec": {"containers": [{"name": "c"}]}},
        },
    }


def flinkdep(name: str = "job") -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {"image": "flink:2.1"},
    }


CR = ("flink.apache.org", "v1beta1", "default", "flinkdeployments")


def test_discovery_with_trailing_slashes(api: client.ApiClient) -> None:
    assert client.VersionApi(api).get_code().major == "1"
    names = {r.name for r in client.CoreV1Api(api).get_api_resources().resources}
    assert {"namespaces", "configmaps", "events"} <= names


def test_namespaces_are_cluster_scoped(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "team-a"}})

    assert [ns.metadata.name for ns in core.list_namespace().items] == ["team-a"]
    assert core.read_namespace("team-a").metadata.namespace is None


def test_create_answers_201_with_server_fields(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)

    created = custom.create_namespaced_custom_object(*CR[:3], CR[3], flinkdep())

    meta = created["metadata"]
    assert (meta["generation"], meta["namespace"]) == (1, "default")
    assert all(meta[field] for field in ("uid", "resourceVersion", "creationTimestamp"))


def test_status_subresource_and_generation(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    created = custom.create_namespaced_custom_object(*CR[:3], CR[3], flinkdep())

    with_status = custom.patch_namespaced_custom_object_status(
        *CR, "job", {"status": {"phase": "up"}, "spec": {"image": "ignored"}}
    )
    respec = custom.patch_namespaced_custom_object(
        *CR, "job", {"spec": {"image": "flink:2.2"}, "status": {"phase": "ignored"}}
    )

    assert with_status["spec"] == created["spec"]
    assert with_status["metadata"]["generation"] == 1
    assert respec["status"] == {"phase": "up"}
    assert respec["metadata"]["generation"] == 2


def test_replace_with_a_stale_resource_version_conflicts(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    created = apps.create_namespaced_deployment("default", deployment())
    body = api.sanitize_for_serialization(created)
    apps.replace_namespaced_deployment(
        "web", "default", {**body, "spec": {**body["spec"], "replicas": 2}}
    )

    with pytest.raises(ApiException) as refused:
        apps.replace_namespaced_deployment(
            "web", "default", {**body, "spec": {**body["spec"], "replicas": 3}}
        )

    assert refused.value.status == 409
    assert apps.read_namespaced_deployment("web", "default").spec.replicas == 2


def test_a_failed_json_patch_test_is_422(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(*CR[:3], CR[3], flinkdep())
    patch = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": "0"},
        {"op": "add", "path": "/metadata/finalizers", "value": ["x"]},
    ]

    with pytest.raises(ApiException) as refused:
        custom.patch_namespaced_custom_object(*CR, "job", patch)

    assert refused.value.status == 422
    assert "finalizers" not in custom.get_namespaced_custom_object(*CR, "job")["metadata"]


def test_label_selectors_filter_lists(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    for name, labels in [("a", {"app": "x"}), ("b", {"app": "y"}), ("c", {})]:
        core.create_namespaced_config_map("default", {"metadata": {"name": name, "labels": labels}})

    found = core.list_namespaced_config_map("default", label_selector="app in (x,y),app!=y")

    assert [cm.metadata.name for cm in found.items] == ["a"]


def test_finalizers_hold_deletion_and_owners_take_dependents(
    kube: FakeKubernetes, api: client.ApiClient
) -> None:
    custom, apps = client.CustomObjectsApi(api), client.AppsV1Api(api)
    owner = custom.create_namespaced_custom_object(
        *CR[:3], CR[3], {**flinkdep(), "metadata": {"name": "job", "finalizers": ["f"]}}
    )
    reference = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "name": "job",
        "uid": owner["metadata"]["uid"],
    }
    apps.create_namespaced_deployment("default", deployment(ownerReferences=[reference]))

    marked = custom.delete_namespaced_custom_object(*CR, "job")
    assert marked["metadata"]["deletionTimestamp"]
    assert [d["metadata"]["name"] for d in find(kube, "Deployment")] == ["web"]

    custom.patch_namespaced_custom_object(*CR, "job", {"metadata": {"finalizers": None}})

    assert find(kube, "FlinkDeployment") == []
    assert find(kube, "Deployment") == []


def test_watch_resumes_from_a_version_and_ends_on_timeout(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    first = core.create_namespaced_config_map("default", {"metadata": {"name": "one"}})
    core.create_namespaced_config_map("default", {"metadata": {"name": "two"}})

    events = list(
        watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
        )
    )

    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "two")]


def test_server_side_apply_creates_then_merges(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"a": "1"},
    }
    core.patch_namespaced_config_map(
        "cfg", "default", body, field_manager="t", _content_type="application/apply-patch+yaml"
    )
    core.patch_namespaced_config_map(
        "cfg",
        "default",
        {**body, "data": {"b": "2"}},
        field_manager="t",
        _content_type="application/apply-patch+yaml",
    )

    assert core.read_namespaced_config_map("cfg", "default").data == {"a": "1", "b": "2"}
