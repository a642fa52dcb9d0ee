"""The effective Flink configuration of a resource, one way for every caller.

Defaults (scurry's, the runtime's, the installation's for the namespace and Flink
version) <- the resource's own `flinkConfiguration` <- what its resources imply.
A session job sits on its session cluster's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from scurry.config.flinkconf import FlatConfig, flatten, overlay
from scurry.core.clusterspec import effective_config
from scurry.core.observation import ControlConfig
from scurry.core.validation import CHECKPOINT_DIR_KEYS
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec


def deployment_config(
    control: ControlConfig,
    namespace: str | None,
    spec: FlinkDeploymentSpec,
    runtime_defaults: Mapping[str, str],
) -> FlatConfig:
    version = spec.flink_version.value if spec.flink_version else None
    return effective_config(control.defaults_for(namespace, version, runtime_defaults), spec)


def session_job_config(
    control: ControlConfig,
    namespace: str | None,
    session: FlinkDeploymentSpec | None,
    job: FlinkSessionJobSpec,
    runtime_defaults: Mapping[str, str],
) -> FlatConfig:
    """The session cluster's configuration (defaults alone while it is missing) <- the job's."""
    if session is not None:
        base = deployment_config(control, namespace, session, runtime_defaults)
    else:
        base = control.defaults_for(namespace, None, runtime_defaults)
    return overlay(base, flatten(job.flink_configuration))


def checkpoint_dir(config: Mapping[str, str]) -> str | None:
    return next((config[key] for key in CHECKPOINT_DIR_KEYS if config.get(key)), None)
