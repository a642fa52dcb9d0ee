"""The Flink configuration a cluster's pods read, and where its job's jar comes from.

The spec's effective configuration with what FKO's FlinkConfigBuilder and Flink's
Kubernetes decorators add: cluster id and namespace, the addresses pods reach each
other by, HA's cluster id, the fixed job id and the jar of an application. Every
cluster runs Flink's standalone entry points (the TaskManagers are a Deployment in
both modes), so the jar goes on `pipeline.classpaths` as in FKO's standalone mode.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from urllib.parse import unquote, urlparse

import yaml

from scurry.config.flinkconf import FlatConfig, is_true
from scurry.models.cluster import ClusterSpec, JobLaunch
from scurry.models.enums import FlinkVersion
from scurry.runtimes.kubernetes import naming

REST_PORT, RPC_PORT, BLOB_PORT, TM_RPC_PORT = 8081, 6123, 6124, 6122
ANY_ADDRESS = "0.0.0.0"
CONF_DIR = "/opt/flink/conf"
ARTIFACTS_DIR = "/opt/flink/artifacts"
IDENTITY_KEY = "scurry.cluster.deploy-id"  # not "token": Flink masks such values
FIXED_JOB_ID = "$internal.pipeline.job-id"
KUBERNETES_HA = (
    "kubernetes",
    "org.apache.flink.kubernetes.highavailability.kuberneteshaservicesfactory",
)
REMOTE_SCHEMES = ("http", "https", "s3")
# Flink before 1.19 reads flink-conf.yaml (one `key: value` a line), later config.yaml.
LEGACY_VERSIONS = frozenset(FlinkVersion(f"v1_{minor}") for minor in (13, 14, 15, 16, 17, 18))


def kubernetes_ha(config: Mapping[str, str]) -> bool:
    """FKO's isKubernetesHAActivated: `high-availability(.type)` names Kubernetes HA."""
    mode = config.get("high-availability.type") or config.get("high-availability") or ""
    return mode.strip().lower() in KUBERNETES_HA


def port(config: Mapping[str, str], key: str, default: int) -> int:
    """A fixed port from the configuration; a range or 0 (Flink's "any") means the default."""
    try:
        value = int(config.get(key, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def rest_port(config: Mapping[str, str]) -> int:
    return port(config, "rest.port", REST_PORT)


def is_remote(uri: str | None) -> bool:
    return bool(uri) and urlparse(uri or "").scheme.lower() in REMOTE_SCHEMES


def fetched_jar_path(uri: str) -> str:
    """Where the init container puts a remote jar inside the pod."""
    name = posixpath.basename(unquote(urlparse(uri).path).rstrip("/")) or "job.jar"
    return posixpath.join(ARTIFACTS_DIR, name)


def classpath_uri(uri: str) -> str:
    """The jar as Flink's standalone entry point reads it: `local://` becomes `file://`."""
    if is_remote(uri):
        return "file://" + fetched_jar_path(uri)
    parsed = urlparse(uri)
    if parsed.scheme in ("", "local"):
        return "file://" + (parsed.netloc or "") + (parsed.path or uri)
    return uri


def cluster_config(spec: ClusterSpec) -> FlatConfig:
    """The configuration file's keys for `spec`'s pods."""
    config = dict(spec.flink_config)
    name, namespace = spec.ref.name, spec.ref.namespace
    config.update(
        {
            "kubernetes.cluster-id": name,
            "kubernetes.namespace": namespace,
            "execution.target": "remote",
            "jobmanager.rpc.address": f"{naming.internal_service(name)}.{namespace}",
            "jobmanager.rpc.port": str(port(config, "jobmanager.rpc.port", RPC_PORT)),
            "jobmanager.bind-host": ANY_ADDRESS,
            "blob.server.port": str(port(config, "blob.server.port", BLOB_PORT)),
            "taskmanager.rpc.port": str(port(config, "taskmanager.rpc.port", TM_RPC_PORT)),
            "taskmanager.bind-host": ANY_ADDRESS,
            "rest.port": str(rest_port(config)),
            "rest.address": f"{naming.rest_service(name)}.{namespace}",
            "rest.bind-address": ANY_ADDRESS,
            "kubernetes.jobmanager.replicas": str(spec.job_manager.replicas),
            IDENTITY_KEY: spec.token,
        }
    )
    if kubernetes_ha(config):
        config["high-availability.cluster-id"] = name
    if spec.job is not None:
        config.update(_job_config(spec.job))
    return config


def _job_config(job: JobLaunch) -> FlatConfig:
    config = {FIXED_JOB_ID: job.job_id, "parallelism.default": str(job.parallelism)}
    if job.jar_uri:
        config["pipeline.classpaths"] = classpath_uri(job.jar_uri)
    if job.allow_non_restored_state:
        config["execution.savepoint.ignore-unclaimed-state"] = "true"
    return config


def config_file_name(spec: ClusterSpec) -> str:
    version = FlinkVersion(spec.flink_version) if spec.flink_version else None
    return "flink-conf.yaml" if version in LEGACY_VERSIONS else "config.yaml"


def dumps(config: Mapping[str, str], file_name: str) -> str:
    """The configuration file: YAML for config.yaml, Flink's line format for flink-conf.yaml."""
    if file_name == "flink-conf.yaml":
        return "".join(f"{key}: {_legacy_value(value)}\n" for key, value in sorted(config.items()))
    document = {key: _yaml_value(value) for key, value in sorted(config.items())}
    return yaml.safe_dump(document, default_flow_style=False, sort_keys=True, width=1 << 16)


def _structured(value: str) -> list[object] | dict[str, object] | None:
    """A list or map written in `flinkConfiguration` (kept as JSON text when flattened)."""
    text = value.strip()
    if not text.startswith(("[", "{")):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list | dict) else None


def _yaml_value(value: str) -> object:
    structured = _structured(value)
    return structured if structured is not None else value


def _legacy_value(value: str) -> str:
    structured = _structured(value)
    if isinstance(structured, list):
        return ";".join(str(item) for item in structured)
    if isinstance(structured, dict):
        return ",".join(f"{key}:{item}" for key, item in structured.items())
    return value


def startup_probe_enabled(config: Mapping[str, str]) -> bool:
    return is_true(config, "kubernetes.operator.jm-deployment.startup.probe.enabled", True)
