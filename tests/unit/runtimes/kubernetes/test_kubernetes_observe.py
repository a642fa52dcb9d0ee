"""Observation from Kubernetes objects alone (pure): which failures count, whose pods."""

from __future__ import annotations

from typing import Any

from scurry.models.cluster import JobManagerState, SubmissionState
from scurry.runtimes.kubernetes.observe import RestCheck, observe_cluster

Obj = dict[str, Any]
TOKEN = "attempt-2"


def deployment(available: int = 0, conditions: list[Obj] | None = None, **meta: Any) -> Obj:
    return {
        "metadata": {
            "name": "orders",
            "annotations": {
                "scurry.io/deploy-token": TOKEN,
                "scurry.io/job-id": "a" * 32,
                "flinkdeployment.flink.apache.org/generation": "3",
            },
            **meta,
        },
        "spec": {"replicas": 1},
        "status": {"availableReplicas": available, "conditions": conditions or []},
    }


def pod(
    token: str = TOKEN, *, init: Obj | None = None, main: Obj | None = None, **meta: Any
) -> Obj:
    status: Obj = {"containerStatuses": [main or {"name": "flink-main-container"}]}
    if init is not None:
        status["initContainerStatuses"] = [init]
    return {
        "metadata": {"name": "orders-x", "annotations": {"scurry.io/deploy-token": token}, **meta},
        "status": status,
    }


def waiting(reason: str, message: str = "") -> Obj:
    return {
        "name": "flink-main-container",
        "state": {"waiting": {"reason": reason, "message": message}},
    }


def test_a_failing_init_container_is_a_failure() -> None:
    fetch = {
        "name": "scurry-fetch-artifacts",
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
    }
    seen = observe_cluster(deployment(), None, [pod(init=fetch)], None)
    assert seen.job_manager is JobManagerState.FAILED
    assert seen.message == "CrashLoopBackOff: back-off 40s"
    assert seen.generation == 3


def test_pods_of_an_older_attempt_or_terminating_ones_do_not_count() -> None:
    broken = waiting("ImagePullBackOff", 'Back-off pulling image "flink:old"')
    pods = [
        pod("attempt-1", main=broken),
        pod(main=broken, deletionTimestamp="2026-01-01T00:00:00Z"),
        pod(),
    ]
    seen = observe_cluster(deployment(), None, pods, None)
    assert seen.job_manager is JobManagerState.STARTING
    assert seen.message is None


def test_transient_waiting_reasons_are_not_failures() -> None:
    for reason in ("ContainerCreating", "PodInitializing"):
        seen = observe_cluster(deployment(), None, [pod(main=waiting(reason))], None)
        assert seen.job_manager is JobManagerState.STARTING, reason


def test_a_deployment_past_its_progress_deadline_is_a_failure() -> None:
    condition = {
        "type": "Progressing",
        "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "orders-5d9" has timed out progressing.',
    }
    seen = observe_cluster(deployment(conditions=[condition]), None, [], None)
    assert seen.job_manager is JobManagerState.FAILED
    assert (
        seen.message
        == 'ProgressDeadlineExceeded: ReplicaSet "orders-5d9" has timed out progressing.'
    )


def test_ready_only_when_the_rest_api_is_this_attempts() -> None:
    stale = observe_cluster(deployment(available=1), None, [pod()], RestCheck(identity="attempt-1"))
    assert stale.job_manager is JobManagerState.STARTING
    assert stale.rest_url is None
    current = RestCheck(identity=TOKEN, job_known=True, flink_version="2.2.0")
    ready = observe_cluster(deployment(available=1), None, [pod()], current, "http://x:8081")
    assert ready.job_manager is JobManagerState.READY
    assert ready.rest_url == "http://x:8081"
    assert ready.submission is SubmissionState.SUBMITTED
    assert ready.flink_version == "2.2.0"


def test_a_jobmanager_being_deleted_is_absent() -> None:
    seen = observe_cluster(deployment(deletionTimestamp="2026-01-01T00:00:00Z"), None, [], None)
    assert not seen.exists
