"""`POST .../plan`: what an apply would do, per document; admission errors as data, not a 422."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from serverkit import Api, deployment, serving

from scurry.core.reconciled import serialize
from scurry.models.spec import FlinkDeploymentSpec

PLAN = "/apis/flink.apache.org/v1beta1/plan"


def stateful(name: str = "basic", parallelism: int = 2) -> dict[str, Any]:
    obj = deployment(name, parallelism=parallelism)
    obj["spec"]["job"]["upgradeMode"] = "savepoint"
    return obj


async def running(api: Api, obj: dict[str, Any]) -> None:
    """Stored, and running as its controller would have recorded it."""
    created = await api.create(obj)
    text = serialize(FlinkDeploymentSpec.model_validate(created["spec"]), first_deployment=False)
    status = {
        "jobManagerDeploymentStatus": "READY",
        "lifecycleState": "STABLE",
        "observedGeneration": 1,
        "jobStatus": {"state": "RUNNING", "jobId": "j1", "startTime": "1767225600000"},
        "reconciliationStatus": {
            "state": "DEPLOYED",
            "lastReconciledSpec": text,
            "lastStableSpec": text,
        },
    }
    path = f"{api.path()}/{obj['metadata']['name']}/status"
    (await api.client.put(path, json={"status": status})).raise_for_status()


async def plan(api: Api, *docs: dict[str, Any]) -> list[dict[str, Any]]:
    body = yaml.safe_dump_all(list(docs), sort_keys=False)
    response = await api.client.post(PLAN, content=body)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_new_resource_is_created_and_nothing_is_written(api: Api) -> None:
    [item] = await plan(api, deployment("fresh"))

    assert item == {
        "kind": "FlinkDeployment",
        "namespace": "default",
        "name": "fresh",
        "admitted": True,
        "action": "create",
        "summary": "CREATE (first deployment, empty state)",
        "diffType": None,
        "changes": [],
        "stopsJob": False,
        "suspend": None,
        "snapshot": None,
        "restore": "stateless",
        "restorePath": None,
        "errors": [],
        "notes": [],
    }
    assert (await api.get("fresh")).status_code == 404


async def test_an_upgrade_of_a_running_job_says_how_it_stops_and_restarts(api: Api) -> None:
    await running(api, stateful())

    [item] = await plan(api, stateful(parallelism=4))

    assert item["action"] == "upgrade"
    assert item["diffType"] == "UPGRADE"
    assert item["changes"] == [{"path": "job.parallelism", "old": 2, "new": 4, "type": "UPGRADE"}]
    assert (item["stopsJob"], item["suspend"], item["snapshot"], item["restore"]) == (
        True,
        "SAVEPOINT",
        "savepoint",
        "savepoint",
    )
    assert item["summary"] == "UPGRADE (stop with savepoint, restore from it)"
    assert item["admitted"] is True
    stored = (await api.get("basic")).json()
    assert stored["spec"]["job"]["parallelism"] == 2


async def test_the_diff_is_against_what_runs(api: Api) -> None:
    """A stored spec the controller has not acted on is not the base of the plan."""
    await running(api, stateful())
    changed = (await api.get("basic")).json()
    changed["spec"]["job"]["parallelism"] = 3
    (await api.client.put(f"{api.path()}/basic", json=changed)).raise_for_status()

    [item] = await plan(api, stateful(parallelism=3))

    assert item["changes"] == [{"path": "job.parallelism", "old": 2, "new": 3, "type": "UPGRADE"}]
    assert any("not acted on yet" in note for note in item["notes"])


async def test_many_documents_answer_in_order(api: Api) -> None:
    await running(api, stateful())
    snapshot = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkStateSnapshot",
        "metadata": {"name": "snap"},
        "spec": {
            "jobReference": {"kind": "FlinkDeployment", "name": "basic"},
            "savepoint": {"path": "file:///tmp/sp"},
        },
    }
    session = deployment("session")
    del session["spec"]["job"]

    items = await plan(api, stateful(), session, snapshot)

    assert [(i["kind"], i["name"], i["action"]) for i in items] == [
        ("FlinkDeployment", "basic", "none"),
        ("FlinkDeployment", "session", "create"),
        ("FlinkStateSnapshot", "snap", "create"),
    ]
    assert items[1]["summary"] == "CREATE (session cluster)"
    assert items[2]["summary"] == "CREATE (savepoint of FlinkDeployment/basic)"


async def test_a_suspend(api: Api) -> None:
    await running(api, stateful())
    suspended = stateful()
    suspended["spec"]["job"]["state"] = "suspended"

    [item] = await plan(api, suspended)

    assert (item["action"], item["summary"]) == ("suspend", "SUSPEND (stop with savepoint)")


async def test_admission_errors_are_answered_not_refused(api: Api) -> None:
    invalid = deployment("bad")
    del invalid["spec"]["flinkVersion"]
    other = deployment("good")

    response = await api.client.post(PLAN, json=[invalid, other])

    assert response.status_code == 200
    bad, good = response.json()["items"]
    assert bad["errors"] == ["Flink Version must be defined."]
    assert bad["admitted"] is False
    assert (good["errors"], good["admitted"]) == ([], True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("kind: [", "request body: invalid YAML"),
        ("", "request body: no objects found"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "kind: unknown kind 'Pod'"),
    ],
)
async def test_a_malformed_body_is_a_bad_request(api: Api, body: str, message: str) -> None:
    response = await api.client.post(PLAN, content=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(message)


async def test_without_admission_the_error_is_the_controllers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCURRY_ADMISSION_VALIDATION", "false")
    invalid = copy.deepcopy(deployment("bad"))
    del invalid["spec"]["flinkVersion"]
    async with serving(tmp_path / "home") as api:
        [item] = await plan(api, invalid)

    assert item["admitted"] is True
    assert item["errors"] == ["Flink Version must be defined."]
    assert any("admission validation is off" in note for note in item["notes"])
