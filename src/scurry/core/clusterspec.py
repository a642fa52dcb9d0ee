"""From a FlinkDeployment spec to the effective Flink configuration and a ClusterSpec.

Order (FKO's FlinkConfigBuilder): defaults <- spec.flinkConfiguration <-
what the resources imply (process memory, parallelism).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import Any

from scurry.config.flinkconf import FlatConfig, flatten, format_mebibytes, overlay, parse_memory
from scurry.config.vertex_overrides import max_override
from scurry.models.cluster import ClusterRef, ClusterSpec, ComponentResources, JobLaunch, Owner
from scurry.models.resources import FLINK_API_VERSION, FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec, JobManagerSpec, TaskManagerSpec

JM_MEMORY = "jobmanager.memory.process.size"
TM_MEMORY = "taskmanager.memory.process.size"
SLOTS = "taskmanager.numberOfTaskSlots"
PARALLELISM = "parallelism.default"
EPHEMERAL_STORAGE = "ephemeral-storage"


def component_memory(
    component: JobManagerSpec | TaskManagerSpec | None,
) -> str | int | float | None:
    """The memory a component asks for: `resources` (request, else limit) over `resource`."""
    if component is None:
        return None
    resources = component.resources
    for amounts in (resources.requests, resources.limits) if resources else ():
        if amounts and "memory" in amounts:
            return amounts["memory"]
    return component.resource.memory if component.resource else None


def component_cpu(component: JobManagerSpec | TaskManagerSpec | None) -> float | None:
    if component is None:
        return None
    resources = component.resources
    for amounts in (resources.requests, resources.limits) if resources else ():
        if amounts and "cpu" in amounts:
            return parse_cpu(amounts["cpu"])
    return component.resource.cpu if component.resource else None


def component_requirements(
    component: JobManagerSpec | TaskManagerSpec | None,
) -> dict[str, Any] | None:
    """The Kubernetes `resources` of a component; the deprecated `resource` only for storage."""
    if component is None:
        return None
    if component.resources is not None:
        return component.resources.to_wire()
    storage = component.resource.ephemeral_storage if component.resource else None
    if storage is None:
        return None
    return {"requests": {EPHEMERAL_STORAGE: storage}, "limits": {EPHEMERAL_STORAGE: storage}}


def parse_cpu(value: str | int | float) -> float:
    """A Kubernetes cpu quantity (`1`, `0.5`, `500m`) as cores."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def effective_config(defaults: Mapping[str, str], spec: FlinkDeploymentSpec) -> FlatConfig:
    config = overlay(defaults, flatten(spec.flink_configuration))
    for key, component in ((JM_MEMORY, spec.job_manager), (TM_MEMORY, spec.task_manager)):
        memory = component_memory(component)
        if memory is not None:
            # An unparseable amount is left to validation ("... memory parse error: ...").
            with contextlib.suppress(ValueError):
                config[key] = format_mebibytes(parse_memory(memory))
    if spec.job is not None:
        config[PARALLELISM] = str(job_parallelism(spec, config))
    return config


def slots(config: Mapping[str, str]) -> int:
    try:
        return max(1, int(config.get(SLOTS, "1")))
    except ValueError:
        return 1


def job_parallelism(spec: FlinkDeploymentSpec, config: Mapping[str, str]) -> int:
    """FKO: TM replicas x slots when replicas are set, else the job's parallelism."""
    replicas = spec.task_manager.replicas if spec.task_manager else None
    if replicas is not None:
        return replicas * slots(config)
    if spec.job is not None and spec.job.parallelism is not None:
        return spec.job.parallelism
    try:
        return int(config.get(PARALLELISM, "1"))
    except ValueError:
        return 1


def task_manager_count(spec: FlinkDeploymentSpec, config: Mapping[str, str]) -> int:
    """FKO: `taskManager.replicas` when set, else ceil(parallelism / slots).

    The TaskManagers follow the parallelism overrides: a vertex the autoscaler (or the
    user) overrides beyond the slots of those TaskManagers gets more of them, so that
    every subtask of the one slot-sharing group finds a slot. (FKO's native clusters get
    this from Flink's resource manager, which starts TaskManagers on demand; the
    clusters scurry starts have a fixed count.)
    """
    replicas = spec.task_manager.replicas if spec.task_manager else None
    if replicas is None and spec.job is None:
        return 1
    if replicas is None:
        replicas = max(1, math.ceil(job_parallelism(spec, config) / slots(config)))
    overridden = max_override(config) if spec.job is not None else 0
    return max(replicas, math.ceil(overridden / slots(config)))


def slot_capacity(spec: FlinkDeploymentSpec, config: Mapping[str, str]) -> int:
    """The task slots of the cluster `spec` describes."""
    return task_manager_count(spec, config) * slots(config)


def build_cluster_spec(
    resource: FlinkDeployment,
    spec: FlinkDeploymentSpec,
    defaults: Mapping[str, str],
    *,
    job_id: str | None,
    savepoint_path: str | None,
    token: str,
) -> ClusterSpec:
    """The runtime-neutral description of the cluster `spec` asks for."""
    meta = resource.metadata
    config = effective_config(defaults, spec)
    config.setdefault("pipeline.name", meta.name or "")
    job = None
    if spec.job is not None and job_id is not None:
        job = JobLaunch(
            jar_uri=spec.job.jar_uri,
            entry_class=spec.job.entry_class,
            args=tuple(spec.job.args),
            parallelism=job_parallelism(spec, config),
            job_id=job_id,
            savepoint_path=savepoint_path,
            allow_non_restored_state=bool(spec.job.allow_non_restored_state),
        )
    return ClusterSpec(
        ref=ClusterRef(namespace=meta.namespace or "default", name=meta.name or ""),
        owner=Owner(
            api_version=FLINK_API_VERSION,
            kind="FlinkDeployment",
            name=meta.name or "",
            uid=meta.uid or "",
        ),
        generation=meta.generation or 0,
        token=token,
        flink_version=spec.flink_version.value if spec.flink_version else None,
        flink_config=config,
        job_manager=ComponentResources(
            memory_bytes=parse_memory(config.get(JM_MEMORY, "1024m")),
            cpu=component_cpu(spec.job_manager),
            replicas=spec.job_manager.replicas if spec.job_manager else 1,
            pod_template=spec.job_manager.pod_template if spec.job_manager else None,
            requirements=component_requirements(spec.job_manager),
        ),
        task_manager=ComponentResources(
            memory_bytes=parse_memory(config.get(TM_MEMORY, "1280m")),
            cpu=component_cpu(spec.task_manager),
            replicas=task_manager_count(spec, config),
            pod_template=spec.task_manager.pod_template if spec.task_manager else None,
            requirements=component_requirements(spec.task_manager),
        ),
        job=job,
        image=spec.image,
        image_pull_policy=spec.image_pull_policy,
        service_account=spec.service_account,
        pod_template=spec.pod_template,
        log_configuration=dict(spec.log_configuration or {}),
        mode=spec.mode.value if spec.mode else "native",
        ingress=spec.ingress.to_wire() if spec.ingress else None,
    )
