"""The pod template of a JobManager or TaskManager, from the spec's merged pod templates.

What the user's template says is kept; scurry lays over it what Flink's own
decorators would: the main container's image, command, arguments, resources,
ports, the pod IP in `_POD_IP_ADDRESS`, the configuration volume, the service
account, and Flink's `kubernetes.<role>.{labels,annotations,node-selector,
tolerations}` options. A remote `jarURI` is fetched by an init container that
runs `scurry fetch` into a volume both roles mount.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scurry import __version__
from scurry.config.flinkconf import FlatConfig
from scurry.config.prometheus_reporter import first_port, prometheus_reporters
from scurry.errors import ValidationFailed
from scurry.models.cluster import ClusterSpec, ComponentResources
from scurry.runtimes.kubernetes import clusterconf, naming
from scurry.runtimes.kubernetes.podtemplate import (
    MAIN_CONTAINER,
    merge_by_name,
    merge_templates,
    split_main_container,
)
from scurry.runtimes.kubernetes.resources import container_resources

CONFIG_VOLUME = "flink-config-volume"
ARTIFACTS_VOLUME = "scurry-artifacts"
FETCH_CONTAINER = "scurry-fetch-artifacts"
POD_IP_ENV = "_POD_IP_ADDRESS"
ENTRYPOINT = "/docker-entrypoint.sh"
HTTP_HEADER_OPTION = "kubernetes.operator.user.artifacts.http.header"
MAX_INT = 2**31 - 1

Obj = dict[str, Any]


@dataclass(frozen=True)
class RenderOptions:
    """What the operator's installation decides: the image that runs `scurry fetch`."""

    fetch_image: str = f"scurry:{__version__}"
    fetch_image_pull_policy: str = "IfNotPresent"


def flink_map(text: str | None) -> dict[str, str]:
    """Flink's map syntax `k1:v1,k2:v2` (a value may contain ':')."""
    result: dict[str, str] = {}
    for item in (text or "").split(","):
        key, sep, value = item.partition(":")
        if sep and key.strip():
            result[key.strip()] = value.strip()
    return result


def tolerations(text: str | None, key: str = "tolerations") -> list[Obj]:
    """Flink's `key:k,operator:Equal,value:v,effect:NoSchedule;...` (option `key`), parsed."""
    fields = {"key", "operator", "value", "effect", "tolerationseconds"}
    found = []
    for entry in (text or "").split(";"):
        parsed = {k.lower(): v for k, v in flink_map(entry).items() if k.lower() in fields}
        if not parsed:
            continue
        toleration: Obj = {k: v for k, v in parsed.items() if k != "tolerationseconds"}
        if "tolerationseconds" in parsed:
            seconds = parsed["tolerationseconds"]
            if not seconds.lstrip("-").isdigit():
                raise ValidationFailed(
                    f"{key}: tolerationSeconds must be a whole number of seconds, got {seconds!r}"
                )
            toleration["tolerationSeconds"] = int(seconds)
        found.append(toleration)
    return found


def component(spec: ClusterSpec, role: str) -> ComponentResources:
    return spec.job_manager if role == naming.JOBMANAGER else spec.task_manager


def image(spec: ClusterSpec, main: Mapping[str, Any], config: Mapping[str, str]) -> str:
    """The spec's image, else the template's, else Flink's option, else `flink:<version>`."""
    chosen = spec.image or main.get("image") or config.get("kubernetes.container.image.ref")
    if chosen:
        return str(chosen)
    version = (spec.flink_version or "").lstrip("v").replace("_", ".")
    return f"flink:{version}" if version else "flink:latest"


def pull_policy(spec: ClusterSpec, main: Mapping[str, Any], config: Mapping[str, str]) -> str:
    chosen = spec.image_pull_policy or main.get("imagePullPolicy")
    return str(chosen or config.get("kubernetes.container.image.pull-policy") or "IfNotPresent")


def jobmanager_args(spec: ClusterSpec, config: Mapping[str, str]) -> list[str]:
    """FKO's standalone JobManager command line (CmdStandaloneJobManagerDecorator)."""
    ha_address = [f"-Djobmanager.rpc.address=$({POD_IP_ENV})"] if _ha(config) else []
    job = spec.job
    if job is None:
        return ["jobmanager", *ha_address]
    args = ["standalone-job"]
    if job.entry_class:
        args += ["--job-classname", job.entry_class]
    if job.allow_non_restored_state:
        args.append("--allowNonRestoredState")
    if job.savepoint_path:
        args += ["--fromSavepoint", job.savepoint_path]
    return [*args, *ha_address, *job.args]


def _ha(config: Mapping[str, str]) -> bool:
    return clusterconf.kubernetes_ha(config)


def container_ports(role: str, config: Mapping[str, str]) -> list[Obj]:
    if role == naming.TASKMANAGER:
        ports = [{"name": "rpc", "containerPort": int(config["taskmanager.rpc.port"])}]
    else:
        ports = [
            {"name": "rest", "containerPort": int(config["rest.port"])},
            {"name": "jobmanager-rpc", "containerPort": int(config["jobmanager.rpc.port"])},
            {"name": "blobserver", "containerPort": int(config["blob.server.port"])},
        ]
    return ports + metrics_ports(config)


def metrics_ports(config: Mapping[str, str]) -> list[Obj]:
    """The ports of Flink's Prometheus reporters, when the configuration turns them on."""
    return [
        {"name": "prom-metrics" + (f"-{i}" if i else ""), "containerPort": first_port(config, n)}
        for i, n in enumerate(prometheus_reporters(config))
    ]


def scrape_annotations(config: Mapping[str, str]) -> dict[str, str]:
    """What Prometheus' pod discovery reads (`prometheus.io/*`): on for the first reporter."""
    reporters = prometheus_reporters(config)
    if not reporters:
        return {}
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(first_port(config, reporters[0])),
    }


def _env(role: str, config: Mapping[str, str]) -> list[Obj]:
    env: list[Obj] = [
        {
            "name": POD_IP_ENV,
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
        }
    ]
    prefix = (
        "containerized.master.env."
        if role == naming.JOBMANAGER
        else ("containerized.taskmanager.env.")
    )
    for key, value in sorted(config.items()):
        if key.startswith(prefix) and key > prefix:
            env.append({"name": key[len(prefix) :], "value": value})
    log_dir = config.get("kubernetes.flink.log.dir")
    if log_dir:
        env.append({"name": "FLINK_LOG_DIR", "value": log_dir})
    return env


def _append_missing(items: list[Any], extra: list[Obj], key: str) -> list[Any]:
    """`extra` after `items`, except entries whose `key` the user's items already have."""
    taken = {item.get(key) for item in items if isinstance(item, Mapping)}
    return [*items, *(item for item in extra if item[key] not in taken)]


def main_container(
    spec: ClusterSpec, role: str, config: FlatConfig, template_main: Obj, remote_jar: bool
) -> Obj:
    main = copy.deepcopy(template_main)
    main["name"] = MAIN_CONTAINER
    main["image"] = image(spec, template_main, config)
    main["imagePullPolicy"] = pull_policy(spec, template_main, config)
    main["command"] = [config.get("kubernetes.entry.path") or ENTRYPOINT]
    main["args"] = jobmanager_args(spec, config) if role == naming.JOBMANAGER else ["taskmanager"]
    main["env"] = _append_missing(list(main.get("env") or []), _env(role, config), "name")
    ports = container_ports(role, config)
    main["ports"] = _append_missing(list(main.get("ports") or []), ports, "containerPort")
    main["resources"] = container_resources(
        role, component(spec, role), config, template_main.get("resources")
    )
    mounts = [{"name": CONFIG_VOLUME, "mountPath": clusterconf.CONF_DIR}]
    if remote_jar:
        mounts.append({"name": ARTIFACTS_VOLUME, "mountPath": clusterconf.ARTIFACTS_DIR})
    main["volumeMounts"] = _append_missing(list(main.get("volumeMounts") or []), mounts, "name")
    if role == naming.JOBMANAGER and clusterconf.startup_probe_enabled(config):
        main.setdefault("startupProbe", _startup_probe())
    return main


def _startup_probe() -> Obj:
    """FKO's JobManager startup probe: the REST API's /config, every second, for ever."""
    return {
        "httpGet": {"path": "/config", "port": "rest"},
        "periodSeconds": 1,
        "failureThreshold": MAX_INT,
    }


def fetch_container(uri: str, config: Mapping[str, str], main: Obj, opts: RenderOptions) -> Obj:
    """The init container that downloads a remote jarURI with scurry's own fetch command."""
    command = ["scurry", "fetch", uri, clusterconf.fetched_jar_path(uri)]
    for name, value in flink_map(config.get(HTTP_HEADER_OPTION)).items():
        command += ["--header", f"{name}:{value}"]
    container: Obj = {
        "name": FETCH_CONTAINER,
        "image": opts.fetch_image,
        "imagePullPolicy": opts.fetch_image_pull_policy,
        "command": command,
        "volumeMounts": [{"name": ARTIFACTS_VOLUME, "mountPath": clusterconf.ARTIFACTS_DIR}],
    }
    # Credentials for the object store are where the user put them for Flink.
    for field in ("env", "envFrom"):
        if main.get(field):
            container[field] = copy.deepcopy(main[field])
    return container


def pod_template(spec: ClusterSpec, role: str, config: FlatConfig, opts: RenderOptions) -> Obj:
    """The `template` of a component's Deployment."""
    merged = (
        merge_templates(
            spec.pod_template, component(spec, role).pod_template, by_name=merge_by_name(config)
        )
        or {}
    )
    template_main, others = split_main_container(merged)
    jar_uri = spec.job.jar_uri if spec.job is not None else None
    remote_jar = jar_uri is not None and clusterconf.is_remote(jar_uri)
    main = main_container(spec, role, config, template_main, remote_jar)
    pod_spec: Obj = dict(merged.get("spec") or {})
    pod_spec["containers"] = [main, *others]
    volumes = [_config_volume(spec)]
    if jar_uri is not None and remote_jar:
        volumes.append({"name": ARTIFACTS_VOLUME, "emptyDir": {}})
        pod_spec["initContainers"] = [
            fetch_container(jar_uri, config, template_main, opts),
            *(pod_spec.get("initContainers") or []),
        ]
    pod_spec["volumes"] = _append_missing(list(pod_spec.get("volumes") or []), volumes, "name")
    if spec.service_account:
        pod_spec["serviceAccountName"] = spec.service_account
    _apply_options(pod_spec, role, config)
    return {
        "metadata": _pod_metadata(spec, role, merged.get("metadata") or {}, config),
        "spec": pod_spec,
    }


def _config_volume(spec: ClusterSpec) -> Obj:
    return {"name": CONFIG_VOLUME, "configMap": {"name": naming.config_map(spec.ref.name)}}


def _apply_options(pod_spec: Obj, role: str, config: Mapping[str, str]) -> None:
    """Flink's per-role scheduling options, added to what the template says."""
    secrets = [
        {"name": name.strip()}
        for name in config.get("kubernetes.container.image.pull-secrets", "").split(";")
        if name.strip()
    ]
    if secrets:
        pod_spec["imagePullSecrets"] = _append_missing(
            list(pod_spec.get("imagePullSecrets") or []), secrets, "name"
        )
    selector = flink_map(config.get(f"kubernetes.{role}.node-selector"))
    if selector:
        pod_spec["nodeSelector"] = {**(pod_spec.get("nodeSelector") or {}), **selector}
    option = f"kubernetes.{role}.tolerations"
    extra = tolerations(config.get(option), option)
    if extra:
        pod_spec["tolerations"] = [*(pod_spec.get("tolerations") or []), *extra]


def _pod_metadata(
    spec: ClusterSpec, role: str, template_meta: Obj, config: Mapping[str, str]
) -> Obj:
    labels = {
        **(template_meta.get("labels") or {}),
        **flink_map(config.get(f"kubernetes.{role}.labels")),
        **naming.selector(spec, role),
    }
    annotations = {
        **scrape_annotations(config),  # the user's own annotations say otherwise if they wish
        **(template_meta.get("annotations") or {}),
        **flink_map(config.get(f"kubernetes.{role}.annotations")),
        # A new deploy attempt replaces every pod, even when nothing else changed.
        naming.DEPLOY_TOKEN_ANNOTATION: spec.token,
    }
    return {"labels": labels, "annotations": annotations}
