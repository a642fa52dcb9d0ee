"""What running applications use: JobManager and TaskManager cpu, memory and counts.

Counted for deployments that have a cluster (a JobManager deploying, deployed
or ready); amounts are what their specs ask for, as Kubernetes would reserve
them, memory in bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from scurry.config.flinkconf import parse_memory
from scurry.core.clusterspec import component_cpu, component_memory
from scurry.models.cmf import ResourceUsage, ResourceUsageSummary
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import JobManagerSpec, TaskManagerSpec
from scurry.ports import Obj

WITH_CLUSTER = ("READY", "DEPLOYED_NOT_READY", "DEPLOYING")


def summary(deployments: Iterable[Obj]) -> ResourceUsageSummary:
    total = ResourceUsageSummary()
    for obj in deployments:
        status = obj.get("status") or {}
        if status.get("jobManagerDeploymentStatus") not in WITH_CLUSTER:
            continue
        try:
            resource = FlinkDeployment.model_validate(obj)
        except ValidationError:
            continue
        spec = resource.spec
        task_managers = resource.status.task_manager
        tm_count = task_managers.replicas if task_managers else 0
        jm_count = spec.job_manager.replicas if spec.job_manager else 1
        _add(total.job_manager, spec.job_manager, jm_count)
        _add(total.task_manager, spec.task_manager, tm_count)
    return total


def _add(
    usage: ResourceUsage, component: JobManagerSpec | TaskManagerSpec | None, count: int
) -> None:
    usage.count += count
    try:
        cpu = component_cpu(component)
        memory = component_memory(component)
        usage.cpu += (cpu or 0.0) * count
        usage.memory += (parse_memory(memory) if memory is not None else 0) * count
    except ValueError:  # an amount admission let through but that cannot be summed
        return
