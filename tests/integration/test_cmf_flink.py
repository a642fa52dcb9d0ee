"""A CMF application on real Flink: created, suspended, started again from its savepoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from flinkkit import ControlPlane, assert_exactly_once, wait_for

from scurry.testing.exactly_once import committed_ids

pytestmark = pytest.mark.flink

V1 = "/cmf/api/v1"
ENV, NS, APP = "cmf-env", "cmf-test", "cmf-app"
APP_PATH = f"{V1}/environments/{ENV}/applications/{APP}"


def application() -> dict[str, Any]:
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "FlinkApplication",
        "metadata": {"name": APP},
        "spec": {
            "flinkVersion": "v2_3",
            "jobManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 0.5}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": [
                    "-py",
                    "/opt/flink/usrlib/python_streaming.py",
                    "--rows-per-second",
                    "100",
                ],
                "parallelism": 1,
                "upgradeMode": "savepoint",
            },
        },
    }


def call(plane: ControlPlane, method: str, path: str, status: int, **kwargs: Any) -> Any:
    response = plane.api(method, path, **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def flink(plane: ControlPlane) -> httpx.Client:
    state = json.loads((plane.cluster_dir(APP, NS) / "state.json").read_text())
    return httpx.Client(base_url=f"http://127.0.0.1:{state['ports']['rest']}", timeout=10)


def running_job(plane: ControlPlane, not_job: str | None = None) -> str | None:
    """The job id once Flink itself reports the application's job and its tasks RUNNING."""
    status = call(plane, "GET", APP_PATH, 200).get("status") or {}
    job_id = (status.get("jobStatus") or {}).get("jobId")
    if not job_id or job_id == not_job or status["jobStatus"].get("state") != "RUNNING":
        return None
    with flink(plane) as client:
        details = client.get(f"/jobs/{job_id}").json()
    tasks = all(v["status"] == "RUNNING" for v in details.get("vertices", []))
    return job_id if details.get("state") == "RUNNING" and tasks else None


def output(plane: ControlPlane) -> list[int]:
    return committed_ids(plane.cluster_dir(APP, NS) / "output")


def local_path(uri: str) -> Path:
    return Path(urlparse(uri).path if uri.startswith("file:") else uri)


def test_an_application_runs_is_suspended_and_starts_again_from_its_savepoint(
    control_plane: ControlPlane,
) -> None:
    plane = control_plane
    defaults = {
        "spec": {
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": "1",
                "execution.checkpointing.interval": "1s",
            }
        }
    }
    env = {"name": ENV, "kubernetesNamespace": NS, "flinkApplicationDefaults": defaults}
    call(plane, "POST", f"{V1}/environments", 200, json=env)
    call(plane, "POST", f"{V1}/environments/{ENV}/applications", 201, json=application())

    first = wait_for("the application's job to run", lambda: running_job(plane))
    before = wait_for(
        "committed output", lambda: len(set(output(plane))) > 50 and len(set(output(plane)))
    )

    call(plane, "POST", f"{APP_PATH}/suspend", 200)
    wait_for(
        "the application to be suspended",
        lambda: (
            (call(plane, "GET", APP_PATH, 200).get("status") or {}).get("lifecycleState")
            == "SUSPENDED"
        ),
    )

    def completed_savepoint() -> dict[str, Any] | None:
        items = call(plane, "GET", f"{APP_PATH}/savepoints", 200)["items"]
        done = [s for s in items if s["status"]["state"] == "COMPLETED" and s["status"]["path"]]
        return done[-1] if done else None

    savepoint = wait_for("the suspension's savepoint", completed_savepoint)
    assert (local_path(savepoint["status"]["path"]) / "_metadata").is_file()

    uid = savepoint["metadata"]["uid"]
    started = call(plane, "POST", f"{APP_PATH}/start", 200, params={"startFromSavepointUid": uid})
    assert started["spec"]["job"]["state"] == "running"
    second = wait_for("the job to run again", lambda: running_job(plane, not_job=first))
    with flink(plane) as client:
        restored = client.get(f"/jobs/{second}/checkpoints").json()["latest"]["restored"]
    assert local_path(restored["external_path"]) == local_path(savepoint["status"]["path"])

    ids = wait_for(
        "output after the restart",
        lambda: (ids := output(plane)) and len(set(ids)) > before + 200 and ids,
    )
    assert_exactly_once(ids)  # the state came back: no id twice, none missing
    instances = call(plane, "GET", f"{APP_PATH}/instances", 200)["items"]
    assert len(instances) == 2

    call(plane, "DELETE", APP_PATH, 204)
    path = f"/apis/flink.apache.org/v1beta1/namespaces/{NS}/flinkdeployments/{APP}"
    wait_for("the deployment to go", lambda: plane.api("GET", path).status_code == 404)
    call(plane, "DELETE", f"{V1}/environments/{ENV}", 204)
