"""FKO's validation rules and messages (DefaultValidator), first failing rule wins.

The same functions back admission (the API refuses the write) and the
controller (the error goes to `status.error` while the last good spec runs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from scurry.config.flinkconf import parse_memory
from scurry.config.prometheus_reporter import port_error, prometheus_reporters
from scurry.core import options as opt
from scurry.core.clusterspec import JM_MEMORY, TM_MEMORY, parse_cpu
from scurry.models.enums import JobState, UpgradeMode
from scurry.models.resources import FlinkDeployment, FlinkSessionJob
from scurry.models.spec import (
    FlinkDeploymentSpec,
    FlinkSessionJobSpec,
    JobManagerSpec,
    JobSpec,
    Resource,
    ResourceRequirements,
    TaskManagerSpec,
)

NAME_PATTERN = re.compile(r"^[a-z]([-a-z\d]{0,43}[a-z\d])?$")
CHECKPOINT_DIR_KEYS = ("execution.checkpointing.dir", "state.checkpoints.dir")
SAVEPOINT_DIR_KEYS = (
    "execution.checkpointing.savepoint-dir",
    "state.savepoints.dir",
    "savepoints.state.backend.fs.dir",
)
FORBIDDEN_KEYS = ("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id")
LOG_CONFIG_KEYS = ("log4j-console.properties", "logback-console.xml")
PERIODIC_SAVEPOINT_INTERVAL = "kubernetes.operator.periodic.savepoint.interval"
LAST_STATE_MAX_AGE = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"

Check = Callable[[], str | None]


@dataclass(frozen=True)
class ValidationContext:
    """What differs between runtimes: the local one has no service accounts."""

    local: bool = True


def first_error(checks: Iterable[Check]) -> str | None:
    for check in checks:
        error = check()
        if error:
            return error
    return None


def has_any(config: Mapping[str, str], keys: Iterable[str]) -> bool:
    return any(config.get(key, "").strip() for key in keys)


def ha_enabled(config: Mapping[str, str]) -> bool:
    mode = config.get("high-availability.type") or config.get("high-availability") or ""
    return mode.strip().lower() not in ("", "none")


def validate_deployment(
    resource: FlinkDeployment,
    config: Mapping[str, str],
    last_reconciled: FlinkDeploymentSpec | None,
    context: ValidationContext,
) -> str | None:
    """The first FKO rule `resource` breaks under effective `config`, or None."""
    spec = resource.spec
    return first_error(
        [
            lambda: _name(resource.metadata.name or ""),
            lambda: _flink_version(spec, last_reconciled),
            lambda: _config(config, context.local),
            lambda: validate_local_state_dirs(config) if context.local else None,
            lambda: _ingress(spec),
            lambda: _log_config(spec),
            lambda: _job(spec, config),
            lambda: _job_manager(spec.job_manager, config),
            lambda: _task_manager(spec.task_manager, config),
            lambda: _spec_change(spec, last_reconciled),
            lambda: _service_account(spec, context),
            lambda: _jar_uri(spec.job, config) if context.local else None,
        ]
    )


def _name(name: str) -> str | None:
    if NAME_PATTERN.match(name):
        return None
    return (
        f"The FlinkDeployment name: {name} is invalid, must consist of lower case alphanumeric "
        "characters or '-', start with an alphabetic character, and end with an alphanumeric "
        "character (e.g. 'my-name',  or 'abc-123'), and the length must be no more than 45 "
        "characters."
    )


def _flink_version(spec: FlinkDeploymentSpec, last: FlinkDeploymentSpec | None) -> str | None:
    version = spec.flink_version
    if version is None:
        return "Flink Version must be defined."
    if not version.is_supported:
        return f"Flink version {version.value} is not supported by this operator version"
    if (
        last is not None
        and last.job is not None
        and spec.job is not None
        and last.job.state is JobState.SUSPENDED
        and last.job.upgrade_mode is UpgradeMode.LAST_STATE
        and spec.job.upgrade_mode is not UpgradeMode.STATELESS
        and last.flink_version is not version
    ):
        return (
            "Changing flinkVersion after last-state suspend is not allowed. Restore your cluster "
            "with the current flinkVersion and perform the version upgrade afterwards."
        )
    return None


def _config(config: Mapping[str, str], local: bool = False) -> str | None:
    for key in FORBIDDEN_KEYS:
        if key in config:
            return f"Forbidden Flink config key: {key}"
    # Locally, scurry's checkpoint tracking is what HA metadata is elsewhere.
    rollback = config.get(opt.ROLLBACK_ENABLED, "").lower() == "true"
    if rollback and not local and not ha_enabled(config):
        return "HA must be enabled for rollback support."
    health = config.get(opt.HEALTH_CHECK_ENABLED, "").lower() == "true"
    if health and config.get(opt.JM_DEPLOYMENT_RECOVERY, "true").lower() == "false":
        return (
            "Deployment recovery (kubernetes.operator.jm-deployment-recovery.enabled) must be "
            "enabled for job health check (kubernetes.operator.cluster.health-check.enabled) "
            "support."
        )
    return next(filter(None, (port_error(config, n) for n in prometheus_reporters(config))), None)


def validate_local_state_dirs(config: Mapping[str, str]) -> str | None:
    """The local runtime keeps checkpoints and savepoints on file:// only."""
    for label, keys in (("Checkpoint", CHECKPOINT_DIR_KEYS), ("Savepoint", SAVEPOINT_DIR_KEYS)):
        for key in keys:
            value = config.get(key, "").strip()
            scheme = urlparse(value).scheme.lower()
            if value and scheme not in ("", "file"):
                return (
                    f"{label} directory[{key}] {value}: the local runtime keeps state on file:// "
                    f"only (the Flink wheels carry no {scheme} filesystem plugin)"
                )
    return None


def _ingress(spec: FlinkDeploymentSpec) -> str | None:
    if spec.ingress is not None and not spec.ingress.template:
        return "Ingress template must be defined"
    return None


def _log_config(spec: FlinkDeploymentSpec) -> str | None:
    for key in spec.log_configuration or {}:
        if key not in LOG_CONFIG_KEYS:
            allowed = "[" + ", ".join(LOG_CONFIG_KEYS) + "]"
            return f"Invalid log config key: {key}. Allowed keys are {allowed}"
    return None


def _job(spec: FlinkDeploymentSpec, config: Mapping[str, str]) -> str | None:
    job = spec.job
    if job is None:
        return None
    error = validate_job_state_config(job, config)
    if error:
        return error
    replicas = spec.task_manager.replicas if spec.task_manager else None
    if replicas is not None:
        return "TaskManager replicas must be larger than 0" if replicas < 1 else None
    if (job.parallelism or 0) < 1:  # FKO's int field defaults to 0
        return "Job parallelism must be larger than 0"
    return None


def validate_job_state_config(job: JobSpec, config: Mapping[str, str]) -> str | None:
    """Checkpoint and savepoint directories the job's upgrade mode and snapshots need."""
    if job.upgrade_mode is not UpgradeMode.STATELESS and not has_any(config, CHECKPOINT_DIR_KEYS):
        return (
            f"Checkpoint directory[{CHECKPOINT_DIR_KEYS[0]}] must be defined for last-state and "
            "savepoint upgrade modes"
        )
    if has_any(config, SAVEPOINT_DIR_KEYS):
        return None
    key = SAVEPOINT_DIR_KEYS[0]
    if job.upgrade_mode is UpgradeMode.SAVEPOINT:
        return f"Job could not be upgraded with savepoint while config key[{key}] is not set"
    if job.savepoint_trigger_nonce is not None:
        return (
            f"Savepoint could not be manually triggered for the running job while config "
            f"key[{key}] is not set"
        )
    if config.get(PERIODIC_SAVEPOINT_INTERVAL, "").strip() not in ("", "0"):
        return f"Periodic savepoints cannot be enabled when config key[{key}] is not set"
    if config.get(LAST_STATE_MAX_AGE, "").strip():
        return (
            f"In order to use max-checkpoint age functionality config key[{key}] must be set to "
            "allow triggering savepoint upgrades."
        )
    return None


def _job_manager(jm: JobManagerSpec | None, config: Mapping[str, str]) -> str | None:
    error = _component("JobManager", "jobManager", jm, config, JM_MEMORY)
    if error:
        return error
    replicas = jm.replicas if jm else 1
    if replicas < 1:
        return "JobManager replicas should not be configured less than one."
    if replicas > 1 and not ha_enabled(config):
        return "High availability should be enabled when starting standby JobManagers."
    return None


def _task_manager(tm: TaskManagerSpec | None, config: Mapping[str, str]) -> str | None:
    error = _component("TaskManager", "taskManager", tm, config, TM_MEMORY)
    if error:
        return error
    if tm is not None and tm.replicas is not None and tm.replicas < 1:
        return "TaskManager replicas should not be configured less than one."
    return None


def _component(
    name: str,
    field: str,
    spec: JobManagerSpec | TaskManagerSpec | None,
    config: Mapping[str, str],
    memory_key: str,
) -> str | None:
    resource = spec.resource if spec else None
    resources = spec.resources if spec else None
    has_memory = (resource is not None and resource.memory is not None) or _requests_memory(
        resources
    )
    if not has_memory and not config.get(memory_key):
        return (
            f"{name} resource memory must be defined using `spec.{field}.resource.memory` or "
            f"`spec.{field}.resources.requests.memory`"
        )
    return _resource_errors(name, resource) or _requirement_errors(name, resources)


def _requests_memory(resources: ResourceRequirements | None) -> bool:
    if resources is None:
        return False
    return any(
        amounts and "memory" in amounts for amounts in (resources.requests, resources.limits)
    )


def _resource_errors(name: str, resource: Resource | None) -> str | None:
    if resource is None:
        return None
    problems = []
    if resource.memory is not None:
        try:
            parse_memory(resource.memory)
        except ValueError as exc:
            problems.append(f"{name} resource memory parse error: {exc}")
    if resource.ephemeral_storage is not None:
        try:
            parse_memory(resource.ephemeral_storage)
        except ValueError as exc:
            problems.append(f"{name} resource ephemeral storage parse error: {exc}")
    return "".join(problems) or None


def _requirement_errors(name: str, resources: ResourceRequirements | None) -> str | None:
    if resources is None:
        return None
    problems: list[str] = []
    for kind, amounts in (("request", resources.requests), ("limit", resources.limits)):
        for resource_name, value in (amounts or {}).items():
            problem = _quantity_problem(name, kind, resource_name, value)
            if problem:
                problems.append(problem)
    problems.extend(_request_exceeds_limit(name, resources))
    return "; ".join(problems) or None


def _quantity_amount(resource_name: str, value: str | int | float) -> float:
    if resource_name == "cpu":
        return parse_cpu(value)
    return float(parse_memory(value))


def _quantity_problem(
    name: str, kind: str, resource_name: str, value: str | int | float
) -> str | None:
    label = f"{name} resource requirements {kind} {resource_name}"
    try:
        amount = _quantity_amount(resource_name, value)
    except ValueError as exc:
        return f"{label} parse error: {exc}"
    if resource_name in ("memory", "cpu") and amount <= 0:
        return f"{label} must be positive: {value}"
    if amount < 0:
        return f"{label} must not be negative: {value}"
    return None


def _request_exceeds_limit(name: str, resources: ResourceRequirements) -> list[str]:
    problems = []
    requests, limits = resources.requests or {}, resources.limits or {}
    for resource_name in sorted(set(requests) & set(limits)):
        try:
            request = _quantity_amount(resource_name, requests[resource_name])
            limit = _quantity_amount(resource_name, limits[resource_name])
        except ValueError:
            continue
        if request > limit:
            problems.append(
                f"{name} resource requirements {resource_name} request "
                f"({requests[resource_name]}) must not exceed its limit ({limits[resource_name]})"
            )
    return problems


def _spec_change(spec: FlinkDeploymentSpec, last: FlinkDeploymentSpec | None) -> str | None:
    if last is None:
        return None
    if last.job is None and spec.job is not None:
        return "Cannot switch from session to job cluster"
    if last.job is not None and spec.job is None:
        return "Cannot switch from job to session cluster"
    old_mode, new_mode = last.mode or "native", spec.mode or "native"
    if old_mode != new_mode:
        if new_mode == "standalone":
            return "Cannot switch from native kubernetes to standalone kubernetes cluster"
        return "Cannot switch from standalone kubernetes to native kubernetes cluster"
    if spec.job is not None and last.job is not None:
        nonce = spec.job.savepoint_redeploy_nonce
        changed = nonce is not None and nonce != last.job.savepoint_redeploy_nonce
        if changed and not (spec.job.initial_savepoint_path or "").strip():
            return "InitialSavepointPath must not be empty for savepoint redeployment"
    return None


def _service_account(spec: FlinkDeploymentSpec, context: ValidationContext) -> str | None:
    if context.local or spec.service_account:
        return None
    return (
        "spec.serviceAccount must be defined. If you use helm, its value should be the same "
        "with the name of jobServiceAccount."
    )


def validate_jar_uri(uri: str, config: Mapping[str, str]) -> str | None:
    """FKO's jarURI rules (validateJarURI) that need no network."""
    try:
        parsed = urlparse(uri)
    except ValueError as exc:
        return f"jarURI is not a valid URI: {exc}"
    if not parsed.scheme:
        return "jarURI must include a scheme"
    options = opt.OperatorOptions.from_config(config)
    if parsed.scheme.lower() not in options.allowed_schemes:
        allowed = "[" + ", ".join(options.allowed_schemes) + "]"
        return (
            f"jarURI scheme '{parsed.scheme}' is not in the allowlist {allowed}. Configure "
            "'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist."
        )
    if parsed.scheme.lower() in ("http", "https") and not parsed.hostname:
        return "jarURI must include a host for http/https schemes"
    return None


def _jar_uri(job: JobSpec | None, config: Mapping[str, str]) -> str | None:
    if job is None or not job.jar_uri:
        return None
    return validate_jar_uri(job.jar_uri, config)


def validate_session_job(
    job: FlinkSessionJob,
    session: FlinkDeployment | None,
    config: Mapping[str, str],
    last_reconciled: FlinkSessionJobSpec | None,
    context: ValidationContext,
) -> str | None:
    """FKO's validateSessionJob: the job alone, then against its session cluster if found."""
    spec = job.spec
    alone = first_error(
        [
            lambda: _deployment_name(spec.deployment_name or ""),
            lambda: None if spec.job is not None else "The job spec should not be empty",
            lambda: _session_spec_change(spec, last_reconciled),
            lambda: _jar_uri(spec.job, config) if context.local else None,
        ]
    )
    if alone or session is None:
        return alone
    assert spec.job is not None
    job_spec = spec.job
    return first_error(
        [
            lambda: (
                "Can not submit session job to application cluster"
                if session.spec.job is not None
                else None
            ),
            lambda: (
                "The session job's cluster id is not match with the session cluster"
                if session.metadata.name != spec.deployment_name
                else None
            ),
            lambda: validate_local_state_dirs(config) if context.local else None,
            lambda: validate_job_state_config(job_spec, config),
            lambda: _session_job_parallelism(job_spec),
        ]
    )


def _deployment_name(name: str) -> str | None:
    if NAME_PATTERN.match(name):
        return None
    return _name(name)


def _session_spec_change(spec: FlinkSessionJobSpec, last: FlinkSessionJobSpec | None) -> str | None:
    if last is not None and last.deployment_name != spec.deployment_name:
        return "The deploymentName can't be changed"
    return None


def _session_job_parallelism(job: JobSpec) -> str | None:
    if (job.parallelism or 0) < 1:
        return "Job parallelism must be larger than 0"
    return None
