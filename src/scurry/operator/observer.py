"""Gather what decide() needs: the runtime's report and the job's state from Flink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from scurry.core.clusterspec import effective_config
from scurry.core.observation import (
    ControlConfig,
    DeploymentObservation,
    JobLookup,
    JobObservation,
    OperationObservation,
    OperationState,
)
from scurry.core.reconciled import deserialize
from scurry.core.sessionjob import SessionJobObservation
from scurry.core.validation import CHECKPOINT_DIR_KEYS
from scurry.errors import NotFound, ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.models.flinkrest import OperationResult
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FlinkDeployment,
    FlinkSessionJob,
)
from scurry.models.spec import FlinkDeploymentSpec
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
    trigger = None
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id and resource.spec.job is not None:
        job = await _with_api(flink_api, cluster.rest_url, lambda api: observe_job(api, job_id))
        trigger_id = _savepoint_trigger(resource)
        if trigger_id:
            trigger = await _with_api(
                flink_api,
                cluster.rest_url,
                lambda api: observe_operation(api.savepoint_status(job_id, trigger_id)),
            )
    latest = None
    if job_id and resource.spec.job is not None:
        directory = checkpoint_dir(resource, control, runtime_defaults)
        latest = await runtime.latest_checkpoint(directory, job_id) if directory else None
    users: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if resource.metadata.deletion_timestamp and resource.spec.job is None:
        users = await _session_users(resource, store, flink_api, cluster.rest_url)
    return DeploymentObservation(
        cluster=cluster,
        job=job,
        runtime_defaults=runtime_defaults,
        latest_checkpoint=latest,
        savepoint_trigger=trigger,
        session_jobs=users[0],
        unmanaged_jobs=users[1],
    )


def _savepoint_trigger(resource: FlinkDeployment) -> str | None:
    info = resource.status.job_status.savepoint_info
    return info.trigger_id if info is not None else None


def checkpoint_dir(
    resource: FlinkDeployment, control: ControlConfig, runtime_defaults: Mapping[str, str]
) -> str | None:
    """Where the recorded job keeps its checkpoints: the last reconciled spec's config."""
    text = resource.status.reconciliation_status.last_reconciled_spec
    last = deserialize(text, FlinkDeploymentSpec)
    spec = last.spec if last else resource.spec
    version = spec.flink_version.value if spec.flink_version else None
    defaults = control.defaults_for(resource.metadata.namespace, version, runtime_defaults)
    config = effective_config(defaults, spec)
    return next((config[key] for key in CHECKPOINT_DIR_KEYS if config.get(key)), None)


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
    return OperationObservation(OperationState.COMPLETED, location=result.location)


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
    resource: FlinkSessionJob, store: ResourceStore, runtime: Runtime, flink_api: FlinkApiFactory
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
    job = JobObservation()
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id:
        job = await _with_api(flink_api, cluster.rest_url, lambda api: observe_job(api, job_id))
    return SessionJobObservation(
        session=session, cluster=cluster, job=job, runtime_defaults=runtime.defaults(ref)
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
