"""A ClusterSpec as the Kubernetes objects that run it. Pure: no client, no I/O.

`render_cluster` returns, in the order they are created: the ConfigMap
(`config.yaml` and log configuration), with Kubernetes HA the Role and
RoleBinding Flink's HA services need, the internal and REST Services, the
JobManager and TaskManager Deployments and, with `spec.ingress`, the Ingress.
Everything is owned by the FlinkDeployment (when its uid is known), so
deleting it leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from scurry.errors import ValidationFailed
from scurry.models.cluster import ClusterSpec
from scurry.runtimes.kubernetes import clusterconf, naming
from scurry.runtimes.kubernetes.ingress import render_ingress
from scurry.runtimes.kubernetes.logconf import log_files
from scurry.runtimes.kubernetes.pods import RenderOptions, flink_map, pod_template

Obj = dict[str, Any]
HA_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
EXPOSED_TYPE = "kubernetes.rest-service.exposed.type"
EXPOSED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "Headless_ClusterIP")


def render_cluster(spec: ClusterSpec, opts: RenderOptions | None = None) -> list[Obj]:
    """Every object of the cluster `spec` describes, in creation order."""
    opts = opts or RenderOptions()
    config = clusterconf.cluster_config(spec)
    objects = [config_map(spec, config)]
    if clusterconf.kubernetes_ha(config):
        objects += ha_rbac(spec)
    objects += [
        internal_service(spec, config),
        rest_service(spec, config),
        jobmanager_deployment(spec, config, opts),
        taskmanager_deployment(spec, config, opts),
    ]
    if spec.ingress is not None:
        objects.append(
            render_ingress(spec, clusterconf.rest_port(config), metadata(spec, spec.ref.name))
        )
    return objects


def owner_references(spec: ClusterSpec) -> list[Obj]:
    """FKO's owner reference (blockOwnerDeletion, not a controller); none without a uid."""
    owner = spec.owner
    if not owner.uid:
        return []
    return [
        {
            "apiVersion": owner.api_version,
            "kind": owner.kind,
            "name": owner.name,
            "uid": owner.uid,
            "controller": False,
            "blockOwnerDeletion": True,
        }
    ]


def metadata(
    spec: ClusterSpec,
    name: str,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": spec.ref.namespace,
        "labels": {**naming.object_labels(spec), **(labels or {})},
    }
    if annotations:
        meta["annotations"] = annotations
    owners = owner_references(spec)
    if owners:
        meta["ownerReferences"] = owners
    return meta


def config_map(spec: ClusterSpec, config: dict[str, str]) -> Obj:
    file_name = clusterconf.config_file_name(spec)
    data = {file_name: clusterconf.dumps(config, file_name), **log_files(spec.log_configuration)}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(spec, naming.config_map(spec.ref.name)),
        "data": data,
    }


def ha_rbac(spec: ClusterSpec) -> list[Obj]:
    """What Flink's Kubernetes HA services do with the API: ConfigMaps for leaders and state."""
    name = naming.ha_role(spec.ref.name)
    account = spec.service_account or "default"
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(spec, name),
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": list(HA_VERBS)}],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(spec, name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": spec.ref.namespace}],
    }
    return [role, binding]


def internal_service(spec: ClusterSpec, config: dict[str, str]) -> Obj:
    """The headless Service TaskManagers reach the JobManager's RPC and blob ports by."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, naming.internal_service(spec.ref.name)),
        "spec": {
            "clusterIP": "None",
            "selector": naming.selector(spec, naming.JOBMANAGER),
            "ports": [
                _port("jobmanager-rpc", int(config["jobmanager.rpc.port"])),
                _port("blobserver", int(config["blob.server.port"])),
            ],
        },
    }


def rest_service(spec: ClusterSpec, config: dict[str, str]) -> Obj:
    exposed = config.get(EXPOSED_TYPE, "ClusterIP")
    if exposed not in EXPOSED_TYPES:
        raise ValidationFailed(
            f"{EXPOSED_TYPE}: {exposed!r} is not one of {', '.join(EXPOSED_TYPES)}"
        )
    service_spec: Obj = {
        "type": "ClusterIP" if exposed == "Headless_ClusterIP" else exposed,
        "selector": naming.selector(spec, naming.JOBMANAGER),
        "ports": [_port("rest", int(config["rest.port"]))],
    }
    if exposed == "Headless_ClusterIP":
        service_spec["clusterIP"] = "None"
    annotations = flink_map(config.get("kubernetes.rest-service.annotations"))
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, naming.rest_service(spec.ref.name), annotations=annotations),
        "spec": service_spec,
    }


def _port(name: str, number: int) -> Obj:
    return {"name": name, "port": number, "targetPort": number, "protocol": "TCP"}


def jobmanager_deployment(spec: ClusterSpec, config: dict[str, str], opts: RenderOptions) -> Obj:
    annotations = {
        naming.GENERATION_ANNOTATION: str(spec.generation),
        naming.DEPLOY_TOKEN_ANNOTATION: spec.token,
    }
    if spec.job is not None:
        annotations[naming.JOB_ID_ANNOTATION] = spec.job.job_id
    return _deployment(
        spec,
        naming.JOBMANAGER,
        naming.jobmanager_deployment(spec.ref.name),
        spec.job_manager.replicas,
        annotations,
        pod_template(spec, naming.JOBMANAGER, config, opts),
    )


def taskmanager_deployment(spec: ClusterSpec, config: dict[str, str], opts: RenderOptions) -> Obj:
    annotations = {naming.DEPLOY_TOKEN_ANNOTATION: spec.token}
    return _deployment(
        spec,
        naming.TASKMANAGER,
        naming.taskmanager_deployment(spec.ref.name),
        spec.task_manager.replicas,
        annotations,
        pod_template(spec, naming.TASKMANAGER, config, opts),
    )


def _deployment(
    spec: ClusterSpec,
    role: str,
    name: str,
    replicas: int,
    annotations: dict[str, str],
    template: Obj,
) -> Obj:
    """A Deployment that replaces all its pods at once: two generations never mix."""
    labels = {naming.LABEL_COMPONENT: role}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(spec, name, labels, annotations),
        "spec": {
            "replicas": replicas,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": naming.selector(spec, role)},
            "template": template,
        },
    }
