"""Admission refuses a start from a savepoint that is known not to exist."""

from __future__ import annotations

from typing import Any

from serverkit import JAR, Api

MISSING = "file:///backups/savepoint-gone"


def deployment(name: str, **job: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "job": {"jarURI": JAR, "parallelism": 1, "upgradeMode": "savepoint", **job},
        },
    }


async def test_a_missing_initial_savepoint_is_refused(api: Api) -> None:
    api.runtime.missing_artifacts.add(MISSING)
    response = await api.client.post(
        api.path(), json=deployment("from-nowhere", initialSavepointPath=MISSING)
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "message": 'FlinkDeployment "from-nowhere" is invalid: savepoint '
                f"{MISSING} does not exist (no _metadata there)"
            }
        ]
    }
    assert (await api.get("from-nowhere")).status_code == 404


async def test_an_unchanged_initial_savepoint_is_not_checked_again(api: Api) -> None:
    await api.create(deployment("started", initialSavepointPath=MISSING))
    api.runtime.missing_artifacts.add(MISSING)  # disposed since the job started from it
    current = (await api.get("started")).json()
    current["spec"]["job"]["parallelism"] = 2
    response = await api.client.put(f"{api.path()}/started", json=current)
    assert response.status_code == 200, response.text
