"""What a cluster's Deployments and pods say, as a ClusterObservation. Pure: dicts in.

FKO reports a JobManager that cannot come up as `jobManagerDeploymentStatus:
ERROR`: a `ReplicaFailure` condition on its Deployment (quota, admission, RBAC
refusing the pods), a Deployment past its progress deadline, or a container of
a JobManager pod waiting for a reason that will not pass by itself
(CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError,
...) or killed for memory (OOMKilled). Init containers count too: a failing
artifact fetch is one. Pods of an older deploy attempt are not looked at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scurry.models.cluster import ClusterObservation, JobManagerState, SubmissionState
from scurry.runtimes.kubernetes import naming

Obj = Mapping[str, Any]

FAILED_WAITING = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "RunContainerError",
        "CreateContainerConfigError",
        "CreateContainerError",
        "InvalidImageName",
    }
)
FAILED_TERMINATED = frozenset({"OOMKilled"})


@dataclass(frozen=True)
class RestCheck:
    """What the JobManager's REST API said, when it was asked."""

    identity: str | None = None  # the deploy id in its configuration
    job_known: bool = False  # the recorded job is in /jobs/overview
    flink_version: str | None = None
    flink_revision: str | None = None


def annotations_of(obj: Obj | None) -> Mapping[str, str]:
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def deployment_failure(deployment: Obj) -> str | None:
    """A ReplicaFailure or an exceeded progress deadline, as one line."""
    for condition in (deployment.get("status") or {}).get("conditions") or []:
        kind, status = condition.get("type"), condition.get("status")
        reason, message = condition.get("reason") or "", condition.get("message") or ""
        if kind == "ReplicaFailure" and status == "True":
            return _line(reason or "ReplicaFailure", message)
        if kind == "Progressing" and status == "False" and reason == "ProgressDeadlineExceeded":
            return _line(reason, message)
    return None


def pod_failure(pod: Obj) -> str | None:
    """The first container (init containers first) stuck for a reason that will not pass."""
    status = pod.get("status") or {}
    for field in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(field) or []:
            failure = _container_failure(container)
            if failure:
                return failure
    return None


def _container_failure(container: Obj) -> str | None:
    name = container.get("name") or "container"
    state = container.get("state") or {}
    waiting = state.get("waiting") or {}
    if waiting.get("reason") in FAILED_WAITING:
        last = (container.get("lastState") or {}).get("terminated") or {}
        if last.get("reason") in FAILED_TERMINATED:
            return _line(last["reason"], f"container {name} ran out of memory")
        return _line(waiting["reason"], waiting.get("message") or f"container {name}")
    for terminated in (
        state.get("terminated"),
        (container.get("lastState") or {}).get("terminated"),
    ):
        if terminated and terminated.get("reason") in FAILED_TERMINATED:
            return _line(terminated["reason"], f"container {name} ran out of memory")
    return None


def _line(reason: str, message: str) -> str:
    text = " ".join(message.split())
    return f"{reason}: {text}" if text else reason


def current_pods(pods: Sequence[Obj], token: str | None) -> list[Obj]:
    """Pods of the deploy attempt `token` that are not being deleted."""
    return [
        pod
        for pod in pods
        if annotations_of(pod).get(naming.DEPLOY_TOKEN_ANNOTATION) == token
        and not (pod.get("metadata") or {}).get("deletionTimestamp")
    ]


def observe_cluster(
    jobmanager: Obj | None,
    taskmanager: Obj | None,
    jobmanager_pods: Sequence[Obj],
    rest: RestCheck | None,
    rest_url: str | None = None,
) -> ClusterObservation:
    """The runtime's report from the objects of one cluster and a look at its REST API."""
    if jobmanager is None or (jobmanager.get("metadata") or {}).get("deletionTimestamp"):
        return ClusterObservation.absent()
    notes = annotations_of(jobmanager)
    token = notes.get(naming.DEPLOY_TOKEN_ANNOTATION)
    job_id = notes.get(naming.JOB_ID_ANNOTATION)
    state, message = _jobmanager_state(
        jobmanager, current_pods(jobmanager_pods, token), rest, token
    )
    ready_tms, desired_tms = _replicas(taskmanager)
    return ClusterObservation(
        exists=True,
        generation=_int(notes.get(naming.GENERATION_ANNOTATION)),
        token=token,
        job_manager=state,
        rest_url=rest_url if state is JobManagerState.READY else None,
        task_managers_ready=ready_tms,
        task_managers_desired=desired_tms,
        submission=_submission(job_id, state, rest),
        job_id=job_id,
        message=message,
        flink_version=rest.flink_version if rest else None,
        flink_revision=rest.flink_revision if rest else None,
    )


def _jobmanager_state(
    deployment: Obj, pods: Sequence[Obj], rest: RestCheck | None, token: str | None
) -> tuple[JobManagerState, str | None]:
    failure = deployment_failure(deployment) or next(
        (found for found in map(pod_failure, pods) if found), None
    )
    if failure:
        return JobManagerState.FAILED, failure
    available = int((deployment.get("status") or {}).get("availableReplicas") or 0)
    if available > 0 and rest is not None and rest.identity == token:
        return JobManagerState.READY, None
    return JobManagerState.STARTING, None


def _replicas(deployment: Obj | None) -> tuple[int, int]:
    if deployment is None:
        return 0, 0
    ready = int((deployment.get("status") or {}).get("readyReplicas") or 0)
    return ready, int((deployment.get("spec") or {}).get("replicas") or 0)


def _submission(
    job_id: str | None, state: JobManagerState, rest: RestCheck | None
) -> SubmissionState:
    """Application mode runs the job by itself: it is submitted once Flink lists it."""
    if job_id is None:
        return SubmissionState.NONE
    if state is JobManagerState.READY and rest is not None and rest.job_known:
        return SubmissionState.SUBMITTED
    return SubmissionState.PENDING


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
