"""The live job view: per-vertex throughput and backpressure from Flink's REST API,
small charts of their recent values, and the TaskManager's log tail.

The page polls these fragments; each poll reads Flink through the typed REST
client and keeps a few minutes of samples in memory (per server process).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from scurry.bootstrap import Container
from scurry.errors import ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.flinkrest import AggregatedMetric, JobVertex
from scurry.models.resources import FLINK_DEPLOYMENT, FLINK_SESSION_JOB
from scurry.ports import FlinkApi
from scurry.web.charts import Samples, sparkline
from scurry.web.context import container
from scurry.web.errors import PageRoute
from scurry.web.pages import page_kind
from scurry.web.render import page
from scurry.web.views import dig

router = APIRouter(include_in_schema=False, route_class=PageRoute)
METRICS = [
    "numRecordsInPerSecond",
    "numRecordsOutPerSecond",
    "backPressuredTimeMsPerSecond",
    "busyTimeMsPerSecond",
]
# A chain's task-level record counts miss what stays inside it (a source chained to a
# sink sends nothing downstream), so the operators' own rates count too.
RATES = ("numRecordsInPerSecond", "numRecordsOutPerSecond")
MAX_OPERATOR_METRICS = 20
LOG_LINES = 200


@dataclass(frozen=True)
class VertexView:
    name: str
    parallelism: int
    status: str
    records_in: float
    records_out: float
    throughput: float  # the largest record rate in the vertex, task or operator level
    backpressure: float  # the busiest subtask's share of time back-pressured, 0..1
    busy: float
    throughput_line: str
    backpressure_line: str

    @property
    def level(self) -> str:
        """Flink's own words: ok below 10 %, low up to 50 %, high above."""
        if self.backpressure > 0.5:
            return "high"
        return "low" if self.backpressure > 0.1 else "ok"


def samples(request: Request) -> Samples:
    state = request.app.state
    if not hasattr(state, "live_samples"):
        state.live_samples = Samples()
    found: Samples = state.live_samples
    return found


@router.get("/ui/namespaces/{namespace}/{plural}/{name}/live")
async def live(request: Request, namespace: str, plural: str, name: str) -> HTMLResponse:
    installation = container(request)
    info = page_kind(plural)
    obj = await installation.store.get(info.kind, namespace, name)
    cluster = name if info is FLINK_DEPLOYMENT else str(dig(obj, "spec", "deploymentName") or "")
    job_id = dig(obj, "status", "jobStatus", "jobId")
    try:
        vertices = await read_vertices(installation, request, namespace, cluster, job_id)
    except ScurryError as error:
        return page(request, "_live.html", vertices=[], problem=error.message)
    problem = None if vertices else "no running job to show"
    return page(request, "_live.html", vertices=vertices, problem=problem)


async def read_vertices(
    installation: Container, request: Request, namespace: str, cluster: str, job_id: object
) -> list[VertexView]:
    observed = await installation.runtime.observe(ClusterRef(namespace=namespace, name=cluster))
    if not observed.rest_url or not isinstance(job_id, str):
        return []
    api = installation.flink_api(observed.rest_url)
    try:
        job = await api.job(job_id)
        if job.state != "RUNNING":
            return []
        views = []
        for vertex in job.vertices:
            names = [*METRICS, *await operator_rates(request, api, job_id, vertex.id)]
            metrics = by_name(await api.vertex_metrics(job_id, vertex.id, names))
            views.append(
                view_of(samples(request), (namespace, cluster, vertex.id), vertex, metrics)
            )
        return views
    finally:
        await api.close()


async def operator_rates(request: Request, api: FlinkApi, job_id: str, vertex_id: str) -> list[str]:
    """The operator-level record rates of a vertex (kept once found, per job and vertex)."""
    state = request.app.state
    if not hasattr(state, "live_operator_rates"):
        state.live_operator_rates = {}
    known: dict[tuple[str, str], list[str]] = state.live_operator_rates
    if (job_id, vertex_id) in known:
        return known[(job_id, vertex_id)]
    ids = [m.id for m in await api.vertex_metrics(job_id, vertex_id)]
    rates = [i for i in ids if "." in i and i.endswith(RATES)][:MAX_OPERATOR_METRICS]
    if rates:  # a task that is still starting has not registered its operators' yet
        if len(known) > 1000:
            known.clear()
        known[(job_id, vertex_id)] = rates
    return rates


def by_name(metrics: list[AggregatedMetric]) -> dict[str, dict[str, float]]:
    """Each metric's aggregations that have a value, by metric name."""
    aggregations = ("min", "max", "avg", "sum")
    return {
        m.id: {how: v for how in aggregations if (v := getattr(m, how)) is not None}
        for m in metrics
    }


def view_of(
    kept: Samples, key: tuple[str, ...], vertex: JobVertex, metrics: dict[str, dict[str, float]]
) -> VertexView:
    def value(name: str, how: str) -> float:
        return metrics.get(name, {}).get(how, 0.0)

    records_in, records_out = value(METRICS[0], "sum"), value(METRICS[1], "sum")
    pressure = value(METRICS[2], "max") / 1000
    rates = [m.get("sum", 0.0) for name, m in metrics.items() if name.endswith(RATES)]
    through = kept.add((*key, "throughput"), max(rates, default=0.0))
    pressured = kept.add((*key, "backpressure"), pressure)
    return VertexView(
        name=vertex.name,
        parallelism=vertex.parallelism,
        status=vertex.status,
        records_in=records_in,
        records_out=records_out,
        throughput=through.values[-1],
        backpressure=pressure,
        busy=value(METRICS[3], "max") / 1000,
        throughput_line=sparkline(list(through.values)),
        backpressure_line=sparkline(list(pressured.values), ceiling=1.0),
    )


@router.get("/ui/namespaces/{namespace}/{plural}/{name}/logs")
async def logs(
    request: Request,
    namespace: str,
    plural: str,
    name: str,
    component: Annotated[str, Query()] = "taskmanager",
) -> HTMLResponse:
    installation = container(request)
    info = page_kind(plural)
    obj = await installation.store.get(info.kind, namespace, name)
    cluster = name if info is not FLINK_SESSION_JOB else str(dig(obj, "spec", "deploymentName"))
    if component not in ("jobmanager", "taskmanager"):
        component = "taskmanager"
    ref = ClusterRef(namespace=namespace, name=cluster)
    try:
        text = await installation.runtime.logs(ref, component, 0, LOG_LINES)
    except ScurryError as error:
        text = error.message
    return page(request, "_logs.html", text=text or "(the log is empty)", component=component)
