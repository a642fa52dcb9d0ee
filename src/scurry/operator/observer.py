"""Gather what decide() needs: the runtime's report and the job's state from Flink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from scurry.core.configs import checkpoint_dir as checkpoint_dir_of
from scurry.core.configs import deployment_config, session_job_config
from scurry.core.health import HealthSample
from scurry.core.health import enabled as health_enabled
from scurry.core.observation import (
    ControlConfig,
    DeploymentObservation,
    JobLookup,
    JobObservation,
    OperationObservation,
    OperationState,
    SnapshotSummary,
)
from scurry.core.reconciled import deserialize
from scurry.core.sessionjob import SessionJobObservation
from scurry.core.snapshot import SnapshotObservation
from scurry.errors import NotFound, ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.models.flinkrest import OperationResult
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FLINK_STATE_SNAPSHOT,
    FlinkDeployment,
    FlinkSessionJob,
    FlinkStateSnapshot,
)
from scurry.models.spec import FlinkDeploymentSpec
from scurry.models.status import JobStatus
from scurry.ports import FlinkApi, FlinkApiFactory, ResourceStore, Runtime

T = TypeVar("T")


def cluster_ref(resource: FlinkDeployment) -> ClusterRef:
    meta = resource.metadata
    return ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")


async def observe_deployment(
    resource: FlinkDeployment,
    store: ResourceStore,
    runtime: Runtime,
    flink_api: FlinkApiFactory,
    control: ControlConfig,
) -> DeploymentObservation:
    ref = cluster_ref(resource)
    cluster = await runtime.observe(ref)
    runtime_defaults = runtime.defaults(ref)
    job = JobObservation()
    trigger = checkpoint_trigger = None
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id and resource.spec.job is not None:
        job = await _with_api(flink_api, cluster.rest_url, lambda api: observe_job(api, job_id))
        trigger, checkpoint_trigger = await _triggers(
            flink_api, cluster.rest_url, job_id, resource.status.job_status
        )
    latest = None
    if job_id and resource.spec.job is not None:
        directory = checkpoint_dir(resource, control, runtime_defaults)
        latest = await runtime.latest_checkpoint(directory, job_id) if directory else None
    sample = None
    if cluster.rest_url and job_id and _health_checked(resource, control, runtime_defaults):
        sample = await _with_api(flink_api, cluster.rest_url, lambda api: _health(api, job_id))
    users: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if resource.metadata.deletion_timestamp and resource.spec.job is None:
        users = await _session_users(resource, store, flink_api, cluster.rest_url)
    return DeploymentObservation(
        cluster=cluster,
        job=job,
        runtime_defaults=runtime_defaults,
        latest_checkpoint=latest,
        savepoint_trigger=trigger,
        checkpoint_trigger=checkpoint_trigger,
        health=sample,
        snapshots=await snapshot_summaries(store, FLINK_DEPLOYMENT.kind, ref.namespace, ref.name),
        session_jobs=users[0],
        unmanaged_jobs=users[1],
    )


async def _triggers(
    flink_api: FlinkApiFactory, rest_url: str, job_id: str, status: JobStatus
) -> tuple[OperationObservation | None, OperationObservation | None]:
    """The savepoint and checkpoint triggers recorded in status, as Flink reports them."""
    savepoint, checkpoint = status.savepoint_info, status.checkpoint_info
    seen_savepoint = seen_checkpoint = None
    if savepoint is not None and savepoint.trigger_id:
        trigger_id = savepoint.trigger_id
        seen_savepoint = await _with_api(
            flink_api,
            rest_url,
            lambda api: observe_operation(api.savepoint_status(job_id, trigger_id)),
        )
    if checkpoint is not None and checkpoint.trigger_id:
        trigger_id = checkpoint.trigger_id
        seen_checkpoint = await _with_api(
            flink_api,
            rest_url,
            lambda api: observe_operation(api.checkpoint_status(job_id, trigger_id)),
        )
    return seen_savepoint, seen_checkpoint


async def snapshot_summaries(
    store: ResourceStore, kind: str, namespace: str, name: str
) -> tuple[SnapshotSummary, ...]:
    """The FlinkStateSnapshots that reference `kind/name` (by FKO's labels)."""
    selector = f"job-reference.name={name}"
    found = []
    for obj in await store.list(FLINK_STATE_SNAPSHOT.kind, namespace, selector):
        snapshot = FlinkStateSnapshot.model_validate(obj)
        ref = snapshot.spec.job_reference
        if ref is None or (ref.kind.value if ref.kind else FLINK_DEPLOYMENT.kind) != kind:
            continue
        if snapshot.metadata.deletion_timestamp:
            continue
        labels = snapshot.metadata.labels or {}
        created = snapshot.metadata.creation_timestamp or "1970-01-01T00:00:00Z"
        found.append(
            SnapshotSummary(
                name=snapshot.metadata.name or "",
                savepoint=snapshot.spec.savepoint is not None,
                trigger_type=labels.get("snapshot.trigger-type", "MANUAL"),
                state=snapshot.status.state.value,
                created=datetime.fromisoformat(created.replace("Z", "+00:00")),
            )
        )
    return tuple(found)


def checkpoint_dir(
    resource: FlinkDeployment, control: ControlConfig, runtime_defaults: Mapping[str, str]
) -> str | None:
    """Where the recorded job keeps its checkpoints: the last reconciled spec's config."""
    text = resource.status.reconciliation_status.last_reconciled_spec
    last = deserialize(text, FlinkDeploymentSpec)
    spec = last.spec if last else resource.spec
    namespace = resource.metadata.namespace
    return checkpoint_dir_of(deployment_config(control, namespace, spec, runtime_defaults))


def _health_checked(
    resource: FlinkDeployment, control: ControlConfig, runtime_defaults: Mapping[str, str]
) -> bool:
    namespace = resource.metadata.namespace
    config = deployment_config(control, namespace, resource.spec, runtime_defaults)
    return health_enabled(config)


async def _health(api: FlinkApi, job_id: str) -> HealthSample | None:
    try:
        metrics = await api.job_metrics(job_id, ["numRestarts"])
        completed = (await api.checkpoints(job_id)).counts.completed
        return HealthSample(int(float(metrics.get("numRestarts", "0"))), completed)
    except (ScurryError, ValueError):
        return None


async def observe_operation(status: Awaitable[OperationResult]) -> OperationObservation | None:
    """A trigger's state; None when Flink cannot be asked (the caller looks again later)."""
    try:
        result = await status
    except NotFound:
        return OperationObservation(OperationState.UNKNOWN)
    except ScurryError:
        return None
    if not result.completed:
        return OperationObservation(OperationState.IN_PROGRESS)
    if result.failure:
        return OperationObservation(OperationState.FAILED, failure=_first_line(result.failure))
    return OperationObservation(
        OperationState.COMPLETED, location=result.location, checkpoint_id=result.checkpoint_id
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith("Caused by:")]
    chosen = (
        causes[-1].removeprefix("Caused by:").strip() if causes else (lines[0] if lines else "")
    )
    return chosen[:500]


async def _session_users(
    resource: FlinkDeployment,
    store: ResourceStore,
    flink_api: FlinkApiFactory,
    rest_url: str | None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The session jobs that target this cluster, and the live jobs none of them owns."""
    name = resource.metadata.name
    jobs = [
        FlinkSessionJob.model_validate(obj)
        for obj in await store.list(FLINK_SESSION_JOB.kind, resource.metadata.namespace)
    ]
    mine = [job for job in jobs if job.spec.deployment_name == name]
    managed = {job.status.job_status.job_id for job in mine}
    live: list[str] = []
    if rest_url:
        summaries = await _with_api(flink_api, rest_url, _live_jobs)
        live = [jid for jid in summaries if jid not in managed]
    return tuple(job.metadata.name or "" for job in mine), tuple(live)


async def _live_jobs(api: FlinkApi) -> list[str]:
    try:
        summaries = await api.jobs_overview()
    except ScurryError:
        return []
    terminal = {state.value for state in FlinkJobState if state.is_globally_terminal}
    return [job.jid for job in summaries if job.state not in terminal]


async def observe_session_job(
    resource: FlinkSessionJob,
    store: ResourceStore,
    runtime: Runtime,
    flink_api: FlinkApiFactory,
    control: ControlConfig,
) -> SessionJobObservation:
    namespace = resource.metadata.namespace or "default"
    target = resource.spec.deployment_name or ""
    try:
        session = FlinkDeployment.model_validate(
            await store.get(FLINK_DEPLOYMENT.kind, namespace, target)
        )
    except NotFound:
        session = None
    ref = ClusterRef(namespace=namespace, name=target)
    cluster = await runtime.observe(ref)
    runtime_defaults = runtime.defaults(ref)
    job, trigger, checkpoint_trigger = JobObservation(), None, None
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id:
        job = await _with_api(flink_api, cluster.rest_url, lambda api: observe_job(api, job_id))
        trigger, checkpoint_trigger = await _triggers(
            flink_api, cluster.rest_url, job_id, resource.status.job_status
        )
    latest = None
    if job_id and session is not None:
        config = session_job_config(
            control, namespace, session.spec, resource.spec, runtime_defaults
        )
        directory = checkpoint_dir_of(config)
        latest = await runtime.latest_checkpoint(directory, job_id) if directory else None
    return SessionJobObservation(
        session=session,
        cluster=cluster,
        job=job,
        runtime_defaults=runtime_defaults,
        latest_checkpoint=latest,
        savepoint_trigger=trigger,
        checkpoint_trigger=checkpoint_trigger,
        snapshots=await snapshot_summaries(
            store, FLINK_SESSION_JOB.kind, namespace, resource.metadata.name or ""
        ),
    )


async def _with_api(
    flink_api: FlinkApiFactory, url: str, use: Callable[[FlinkApi], Awaitable[T]]
) -> T:
    api = flink_api(url)
    try:
        return await use(api)
    finally:
        await api.close()


async def observe_job(api: FlinkApi, job_id: str) -> JobObservation:
    try:
        details = await api.job(job_id)
    except NotFound:
        return JobObservation(lookup=JobLookup.NOT_FOUND)
    except ScurryError:
        return JobObservation(lookup=JobLookup.UNREACHABLE)
    try:
        state = FlinkJobState(details.state)
    except ValueError:
        return JobObservation(lookup=JobLookup.UNREACHABLE)
    failure = await _failure(api, job_id) if state is FlinkJobState.FAILED else None
    return JobObservation(
        lookup=JobLookup.FOUND,
        state=state,
        name=details.name,
        start_time=details.start_time,
        failure=failure,
    )


async def _failure(api: FlinkApi, job_id: str) -> str | None:
    """The newest exception of a failed job, first line only (status.error is read by people)."""
    try:
        entries = (await api.job_exceptions(job_id)).exception_history.entries
    except ScurryError:
        return None
    if not entries:
        return None
    newest = max(entries, key=lambda e: e.timestamp)
    lines = newest.stacktrace.strip().splitlines()
    return lines[0][:1000] if lines else newest.exception_name


async def observe_snapshot(
    snapshot: FlinkStateSnapshot,
    store: ResourceStore,
    runtime: Runtime,
    flink_api: FlinkApiFactory,
    control: ControlConfig,
) -> SnapshotObservation:
    """The snapshot's target job: its resource, its cluster's REST API, its configuration."""
    reference = snapshot.spec.job_reference
    namespace = snapshot.metadata.namespace or "default"
    if reference is None or not reference.name:
        return SnapshotObservation()
    kind = reference.kind.value if reference.kind else FLINK_DEPLOYMENT.kind
    try:
        target = await store.get(kind, namespace, reference.name)
    except NotFound:
        return SnapshotObservation()
    job_status = (target.get("status") or {}).get("jobStatus") or {}
    job_id, state = job_status.get("jobId"), job_status.get("state")
    cluster_name, config = await _target_config(kind, target, store, runtime, control)
    cluster = await runtime.observe(ClusterRef(namespace=namespace, name=cluster_name))
    trigger, path = None, None
    status = snapshot.status
    if cluster.rest_url and job_id and status.trigger_id and status.state == "IN_PROGRESS":
        trigger, path = await _snapshot_trigger(
            flink_api, cluster.rest_url, job_id, status.trigger_id, snapshot.spec.savepoint is None
        )
    return SnapshotObservation(
        target_found=True,
        job_id=job_id,
        job_state=FlinkJobState(state)
        if isinstance(state, str) and state in FlinkJobState.__members__
        else None,
        rest_url=cluster.rest_url,
        config=config,
        trigger=trigger,
        checkpoint_path=path,
    )


async def _target_config(
    kind: str,
    target: dict[str, Any],
    store: ResourceStore,
    runtime: Runtime,
    control: ControlConfig,
) -> tuple[str, dict[str, str]]:
    """The cluster a snapshot's target runs on, and the target's effective configuration."""
    namespace = str(target["metadata"].get("namespace") or "default")
    if kind == FLINK_SESSION_JOB.kind:
        job = FlinkSessionJob.model_validate(target)
        cluster = job.spec.deployment_name or ""
        try:
            session = FlinkDeployment.model_validate(
                await store.get(FLINK_DEPLOYMENT.kind, namespace, cluster)
            )
        except NotFound:
            return cluster, {}
        defaults = runtime.defaults(ClusterRef(namespace=namespace, name=cluster))
        config = session_job_config(control, namespace, session.spec, job.spec, defaults)
        return cluster, config
    deployment = FlinkDeployment.model_validate(target)
    name = deployment.metadata.name or ""
    defaults = runtime.defaults(ClusterRef(namespace=namespace, name=name))
    return name, deployment_config(control, namespace, deployment.spec, defaults)


async def _snapshot_trigger(
    flink_api: FlinkApiFactory, rest_url: str, job_id: str, trigger_id: str, checkpoint: bool
) -> tuple[OperationObservation | None, str | None]:
    api = flink_api(rest_url)
    try:
        if not checkpoint:
            return await observe_operation(api.savepoint_status(job_id, trigger_id)), None
        seen = await observe_operation(api.checkpoint_status(job_id, trigger_id))
        path = None
        if seen is not None and seen.state is OperationState.COMPLETED:
            path = await _checkpoint_path(api, job_id, seen.checkpoint_id)
        return seen, path
    finally:
        await api.close()


async def _checkpoint_path(api: FlinkApi, job_id: str, checkpoint_id: int | None) -> str | None:
    try:
        latest = (await api.checkpoints(job_id)).latest.completed
    except ScurryError:
        return None
    if latest is None or (checkpoint_id is not None and latest.id != checkpoint_id):
        return None
    return latest.external_path
