"""Application instances (one per deployed revision) and application events (v1alpha1)."""

from __future__ import annotations

from typing import Any

import pytest

from cmfkit import ALSO_ON_POSTGRES, V1, Cmf, application

NS = "flink-prod"
APPS = f"{V1}/environments/prod/applications"
EVENTS = "/cmf/api/v1alpha1/environments/prod/applications/my-app/events"


@pytest.fixture
async def prod(cmf: Cmf) -> Cmf:
    defaults = {"spec": {"flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"}}}
    await cmf.environment("prod", NS, flinkApplicationDefaults=defaults)
    return cmf


async def instances(cmf: Cmf) -> list[dict[str, Any]]:
    page = await cmf.ok("GET", f"{APPS}/my-app/instances")
    items: list[dict[str, Any]] = page["items"]
    return items


@ALSO_ON_POSTGRES
async def test_one_instance_per_deployed_revision(prod: Cmf) -> None:
    await prod.application("prod", application("my-app"))
    [first] = await instances(prod)
    assert first["kind"] == "FlinkApplicationInstance"
    assert first["metadata"]["uid"] == first["metadata"]["name"]
    assert first["status"]["spec"]["flinkConfiguration"] == {"taskmanager.numberOfTaskSlots": "2"}
    assert "jobStatus" not in first["status"]  # the controller has not seen it yet
    await prod.reconcile("my-app", NS, times=5)
    [live] = await instances(prod)
    job_id = (await prod.deployment("my-app", NS))["status"]["jobStatus"]["jobId"]
    assert live["status"]["jobStatus"] == {"jobId": job_id, "state": "RUNNING"}

    await prod.application("prod", application("my-app"))  # same spec: same instance
    assert len(await instances(prod)) == 1
    await prod.application("prod", application("my-app", parallelism=2))
    old, new = await instances(prod)
    assert old["metadata"]["name"] == first["metadata"]["name"]
    assert old["status"]["jobStatus"]["jobId"] == job_id  # recorded when it was superseded
    assert new["status"]["spec"]["job"]["parallelism"] == 2
    got = await prod.ok("GET", f"{APPS}/my-app/instances/{new['metadata']['name']}")
    assert got == new
    await prod.error("GET", f"{APPS}/my-app/instances/nope", 404)


async def test_suspending_ends_an_instance_and_starting_begins_one(prod: Cmf) -> None:
    await prod.application("prod", application("my-app", upgradeMode="savepoint"))
    await prod.reconcile("my-app", NS, times=5)
    await prod.ok("POST", f"{APPS}/my-app/suspend")
    await prod.reconcile("my-app", NS, times=6)
    assert len(await instances(prod)) == 1
    await prod.ok("POST", f"{APPS}/my-app/start")
    first, second = await instances(prod)
    assert first["status"]["jobStatus"]["state"] != "RUNNING"
    assert second["status"]["spec"]["job"].get("state", "running") == "running"


async def test_an_application_created_suspended_has_no_instance_until_started(prod: Cmf) -> None:
    await prod.application("prod", application("my-app", state="suspended"))
    assert await instances(prod) == []
    await prod.ok("POST", f"{APPS}/my-app/start")
    assert len(await instances(prod)) == 1


@ALSO_ON_POSTGRES
async def test_events_are_the_deployments_in_cmf_shape(prod: Cmf) -> None:
    await prod.application("prod", application("my-app"))
    await prod.reconcile("my-app", NS, times=5)
    [instance] = await instances(prod)
    page = await prod.ok("GET", EVENTS)
    assert page["metadata"]["size"] == len(page["items"]) > 0
    for event in page["items"]:
        assert event["apiVersion"] == "cmf.confluent.io/v1alpha1"
        assert event["kind"] == "FlinkApplicationEvent"
        assert event["metadata"]["flinkApplicationInstance"] == instance["metadata"]["name"]
    job = [e for e in page["items"] if e["status"]["type"] == "JOB_STATUS"]
    assert job[-1]["status"]["message"].endswith("to RUNNING")
    assert job[-1]["metadata"]["annotations"]["reason"] == "JobStatusChanged"
    only_job = await prod.ok("GET", f"{EVENTS}?filter=type=JOB_STATUS")
    assert only_job["items"] == job
    found = await prod.ok("GET", f"{EVENTS}?search=RUNNING&searchScope=message")
    assert found["items"]
    assert all("RUNNING" in e["status"]["message"] for e in found["items"])
    by_instance = await prod.ok(
        "GET",
        f"{EVENTS}?search={instance['metadata']['name']}&searchScope=flinkApplicationInstance",
    )
    assert len(by_instance["items"]) == len(page["items"])
    assert (await prod.ok("GET", f"{EVENTS}?search=x&searchScope=flinkApplicationInstance"))[
        "items"
    ] == []
