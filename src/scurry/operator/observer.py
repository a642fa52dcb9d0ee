"""Gather what decide() needs: the runtime's report and the job's state from Flink."""

from __future__ import annotations

from scurry.core.observation import DeploymentObservation, JobLookup, JobObservation
from scurry.errors import NotFound, ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.enums import FlinkJobState
from scurry.models.resources import FlinkDeployment
from scurry.ports import FlinkApi, FlinkApiFactory, Runtime


def cluster_ref(resource: FlinkDeployment) -> ClusterRef:
    meta = resource.metadata
    return ClusterRef(namespace=meta.namespace or "default", name=meta.name or "")


async def observe_deployment(
    resource: FlinkDeployment, runtime: Runtime, flink_api: FlinkApiFactory
) -> DeploymentObservation:
    ref = cluster_ref(resource)
    cluster = await runtime.observe(ref)
    job = JobObservation()
    job_id = resource.status.job_status.job_id
    if cluster.rest_url and job_id and resource.spec.job is not None:
        api = flink_api(cluster.rest_url)
        try:
            job = await observe_job(api, job_id)
        finally:
            await api.close()
    return DeploymentObservation(cluster=cluster, job=job, runtime_defaults=runtime.defaults(ref))


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
