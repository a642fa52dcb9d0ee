"""Sample a running job for the autoscaler from Flink's REST API.

Per vertex, one aggregated request (`.../subtasks/metrics?get=...&agg=sum,max`):
busy and backpressured time (max over subtasks, or the mean for the AVG
aggregator), records in and out (summed). A source's task reports no records in,
so its rate is the source operator's `numRecordsOutPerSecond`, and its backlog the
operator's `pendingRecords` when the source reports one (FLIP-27 sources do; legacy
sources report neither, nor busy time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Sample, Topology, Vertex, VertexMetrics
from scurry.models.flinkrest import AggregatedMetric, JobDetails, JobPlan, PlanNode
from scurry.ports import FlinkApi

BUSY = "busyTimeMsPerSecond"
BACKPRESSURED = "backPressuredTimeMsPerSecond"
RECORDS_IN = "numRecordsInPerSecond"
RECORDS_OUT = "numRecordsOutPerSecond"
PENDING = ".pendingRecords"
TASK_METRICS = (BUSY, BACKPRESSURED, RECORDS_IN, RECORDS_OUT)
DEFAULT_MAX_PARALLELISM = 128  # Flink's default for parallelism up to 128


def topology(details: JobDetails, plan: JobPlan) -> Topology:
    """The job's vertices in topological order, with parallelism and max parallelism."""
    max_parallelism = {v.id: v.max_parallelism for v in details.vertices}
    parallelism = {v.id: v.parallelism for v in details.vertices}
    names = {v.id: v.name for v in details.vertices}
    vertices = [
        Vertex(
            vertex_id=node.id,
            parallelism=parallelism.get(node.id) or node.parallelism or 1,
            max_parallelism=_max_parallelism(max_parallelism.get(node.id, -1), details),
            inputs=tuple(i.id for i in node.inputs),
            keyed=any(i.ship_strategy.upper() == "HASH" for i in node.inputs),
            name=names.get(node.id, ""),
        )
        for node in _sorted(plan.plan.nodes)
    ]
    return Topology(tuple(vertices))


def _max_parallelism(value: int, details: JobDetails) -> int:
    if value > 0:
        return value
    return details.max_parallelism if details.max_parallelism > 0 else DEFAULT_MAX_PARALLELISM


def _sorted(nodes: Iterable[PlanNode]) -> list[PlanNode]:
    """Sources first, each vertex after all its inputs (Flink's order is not promised)."""
    pending = list(nodes)
    done: set[str] = set()
    ordered: list[PlanNode] = []
    while pending:
        ready = [n for n in pending if all(i.id in done for i in n.inputs)] or pending[:1]
        for node in ready:
            ordered.append(node)
            done.add(node.id)
            pending.remove(node)
    return ordered


def running_since(details: JobDetails) -> float | None:
    """When the job last became RUNNING, in seconds; None unless it is running now."""
    if details.state != "RUNNING":
        return None
    stamp = details.timestamps.get("RUNNING") or details.start_time
    return stamp / 1000.0 if stamp and stamp > 0 else None


async def source_metric_names(api: FlinkApi, job_id: str, vertex_id: str) -> tuple[str, ...]:
    """The operator-level metrics a source vertex needs: its output rate and backlog."""
    ids = [m.id for m in await api.vertex_metrics(job_id, vertex_id)]
    rates = sorted(i for i in ids if i.endswith("." + RECORDS_OUT) and i.startswith("Source"))
    pending = sorted(i for i in ids if i.endswith(PENDING))
    return tuple(rates[:1] + pending)


async def sample(
    api: FlinkApi,
    job_id: str,
    topo: Topology,
    source_metrics: Mapping[str, tuple[str, ...]],
    options: AutoscalerOptions,
    now: float,
) -> Sample:
    vertices = {}
    for vertex in topo.vertices:
        extra = source_metrics.get(vertex.vertex_id, ())
        values = await api.vertex_metrics(job_id, vertex.vertex_id, [*TASK_METRICS, *extra])
        vertices[vertex.vertex_id] = vertex_metrics(vertex, values, extra, options)
    return Sample(now, vertices)


def vertex_metrics(
    vertex: Vertex,
    values: Iterable[AggregatedMetric],
    extra: tuple[str, ...],
    options: AutoscalerOptions,
) -> VertexMetrics:
    by_id = {m.id: m for m in values}
    busy = by_id.get(BUSY)
    if options.busy_time_aggregator.upper() == "AVG":
        busy_ms = _value(busy, "sum") / max(1, vertex.parallelism)
    else:
        busy_ms = _value(busy, "max")
    records_in = _value(by_id.get(RECORDS_IN), "sum")
    records_out = _value(by_id.get(RECORDS_OUT), "sum")
    pending = None
    if vertex.is_source:
        rate_ids = [i for i in extra if i.endswith(RECORDS_OUT)]
        records_in = _value(by_id.get(rate_ids[0]), "sum") if rate_ids else records_out
        pending_ids = [i for i in extra if i.endswith(PENDING) and i in by_id]
        pending = sum(_value(by_id[i], "sum") for i in pending_ids) if pending_ids else None
    return VertexMetrics(
        busy_ms=min(1000.0, busy_ms),
        backpressured_ms=min(1000.0, _value(by_id.get(BACKPRESSURED), "max")),
        records_in=records_in,
        records_out=records_out,
        pending_records=pending,
    )


def _value(metric: AggregatedMetric | None, aggregation: str) -> float:
    """A reported value; a metric that is absent or NaN (not measured) counts as 0."""
    if metric is None:
        return 0.0
    value = getattr(metric, aggregation)
    return 0.0 if value is None or value != value else float(value)
