"""What a FlinkDeployment becomes on Kubernetes: `render_manifest`, the pure renderer.

Every object is also checked against Kubernetes 1.32's schemas (kubernetes-validate,
offline, strict: unknown fields are errors), so a shape the API server would refuse
fails here first.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from scurry.errors import InvalidInput, ValidationFailed
from scurry.runtimes.kubernetes.manifests import render_manifest

Obj = dict[str, Any]
K8S_VERSION = "1.32"

FULL = """
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: orders
  namespace: shop
  uid: 6f1c1a4e-0000-4000-8000-000000000001
  generation: 4
spec:
  image: flink:2.2
  imagePullPolicy: Always
  flinkVersion: v2_2
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
    high-availability.type: kubernetes
    high-availability.storageDir: s3://bucket/ha
    execution.checkpointing.dir: s3://bucket/checkpoints
    execution.checkpointing.savepoint-dir: s3://bucket/savepoints
    kubernetes.operator.pod-template.merge-arrays-by-name: "true"
  ingress:
    template: "{{name}}.{{namespace}}.flink.example.com"
    className: nginx
    annotations:
      nginx.ingress.kubernetes.io/rewrite-target: /
  logConfiguration:
    log4j-console.properties: "rootLogger.level = DEBUG\\n"
  podTemplate:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: pool, operator: In, values: [flink]}
      tolerations:
        - {key: dedicated, operator: Equal, value: flink, effect: NoSchedule}
      containers:
        - name: flink-main-container
          env:
            - {name: REGION, value: eu}
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
          envFrom:
            - configMapRef: {name: shop-settings}
          volumeMounts:
            - {name: data, mountPath: /data}
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: orders-data}
  jobManager:
    resource: {memory: 2048m, cpu: 0.5}
    podTemplate:
      spec:
        containers:
          - name: flink-main-container
            env:
              - {name: ROLE, value: jm}
  taskManager:
    replicas: 2
    resources:
      requests: {cpu: "1", memory: 4Gi, ephemeral-storage: 2Gi}
      limits: {cpu: "2", memory: 4Gi}
    resource: {memory: 4096m, cpu: 1}
  job:
    jarURI: local:///opt/flink/usrlib/orders.jar
    parallelism: 4
    upgradeMode: savepoint
"""


def render(text: str, namespace: str | None = None) -> list[Obj]:
    return render_manifest(text, source="test", namespace=namespace)


def by_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    found = [obj for obj in by_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {[o['metadata']['name'] for o in objects]}"
    return found[0]


def main_container(deployment: Obj) -> Obj:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "flink-main-container")


def assert_valid(objects: list[Obj]) -> None:
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@pytest.fixture(scope="module")
def full() -> list[Obj]:
    return render(FULL)


def test_every_object_of_a_full_spec_is_valid_kubernetes(full: list[Obj]) -> None:
    assert [obj["kind"] for obj in full] == [
        "ConfigMap",
        "Role",
        "RoleBinding",
        "Service",
        "Service",
        "Deployment",
        "Deployment",
        "Ingress",
    ]
    assert_valid(full)


def test_the_validator_refuses_what_the_api_server_would() -> None:
    objects = render(FULL)
    deployment = named(objects, "Deployment", "orders")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        assert_valid([deployment])
    main_container(named(objects, "Deployment", "orders-taskmanager"))["imagePolicy"] = "x"
    with pytest.raises(kubernetes_validate.ValidationError):
        assert_valid([named(objects, "Deployment", "orders-taskmanager")])


def test_fko_names_labels_owner_and_generation(full: list[Obj]) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in full}
    assert {
        ("ConfigMap", "flink-config-orders"),
        ("Service", "orders"),
        ("Service", "orders-rest"),
        ("Deployment", "orders"),
        ("Deployment", "orders-taskmanager"),
        ("Ingress", "orders"),
    } <= names
    for obj in full:
        meta = obj["metadata"]
        assert meta["namespace"] == "shop"
        assert meta["labels"]["app"] == "orders"
        assert meta["labels"]["type"] == "flink-native-kubernetes"
        assert meta["ownerReferences"] == [
            {
                "apiVersion": "flink.apache.org/v1beta1",
                "kind": "FlinkDeployment",
                "name": "orders",
                "uid": "6f1c1a4e-0000-4000-8000-000000000001",
                "controller": False,
                "blockOwnerDeletion": True,
            }
        ]
    jobmanager = named(full, "Deployment", "orders")
    assert jobmanager["metadata"]["annotations"]["flinkdeployment.flink.apache.org/generation"] == (
        "4"
    )
    assert jobmanager["metadata"]["labels"]["component"] == "jobmanager"
    pod_labels = jobmanager["spec"]["template"]["metadata"]["labels"]
    assert jobmanager["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_config_map_carries_flink_configuration_and_log_files(full: list[Obj]) -> None:
    data = named(full, "ConfigMap", "flink-config-orders")["data"]
    config = yaml.safe_load(data["config.yaml"])
    assert config["high-availability.type"] == "kubernetes"
    assert config["high-availability.storageDir"] == "s3://bucket/ha"
    assert config["kubernetes.cluster-id"] == "orders"
    assert config["kubernetes.namespace"] == "shop"
    assert str(config["taskmanager.numberOfTaskSlots"]) == "2"
    assert data["log4j-console.properties"] == "rootLogger.level = DEBUG\n"
    volumes = named(full, "Deployment", "orders")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "orders-data"}} in volumes
    assert any((v.get("configMap") or {}).get("name") == "flink-config-orders" for v in volumes)


def test_kubernetes_ha_gets_rbac_for_the_service_account(full: list[Obj]) -> None:
    role = named(full, "Role", "orders-flink-ha")
    assert role["rules"][0]["resources"] == ["configmaps"]
    assert {"create", "update", "watch", "delete"} <= set(role["rules"][0]["verbs"])
    binding = named(full, "RoleBinding", "orders-flink-ha")
    assert binding["roleRef"]["name"] == "orders-flink-ha"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "flink", "namespace": "shop"}]
    for name in ("orders", "orders-taskmanager"):
        pod = named(full, "Deployment", name)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "flink"


def test_no_ha_no_rbac() -> None:
    objects = render(FULL.replace("high-availability.type: kubernetes", "foo: bar"))
    assert not by_kind(objects, "Role")
    assert not by_kind(objects, "RoleBinding")


def test_pod_templates_merge_by_name_and_pass_env_affinity_tolerations(full: list[Obj]) -> None:
    jobmanager = named(full, "Deployment", "orders")
    pod = jobmanager["spec"]["template"]["spec"]
    main = main_container(jobmanager)
    env = {item["name"]: item for item in main["env"]}
    assert env["REGION"] == {"name": "REGION", "value": "eu"}
    assert env["ROLE"] == {"name": "ROLE", "value": "jm"}
    assert env["DB_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "db", "key": "password"}}
    assert main["envFrom"] == [{"configMapRef": {"name": "shop-settings"}}]
    assert {"name": "data", "mountPath": "/data"} in main["volumeMounts"]
    assert main["image"] == "flink:2.2"
    assert main["imagePullPolicy"] == "Always"
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["flink"]
    assert pod["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "flink", "effect": "NoSchedule"}
    ]
    taskmanager_env = {
        e["name"] for e in main_container(named(full, "Deployment", "orders-taskmanager"))["env"]
    }
    assert "REGION" in taskmanager_env
    assert "ROLE" not in taskmanager_env


def test_positional_merge_when_not_by_name() -> None:
    text = FULL.replace('kubernetes.operator.pod-template.merge-arrays-by-name: "true"', "a: b")
    main = main_container(named(render(text), "Deployment", "orders"))
    names = [item["name"] for item in main["env"]]
    # Position 0 of the base env (REGION) is overlaid by the JobManager's first entry.
    assert "ROLE" in names
    assert "REGION" not in names
    assert "DB_PASSWORD" in names


def test_resources_from_resource_and_resources(full: list[Obj]) -> None:
    jm = main_container(named(full, "Deployment", "orders"))["resources"]
    assert jm == {
        "requests": {"cpu": "500m", "memory": "2048Mi"},
        "limits": {"cpu": "500m", "memory": "2048Mi"},
    }
    tm = main_container(named(full, "Deployment", "orders-taskmanager"))["resources"]
    # `resources` sets the limit factor (cpu 2/1) and passes ephemeral storage through.
    assert tm["requests"] == {"cpu": "1", "memory": "4096Mi", "ephemeral-storage": "2Gi"}
    assert tm["limits"] == {"cpu": "2", "memory": "4096Mi"}
    assert named(full, "Deployment", "orders-taskmanager")["spec"]["replicas"] == 2


def test_ingress_routes_the_template_host_to_the_rest_service(full: list[Obj]) -> None:
    ingress = named(full, "Ingress", "orders")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "orders.shop.flink.example.com"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "orders-rest", "port": {"number": 8081}}
    rest = named(full, "Service", "orders-rest")
    assert rest["spec"]["ports"][0]["port"] == 8081
    assert ingress["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/rewrite-target": "/"}


def test_standalone_mode_is_labelled_and_valid() -> None:
    objects = render(
        FULL.replace("  serviceAccount: flink\n", "  serviceAccount: flink\n  mode: standalone\n")
    )
    assert_valid(objects)
    for obj in objects:
        assert obj["metadata"]["labels"]["type"] == "flink-standalone-kubernetes"


def test_session_cluster_and_suspended_job() -> None:
    session = FULL[: FULL.index("  job:")]
    objects = render(session)
    assert (
        "scurry.io/job-id" not in named(objects, "Deployment", "orders")["metadata"]["annotations"]
    )
    assert_valid(objects)
    assert (
        render(
            FULL.replace("upgradeMode: savepoint", "upgradeMode: savepoint\n    state: suspended")
        )
        == []
    )


def test_remote_jar_is_fetched_by_an_init_container() -> None:
    objects = render(FULL.replace("local:///opt/flink/usrlib/orders.jar", "s3://jars/orders.jar"))
    assert_valid(objects)
    jobmanager = named(objects, "Deployment", "orders")
    (fetch,) = jobmanager["spec"]["template"]["spec"]["initContainers"]
    assert fetch["command"] == [
        "scurry",
        "fetch",
        "s3://jars/orders.jar",
        "/opt/flink/artifacts/orders.jar",
    ]
    # The object store's credentials are where the user put them for Flink.
    assert fetch["envFrom"] == [{"configMapRef": {"name": "shop-settings"}}]
    volume = fetch["volumeMounts"][0]
    assert volume in main_container(jobmanager)["volumeMounts"]
    config = yaml.safe_load(
        named(objects, "ConfigMap", "flink-config-orders")["data"]["config.yaml"]
    )
    assert "/opt/flink/artifacts/orders.jar" in str(config["pipeline.classpaths"])


def test_namespace_mismatch_and_invalid_spec_are_refused() -> None:
    with pytest.raises(InvalidInput, match="--namespace=shop"):
        render(FULL, namespace="other")
    with pytest.raises(ValidationFailed, match="orders"):
        render(FULL.replace("replicas: 2", "replicas: 0"))


def with_options(**options: str) -> str:
    lines = "".join(f'    {key}: "{value}"\n' for key, value in options.items())
    anchor = '    taskmanager.numberOfTaskSlots: "2"\n'
    return FULL.replace(anchor, anchor + lines, 1)


def test_flinks_kubernetes_options_shape_the_pods_and_rest_service() -> None:
    objects = render(
        with_options(
            **{
                "kubernetes.taskmanager.node-selector": "disk:ssd",
                "kubernetes.taskmanager.labels": "team:payments,app:not-a-selector",
                "kubernetes.jobmanager.annotations": "prometheus.io/scrape:true",
                "kubernetes.taskmanager.tolerations": (
                    "key:spot,operator:Exists,effect:NoExecute,tolerationSeconds:30"
                ),
                "kubernetes.container.image.pull-secrets": "registry;mirror",
                "kubernetes.rest-service.exposed.type": "NodePort",
            }
        )
    )
    assert_valid(objects)
    taskmanager = named(objects, "Deployment", "orders-taskmanager")["spec"]["template"]
    assert taskmanager["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert taskmanager["metadata"]["labels"]["team"] == "payments"
    assert taskmanager["metadata"]["labels"]["app"] == "orders"  # the selector stays whole
    assert {
        "key": "spot",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 30,
    } in taskmanager["spec"]["tolerations"]
    assert taskmanager["spec"]["imagePullSecrets"] == [{"name": "registry"}, {"name": "mirror"}]
    jobmanager = named(objects, "Deployment", "orders")["spec"]["template"]
    assert jobmanager["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert "nodeSelector" not in jobmanager["spec"]
    assert named(objects, "Service", "orders-rest")["spec"]["type"] == "NodePort"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"kubernetes.jobmanager.tolerations": "key:a,effect:NoSchedule,tolerationSeconds:x"},
            "kubernetes.jobmanager.tolerations: tolerationSeconds must be a whole number",
        ),
        (
            {"kubernetes.rest-service.exposed.type": "Public"},
            "kubernetes.rest-service.exposed.type: 'Public' is not one of ClusterIP",
        ),
    ],
)
def test_options_kubernetes_would_refuse_are_refused_by_name(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        render(with_options(**options))


PROM_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"


def test_flinks_prometheus_reporter_makes_both_roles_scrapable() -> None:
    objects = render(
        with_options(
            **{
                "metrics.reporter.prom.factory.class": PROM_FACTORY,
                "metrics.reporter.prom.port": "9250-9260",
            }
        )
    )
    assert_valid(objects)
    for name in ("orders", "orders-taskmanager"):
        template = named(objects, "Deployment", name)["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == "9250"
        ports = main_container(named(objects, "Deployment", name))["ports"]
        assert {"name": "prom-metrics", "containerPort": 9250} in ports


def test_without_the_reporter_pods_are_not_scrapable(full: list[Obj]) -> None:
    for name in ("orders", "orders-taskmanager"):
        deployment = named(full, "Deployment", name)
        assert (
            "prometheus.io/scrape" not in deployment["spec"]["template"]["metadata"]["annotations"]
        )
        assert all(p["name"] != "prom-metrics" for p in main_container(deployment)["ports"])


def test_the_reporters_default_port_and_the_users_own_annotations() -> None:
    objects = render(
        with_options(
            **{
                "metrics.reporter.prom.factory.class": PROM_FACTORY,
                "kubernetes.taskmanager.annotations": "prometheus.io/scrape:false",
            }
        )
    )
    assert_valid(objects)
    jobmanager = named(objects, "Deployment", "orders")["spec"]["template"]["metadata"]
    assert jobmanager["annotations"]["prometheus.io/port"] == "9249"
    taskmanager = named(objects, "Deployment", "orders-taskmanager")["spec"]["template"]
    assert taskmanager["metadata"]["annotations"]["prometheus.io/scrape"] == "false"


def test_a_reporter_left_out_of_metrics_reporters_stays_off() -> None:
    objects = render(
        with_options(
            **{
                "metrics.reporter.prom.factory.class": PROM_FACTORY,
                "metrics.reporters": "jmx",
            }
        )
    )
    template = named(objects, "Deployment", "orders")["spec"]["template"]
    assert "prometheus.io/scrape" not in template["metadata"]["annotations"]


def test_an_unreadable_reporter_port_is_refused_by_name() -> None:
    options = {"metrics.reporter.prom.factory.class": PROM_FACTORY}
    with pytest.raises(ValidationFailed, match=r"metrics.reporter.prom.port: 'http' is not a port"):
        render(with_options(**options, **{"metrics.reporter.prom.port": "http"}))


def test_task_managers_follow_the_parallelism_overrides_on_kubernetes() -> None:
    objects = render(with_options(**{"pipeline.jobvertex-parallelism-overrides": "a:4,b:7"}))
    assert_valid(objects)
    # Two slots per TaskManager: seven subtasks of vertex b need four of them.
    assert named(objects, "Deployment", "orders-taskmanager")["spec"]["replicas"] == 4
