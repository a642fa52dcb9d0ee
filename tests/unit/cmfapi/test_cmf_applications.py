"""FlinkApplications through the HTTP API: the FlinkDeployment each one becomes, and its life."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cmfkit import ALSO_ON_POSTGRES, JAR, V1, Cmf, application

APPS = f"{V1}/environments/prod/applications"
NS = "flink-prod"
DEFAULTS = {
    "metadata": {"labels": {"cost-center": "42"}, "annotations": {"owner": "platform"}},
    "spec": {
        "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "8", "pipeline.name": "x"},
        "serviceAccount": "flink-env",
    },
}


@pytest.fixture
async def prod(cmf: Cmf) -> Cmf:
    await cmf.environment("prod", NS, flinkApplicationDefaults=DEFAULTS)
    return cmf


@ALSO_ON_POSTGRES
async def test_an_application_becomes_an_owned_deployment_with_the_defaults_merged(
    prod: Cmf,
) -> None:
    body = application("my-app")
    body["metadata"]["labels"] = {"team": "data", "cost-center": "7"}
    body["spec"]["flinkConfiguration"]["state.backend.type"] = "hashmap"
    created = await prod.application("prod", body)
    assert created["spec"] == body["spec"]  # the user's spec, as given
    deployment = await prod.deployment("my-app", NS)
    meta = deployment["metadata"]
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "cmf.confluent.io/v1",
            "kind": "FlinkApplication",
            "name": "my-app",
            "uid": created["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert meta["labels"] == {
        "team": "data",
        "cost-center": "42",  # the environment's defaults win
        "cmf.confluent.io/environment": "prod",
        "cmf.confluent.io/application": "my-app",
    }
    assert meta["annotations"] == {"owner": "platform"}
    spec = deployment["spec"]
    assert spec["flinkConfiguration"] == {
        "taskmanager.numberOfTaskSlots": "8",
        "pipeline.name": "x",
        "state.backend.type": "hashmap",
    }
    assert spec["serviceAccount"] == "flink-env"
    assert spec["job"]["jarURI"] == JAR


async def test_posting_again_updates_the_same_deployment(prod: Cmf) -> None:
    await prod.application("prod", application("my-app"))
    await prod.reconcile("my-app", NS, times=3)
    before = await prod.deployment("my-app", NS)
    assert before["metadata"]["finalizers"]
    updated = await prod.application("prod", application("my-app", parallelism=2))
    assert updated["spec"]["job"]["parallelism"] == 2
    after = await prod.deployment("my-app", NS)
    assert after["spec"]["job"]["parallelism"] == 2
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert after["metadata"]["finalizers"] == before["metadata"]["finalizers"]
    assert after["metadata"]["uid"] == before["metadata"]["uid"]


async def test_the_status_is_the_deployments_live(prod: Cmf) -> None:
    created = await prod.application("prod", application("my-app"))
    assert "status" not in created
    await prod.reconcile("my-app", NS, times=5)
    got = await prod.ok("GET", f"{APPS}/my-app")
    deployment = await prod.deployment("my-app", NS)
    assert got["status"] == deployment["status"]
    assert got["status"]["jobStatus"]["state"] == "RUNNING"
    assert got["status"]["lifecycleState"] == "STABLE"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s["job"].update(parallelism="many"), "spec.job.parallelism"),
        (lambda s: s["job"].update(parallelism=0), "parallelism"),
        (lambda s: s.pop("job"), "spec.job: required"),
        (lambda s: s.update(flinkVersion="v0_1"), "spec.flinkVersion"),
        (lambda s: s.update(flinkConfiguration=["a"]), "flinkConfiguration"),
        (lambda s: s["job"].update(upgradeMode="sometimes"), "spec.job.upgradeMode"),
        (
            lambda s: s["job"].update(startFromSavepoint={"savepointName": "nope"}),
            "spec.job.startFromSavepoint: no savepoint with name 'nope'",
        ),
    ],
)
async def test_a_bad_spec_is_a_422_that_changes_nothing(prod: Cmf, change: Any, words: str) -> None:
    await prod.application("prod", application("my-app"))
    stored_app = await prod.store.get("CmfApplication", "prod", "my-app")
    stored_deployment = await prod.deployment("my-app", NS)
    for name in ("my-app", "new-app"):
        body = application(name)
        change(body["spec"])
        message = await prod.error("POST", APPS, 422, json=body)
        assert words in message
        assert f'FlinkApplication "{name}"' in message
    assert await prod.store.get("CmfApplication", "prod", "my-app") == stored_app
    assert await prod.deployment("my-app", NS) == stored_deployment
    assert [a["metadata"]["name"] for a in await prod.store.list("CmfApplication")] == ["my-app"]
    assert len(await prod.store.list("FlinkDeployment")) == 1


async def test_a_missing_artifact_is_refused_by_admission(prod: Cmf) -> None:
    prod.runtime.missing_artifacts.add(JAR)
    message = await prod.error("POST", APPS, 422, json=application("my-app"))
    assert 'FlinkApplication "my-app" is invalid' in message
    assert await prod.store.list("CmfApplication") == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b.update(kind="FlinkDeployment"), "kind: must be FlinkApplication"),
        (lambda b: b.pop("apiVersion"), "apiVersion"),
        (lambda b: b.pop("spec"), "spec"),
        (lambda b: b.update(metadata="x"), "metadata"),
        (lambda b: b["metadata"].pop("name"), "metadata.name: required"),
        (lambda b: b["metadata"].update(name="abc"), "metadata.name: size must be between 4"),
        (lambda b: b["metadata"].update(name="My_App"), "metadata.name"),
        (lambda b: b["metadata"].update(labels={"a": 1}), "metadata.labels"),
    ],
)
async def test_a_malformed_body_is_a_400(prod: Cmf, change: Any, words: str) -> None:
    body = application("my-app")
    change(body)
    assert words in await prod.error("POST", APPS, 400, json=body)
    assert await prod.store.list("CmfApplication") == []


async def test_unknown_environment_and_application(cmf: Cmf) -> None:
    body = application("my-app")
    assert 'Environment "nope"' in await cmf.error(
        "POST", f"{V1}/environments/nope/applications", 404, json=body
    )
    await cmf.environment("prod", NS)
    for method, path in [
        ("GET", f"{APPS}/ghost"),
        ("DELETE", f"{APPS}/ghost"),
        ("POST", f"{APPS}/ghost/start"),
        ("POST", f"{APPS}/ghost/suspend"),
        ("GET", f"{APPS}/ghost/instances"),
        ("GET", f"{APPS}/ghost/savepoints"),
        ("GET", "/cmf/api/v1alpha1/environments/prod/applications/ghost/events"),
    ]:
        message = await cmf.error(method, path, 404)
        assert 'FlinkApplication "ghost" not found in Environment "prod"' in message
    assert 'Environment "nope"' in await cmf.error(
        "GET", f"{V1}/environments/nope/applications", 404
    )


async def test_a_deployment_that_belongs_to_someone_else_is_a_conflict(prod: Cmf) -> None:
    await prod.harness.create(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkDeployment",
            "metadata": {"name": "taken", "namespace": NS},
            "spec": copy.deepcopy(application("taken")["spec"]),
        }
    )
    message = await prod.error("POST", APPS, 409, json=application("taken"))
    assert 'FlinkDeployment "taken" already exists in namespace "flink-prod"' in message
    assert await prod.store.list("CmfApplication") == []
    # another environment on the same namespace cannot take over an application's deployment
    await prod.environment("twin", NS)
    await prod.application("prod", application("mine"))
    message = await prod.error(
        "POST", f"{V1}/environments/twin/applications", 409, json=application("mine")
    )
    assert "does not belong to this application" in message


@ALSO_ON_POSTGRES
async def test_suspend_and_start_set_the_job_state(prod: Cmf) -> None:
    await prod.application("prod", application("my-app"))
    await prod.reconcile("my-app", NS, times=5)
    suspended = await prod.ok("POST", f"{APPS}/my-app/suspend")
    assert suspended["spec"]["job"]["state"] == "suspended"
    assert (await prod.deployment("my-app", NS))["spec"]["job"]["state"] == "suspended"
    await prod.reconcile("my-app", NS, times=5)
    state = (await prod.ok("GET", f"{APPS}/my-app"))["status"]["lifecycleState"]
    assert state == "SUSPENDED"
    started = await prod.ok("POST", f"{APPS}/my-app/start")
    assert started["spec"]["job"]["state"] == "running"
    await prod.reconcile("my-app", NS, times=6)
    got = await prod.ok("GET", f"{APPS}/my-app")
    assert got["status"]["jobStatus"]["state"] == "RUNNING"


@ALSO_ON_POSTGRES
async def test_delete_removes_the_deployment_and_force_keeps_it(prod: Cmf) -> None:
    await prod.application("prod", application("app-one"))
    await prod.application("prod", application("app-two"))
    await prod.reconcile("app-one", NS, times=5)
    await prod.ok("DELETE", f"{APPS}/app-one", 204)
    await prod.reconcile("app-one", NS, times=5)  # the controller stops Flink, then lets it go
    assert await prod.harness.exists("app-one", NS) is False
    await prod.ok("DELETE", f"{APPS}/app-two?force=true", 204)
    assert await prod.harness.exists("app-two", NS) is True
    assert await prod.store.list("CmfApplication") == []
    assert await prod.store.list("CmfApplicationInstance") == []


@ALSO_ON_POSTGRES
async def test_lists_filter_by_state_and_labels(prod: Cmf) -> None:
    for name in ("app-one", "app-two", "app-three"):
        body = application(name)
        body["metadata"]["labels"] = {"team": "a" if name != "app-two" else "b"}
        await prod.application("prod", body)
    await prod.reconcile("app-two", NS, times=5)

    async def names(query: str) -> list[str]:
        page = await prod.ok("GET", f"{APPS}?{query}")
        return [a["metadata"]["name"] for a in page["items"]]

    assert await names("") == ["app-one", "app-three", "app-two"]
    assert await names("filter=state=RUNNING") == ["app-two"]
    assert await names("filter=state in (running, failed)") == ["app-two"]
    assert await names("filter=state notin (RUNNING)") == ["app-one", "app-three"]
    assert await names("filter=labels.team=a,name=*three") == ["app-three"]
    assert await names("sort=metadata.name,desc&size=2") == ["app-two", "app-three"]
    page = await prod.ok("GET", f"{APPS}?fields=metadata.uid,status.jobStatus.state&size=1")
    [item] = page["items"]
    assert item == {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": "app-one", "uid": item["metadata"]["uid"]},
        "spec": {},  # left out, kept as an object: the spec requires one
    }
    running = await prod.ok("GET", f"{APPS}?fields=status.jobStatus.state&filter=state=RUNNING")
    assert running["items"][0]["status"] == {"jobStatus": {"state": "RUNNING"}}
    message = await prod.error("GET", f"{APPS}?filter=phase=RUNNING", 400)
    assert "unknown field 'phase'" in message
