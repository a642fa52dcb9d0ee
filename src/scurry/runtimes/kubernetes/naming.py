"""Names, labels and annotations of a cluster's Kubernetes objects, as FKO and Flink set them.

A FlinkDeployment `NAME` becomes the JobManager Deployment `NAME`, the
TaskManager Deployment `NAME-taskmanager`, the REST Service `NAME-rest`, the
internal (RPC and blob) Service `NAME`, the ConfigMap `flink-config-NAME` and,
with `spec.ingress`, the Ingress `NAME`. Every object carries FKO's `app` and
`type` labels; pods and Deployments add `component`.
"""

from __future__ import annotations

from scurry.models.cluster import ClusterSpec

# FKO's labels and the generation annotation the JobManager Deployment carries.
LABEL_APP = "app"
LABEL_COMPONENT = "component"
LABEL_TYPE = "type"
TYPE_NATIVE = "flink-native-kubernetes"
TYPE_STANDALONE = "flink-standalone-kubernetes"
JOBMANAGER = "jobmanager"
TASKMANAGER = "taskmanager"
GENERATION_ANNOTATION = "flinkdeployment.flink.apache.org/generation"
# Flink's HA ConfigMaps carry these labels (KubernetesUtils.getConfigMapLabels).
HA_CONFIGMAP_TYPE = "configmap-type"
HA_CONFIGMAP_VALUE = "high-availability"

# scurry's own: which deploy attempt a cluster is, and the job it runs.
DEPLOY_TOKEN_ANNOTATION = "scurry.io/deploy-token"
JOB_ID_ANNOTATION = "scurry.io/job-id"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "scurry"


def jobmanager_deployment(name: str) -> str:
    return name


def taskmanager_deployment(name: str) -> str:
    return f"{name}-taskmanager"


def rest_service(name: str) -> str:
    return f"{name}-rest"


def internal_service(name: str) -> str:
    return name


def config_map(name: str) -> str:
    return f"flink-config-{name}"


def ingress(name: str) -> str:
    return name


def ha_role(name: str) -> str:
    return f"{name}-flink-ha"


def cluster_type(spec: ClusterSpec) -> str:
    return TYPE_STANDALONE if spec.mode == "standalone" else TYPE_NATIVE


def common_labels(spec: ClusterSpec) -> dict[str, str]:
    """What selects every object of one cluster (FKO's `app` and `type`)."""
    return {LABEL_TYPE: cluster_type(spec), LABEL_APP: spec.ref.name}


def object_labels(spec: ClusterSpec) -> dict[str, str]:
    return {**common_labels(spec), MANAGED_BY_LABEL: MANAGED_BY}


def selector(spec: ClusterSpec, component: str) -> dict[str, str]:
    """The pod selector of one component's Deployment and Service."""
    return {**common_labels(spec), LABEL_COMPONENT: component}


def cluster_selector(name: str) -> str:
    """A label selector for every object scurry made for cluster `name`, in any mode."""
    return f"{LABEL_APP}={name},{MANAGED_BY_LABEL}={MANAGED_BY}"


def ha_selector(name: str) -> str:
    """Flink's Kubernetes HA ConfigMaps of cluster `name`."""
    return f"{LABEL_APP}={name},{HA_CONFIGMAP_TYPE}={HA_CONFIGMAP_VALUE}"
