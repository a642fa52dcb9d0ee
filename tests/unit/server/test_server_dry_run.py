"""`?dryRun=All`: the object as the store would keep it, and nothing stored."""

from __future__ import annotations

import copy

import pytest
from serverkit import Api, deployment

DRY = {"dryRun": "All"}
MERGE = {"Content-Type": "application/merge-patch+json"}


async def test_a_dry_run_create_answers_the_server_fields_and_stores_nothing(api: Api) -> None:
    response = await api.client.post(api.path(), params=DRY, json=deployment())

    assert response.status_code == 201
    meta = response.json()["metadata"]
    assert meta["name"] == "basic"
    assert meta["generation"] == 1
    assert len(meta["uid"]) == 36
    assert meta["creationTimestamp"].endswith("Z")
    assert "resourceVersion" not in meta
    assert "status" not in response.json()
    assert (await api.get("basic")).status_code == 404


async def test_a_dry_run_create_of_a_taken_name_is_a_conflict(api: Api) -> None:
    await api.create(deployment())

    response = await api.client.post(api.path(), params=DRY, json=deployment())

    assert response.status_code == 409
    assert response.json()["errors"][0]["message"] == (
        'flinkdeployments.flink.apache.org "basic" already exists'
    )


async def test_a_dry_run_spec_update_bumps_generation_and_keeps_status(api: Api) -> None:
    created = await api.create(deployment())
    status = await api.client.put(f"{api.path()}/basic/status", json={"status": {"state": "X"}})
    stored = status.json()
    changed = copy.deepcopy(stored)
    changed["spec"]["job"]["parallelism"] = 4
    changed["status"] = {"state": "ignored"}

    response = await api.client.put(f"{api.path()}/basic", params=DRY, json=changed)

    would = response.json()
    assert response.status_code == 200
    assert would["spec"]["job"]["parallelism"] == 4
    assert would["metadata"]["generation"] == 2
    assert would["status"] == {"state": "X"}
    assert would["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert would["metadata"]["uid"] == created["metadata"]["uid"]
    assert (await api.get("basic")).json() == stored


async def test_a_dry_run_metadata_change_keeps_the_generation(api: Api) -> None:
    await api.create(deployment())

    response = await api.client.patch(
        f"{api.path()}/basic",
        params=DRY,
        json={"metadata": {"labels": {"app": "web"}}},
        headers=MERGE,
    )

    would = response.json()
    assert would["metadata"]["labels"] == {"app": "web"}
    assert would["metadata"]["generation"] == 1
    assert "labels" not in (await api.get("basic")).json()["metadata"]


async def test_a_dry_run_patch_shows_the_merged_spec(api: Api) -> None:
    await api.create(deployment())

    response = await api.client.patch(
        f"{api.path()}/basic",
        params=DRY,
        json={"spec": {"job": {"parallelism": 7, "upgradeMode": None}}},
        headers=MERGE,
    )

    job = response.json()["spec"]["job"]
    assert job["parallelism"] == 7
    assert "upgradeMode" not in job
    assert response.json()["metadata"]["generation"] == 2
    assert (await api.get("basic")).json()["spec"]["job"]["parallelism"] == 2


async def test_a_dry_run_that_changes_nothing_answers_the_stored_object(api: Api) -> None:
    created = await api.create(deployment())

    response = await api.client.put(f"{api.path()}/basic", params=DRY, json=created)

    assert response.json() == created


async def test_a_dry_run_over_a_stale_version_is_a_conflict(api: Api) -> None:
    created = await api.create(deployment())
    await api.client.put(f"{api.path()}/basic/status", json={"status": {"state": "X"}})

    response = await api.client.put(f"{api.path()}/basic", params=DRY, json=created)

    assert response.status_code == 409


async def test_dry_run_knows_only_all(api: Api) -> None:
    response = await api.client.post(api.path(), params={"dryRun": "true"}, json=deployment())

    assert response.status_code == 400
    assert "dryRun: unsupported value 'true'" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "content_type", ["application/json-patch+json", "application/strategic-merge-patch+json"]
)
async def test_only_merge_patches_are_accepted(api: Api, content_type: str) -> None:
    await api.create(deployment())

    response = await api.client.patch(
        f"{api.path()}/basic", content=b"[]", headers={"Content-Type": content_type}
    )

    assert response.status_code == 415
    assert "application/merge-patch+json" in response.json()["errors"][0]["message"]
