"""A main container's cpu and memory, as Flink's Kubernetes integration sets them.

Requests are the component's cpu and process memory; limits are the requests
times the limit factors. FKO derives the factors from `resources.limits` over
`resources.requests` (else `kubernetes.{jobmanager,taskmanager}.{cpu,memory}.
limit-factor`, else 1). Any other resource the spec names (`ephemeral-storage`,
extended resources) is passed through; cpu and memory of the pod template's
main container are replaced, the rest of its `resources` kept.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from scurry.config.flinkconf import parse_memory
from scurry.core.clusterspec import parse_cpu, slots
from scurry.models.cluster import ComponentResources

CPU = "cpu"
MEMORY = "memory"
MIB = 1 << 20


def cpu_key(role: str) -> str:
    return f"kubernetes.{role}.cpu.amount"


def _number(config: Mapping[str, str], key: str) -> float | None:
    try:
        return float(config[key])
    except (KeyError, ValueError):
        return None


def component_cpu(role: str, component: ComponentResources, config: Mapping[str, str]) -> float:
    """The spec's cpu, else Flink's option, else Flink's default (JM 1, TM one per slot)."""
    if component.cpu is not None and component.cpu > 0:
        return component.cpu
    configured = _number(config, cpu_key(role))
    if configured is None:
        configured = _number(config, f"kubernetes.{role}.cpu")  # Flink's deprecated key
    if configured is not None and configured > 0:
        return configured
    return 1.0 if role == "jobmanager" else float(slots(config))


def limit_factor(
    role: str, resource: str, requirements: Mapping[str, Any] | None, config: Mapping[str, str]
) -> float:
    """limits/requests of the spec's `resources`, else the Flink option, else 1."""
    requests = (requirements or {}).get("requests") or {}
    limits = (requirements or {}).get("limits") or {}
    if resource in requests and resource in limits:
        request, limit = _amount(resource, requests[resource]), _amount(resource, limits[resource])
        if request > 0:
            return limit / request
    configured = _number(config, f"kubernetes.{role}.{resource}.limit-factor")
    return configured if configured is not None and configured >= 1 else 1.0


def _amount(resource: str, value: Any) -> float:
    if resource == CPU:
        return parse_cpu(value)
    return float(parse_memory(value))


def format_cpu(cores: float) -> str:
    """A cpu quantity: whole cores as a number, anything else in millicores."""
    if float(cores).is_integer():
        return str(int(cores))
    return f"{round(cores * 1000)}m"


def format_mebibytes(mebibytes: int) -> str:
    return f"{mebibytes}Mi"


def container_resources(
    role: str,
    component: ComponentResources,
    config: Mapping[str, str],
    template_resources: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """`resources` of the main container of one component."""
    requirements = component.requirements or {}
    result: dict[str, Any] = copy.deepcopy(dict(template_resources or {}))
    requests: dict[str, Any] = dict(result.get("requests") or {})
    limits: dict[str, Any] = dict(result.get("limits") or {})
    for side, target in (("requests", requests), ("limits", limits)):
        for resource, value in (requirements.get(side) or {}).items():
            if resource not in (CPU, MEMORY):
                target[resource] = value
    cpu = component_cpu(role, component, config)
    memory = component.memory_bytes // MIB  # Flink sizes containers in whole MiB
    requests[CPU] = format_cpu(cpu)
    requests[MEMORY] = format_mebibytes(memory)
    limits[CPU] = format_cpu(cpu * limit_factor(role, CPU, requirements, config))
    limits[MEMORY] = format_mebibytes(
        int(memory * limit_factor(role, MEMORY, requirements, config))
    )
    result["requests"], result["limits"] = requests, limits
    return result
