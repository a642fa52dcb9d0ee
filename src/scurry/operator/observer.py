"""Gather what decide() needs: the runtime's report and the job's state from Flink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from scurry.core.observation import DeploymentObservation, JobLookup, JobObservation
from scurry.core.sessionjob import SessionJobObservation
from scurry.errors import NotFound, ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.models.resources import (
    FLINK_DEPLOYMENT,
    FLINK_SESSION_JOB,
    FlinkDeployment,
    FlinkSessionJob,
)
from scurry.ports import FlinkApi, FlinkApiFactory, ResourceStore, Runtime

T = TypeVar("T")


def cluster_ref(resource: FlinkDeployment) -> ClusterRef:
    meta = resource.metadata
    return ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")


async def observe_deployment(
    resource: FlinkDeployment, store: ResourceStore, runtime: Runtime, flink_api: FlinkApiFactory
) -> DeploymentObservation:
    ref = cluster_ref(resource)
    cluster = await runtime.observe(ref)
    job = JobObservation()
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id and resource.spec.job is not None:
        job = await _with_api(flink_api, cluster.rest_url, lambda api: observe_job(api, job_id))
    users: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if resource.metadata.deletion_timestamp and resource.spec.job is None:
        users = await _session_users(resource, store, flink_api, cluster.rest_url)
    return DeploymentObservation(
        cluster=cluster,
        job=job,
        runtime_defaults=runtime.defaults(ref),
        session_jobs=users[0],
        unmanaged_jobs=users[1],
    )


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
