"""What a runtime realizes and what it reports back: runtime-neutral cluster shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClusterRef(_Frozen):
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class Owner(_Frozen):
    api_version: str
    kind: str
    name: str
    uid: str


class JobLaunch(_Frozen):
    """The job an application cluster runs, as FKO's application mode starts it."""

    jar_uri: str | None
    entry_class: str | None
    args: tuple[str, ...] = ()
    parallelism: int
    job_id: str
    savepoint_path: str | None = None
    allow_non_restored_state: bool = False
    flink_config: dict[str, str] = Field(default_factory=dict)  # per-job settings (session jobs)


class PreparedJob(_Frozen):
    """A job ready for `/jars/run`: its jar on this machine and its final arguments."""

    jar_path: str
    entry_class: str | None
    args: tuple[str, ...]


class ComponentResources(_Frozen):
    memory_bytes: int
    cpu: float | None = None
    replicas: int = 1
    pod_template: dict[str, Any] | None = None
    # The spec's Kubernetes `resources` (requests/limits) as written, for what cpu and
    # memory do not carry: limit factors, ephemeral storage, extended resources.
    requirements: dict[str, Any] | None = None
    # The main container's environment, resolved from the pod templates by the controller
    # (see `Runtime.needs_resolved_env`); it may hold Secrets' values.
    env: dict[str, str] = Field(default_factory=dict)


class ClusterSpec(_Frozen):
    """One Flink cluster: a JobManager, its TaskManagers and, for applications, a job.

    `generation` is the resource generation this spec was built from and `token`
    names the deploy attempt; a runtime reports both back, so the controller can
    tell the cluster it just deployed from an older one.
    """

    ref: ClusterRef
    owner: Owner
    generation: int
    token: str  # identifies one deploy attempt; reported back by observe()
    flink_version: str | None
    flink_config: dict[str, str]
    job_manager: ComponentResources
    task_manager: ComponentResources
    job: JobLaunch | None = None
    image: str | None = None
    image_pull_policy: str | None = None
    service_account: str | None = None
    pod_template: dict[str, Any] | None = None
    log_configuration: dict[str, str] = Field(default_factory=dict)
    mode: str = "native"
    ingress: dict[str, Any] | None = None


class JobManagerState(StrEnum):
    ABSENT = "ABSENT"  # no cluster, or the cluster is being removed
    STARTING = "STARTING"  # process started, REST API not answering yet
    READY = "READY"  # REST API answers and belongs to this cluster
    LOST = "LOST"  # the JobManager died and was not restarted
    FAILED = "FAILED"  # the JobManager could not start (e.g. a port was taken)


class SubmissionState(StrEnum):
    NONE = "NONE"  # session cluster: nothing to submit
    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    FAILED = "FAILED"


class ClusterObservation(_Frozen):
    """A runtime's report on one cluster."""

    exists: bool
    generation: int | None = None
    token: str | None = None
    job_manager: JobManagerState = JobManagerState.ABSENT
    rest_url: str | None = None
    task_managers_ready: int = 0
    task_managers_desired: int = 0
    submission: SubmissionState = SubmissionState.NONE
    job_id: str | None = None
    message: str | None = None  # why the JM failed / the job could not be submitted
    flink_version: str | None = None
    flink_revision: str | None = None
    ignored_fields: tuple[str, ...] = ()

    @classmethod
    def absent(cls) -> ClusterObservation:
        return cls(exists=False)
