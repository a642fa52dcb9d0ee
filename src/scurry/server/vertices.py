"""What a FlinkDeployment's job is doing now, per job vertex, asked of Flink directly.

`GET /apis/flink.apache.org/v1beta1/namespaces/{ns}/flinkdeployments/{name}/vertices`
answers `{"jobId", "state", "vertices": [{"id", "name", "parallelism",
"maxParallelism", "recordsInPerSecond", "recordsOutPerSecond", "busyRatio",
"backpressuredRatio", "pendingRecords"}]}` — the same aggregated metrics the
autoscaler samples (`services/job_metrics.py`). `scurry top` shows them.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from scurry.autoscaler.options import AutoscalerOptions
from scurry.errors import ScurryError
from scurry.models.cluster import ClusterRef
from scurry.models.resources import FLINK_DEPLOYMENT, FlinkDeployment
from scurry.ports import FlinkApi
from scurry.server.deps import ContainerDep
from scurry.server.resources import PREFIX
from scurry.services import job_metrics

router = APIRouter(prefix=PREFIX, tags=["flink.apache.org"])


@router.get("/namespaces/{namespace}/flinkdeployments/{name}/vertices")
async def job_vertices(namespace: str, name: str, container: ContainerDep) -> dict[str, Any]:
    obj = await container.store.get(FLINK_DEPLOYMENT.kind, namespace, name)
    resource = FlinkDeployment.model_validate(obj)
    job_id = resource.status.job_status.job_id
    answer: dict[str, Any] = {"jobId": job_id, "state": None, "vertices": []}
    cluster = await container.runtime.observe(ClusterRef(namespace=namespace, name=name))
    if not job_id or not cluster.rest_url:
        return answer
    api = container.flink_api(cluster.rest_url)
    try:
        return await _vertices(api, job_id, answer)
    except ScurryError:
        return answer  # Flink is not answering (yet): nothing to show, not an error of ours
    finally:
        await api.close()


async def _vertices(api: FlinkApi, job_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    details = await api.job(job_id)
    answer["state"] = details.state
    topo = job_metrics.topology(details, await api.job_plan(job_id))
    sources = {
        v.vertex_id: await job_metrics.source_metric_names(api, job_id, v.vertex_id)
        for v in topo.vertices
        if v.is_source
    }
    options = AutoscalerOptions()
    sample = await job_metrics.sample(api, job_id, topo, sources, options, time.time())
    answer["vertices"] = [
        {
            "id": v.vertex_id,
            "name": v.name,
            "parallelism": v.parallelism,
            "maxParallelism": v.max_parallelism,
            "recordsInPerSecond": round(m.records_in, 3),
            "recordsOutPerSecond": round(m.records_out, 3),
            "busyRatio": round(m.busy_ms / 1000.0, 3),
            "backpressuredRatio": round(m.backpressured_ms / 1000.0, 3),
            "pendingRecords": m.pending_records,
        }
        for v in topo.vertices
        if (m := sample.vertices[v.vertex_id]) is not None
    ]
    return answer
