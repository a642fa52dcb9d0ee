"""Job operations: `suspend`, `resume`, `restart`, `savepoint` and `checkpoint NAME`.

The first three are merge patches of the spec, FKO's way (`spec.job.state`,
`spec.restartNonce`); with `--wait` they follow the status until the
controller is done. `savepoint` and `checkpoint` create a FlinkStateSnapshot
named as FKO names manual ones and wait (unless `--no-wait`) until it is
COMPLETED (the path is printed) or FAILED/ABANDONED (its error is, exit 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer

from scurry.cli import options
from scurry.cli.client import ApiClient, Obj
from scurry.cli.output import write
from scurry.cli.polling import Probe, TimedOut, parse_duration, wait_until
from scurry.cli.refs import Target, namespace_or_default
from scurry.cli.session import Session
from scurry.errors import InvalidInput, ScurryError
from scurry.models.manifest import kind_by_name
from scurry.models.resources import (
    FLINK_API_VERSION,
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
)

POLL_INTERVAL = 0.5
SNAPSHOT_ENDS = ("COMPLETED", "FAILED", "ABANDONED")
TRIGGER_LABEL = "snapshot.trigger-type"

Name = Annotated[
    str, typer.Argument(help="The FlinkDeployment (or FlinkSessionJob).", show_default=False)
]
Kind = Annotated[
    str, typer.Option("--kind", help="flinkdeployment or flinksessionjob (any kubectl name).")
]
Wait = Annotated[bool, typer.Option("--wait", help="Wait until the controller is done.")]
NoWait = Annotated[bool, typer.Option("--no-wait", help="Create the snapshot and return at once.")]


class JobFailed(ScurryError):
    """What was waited for ended badly: a FAILED job, a FAILED or ABANDONED snapshot."""


class SavepointFormat(StrEnum):
    canonical = "canonical"
    native = "native"


def job_target(kind: str, name: str) -> Target:
    info = kind_by_name(kind)
    if info not in (FLINK_DEPLOYMENT, FLINK_SESSION_JOB):
        raise InvalidInput(f"--kind: must be flinkdeployment or flinksessionjob, not {kind!r}")
    return Target(info, name)


def read_job(client: ApiClient, target: Target, namespace: str, verb: str) -> Obj:
    """The resource, which must run a job (a session cluster has none to act on)."""
    obj = client.get(target.info, namespace, target.name)
    if not (obj.get("spec") or {}).get("job"):
        raise InvalidInput(f"{target.short} has no job (a session cluster): nothing to {verb}")
    return obj


# --- suspend, resume, restart --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A spec change, what is printed once it is made, and when the controller is done."""

    verb: str
    said: str
    patch: Callable[[Obj], Obj]  # the resource before -> the merge patch
    done: Callable[[Obj, Obj], bool]  # (the resource before, now) -> finished
    needs_running: bool = False  # refused for a suspended job


def _status(obj: Obj) -> dict[str, Any]:
    status: dict[str, Any] = obj.get("status") or {}
    return status


def _job_running(obj: Obj) -> bool:
    status = _status(obj)
    running = (status.get("jobStatus") or {}).get("state") == "RUNNING"
    return status.get("lifecycleState") == "STABLE" and running


def _job_id(obj: Obj) -> Any:
    return (_status(obj).get("jobStatus") or {}).get("jobId")


def _next_nonce(obj: Obj) -> Obj:
    current = (obj.get("spec") or {}).get("restartNonce") or 0
    return {"spec": {"restartNonce": int(current) + 1}}


SUSPEND = Change(
    "suspend",
    "suspended",
    lambda _: {"spec": {"job": {"state": "suspended"}}},
    lambda _, now: _status(now).get("lifecycleState") == "SUSPENDED",
)
RESUME = Change(
    "resume",
    "resumed",
    lambda _: {"spec": {"job": {"state": "running"}}},
    lambda _, now: _job_running(now),
)
RESTART = Change(
    "restart",
    "restart requested",
    _next_nonce,
    lambda before, now: _job_running(now) and _job_id(now) != _job_id(before),
    needs_running=True,
)


def change_job(
    ctx: typer.Context,
    change: Change,
    name: str,
    namespace: str | None,
    kind: str,
    wait: bool,
    timeout: str,
) -> None:
    seconds = parse_duration(timeout)
    client = Session.of(ctx).client()
    target, ns = job_target(kind, name), namespace_or_default(namespace)
    before = read_job(client, target, ns, change.verb)
    if change.needs_running and before["spec"]["job"].get("state") == "suspended":
        raise InvalidInput(f"{target.short} is suspended: `scurry resume {name}` starts it")
    after = client.patch(target.info, ns, name, change.patch(before))
    unchanged = after["metadata"].get("resourceVersion") == before["metadata"].get(
        "resourceVersion"
    )
    write(f"{target.display} {change.said}{' (no change)' if unchanged else ''}")
    if wait:
        await_job(client, target, ns, seconds, lambda now: _judge(change, before, after, now))


def _judge(change: Change, before: Obj, after: Obj, now: Obj) -> Probe:
    """Done once the controller has seen the change and finished it; a FAILED job raises."""
    status = _status(now)
    job_state = (status.get("jobStatus") or {}).get("state") or "-"
    shown = f"{status.get('lifecycleState') or 'CREATED'} (job {job_state})"
    if status.get("error"):
        shown += f": {status['error']}"
    seen = (status.get("observedGeneration") or 0) >= (after["metadata"].get("generation") or 0)
    if seen and status.get("lifecycleState") == "FAILED":
        raise JobFailed(f"the job FAILED: {status.get('error') or 'no error recorded'}")
    return Probe(seen and change.done(before, now), shown)


def await_job(
    client: ApiClient, target: Target, namespace: str, seconds: float, judge: Callable[[Obj], Probe]
) -> None:
    answer = wait_until(
        lambda: judge(client.get(target.info, namespace, target.name)),
        timeout=seconds,
        description=f"waiting for {target.short}",
        interval=POLL_INTERVAL,
    )
    if not answer.done:
        raise TimedOut(f"timed out waiting for {target.short} (now {answer.current})")


def suspend_command(
    ctx: typer.Context,
    name: Name,
    namespace: options.Namespace = None,
    kind: Kind = "flinkdeployment",
    wait: Wait = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Suspend a job (spec.job.state: suspended), stopping it as its upgradeMode says."""
    change_job(ctx, SUSPEND, name, namespace, kind, wait, timeout)


def resume_command(
    ctx: typer.Context,
    name: Name,
    namespace: options.Namespace = None,
    kind: Kind = "flinkdeployment",
    wait: Wait = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Resume a suspended job (spec.job.state: running), from the state it was stopped with."""
    change_job(ctx, RESUME, name, namespace, kind, wait, timeout)


def restart_command(
    ctx: typer.Context,
    name: Name,
    namespace: options.Namespace = None,
    kind: Kind = "flinkdeployment",
    wait: Wait = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Restart a job without a spec change (spec.restartNonce + 1): an upgrade, FKO's way."""
    change_job(ctx, RESTART, name, namespace, kind, wait, timeout)


# --- savepoint, checkpoint -------------------------------------------------------------------


def snapshot_object(target: Target, namespace: str, kind: str, body: Obj, millis: int) -> Obj:
    """A manual FlinkStateSnapshot, named as FKO names them: `<job>-<kind>-manual-<millis>`."""
    return {
        "apiVersion": FLINK_API_VERSION,
        "kind": FLINK_STATE_SNAPSHOT.kind,
        "metadata": {"name": f"{target.name}-{kind}-manual-{millis}", "namespace": namespace},
        "spec": {
            "jobReference": {"kind": target.info.kind, "name": target.name},
            kind: body,
            "backoffLimit": -1,
        },
    }


def take_snapshot(
    ctx: typer.Context,
    kind: str,
    body: Obj,
    target: Target,
    namespace: str | None,
    no_wait: bool,
    timeout: str,
) -> None:
    seconds = parse_duration(timeout)
    client = Session.of(ctx).client()
    ns = namespace_or_default(namespace)
    read_job(client, target, ns, f"take a {kind} of")
    request = snapshot_object(target, ns, kind, body, int(time.time() * 1000))
    created = client.create(FLINK_STATE_SNAPSHOT, ns, request)
    snapshot = Target(FLINK_STATE_SNAPSHOT, created["metadata"]["name"])
    write(f"{snapshot.display} created")
    if no_wait:
        return
    final = await_snapshot(client, snapshot, ns, seconds)
    status = _status(final)
    if status.get("state") != "COMPLETED":
        error = status.get("error") or "no error recorded"
        raise JobFailed(f"{kind} {snapshot.name} {status.get('state')}: {error}")
    write(f"{kind} completed: {status.get('path') or '(path unknown)'}")


def snapshot_progress(obj: Obj) -> Probe:
    status = _status(obj)
    state = status.get("state") or "TRIGGER_PENDING"
    shown = state
    if status.get("error"):
        shown += f" ({status.get('failures') or 0} failure(s): {status['error']})"
    return Probe(state in SNAPSHOT_ENDS, shown)


def await_snapshot(client: ApiClient, snapshot: Target, namespace: str, seconds: float) -> Obj:
    """The snapshot once it ended; TimedOut (it goes on) at the deadline."""
    seen: list[Obj] = []

    def probe() -> Probe:
        seen[:] = [client.get(snapshot.info, namespace, snapshot.name)]
        return snapshot_progress(seen[0])

    answer = wait_until(
        probe, timeout=seconds, description=f"waiting for {snapshot.short}", interval=POLL_INTERVAL
    )
    if not answer.done:
        raise TimedOut(
            f"timed out waiting for {snapshot.short} (state {answer.current}); it goes on: "
            f"scurry get flinkstatesnapshot {snapshot.name}"
        )
    return seen[0]


def savepoint_command(
    ctx: typer.Context,
    name: Name,
    namespace: options.Namespace = None,
    kind: Kind = "flinkdeployment",
    path: Annotated[
        str | None,
        typer.Option("--path", help="Target directory (default: state.savepoints.dir)."),
    ] = None,
    format_type: Annotated[
        SavepointFormat, typer.Option("--format", help="canonical or native.")
    ] = SavepointFormat.canonical,
    no_wait: NoWait = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Take a savepoint of a running job (a FlinkStateSnapshot), and wait for it."""
    body: Obj = {
        "formatType": format_type.value.upper(),
        "disposeOnDelete": True,
        "alreadyExists": False,
    }
    if path:
        body = {"path": path, **body}
    take_snapshot(ctx, "savepoint", body, job_target(kind, name), namespace, no_wait, timeout)


def checkpoint_command(
    ctx: typer.Context,
    name: Name,
    namespace: options.Namespace = None,
    kind: Kind = "flinkdeployment",
    no_wait: NoWait = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Take a checkpoint of a running job (a FlinkStateSnapshot), and wait for it."""
    take_snapshot(ctx, "checkpoint", {}, job_target(kind, name), namespace, no_wait, timeout)


# --- snapshots of a job (describe, get --for) ----------------------------------------------


def snapshot_type(obj: Obj) -> str:
    spec = obj.get("spec") or {}
    return "savepoint" if spec.get("savepoint") is not None else "checkpoint"


def trigger_type(obj: Obj) -> str:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return str(labels.get(TRIGGER_LABEL) or "MANUAL")


def snapshots_of(objs: list[Obj], kind: str, name: str) -> list[Obj]:
    """The snapshots whose jobReference names `kind`/`name`, newest first."""
    mine = [obj for obj in objs if references(obj, kind, name)]
    return sorted(mine, key=_created, reverse=True)


def _created(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("creationTimestamp") or ""), str(meta.get("name") or "")


def references(obj: Obj, kind: str, name: str) -> bool:
    ref = (obj.get("spec") or {}).get("jobReference") or {}
    return bool(ref.get("name") == name and (ref.get("kind") or FLINK_DEPLOYMENT.kind) == kind)
