"""What the pages show of a resource, read from its stored object (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scurry.ports import Obj

GOOD = frozenset({"RUNNING", "STABLE", "DEPLOYED", "READY", "COMPLETED", "FINISHED"})
BAD = frozenset({"FAILED", "FAILING", "ERROR", "MISSING", "ROLLED_BACK", "ABANDONED"})
IDLE = frozenset({"SUSPENDED", "CANCELED", "CREATED", "SUSPENDING"})


def tone(state: str | None) -> str:
    """The colour class of a state's badge: good, bad, idle or busy (anything in between)."""
    if not state:
        return "idle"
    if state in GOOD:
        return "good"
    if state in BAD:
        return "bad"
    return "idle" if state in IDLE else "busy"


def dig(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, or None where a step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


@dataclass(frozen=True)
class Row:
    """One line of a list: a deployment, a session job or an application."""

    kind: str
    namespace: str
    name: str
    lifecycle: str | None
    job_state: str | None
    environment: str | None = None
    error: str | None = None

    @property
    def href(self) -> str:
        if self.kind == "FlinkApplication":
            return f"/ui/environments/{self.environment}/applications/{self.name}"
        plural = "flinksessionjobs" if self.kind == "FlinkSessionJob" else "flinkdeployments"
        return f"/ui/namespaces/{self.namespace}/{plural}/{self.name}"


def row_of(obj: Obj, environment: str | None = None) -> Row:
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    return Row(
        kind=obj.get("kind", ""),
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        lifecycle=status.get("lifecycleState"),
        job_state=dig(status, "jobStatus", "state"),
        environment=environment,
        error=status.get("error"),
    )


@dataclass(frozen=True)
class Summary:
    """The detail page's facts about a FlinkDeployment or FlinkSessionJob."""

    lifecycle: str | None
    job_state: str | None
    job_id: str | None
    jm_status: str | None
    desired_state: str | None
    parallelism: int | None
    task_managers: int | None
    last_savepoint: str | None
    last_checkpoint: str | None
    reconciliation: str | None
    error: str | None
    conditions: list[dict[str, Any]] = field(default_factory=list)


def summary_of(obj: Obj, snapshots: list[Obj]) -> Summary:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    job_status = status.get("jobStatus") or {}
    return Summary(
        lifecycle=status.get("lifecycleState"),
        job_state=job_status.get("state"),
        job_id=job_status.get("jobId"),
        jm_status=status.get("jobManagerDeploymentStatus"),
        desired_state=desired(spec),
        parallelism=dig(spec, "job", "parallelism"),
        task_managers=dig(status, "taskManager", "replicas"),
        last_savepoint=last_snapshot(snapshots, "SAVEPOINT")
        or dig(job_status, "savepointInfo", "lastSavepoint", "location"),
        last_checkpoint=last_snapshot(snapshots, "CHECKPOINT")
        or checkpoint_text(dig(job_status, "checkpointInfo", "lastCheckpoint")),
        reconciliation=dig(status, "reconciliationStatus", "state"),
        error=status.get("error"),
        conditions=list(status.get("conditions") or []),
    )


def desired(spec: Obj) -> str | None:
    """The job state the spec asks for (FKO's default is running); None without a job."""
    job = spec.get("job")
    if not isinstance(job, dict):
        return None
    return str(job.get("state") or "running")


def checkpoint_text(checkpoint: Any) -> str | None:
    if not isinstance(checkpoint, dict) or not checkpoint.get("timeStamp"):
        return None
    return f"{checkpoint.get('triggerType') or 'checkpoint'} at {millis(checkpoint['timeStamp'])}"


def millis(stamp: int) -> str:
    return datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def last_snapshot(snapshots: list[Obj], kind: str) -> str | None:
    """The path of the newest completed snapshot of `kind` (SAVEPOINT or CHECKPOINT)."""
    done = [
        s
        for s in snapshots
        if dig(s, "status", "state") == "COMPLETED" and snapshot_kind(s) == kind
    ]
    done.sort(key=lambda s: dig(s, "status", "resultTimestamp") or "")
    return dig(done[-1], "status", "path") if done else None


def snapshot_kind(snapshot: Obj) -> str:
    return "CHECKPOINT" if dig(snapshot, "spec", "checkpoint") is not None else "SAVEPOINT"


def snapshots_of(snapshots: list[Obj], kind: str, name: str) -> list[Obj]:
    """The snapshots whose job reference names the resource, newest first."""
    mine = [
        s
        for s in snapshots
        if dig(s, "spec", "jobReference", "name") == name
        and (dig(s, "spec", "jobReference", "kind") or kind) == kind
    ]
    return sorted(mine, key=lambda s: dig(s, "metadata", "creationTimestamp") or "", reverse=True)
