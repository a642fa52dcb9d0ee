"""Savepoints of applications, detaching them, detached savepoints, starting from them."""

from __future__ import annotations

from typing import Any

import pytest

from cmfkit import ALSO_ON_POSTGRES, V1, Cmf, application

NS = "flink-prod"
APPS = f"{V1}/environments/prod/applications"
SAVEPOINTS = f"{APPS}/my-app/savepoints"
DETACHED = f"{V1}/detached-savepoints"
SNAPSHOT = "FlinkStateSnapshot"


@pytest.fixture
async def running(cmf: Cmf) -> Cmf:
    """Environment prod with application my-app (savepoint upgrades) RUNNING on the fakes."""
    await cmf.environment("prod", NS)
    await cmf.application("prod", application("my-app", upgradeMode="savepoint"))
    await cmf.reconcile("my-app", NS, times=5)
    state = (await cmf.ok("GET", f"{APPS}/my-app"))["status"]["jobStatus"]["state"]
    assert state == "RUNNING"
    return cmf


async def completed(cmf: Cmf, name: str) -> dict[str, Any]:
    """Reconcile snapshot `name` until the API shows it COMPLETED."""
    for _ in range(10):
        await cmf.harness.reconcile(name, namespace=NS, kind=SNAPSHOT)
        found: dict[str, Any] = await cmf.ok("GET", f"{SAVEPOINTS}/{name}")
        if found["status"]["state"] == "COMPLETED":
            return found
        cmf.harness.clock.advance(cmf.harness.last_delay or 1.0)
    raise AssertionError(f"{name} did not complete")


@ALSO_ON_POSTGRES
async def test_a_savepoint_is_a_snapshot_of_the_applications_deployment(running: Cmf) -> None:
    body = {"metadata": {"name": "sp-one"}, "spec": {"path": "file:///tmp/sp", "backoffLimit": 2}}
    created = await running.ok("POST", SAVEPOINTS, 201, json=body)
    assert created["kind"] == "Savepoint"
    assert created["spec"] == {
        "path": "file:///tmp/sp",
        "backoffLimit": 2,
        "formatType": "CANONICAL",
    }
    assert created["status"]["state"] == "TRIGGER_PENDING"
    snapshot = await running.store.get(SNAPSHOT, NS, "sp-one")
    assert snapshot["spec"]["jobReference"] == {"kind": "FlinkDeployment", "name": "my-app"}
    assert snapshot["spec"]["savepoint"]["path"] == "file:///tmp/sp"
    assert snapshot["spec"]["backoffLimit"] == 2
    assert snapshot["metadata"]["labels"]["cmf.confluent.io/application"] == "my-app"
    done = await completed(running, "sp-one")
    assert done["status"]["path"]
    assert done["status"]["triggerTimestamp"]
    assert done["status"]["resultTimestamp"]
    assert done["status"]["failures"] == 0
    assert done["metadata"]["uid"] == snapshot["metadata"]["uid"]
    listed = await running.ok("GET", SAVEPOINTS)
    assert [s["metadata"]["name"] for s in listed["items"]] == ["sp-one"]


async def test_a_savepoint_without_a_name_gets_one(running: Cmf) -> None:
    created = await running.ok("POST", SAVEPOINTS, 201, json={"spec": {"formatType": "NATIVE"}})
    assert created["metadata"]["name"].startswith("my-app-savepoint-manual-")
    assert created["spec"]["formatType"] == "NATIVE"


async def test_a_savepoint_needs_no_body(running: Cmf) -> None:
    """The spec makes the body of both savepoint creates optional."""
    created = await running.ok("POST", SAVEPOINTS, 201)
    assert created["metadata"]["name"].startswith("my-app-savepoint-manual-")
    assert await running.store.get(SNAPSHOT, NS, created["metadata"]["name"])
    message = await running.error("POST", DETACHED, 400)
    assert "metadata.name" in message


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"metadata": {"name": "sp-one"}}, 409, 'Savepoint "sp-one" already exists'),
        ({"spec": {"formatType": "ZIP"}}, 400, "spec.formatType"),
        ({"spec": {"backoffLimit": "often"}}, 400, "spec.backoffLimit"),
        ({"spec": {"backoffLimit": -2}}, 400, "spec.backoffLimit"),
        ({"kind": "Statement", "spec": {}}, 400, "kind: must be Savepoint"),
        ({"metadata": {"name": "Bad_Name"}}, 400, "metadata.name"),
    ],
)
async def test_bad_savepoints(running: Cmf, body: dict[str, Any], status: int, words: str) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    assert words in await running.error("POST", SAVEPOINTS, status, json=body)
    assert len(await running.store.list(SNAPSHOT, NS)) == 1


async def test_the_list_shows_the_controllers_snapshots_too(running: Cmf) -> None:
    await running.ok("POST", f"{APPS}/my-app/suspend")
    await running.reconcile("my-app", NS, times=6)
    listed = await running.ok("GET", SAVEPOINTS)
    [upgrade] = listed["items"]
    assert upgrade["metadata"]["labels"]["snapshot.trigger-type"] == "UPGRADE"
    assert upgrade["status"]["state"] in ("COMPLETED", "TRIGGER_PENDING")
    deployment = await running.deployment("my-app", NS)
    assert upgrade["spec"]["path"] == deployment["status"]["jobStatus"]["upgradeSavepointPath"]


@ALSO_ON_POSTGRES
async def test_start_from_a_savepoint_uid_redeploys_from_its_path(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    done = await completed(running, "sp-one")
    await running.ok("POST", f"{APPS}/my-app/suspend")
    await running.reconcile("my-app", NS, times=6)
    uid = done["metadata"]["uid"]
    started = await running.ok("POST", f"{APPS}/my-app/start?startFromSavepointUid={uid}")
    assert started["spec"]["job"]["state"] == "running"
    assert started["spec"]["job"]["startFromSavepoint"] == {"uid": uid}
    job = (await running.deployment("my-app", NS))["spec"]["job"]
    assert job["initialSavepointPath"] == done["status"]["path"]
    assert job["savepointRedeployNonce"] == 1
    await running.reconcile("my-app", NS, times=8)
    status = (await running.ok("GET", f"{APPS}/my-app"))["status"]
    assert status["jobStatus"]["state"] == "RUNNING"
    assert running.runtime.applied[-1].job is not None
    assert running.runtime.applied[-1].job.savepoint_path == done["status"]["path"]
    # the same savepoint again: a new nonce, so the job starts over from it once more
    await running.ok("POST", f"{APPS}/my-app/start?startFromSavepointUid={uid}")
    assert (await running.deployment("my-app", NS))["spec"]["job"]["savepointRedeployNonce"] == 2


async def test_start_from_an_unknown_or_unfinished_savepoint(running: Cmf) -> None:
    message = await running.error("POST", f"{APPS}/my-app/start?startFromSavepointUid=nope", 404)
    assert 'uid "nope" not found' in message
    created = await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    uid = created["metadata"]["uid"]
    message = await running.error("POST", f"{APPS}/my-app/start?startFromSavepointUid={uid}", 409)
    assert "not completed" in message


@ALSO_ON_POSTGRES
async def test_detach_keeps_path_and_uid_and_leaves_the_files(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    done = await completed(running, "sp-one")
    kept = await running.ok("POST", f"{SAVEPOINTS}/sp-one/detach")
    assert kept["metadata"]["name"] == "sp-one"
    assert kept["metadata"]["uid"] == done["metadata"]["uid"]
    assert kept["spec"]["path"] == done["status"]["path"]
    await running.error("GET", f"{SAVEPOINTS}/sp-one", 404)
    assert await running.store.list(SNAPSHOT, NS) == []
    assert running.runtime.disposed == []
    listed = await running.ok("GET", DETACHED)
    assert [s["metadata"]["name"] for s in listed["items"]] == ["sp-one"]
    # a detached savepoint starts another application, found by its uid or by its name
    fresh = application("other-app", startFromSavepoint={"savepointName": "sp-one"})
    await running.application("prod", fresh)
    assert (await running.deployment("other-app", NS))["spec"]["job"]["initialSavepointPath"] == (
        done["status"]["path"]
    )
    uid = done["metadata"]["uid"]
    await running.ok("POST", f"{APPS}/my-app/start?startFromSavepointUid={uid}")
    assert (await running.deployment("my-app", NS))["spec"]["job"]["initialSavepointPath"] == (
        done["status"]["path"]
    )
    await running.ok("DELETE", f"{DETACHED}/sp-one", 204)
    assert running.runtime.disposed == []


async def test_only_a_completed_savepoint_can_be_detached(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    message = await running.error("POST", f"{SAVEPOINTS}/sp-one/detach", 409)
    assert "TRIGGER_PENDING" in message
    assert await running.store.list("CmfDetachedSavepoint") == []


async def test_delete_disposes_through_the_controller(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    done = await completed(running, "sp-one")
    await running.ok("DELETE", f"{SAVEPOINTS}/sp-one", 204)
    pending = await running.ok("GET", f"{SAVEPOINTS}/sp-one")
    assert pending["status"]["pendingDeletion"] is True
    await running.harness.reconcile("sp-one", namespace=NS, kind=SNAPSHOT)
    assert running.runtime.disposed == [done["status"]["path"]]
    await running.error("GET", f"{SAVEPOINTS}/sp-one", 404)


async def test_forced_delete_goes_even_when_disposing_fails(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    await completed(running, "sp-one")

    async def broken(path: str) -> bool:
        raise OSError(f"{path}: permission denied")

    running.runtime.dispose_snapshot = broken  # type: ignore[method-assign]
    await running.ok("DELETE", f"{SAVEPOINTS}/sp-one?force=true", 204)
    await running.error("GET", f"{SAVEPOINTS}/sp-one", 404)
    assert await running.store.list(SNAPSHOT, NS) == []


async def test_deleting_the_application_deletes_its_savepoints(running: Cmf) -> None:
    await running.ok("POST", SAVEPOINTS, 201, json={"metadata": {"name": "sp-one"}})
    await completed(running, "sp-one")
    await running.ok("DELETE", f"{APPS}/my-app", 204)
    await running.harness.reconcile("sp-one", namespace=NS, kind=SNAPSHOT)
    assert await running.store.list(SNAPSHOT, NS) == []
    assert len(running.runtime.disposed) == 1


@ALSO_ON_POSTGRES
async def test_detached_savepoints_crud(cmf: Cmf) -> None:
    body = {"metadata": {"name": "ds-one"}, "spec": {"path": "file:///sp/1", "backoffLimit": 10}}
    created = await cmf.ok("POST", DETACHED, 201, json=body)
    assert created["spec"] == {
        "path": "file:///sp/1",
        "backoffLimit": 10,
        "formatType": "CANONICAL",
    }
    assert created["metadata"]["uid"]
    await cmf.ok(
        "POST", DETACHED, 201, json={"metadata": {"name": "other"}, "spec": {"path": "/p"}}
    )
    assert "already exists" in await cmf.error("POST", DETACHED, 409, json=body)
    no_path = {"metadata": {"name": "ds-two"}, "spec": {}}
    assert "spec.path: required" in await cmf.error("POST", DETACHED, 400, json=no_path)
    assert "metadata.name" in await cmf.error("POST", DETACHED, 400, json={"spec": {"path": "/p"}})
    got = await cmf.ok("GET", f"{DETACHED}/ds-one")
    assert got == created

    async def names(query: str) -> list[str]:
        return [
            s["metadata"]["name"] for s in (await cmf.ok("GET", f"{DETACHED}?{query}"))["items"]
        ]

    assert await names("") == ["ds-one", "other"]
    assert await names("name=ds") == ["ds-one"]
    assert await names("filter=name=oth*") == ["other"]
    await cmf.ok("DELETE", f"{DETACHED}/ds-one", 204)
    await cmf.error("GET", f"{DETACHED}/ds-one", 404)
    await cmf.error("DELETE", f"{DETACHED}/ds-one", 404)
